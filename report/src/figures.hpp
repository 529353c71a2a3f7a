#pragma once
/// Small conversions of a batch's outcomes that summary.json, the CSV tables
/// and the report data all make. One definition each, so the files agree to
/// the last bit.

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "wsic/model/outcomes.hpp"
#include "wsic/model/scenario.hpp"

namespace wsic::report::figures {

/// k of n as a fraction; 0 when n is 0.
inline double share(std::uint64_t k, std::uint64_t n) {
  return n ? static_cast<double>(k) / static_cast<double>(n) : 0.0;
}

/// "2013/14" for the financial year that starts in April 2013.
inline std::string fy_label(int year) { return fmt::format("{}/{:02}", year, (year + 1) % 100); }

/// The ISO date of a day, or null where there is none (not reached by the horizon).
inline nlohmann::ordered_json date_or_null(const model::Scenario& sc, std::optional<int> day) {
  if (!day) return nullptr;
  return model::iso_day(sc, day);
}

/// A total over all replications as a mean per replication (a batch of none
/// counts as one, so the mean is the total, zero).
inline double per_replication(double total, std::uint64_t n) {
  return total / static_cast<double>(std::max<std::uint64_t>(1, n));
}

/// The mean of a histogram whose slot k counts the replications with value k.
inline double histogram_mean(const std::vector<std::uint64_t>& counts, std::uint64_t n) {
  double mean = 0.0;
  for (std::size_t k = 0; k < counts.size(); ++k) mean += static_cast<double>(k) * share(counts[k], n);
  return mean;
}

/// The most frequent value of such a histogram (the smallest on a tie).
inline std::size_t histogram_mode(const std::vector<std::uint64_t>& counts) {
  std::size_t mode = 0;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] > counts[mode]) mode = k;
  }
  return mode;
}

/// People covered across the schemes over time: the population of every
/// group of reported size, and on the first of each month the mean number
/// enrolled in the new models of care.
inline nlohmann::ordered_json people_covered(const model::Scenario& sc, const model::Outcomes& o) {
  nlohmann::ordered_json months = nlohmann::ordered_json::array();
  for (std::size_t m = 0; m < o.month_days.size(); ++m) {
    months.push_back({{"month", model::iso_day(sc, static_cast<int>(o.month_days[m]))},
                      {"mean", per_replication(o.people_by_month[m], o.replications)}});
  }
  return {{"population", o.population()}, {"by_month", std::move(months)}};
}

/// What money is spent on (model::spend_categories): id, name and the pot
/// it is paid from.
inline nlohmann::ordered_json spend_categories(const model::Scenario& sc) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const model::SpendCategory& c : model::spend_categories(sc)) {
    out.push_back(
        {{"id", c.id}, {"name", c.name}, {"paid_from", c.pot == model::Lever::Pot::kLocal ? "local" : "central"}});
  }
  return out;
}

/// The label of a spend table's row: a financial year, or what came after them.
inline std::string spend_row_label(const model::Scenario& sc, std::size_t row) {
  if (row < sc.funding.size()) return fy_label(sc.funding[row].year);
  return "after " + fy_label(sc.funding.back().year);
}

/// Each financial year's funding and mean spend, then what was spent after
/// the funded years (funded: null), in millions of pounds. `spent` holds a
/// category's id and its mean spend; the keys of the funding and the total
/// end in `suffix` (summary.json says "_m", the report data nothing).
inline nlohmann::ordered_json spend_by_year(const model::Scenario& sc, const model::Outcomes& o,
                                            const std::string& suffix) {
  nlohmann::ordered_json spend = nlohmann::ordered_json::array();
  const auto cats = model::spend_categories(sc);
  for (std::size_t y = 0; y < model::spend_rows(sc); ++y) {
    const bool funded = y < sc.funding.size();
    nlohmann::ordered_json spent = nlohmann::ordered_json::object();
    double total = 0.0;
    for (std::size_t k = 0; k < cats.size(); ++k) {
      const double v = per_replication(o.spend_at(y, k), o.replications);
      spent[cats[k].id] = v;
      total += v;
    }
    spend.push_back({{"financial_year", spend_row_label(sc, y)},
                     {"funded_central" + suffix, funded ? nlohmann::ordered_json(sc.funding[y].central) : nullptr},
                     {"funded_local" + suffix, funded ? nlohmann::ordered_json(sc.funding[y].local) : nullptr},
                     {"spent" + suffix, std::move(spent)},
                     {"spent_total" + suffix, total}});
  }
  return spend;
}

}  // namespace wsic::report::figures
