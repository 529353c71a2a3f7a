#include "wsic/report/comparison.hpp"

#include <fmt/format.h>

#include "wsic/report/summary.hpp"
#include "wsic/report/text.hpp"

namespace wsic::report {

using experiment::CompareAcc;
using experiment::Epoch;
using experiment::Series;
using nlohmann::ordered_json;

CompareTables compare_tables(const std::vector<model::Scenario>& scenarios, const std::vector<Series>& series,
                             const CompareAcc& total) {
  CompareTables t;
  const model::Scenario& base = scenarios.front();
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
      "\nThe interval is Monte Carlo (simulation) error of the mean shift: how far it could move with more "
      "replications,\nnot the uncertainty of the forecast, which is the spread from P10 to P90.\n";
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
  j["whatifs"] = tables.whatifs;
  ordered_json summaries = ordered_json::array();
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    summaries.push_back(ordered_json::parse(summary_json(scenarios[k], total.outcomes[k], info)));
  }
  j["summaries"] = summaries;
  return j;
}

}  // namespace wsic::report
