#include "wsic/report/comparison.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

#include "figures.hpp"
#include "wsic/report/summary.hpp"
#include "wsic/report/text.hpp"

namespace wsic::report {

using experiment::CompareAcc;
using experiment::Epoch;
using experiment::Series;
using nlohmann::ordered_json;

namespace {

/// Scenario k's counts of series `se`'s dates; nullptr when it has no such scheme.
const model::DayCounts* counts_of(const model::Outcomes& o, const Series& se, std::size_t k) {
  if (se.base_index == -1) return &o.first_live;
  if (se.base_index == -2) return &o.all_live;
  const int s = k == 0 ? se.base_index : se.whatif_index[k - 1];
  return s < 0 ? nullptr : &o.go_live[static_cast<std::size_t>(s)];
}

constexpr double kDateQuantiles[] = {0.1, 0.5, 0.8, 0.9};

/// A quantile's date in the scenario's calendar, or "after <horizon>".
std::string date_or_after(const model::Scenario& sc, std::optional<int> day) {
  return day ? model::iso_day(sc, day) : "after " + sim::format_iso_date(sc.horizon);
}

/// A quantile's day as a day number of the proleptic calendar, to subtract
/// across scenarios whose calendars start on different days.
std::optional<long> absolute_day(const model::Scenario& sc, std::optional<int> day) {
  if (!day) return std::nullopt;
  return static_cast<long>(std::chrono::sys_days(sc.calendar_start).time_since_epoch().count()) + *day;
}

/// The planner's answer for one what-if and series, in dates: "All schemes
/// live: median 2016-07-06 in X against 2017-03-05 in B, 242 days earlier;
/// earlier in 98.6% of futures, later in 0.4%."
std::string answer(const model::Scenario& base, const model::Scenario& whatif, const Series& se,
                   const model::DayCounts& b, const model::DayCounts& w,
                   const experiment::PairedDifferences::Summary& s) {
  const auto mb = b.quantile(0.5), mw = w.quantile(0.5);
  std::string shift;
  const auto ab = absolute_day(base, mb), aw = absolute_day(whatif, mw);
  if (ab && aw) {
    const long d = *aw - *ab;
    shift = d == 0
                ? ", the same day"
                : fmt::format(", {} day{} {}", std::abs(d), std::abs(d) == 1 ? "" : "s", d < 0 ? "earlier" : "later");
  }
  return fmt::format("{}: median {} in {} against {} in {}{}; earlier in {:.1f}% of futures, later in {:.1f}%.",
                     se.name, date_or_after(whatif, mw), whatif.name, date_or_after(base, mb), base.name, shift,
                     100.0 * s.probability_earlier, 100.0 * s.probability_later);
}

/// Per what-if, the answer for all schemes live, into the answers and the
/// terminal table.
void add_answers(const std::vector<model::Scenario>& scenarios, const std::vector<Series>& series,
                 const CompareAcc& total, CompareTables& t) {
  const auto all = std::find_if(series.begin(), series.end(), [](const Series& se) { return se.base_index == -2; });
  if (all == series.end()) return;
  const auto i = static_cast<std::size_t>(all - series.begin());
  for (std::size_t k = 1; k < scenarios.size(); ++k) {
    t.answers.push_back(answer(scenarios.front(), scenarios[k], *all, *counts_of(total.outcomes[0], *all, 0),
                               *counts_of(total.outcomes[k], *all, k), total.diffs[k - 1].summary(i)));
    t.table += t.answers.back() + "\n";
  }
}

/// Each scenario's dates, side by side: every series' in dates.csv and
/// comparison.json, the programme's in the terminal table.
void add_dates(const std::vector<model::Scenario>& scenarios, const std::vector<Series>& series,
               const CompareAcc& total, CompareTables& t) {
  t.dates_csv = "scenario,series_id,series_name,p10,p50,p80,p90,probability_within_horizon\n";
  t.table += "\nDates (P10, P50, P80, P90 of the replications)\n";
  for (const Series& se : series) {
    const bool programme = se.base_index < 0;
    if (programme) t.table += se.name + "\n";
    for (std::size_t k = 0; k < scenarios.size(); ++k) {
      const model::DayCounts* d = counts_of(total.outcomes[k], se, k);
      if (d == nullptr) continue;
      std::vector<std::string> dates;
      ordered_json q = ordered_json::object();
      for (const double p : kDateQuantiles) {
        dates.push_back(model::iso_day(scenarios[k], d->quantile(p)));
        q[fmt::format("p{:.0f}", 100.0 * p)] = figures::date_or_null(scenarios[k], d->quantile(p));
      }
      const double within = 1.0 - figures::share(d->never(), d->total());
      t.dates_csv += fmt::format("{},{},{},{},{:.6f}\n", csv_field(scenarios[k].name), csv_field(se.id),
                                 csv_field(se.name), fmt::join(dates, ","), within);
      t.dates[scenarios[k].name][se.id] = {{"name", se.name}, {"quantiles", q}, {"probability_within_horizon", within}};
      if (!programme) continue;
      std::string line = "  " + fit_column(scenarios[k].name, 34);
      for (const auto& date : dates) line += fmt::format(" {:>10}", date.empty() ? "after" : date);
      t.table += line + fmt::format("  {:.1f}% by {}\n", 100.0 * within, sim::format_iso_date(scenarios[k].horizon));
    }
  }
  t.table += "(\"after\": past the scenario's horizon.)\n";
}

}  // namespace

CompareTables compare_tables(const std::vector<model::Scenario>& scenarios, const std::vector<Series>& series,
                             const CompareAcc& total) {
  CompareTables t;
  const model::Scenario& base = scenarios.front();
  add_answers(scenarios, series, total, t);
  add_dates(scenarios, series, total, t);

  t.csv =
      "whatif,series_id,series_name,pairs,both_live,mean_shift_days,mean_ci_low,mean_ci_high,p10_shift_days,"
      "p50_shift_days,p90_shift_days,p50_ci_low,p50_ci_high,probability_earlier,probability_later\n";
  for (std::size_t k = 1; k < scenarios.size(); ++k) {
    ordered_json rows = ordered_json::array();
    t.table += "\n" + scenarios[k].name + " against " + base.name + " (shift in go-live, days; negative is earlier)\n";
    constexpr std::size_t kNameWidth = 36;
    t.table += fmt::format("{} {:>9} {:>17} {:>8} {:>8} {:>8} {:>9}\n", fit_column("", kNameWidth), "mean",
                           "95% MC error", "P10", "P50", "P90", "P(earlier)");
    for (std::size_t i = 0; i < series.size(); ++i) {
      if (series[i].base_index >= 0 && series[i].whatif_index[k - 1] < 0) continue;
      const auto s = total.diffs[k - 1].summary(i);
      rows.push_back({{"id", series[i].id},
                      {"name", series[i].name},
                      {"pairs", s.pairs},
                      {"both_live", s.both_live},
                      {"mean_shift", s.mean},
                      {"mean_ci", {s.mean_ci_low, s.mean_ci_high}},
                      {"p10_shift", s.p10},
                      {"p50_shift", s.p50},
                      {"p90_shift", s.p90},
                      {"p50_shift_ci", {s.p50_ci_low, s.p50_ci_high}},
                      {"probability_earlier", s.probability_earlier},
                      {"probability_later", s.probability_later}});
      t.csv += fmt::format("{},{},{},{},{},{:.4f},{:.4f},{:.4f},{:.0f},{:.0f},{:.0f},{:.0f},{:.0f},{:.6f},{:.6f}\n",
                           csv_field(scenarios[k].name), csv_field(series[i].id), csv_field(series[i].name), s.pairs,
                           s.both_live, s.mean, s.mean_ci_low, s.mean_ci_high, s.p10, s.p50, s.p90, s.p50_ci_low,
                           s.p50_ci_high, s.probability_earlier, s.probability_later);
      t.table += fmt::format("{} {:>9.1f} [{:>7.1f},{:>7.1f}] {:>8.0f} {:>8.0f} {:>8.0f} {:>8.1f}%\n",
                             fit_column(series[i].name, kNameWidth), s.mean, s.mean_ci_low, s.mean_ci_high, s.p10,
                             s.p50, s.p90, 100.0 * s.probability_earlier);
    }
    t.whatifs.push_back({{"name", scenarios[k].name}, {"rows", rows}});
  }
  t.table +=
      "\nP10, P50 and P90 of a shift are percentiles of the paired change, future by future (the same replication "
      "in both\nscenarios); the answers at the top compare the two forecasts' medians, which can differ from the "
      "median change.\nThe interval is Monte Carlo (simulation) error of the mean shift: how far it could move with "
      "more replications,\nnot the uncertainty of the forecast, which is the spread from P10 to P90.\n";
  return t;
}

ordered_json comparison_json(const BatchInfo& info, const std::vector<model::Scenario>& scenarios, const Epoch& ep,
                             const CompareTables& tables, const CompareAcc& total) {
  ordered_json j;
  j["tool"] = "wsic";
  j["version"] = info.tool_version;
  j["seed"] = info.seed;
  j["replications"] = info.replications;
  j["common_random_numbers"] =
      "every scenario runs the same replication indices with the same seed; streams shared by name draw the same "
      "numbers";
  j["time_axis"] = {
      {"start", sim::format_iso_date(ep.start)},
      {"horizon", sim::format_iso_date(sim::Calendar(ep.start).to_date(sim::Time::from_days(ep.horizon)))},
      {"about",
       "shifts are differences of dates; a date after the earliest horizon of the scenarios counts as not reached"}};
  ordered_json sc_json = ordered_json::array();
  for (const auto& sc : scenarios)
    sc_json.push_back({{"name", sc.name}, {"content_hash", model::content_hash(sc)}, {"file", sc.source_file}});
  j["scenarios"] = sc_json;
  j["base"] = scenarios.front().name;
  j["answers"] = tables.answers;
  j["dates"] = tables.dates;
  j["whatifs"] = tables.whatifs;
  ordered_json summaries = ordered_json::array();
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    summaries.push_back(ordered_json::parse(summary_json(scenarios[k], total.outcomes[k], info)));
  }
  j["summaries"] = summaries;
  return j;
}

}  // namespace wsic::report
