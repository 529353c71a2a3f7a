#include "wsic/report/comparison.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

#include "figures.hpp"
#include "wsic/model/resamples.hpp"
#include "wsic/report/summary.hpp"
#include "wsic/report/text.hpp"

namespace wsic::report {

using experiment::CompareAcc;
using experiment::Epoch;
using experiment::Series;
using nlohmann::ordered_json;

std::optional<double> end_of_funding(const model::Scenario& sc) {
  if (sc.funding.empty()) return std::nullopt;
  using namespace std::chrono;
  const year_month_day april{year{sc.funding.back().year + 1}, April, day{1}};
  return sim::Calendar(sc.calendar_start).to_time(april).in_days();
}

std::optional<double> people_covered_on(const model::Outcomes& o, double day) {
  const auto it = std::find(o.month_days.begin(), o.month_days.end(), day);
  if (it == o.month_days.end()) return std::nullopt;
  return figures::per_replication(o.people_by_month[static_cast<std::size_t>(it - o.month_days.begin())],
                                  o.replications);
}

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

/// The shift of the forecast for one series: what-if's quantile date minus
/// the base's, in days, with a paired bootstrap interval for simulation
/// error where the series is resampled (the programme's).
struct ForecastShift {
  std::optional<long> days;                 ///< absent when either quantile is past its horizon
  std::optional<model::Interval> interval;  ///< absent for schemes, or when a resample passes a horizon
};

/// The resampled series behind `se`, if it is one of the programme's.
std::optional<model::Resamples::Series> resampled(const Series& se) {
  if (se.base_index == -1) return model::Resamples::Series::kFirstLive;
  if (se.base_index == -2) return model::Resamples::Series::kAllLive;
  return std::nullopt;
}

ForecastShift forecast_shift(const model::Scenario& base, const model::Scenario& whatif, const model::Outcomes& ob,
                             const model::Outcomes& ow, const Series& se, std::size_t k, double p) {
  ForecastShift f;
  const auto ab = absolute_day(base, counts_of(ob, se, 0)->quantile(p));
  const auto aw = absolute_day(whatif, counts_of(ow, se, k)->quantile(p));
  if (!ab || !aw) return f;
  f.days = *aw - *ab;
  const auto rs = resampled(se);
  if (!rs || !ob.resamples.on() || !ow.resamples.on()) return f;
  const std::vector<int> qb = ob.resamples.quantiles_or_after(*rs, p), qw = ow.resamples.quantiles_or_after(*rs, p);
  if (qb.empty() || qb.size() != qw.size()) return f;
  const auto past = [](const std::vector<int>& q, std::size_t days) {
    return std::any_of(q.begin(), q.end(), [&](int d) { return static_cast<std::size_t>(d) >= days; });
  };
  if (past(qb, ob.resamples.days()) || past(qw, ow.resamples.days())) return f;
  f.interval = model::paired_interval(qb, qw, static_cast<double>(*absolute_day(whatif, 0) - *absolute_day(base, 0)));
  return f;
}

std::string days_phrase(long d) {
  if (d == 0) return "the same day";
  return fmt::format("{} day{} {}", std::abs(d), std::abs(d) == 1 ? "" : "s", d < 0 ? "earlier" : "later");
}

/// The planner's answer for one what-if and series, in dates: "All schemes
/// live: median 2016-07-06 in X against 2017-03-05 in B, 242 days earlier
/// (95% simulation-error interval -251 to -233 days); earlier in 98.6% of
/// futures, later in 0.4%."
std::string answer(const model::Scenario& base, const model::Scenario& whatif, const Series& se,
                   const model::DayCounts& b, const model::DayCounts& w, const ForecastShift& f,
                   const experiment::PairedDifferences::Summary& s) {
  std::string shift;
  if (f.days) {
    shift = ", " + days_phrase(*f.days);
    if (f.interval)
      shift += fmt::format(" (95% simulation-error interval {:.0f} to {:.0f} days)", f.interval->low, f.interval->high);
  }
  return fmt::format("{}: median {} in {} against {} in {}{}; earlier in {:.1f}% of futures, later in {:.1f}%.",
                     se.name, date_or_after(whatif, w.quantile(0.5)), whatif.name, date_or_after(base, b.quantile(0.5)),
                     base.name, shift, 100.0 * s.probability_earlier, 100.0 * s.probability_later);
}

/// Per what-if, the answer for all schemes live, into the answers and the
/// terminal table.
void add_answers(const std::vector<model::Scenario>& scenarios, const std::vector<Series>& series,
                 const CompareAcc& total, CompareTables& t) {
  const auto all = std::find_if(series.begin(), series.end(), [](const Series& se) { return se.base_index == -2; });
  if (all == series.end()) return;
  const auto i = static_cast<std::size_t>(all - series.begin());
  for (std::size_t k = 1; k < scenarios.size(); ++k) {
    const ForecastShift f =
        forecast_shift(scenarios.front(), scenarios[k], total.outcomes[0], total.outcomes[k], *all, k, 0.5);
    t.answers.push_back(answer(scenarios.front(), scenarios[k], *all, *counts_of(total.outcomes[0], *all, 0),
                               *counts_of(total.outcomes[k], *all, k), f, total.diffs[k - 1].summary(i)));
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

/// What each scenario did for people, beside what it cost: the people
/// covered when the funding ended (the mean, and its share of the schemes'
/// population) and when every scheme was on its full model (P50). Written
/// into each scenario's trade_offs entry and as a second block of the table.
void add_people(const std::vector<model::Scenario>& scenarios, const CompareAcc& total, CompareTables& t) {
  t.table += "\nWhat it did for people (means of the replications; the full model: P50)\n";
  t.table +=
      fmt::format("  {:<34} {:>24} {:>10} {:>22}\n", "", "people covered when the", "share of", "every scheme on its");
  t.table += fmt::format("  {:<34} {:>24} {:>10} {:>22}\n", "", "funding ended", "population", "full model (P50)");
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    const model::Scenario& sc = scenarios[k];
    const model::Outcomes& o = total.outcomes[k];
    std::optional<double> people;
    std::string when;
    if (const auto day = end_of_funding(sc)) {
      people = people_covered_on(o, *day);
      if (people) when = model::iso_day(sc, static_cast<int>(*day));
    }
    const double population = o.population();
    const std::optional<double> share =
        people && population > 0.0 ? std::optional<double>(*people / population) : std::nullopt;
    const std::optional<int> full_day = o.all_full_model.quantile(0.5);
    const std::string full = model::iso_day(sc, full_day);
    t.table += fmt::format("  {:<34} {:>24} {:>10} {:>22}\n", fit_column(sc.name, 34),
                           people ? fmt::format("{:.0f} ({})", *people, when) : "-",
                           share ? fmt::format("{:.0f}%", 100.0 * *share) : "-", full.empty() ? "after" : full);
    ordered_json& row = t.tradeoffs[t.tradeoffs.size() - scenarios.size() + k];
    row["end_of_funding"] = when.empty() ? ordered_json(nullptr) : ordered_json(when);
    row["people_covered_at_end_of_funding_mean"] = people ? ordered_json(*people) : ordered_json(nullptr);
    row["population"] = population;
    row["all_full_model_p50"] = figures::date_or_null(sc, full_day);
  }
}

/// What each scenario bought and what it cost, side by side: when co-design
/// ended, how many schemes were live when the evidence counted them, how
/// often barriers struck, and the money spent in the funded years and
/// needed after them (the means over the replications). A decision's two
/// sides show here together: a what-if may finish co-design sooner and
/// implementation later, or buy time with money.
void add_tradeoffs(const std::vector<model::Scenario>& scenarios, const CompareAcc& total, CompareTables& t) {
  t.table += "\nWhat each scenario bought and what it cost (P50 and means of the replications)\n";
  t.table += fmt::format("  {:<34} {:>10} {:>12} {:>9} {:>9} {:>15} {:>14}\n", "", "co-design", "schemes live",
                         "live by", "barrier", "spent in the", "needed after");
  t.table += fmt::format("  {:<34} {:>10} {:>12} {:>9} {:>9} {:>15} {:>14}\n", "", "ends (P50)", "at the count",
                         "promise", "strikes", "funded years", "them");
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    const model::Scenario& sc = scenarios[k];
    const model::Outcomes& o = total.outcomes[k];
    const auto n = o.replications;
    // The milestone the evidence counted schemes live at, if any.
    const auto counted = std::find_if(sc.milestones.begin(), sc.milestones.end(),
                                      [](const model::Milestone& m) { return m.observed_live >= 0; });
    std::optional<double> live;
    std::string counted_at;
    if (counted != sc.milestones.end()) {
      const auto m = static_cast<std::size_t>(counted - sc.milestones.begin());
      live = figures::histogram_mean(o.live_count_at[m], n);
      counted_at = sim::format_iso_date(counted->date);
    }
    double strikes = 0.0;
    for (const auto h : o.barrier_hits) strikes += static_cast<double>(h);
    double funded = 0.0, spent = 0.0, after = 0.0;
    for (const model::FundingYear& fy : sc.funding) funded += fy.central + fy.local;
    for (std::size_t row = 0; row < model::spend_rows(sc); ++row) {
      for (std::size_t c = 0; c < o.spend_columns; ++c) (row < sc.funding.size() ? spent : after) += o.spend_at(row, c);
    }
    // The share of schemes live by the go-live date promised, if one was.
    std::optional<double> kept;
    if (sc.lever_promised_go_live >= 0 && !o.go_live.empty()) {
      const double promised = sc.levers[static_cast<std::size_t>(sc.lever_promised_go_live)].value;
      double sum = 0.0;
      for (const model::DayCounts& g : o.go_live) sum += g.share_by(promised);
      kept = sum / static_cast<double>(o.go_live.size());
    }
    const std::string codesign = model::iso_day(sc, o.codesign_end.quantile(0.5));
    t.table += fmt::format("  {:<34} {:>10} {:>12} {:>9} {:>9.1f} {:>15} {:>14}\n", fit_column(sc.name, 34),
                           codesign.empty() ? "after" : codesign, live ? fmt::format("{:.2f}", *live) : "-",
                           kept ? fmt::format("{:.0f}%", 100.0 * *kept) : "-", figures::per_replication(strikes, n),
                           fmt::format("£{:.2f}m of {:.2f}", figures::per_replication(spent, n), funded),
                           fmt::format("£{:.2f}m", figures::per_replication(after, n)));
    t.tradeoffs.push_back({{"scenario", sc.name},
                           {"codesign_end_p50", figures::date_or_null(sc, o.codesign_end.quantile(0.5))},
                           {"counted_at", counted_at.empty() ? ordered_json(nullptr) : ordered_json(counted_at)},
                           {"schemes_live_at_count_mean", live ? ordered_json(*live) : ordered_json(nullptr)},
                           {"share_live_by_promise", kept ? ordered_json(*kept) : ordered_json(nullptr)},
                           {"barrier_strikes_mean", figures::per_replication(strikes, n)},
                           {"funded_gbp_m", funded},
                           {"spent_in_funded_years_gbp_m", figures::per_replication(spent, n)},
                           {"needed_after_funded_years_gbp_m", figures::per_replication(after, n)}});
  }
  if (!scenarios.empty() && !scenarios.front().funding.empty()) {
    t.table +=
        "(schemes live at the date the evidence counted them; live by promise: the share of schemes live by "
        "the promised\n go-live date; money in £m; \"needed after them\": the work still going on after the "
        "last funded year, at\n that year's rates)\n";
  }
  add_people(scenarios, total, t);
}

}  // namespace

namespace {

ordered_json json_days(const std::optional<long>& d) { return d ? ordered_json(*d) : ordered_json(nullptr); }
ordered_json json_interval(const std::optional<model::Interval>& i) {
  return i ? ordered_json::array({i->low, i->high}) : ordered_json(nullptr);
}
std::string csv_days(const std::optional<long>& d) { return d ? std::to_string(*d) : std::string(); }
std::string csv_interval(const std::optional<model::Interval>& i) {
  return i ? fmt::format("{:.0f},{:.0f}", i->low, i->high) : std::string(",");
}
std::string cell_days(const std::optional<long>& d) { return d ? std::to_string(*d) : std::string("-"); }
std::string cell_interval(const std::optional<model::Interval>& i) {
  return i ? fmt::format("[{:.0f},{:.0f}]", i->low, i->high) : std::string();
}

/// One what-if's rows: comparison.json's, paired_differences.csv's and the terminal table's.
ordered_json whatif_rows(const std::vector<model::Scenario>& scenarios, const std::vector<Series>& series,
                         const CompareAcc& total, std::size_t k, CompareTables& t) {
  ordered_json rows = ordered_json::array();
  t.table += "\n" + scenarios[k].name + " against " + scenarios.front().name + " (days; negative is earlier)\n";
  constexpr std::size_t kNameWidth = 28;
  const std::string pad = fit_column("", kNameWidth);
  t.table += fmt::format("{} {:<20} {:<20} {:^23} {:>10} {:>8}\n", pad, "P50 shift", "P80 shift",
                         "change, future by future", "P(earlier)", "P(later)");
  t.table += fmt::format("{} {:<20} {:<20} {:>7} {:>7} {:>7}\n", pad, "[95% sim. error]", "[95% sim. error]", "P10",
                         "median", "P90");
  for (std::size_t i = 0; i < series.size(); ++i) {
    const Series& se = series[i];
    if (se.base_index >= 0 && se.whatif_index[k - 1] < 0) continue;
    const auto s = total.diffs[k - 1].summary(i);
    const ForecastShift f50 =
        forecast_shift(scenarios.front(), scenarios[k], total.outcomes[0], total.outcomes[k], se, k, 0.5);
    const ForecastShift f80 =
        forecast_shift(scenarios.front(), scenarios[k], total.outcomes[0], total.outcomes[k], se, k, 0.8);
    rows.push_back({{"id", se.id},
                    {"name", se.name},
                    {"pairs", s.pairs},
                    {"both_live", s.both_live},
                    {"p50_shift", json_days(f50.days)},
                    {"p50_shift_ci", json_interval(f50.interval)},
                    {"p80_shift", json_days(f80.days)},
                    {"p80_shift_ci", json_interval(f80.interval)},
                    {"p10_change", s.p10},
                    {"median_change", s.p50},
                    {"median_change_ci", {s.p50_ci_low, s.p50_ci_high}},
                    {"p90_change", s.p90},
                    {"mean_change_both_live", s.both_live ? ordered_json(s.mean) : ordered_json(nullptr)},
                    {"mean_change_both_live_ci",
                     s.both_live ? ordered_json::array({s.mean_ci_low, s.mean_ci_high}) : ordered_json(nullptr)},
                    {"probability_earlier", s.probability_earlier},
                    {"probability_later", s.probability_later}});
    const std::string mean_csv =
        s.both_live ? fmt::format("{:.4f},{:.4f},{:.4f}", s.mean, s.mean_ci_low, s.mean_ci_high) : std::string(",,");
    t.csv += fmt::format("{},{},{},{},{},{},{},{},{},{:.0f},{:.0f},{:.0f},{:.0f},{:.0f},{},{:.6f},{:.6f}\n",
                         csv_field(scenarios[k].name), csv_field(se.id), csv_field(se.name), s.pairs, s.both_live,
                         csv_days(f50.days), csv_interval(f50.interval), csv_days(f80.days), csv_interval(f80.interval),
                         s.p10, s.p50, s.p50_ci_low, s.p50_ci_high, s.p90, mean_csv, s.probability_earlier,
                         s.probability_later);
    t.table += fmt::format("{} {:>6} {:<13} {:>6} {:<13} {:>7.0f} {:>7.0f} {:>7.0f} {:>9.1f}% {:>7.1f}%\n",
                           fit_column(se.name, kNameWidth), cell_days(f50.days), cell_interval(f50.interval),
                           cell_days(f80.days), cell_interval(f80.interval), s.p10, s.p50, s.p90,
                           100.0 * s.probability_earlier, 100.0 * s.probability_later);
  }
  return rows;
}

}  // namespace

CompareTables compare_tables(const std::vector<model::Scenario>& scenarios, const std::vector<Series>& series,
                             const CompareAcc& total) {
  CompareTables t;
  add_answers(scenarios, series, total, t);
  add_dates(scenarios, series, total, t);
  add_tradeoffs(scenarios, total, t);
  t.csv =
      "whatif,series_id,series_name,pairs,both_live,p50_shift_days,p50_shift_ci_low,p50_shift_ci_high,"
      "p80_shift_days,p80_shift_ci_low,p80_shift_ci_high,p10_change_days,median_change_days,median_change_ci_low,"
      "median_change_ci_high,p90_change_days,mean_change_both_live_days,mean_change_both_live_ci_low,"
      "mean_change_both_live_ci_high,probability_earlier,probability_later\n";
  for (std::size_t k = 1; k < scenarios.size(); ++k)
    t.whatifs.push_back({{"name", scenarios[k].name}, {"rows", whatif_rows(scenarios, series, total, k, t)}});
  t.table +=
      "\nTwo measures of what a what-if changes:\n"
      "  P50 and P80 shift: the what-if's forecast date minus the base's (a difference of two medians, or of two "
      "80th\n  percentiles), as in the answers above.\n"
      "  Change, future by future: the what-if's date minus the base's in the same replication (common random "
      "numbers);\n  P10, median and P90 are percentiles of that change over all replications, a date past the "
      "horizon counting\n  as the day after it, and P(earlier) and P(later) are shares of all replications "
      "(paired_differences.csv\n  also has the mean change, over the replications in which both went live).\n"
      "The median of the changes is not the change of the medians: the two can differ by weeks.\n"
      "The bracketed intervals are simulation (Monte Carlo) error, for the programme's dates: how far a figure could "
      "move\nwith more replications (a paired bootstrap of 200 resamples). They are not the uncertainty of the "
      "forecast,\nwhich is its spread, from P10 to P90 of the dates.\n";
  return t;
}

ordered_json comparison_json(const BatchInfo& info, const std::vector<model::Scenario>& scenarios, const Epoch& ep,
                             const CompareTables& tables, const CompareAcc& total) {
  ordered_json j;
  j["tool"] = "wsic";
  j["version"] = info.tool_version;
  if (!info.run_id.empty()) j["run_id"] = info.run_id;
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
  j["trade_offs"] = tables.tradeoffs;
  j["whatifs"] = tables.whatifs;
  ordered_json summaries = ordered_json::array();
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    summaries.push_back(ordered_json::parse(summary_json(scenarios[k], total.outcomes[k], info)));
  }
  j["summaries"] = summaries;
  return j;
}

}  // namespace wsic::report
