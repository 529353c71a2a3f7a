#include "wsic/cli/commands.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <limits>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "wsic/cli/analysis.hpp"
#include "wsic/cli/files.hpp"
#include "wsic/cli/output.hpp"
#include "wsic/cli/report.hpp"
#include "wsic/cli/summary.hpp"
#include "wsic/cli/text.hpp"
#include "wsic/model/loader.hpp"
#include "wsic/model/model.hpp"
#include "wsic/sim/runner.hpp"

namespace wsic::cli {

int validate_command(const std::vector<std::filesystem::path>& files) {
  bool ok = true;
  for (const auto& f : files) {
    const model::LoadResult r = model::check_scenario(f);
    if (r.ok()) {
      std::cout << f.string() << ": ok (" << r.scenario->name << ", " << r.scenario->schemes.size() << " schemes, "
                << r.scenario->workstreams.size() << " workstreams, " << r.scenario->barriers.size() << " barriers)\n";
      continue;
    }
    ok = false;
    for (const auto& d : r.diagnostics) std::cerr << d.format() << '\n';
  }
  return ok ? kExitOk : kExitBadInput;
}

namespace {
using nlohmann::ordered_json;
namespace fs = std::filesystem;

// Series compared: each scheme of the base (matched by id), then the programme.
struct Series {
  std::string id;
  std::string name;
  int base_index;                // scheme index in the base, or -1 for programme series
  std::vector<int> whatif_index; // per what-if, or -1 when the scheme is absent there
};

/// Ctrl-C seen by compare at a phase boundary.
struct CompareInterrupted {
  std::string during;
};

/// The scenarios of a comparison share one time axis: days since the
/// earliest calendar start among them, up to the earliest horizon. A what-if
/// that only moves calendar.start compares as identical, not as every scheme
/// shifted by the move.
struct Epoch {
  sim::Date start;
  std::vector<double> offset;  // per scenario: its day 0 in the epoch's days
  int horizon = 0;             // the last day every scenario simulates

  explicit Epoch(const std::vector<model::Scenario>& scenarios) {
    start = scenarios.front().calendar_start;
    for (const auto& sc : scenarios) start = std::min(start, sc.calendar_start);
    const sim::Calendar cal(start);
    double last = std::numeric_limits<double>::infinity();
    for (const auto& sc : scenarios) {
      offset.push_back(cal.to_time(sc.calendar_start).in_days());
      last = std::min(last, cal.to_time(sc.horizon).in_days());
    }
    horizon = static_cast<int>(last);
  }
  /// A day of scenario `k` on the common axis; kNever past the common horizon.
  double day(std::size_t k, double d) const {
    const double e = d + offset[k];
    return e <= horizon ? e : model::kNever;
  }
};

double all_live(const model::ReplicationOutcome& r, const Epoch& ep, std::size_t k) {
  double last = -model::kNever;
  for (const auto& s : r.schemes) last = std::max(last, ep.day(k, s.go_live));
  return last;
}
double first_live(const model::ReplicationOutcome& r, const Epoch& ep, std::size_t k) {
  double first = model::kNever;
  for (const auto& s : r.schemes) first = std::min(first, ep.day(k, s.go_live));
  return first;
}

std::vector<Series> compared_series(const std::vector<model::Scenario>& scenarios) {
  const model::Scenario& base = scenarios.front();
  std::vector<Series> series;
  for (std::size_t s = 0; s < base.schemes.size(); ++s) {
    Series se{base.schemes[s].id, base.schemes[s].name, static_cast<int>(s), {}};
    for (std::size_t k = 1; k < scenarios.size(); ++k) {
      int found = -1;
      for (std::size_t t = 0; t < scenarios[k].schemes.size(); ++t) {
        if (scenarios[k].schemes[t].id == base.schemes[s].id) found = static_cast<int>(t);
      }
      se.whatif_index.push_back(found);
    }
    series.push_back(se);
  }
  series.push_back(Series{"first_live", "First scheme live", -1, {}});
  series.push_back(Series{"all_live", "All schemes live", -2, {}});
  return series;
}

struct CompareAcc {
  std::vector<model::Outcomes> outcomes;
  std::vector<PairedDifferences> diffs;
  void merge(const CompareAcc& o) {
    for (std::size_t i = 0; i < outcomes.size(); ++i) outcomes[i].merge(o.outcomes[i]);
    for (std::size_t i = 0; i < diffs.size(); ++i) diffs[i].merge(o.diffs[i]);
  }
  std::size_t memory_bytes() const {
    std::size_t n = 0;
    for (const auto& o : outcomes) n += o.memory_bytes();
    for (const auto& d : diffs) n += d.memory_bytes();
    return n;
  }
};

/// Records one replication of every scenario: outcomes, and each what-if's
/// paired differences against the base on the common time axis.
void add_replication(const std::vector<model::ReplicationOutcome>& rs, const std::vector<Series>& series,
                     const Epoch& ep, CompareAcc& acc) {
  for (std::size_t k = 0; k < rs.size(); ++k) acc.outcomes[k].add(rs[k]);
  for (std::size_t k = 1; k < rs.size(); ++k) {
    for (std::size_t i = 0; i < series.size(); ++i) {
      const Series& se = series[i];
      double b = 0.0, w = 0.0;
      if (se.base_index >= 0) {
        const int wi = se.whatif_index[k - 1];
        if (wi < 0) continue;
        b = ep.day(0, rs[0].schemes[static_cast<std::size_t>(se.base_index)].go_live);
        w = ep.day(k, rs[k].schemes[static_cast<std::size_t>(wi)].go_live);
      } else if (se.base_index == -1) {
        b = first_live(rs[0], ep, 0);
        w = first_live(rs[k], ep, k);
      } else {
        b = all_live(rs[0], ep, 0);
        w = all_live(rs[k], ep, k);
      }
      acc.diffs[k - 1].add(i, b, w);
    }
  }
}

/// comparison.json's what-ifs, paired_differences.csv and the terminal table.
struct CompareTables {
  ordered_json whatifs = ordered_json::array();
  std::string csv;
  std::string table;
};

CompareTables compare_tables(const std::vector<model::Scenario>& scenarios, const std::vector<Series>& series,
                             const CompareAcc& total) {
  CompareTables t;
  const model::Scenario& base = scenarios.front();
  t.csv = "whatif,series_id,series_name,pairs,both_live,mean_shift_days,mean_ci_low,mean_ci_high,p10_shift_days,"
          "p50_shift_days,p90_shift_days,p50_ci_low,p50_ci_high,probability_earlier,probability_later\n";
  for (std::size_t k = 1; k < scenarios.size(); ++k) {
    ordered_json rows = ordered_json::array();
    t.table += "\n" + scenarios[k].name + " against " + base.name + " (shift in go-live, days; negative is earlier)\n";
    constexpr std::size_t kNameWidth = 36;
    t.table += fmt::format("{} {:>9} {:>17} {:>8} {:>8} {:>8} {:>9}\n", fit_column("", kNameWidth), "mean", "95% CI",
                           "P10", "P50", "P90", "P(earlier)");
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
  return t;
}

ordered_json comparison_json(const CompareOptions& opt, const std::vector<model::Scenario>& scenarios,
                             const Epoch& ep, const CompareTables& tables, const CompareAcc& total) {
  ordered_json j;
  j["tool"] = "wsic";
  j["version"] = version();
  j["seed"] = opt.seed;
  j["replications"] = opt.replications;
  j["common_random_numbers"] = "every scenario runs the same replication indices with the same seed; streams shared by name draw the same numbers";
  j["time_axis"] = {{"start", sim::format_iso_date(ep.start)},
                    {"horizon", sim::format_iso_date(sim::Calendar(ep.start).to_date(sim::Time::from_days(ep.horizon)))},
                    {"about", "shifts are differences of dates; a date after the earliest horizon of the scenarios counts as not reached"}};
  ordered_json sc_json = ordered_json::array();
  for (const auto& sc : scenarios) sc_json.push_back({{"name", sc.name}, {"content_hash", sc.content_hash}, {"file", sc.source_file}});
  j["scenarios"] = sc_json;
  j["base"] = scenarios.front().name;
  j["whatifs"] = tables.whatifs;
  ordered_json summaries = ordered_json::array();
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    summaries.push_back(ordered_json::parse(summary_json(
        scenarios[k], total.outcomes[k], BatchInfo{version(), opt.seed, opt.replications, sim::kDefaultBlockSize})));
  }
  j["summaries"] = summaries;
  return j;
}

std::vector<model::Scenario> load_all(const std::vector<fs::path>& files) {
  std::vector<model::Scenario> scenarios;
  std::vector<model::Diagnostic> problems;
  for (const auto& f : files) {
    model::LoadResult r = model::check_scenario(f);
    if (r.ok()) {
      scenarios.push_back(std::move(*r.scenario));
    } else {
      problems.insert(problems.end(), r.diagnostics.begin(), r.diagnostics.end());
    }
  }
  if (!problems.empty()) throw model::ScenarioError(std::move(problems));
  return scenarios;
}

int compare_scenarios(const CompareOptions& opt) {
  const auto check_cancel = [&](const char* during) {
    if (opt.cancel && opt.cancel->load()) throw CompareInterrupted{during};
  };
  const std::vector<model::Scenario> scenarios = load_all(opt.scenarios);
  check_cancel("before the comparison started");
  const model::Scenario& base = scenarios.front();
  std::string folder = "compare-" + base.name;
  for (std::size_t k = 1; k < scenarios.size(); ++k) folder += "-" + scenarios[k].name;
  const fs::path out_dir = opt.out ? *opt.out : fs::path("results") / folder;

  std::vector<model::Model> models;
  models.reserve(scenarios.size());
  for (const auto& sc : scenarios) models.emplace_back(sc);
  const std::vector<Series> series = compared_series(scenarios);
  const Epoch epoch(scenarios);
  const auto make = [&] {
    CompareAcc a;
    for (const auto& sc : scenarios) a.outcomes.emplace_back(sc);
    for (std::size_t k = 1; k < scenarios.size(); ++k) a.diffs.emplace_back(series.size(), epoch.horizon);
    return a;
  };
  const std::size_t acc_bytes = make().memory_bytes();
  if (acc_bytes > kAccumulatorBudgetBytes) {
    throw InputError(fmt::format("comparing {} scenarios at once needs {} MB for each batch in flight, more than the "
                                 "{} MB allowed: compare fewer at once",
                                 scenarios.size(), acc_bytes >> 20, kAccumulatorBudgetBytes >> 20));
  }
  const OutputFolder out(out_dir, "comparison.json", opt.force, "wsic compare");

  sim::RunnerOptions ro;
  ro.threads = opt.threads;
  ro.block_size = sim::kDefaultBlockSize;
  ro.blocks_in_flight = blocks_in_flight(acc_bytes, effective_threads(opt.threads));
  ro.cancel = opt.cancel;
  const bool tty = opt.progress && ::isatty(STDERR_FILENO);
  if (tty) ro.progress = draw_progress;
  const auto t0 = std::chrono::steady_clock::now();
  CompareAcc total;
  try {
    total = sim::run_replications<CompareAcc>(opt.replications, ro, make, [&](std::uint64_t index, CompareAcc& acc) {
      thread_local std::vector<model::ReplicationOutcome> rs;
      rs.resize(models.size());
      for (std::size_t k = 0; k < models.size(); ++k) models[k].simulate(opt.seed, index, rs[k]);
      add_replication(rs, series, epoch, acc);
    });
  } catch (const sim::Cancelled& c) {
    if (tty) std::fputc('\n', stderr);
    throw CompareInterrupted{fmt::format("after {} of {} replications", c.done(), c.total())};
  }
  if (tty) std::fputc('\n', stderr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const CompareTables tables = compare_tables(scenarios, series, total);
  OutputSet files;
  RunFacts facts{
      version(), opt.seed, opt.replications, sim::kDefaultBlockSize, 0, seconds, effective_threads(opt.threads)};
  ordered_json data = run_report_data(base, total.outcomes[0], facts, {}, {});
  data["kind"] = "compare";
  data["title"] = "wsic: " + folder;
  data["comparison"] = {{"base", base.name}, {"whatifs", tables.whatifs}};
  files.add("report_data.json", data.dump(2) + "\n");
  for (auto& [name, content] : render_report(nlohmann::json::parse(data.dump()))) files.add(name, std::move(content));
  files.add("paired_differences.csv", tables.csv);
  ordered_json run;
  run["wall_seconds"] = seconds;
  run["replications_per_second"] = seconds > 0 ? static_cast<double>(opt.replications * scenarios.size()) / seconds : 0.0;
  files.add("run.json", run.dump(2) + "\n");
  files.write_to(out_dir, [&](const std::string&) { check_cancel("while writing the results"); });
  // Last: its presence marks a complete comparison.
  check_cancel("while writing the results");
  write_file_atomic(out_dir / "comparison.json", comparison_json(opt, scenarios, epoch, tables, total).dump(2) + "\n");
  if (!opt.quiet) {
    std::cout << fmt::format("compared {} scenarios, {} replications each, seed {} (common random numbers)\n",
                             scenarios.size(), opt.replications, opt.seed)
              << tables.table << "\nresults in " << out_dir.string() << '\n';
  }
  return kExitOk;
}
}  // namespace

int compare_command(const CompareOptions& opt) {
  if (opt.scenarios.size() < 2) {
    std::cerr << "wsic compare: give a base scenario and at least one what-if\n";
    return kExitBadInput;
  }
  try {
    return compare_scenarios(opt);
  } catch (const model::ScenarioError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << d.format() << '\n';
    return kExitBadInput;
  } catch (const InputError& e) {
    std::cerr << "wsic compare: " << e.what() << '\n';
    return kExitBadInput;
  } catch (const CompareInterrupted& e) {
    std::cerr << "wsic compare: interrupted " << e.during << "; the comparison is not complete (no comparison.json)\n";
    return kExitInterrupted;
  } catch (const std::exception& e) {
    std::cerr << "wsic compare: " << e.what() << '\n';
    return kExitFailure;
  }
}

}  // namespace wsic::cli
