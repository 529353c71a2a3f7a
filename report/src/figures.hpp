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

/// Each financial year's funding and mean spend, in millions of pounds; every key
/// but the year's ends in `suffix` (summary.json says "_m", the report data
/// nothing).
inline nlohmann::ordered_json spend_by_year(const model::Scenario& sc, const model::Outcomes& o,
                                            const std::string& suffix) {
  nlohmann::ordered_json spend = nlohmann::ordered_json::array();
  for (std::size_t y = 0; y < sc.funding.size(); ++y) {
    spend.push_back({{"financial_year", fy_label(sc.funding[y].year)},
                     {"funded_central" + suffix, sc.funding[y].central},
                     {"funded_local" + suffix, sc.funding[y].local},
                     {"central_team" + suffix, per_replication(o.spend_central_team[y], o.replications)},
                     {"consultancy" + suffix, per_replication(o.spend_consultancy[y], o.replications)},
                     {"local_support" + suffix, per_replication(o.spend_local[y], o.replications)}});
  }
  return spend;
}

}  // namespace wsic::report::figures
