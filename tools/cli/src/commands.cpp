#include "wsic/cli/commands.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "wsic/cli/analysis.hpp"
#include "wsic/cli/files.hpp"
#include "wsic/cli/output.hpp"
#include "wsic/cli/summary.hpp"
#include "wsic/cli/text.hpp"
#include "wsic/model/loader.hpp"
#include "wsic/model/model.hpp"

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

// Series compared: each scheme of the base (matched by id), then the programme.
struct Series {
  std::string id;
  std::string name;
  int base_index;                // scheme index in the base, or -1 for programme series
  std::vector<int> whatif_index; // per what-if, or -1 when the scheme is absent there
};

double all_live(const model::ReplicationOutcome& r) {
  double last = -model::kNever;
  for (const auto& s : r.schemes) last = std::max(last, s.go_live);
  return last;
}
double first_live(const model::ReplicationOutcome& r) {
  double first = model::kNever;
  for (const auto& s : r.schemes) first = std::min(first, s.go_live);
  return first;
}
}  // namespace

int compare_command(const CompareOptions& opt) {
  if (opt.scenarios.size() < 2) {
    std::cerr << "wsic compare: give a base scenario and at least one what-if\n";
    return kExitBadInput;
  }
  std::vector<model::Scenario> scenarios;
  bool ok = true;
  for (const auto& f : opt.scenarios) {
    model::LoadResult r = model::check_scenario(f);
    if (!r.ok()) {
      ok = false;
      for (const auto& d : r.diagnostics) std::cerr << d.format() << '\n';
      continue;
    }
    scenarios.push_back(std::move(*r.scenario));
  }
  if (!ok) return kExitBadInput;

  const model::Scenario& base = scenarios.front();
  std::string folder = "compare-" + base.name;
  for (std::size_t k = 1; k < scenarios.size(); ++k) folder += "-" + scenarios[k].name;
  const std::filesystem::path out_dir = opt.out ? *opt.out : std::filesystem::path("results") / folder;
  if (const int code = prepare_output_folder(out_dir, "comparison.json", opt.force, "wsic compare"); code != kExitOk) return code;

  std::vector<model::Model> models;
  models.reserve(scenarios.size());
  for (const auto& sc : scenarios) models.emplace_back(sc);

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
  const int horizon = static_cast<int>(base.horizon_day);

  struct Acc {
    std::vector<model::Outcomes> outcomes;
    std::vector<PairedDifferences> diffs;
    void merge(const Acc& o) {
      for (std::size_t i = 0; i < outcomes.size(); ++i) outcomes[i].merge(o.outcomes[i]);
      for (std::size_t i = 0; i < diffs.size(); ++i) diffs[i].merge(o.diffs[i]);
    }
  };
  auto make = [&] {
    Acc a;
    for (const auto& sc : scenarios) a.outcomes.emplace_back(sc);
    for (std::size_t k = 1; k < scenarios.size(); ++k) a.diffs.emplace_back(series.size(), horizon);
    return a;
  };

  sim::RunnerOptions ro;
  ro.threads = opt.threads;
  ro.block_size = kDefaultBlock;
  ro.cancel = opt.cancel;
  const bool tty = opt.progress && ::isatty(STDERR_FILENO);
  if (tty) ro.progress = draw_progress;
  const auto t0 = std::chrono::steady_clock::now();
  Acc total;
  try {
    total = sim::run_replications<Acc>(opt.replications, ro, make, [&](std::uint64_t index, Acc& acc) {
      thread_local std::vector<model::ReplicationOutcome> rs;
      rs.resize(models.size());
      for (std::size_t k = 0; k < models.size(); ++k) {
        models[k].simulate(opt.seed, index, rs[k]);
        acc.outcomes[k].add(rs[k]);
      }
      for (std::size_t k = 1; k < models.size(); ++k) {
        for (std::size_t i = 0; i < series.size(); ++i) {
          const Series& se = series[i];
          double b = 0.0, w = 0.0;
          if (se.base_index >= 0) {
            const int wi = se.whatif_index[k - 1];
            if (wi < 0) continue;
            b = rs[0].schemes[static_cast<std::size_t>(se.base_index)].go_live;
            w = rs[k].schemes[static_cast<std::size_t>(wi)].go_live;
          } else if (se.base_index == -1) {
            b = first_live(rs[0]);
            w = first_live(rs[k]);
          } else {
            b = all_live(rs[0]);
            w = all_live(rs[k]);
          }
          acc.diffs[k - 1].add(i, b, w);
        }
      }
    });
  } catch (const sim::Cancelled& c) {
    if (tty) std::fputc('\n', stderr);
    std::cerr << "wsic compare: interrupted after " << c.done() << " of " << c.total()
              << " replications; nothing was written to " << out_dir.string() << '\n';
    return kExitInterrupted;
  }
  if (tty) std::fputc('\n', stderr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  ordered_json j;
  j["tool"] = "wsic";
  j["version"] = version();
  j["seed"] = opt.seed;
  j["replications"] = opt.replications;
  j["common_random_numbers"] = "every scenario runs the same replication indices with the same seed; streams shared by name draw the same numbers";
  ordered_json sc_json = ordered_json::array();
  for (const auto& sc : scenarios) sc_json.push_back({{"name", sc.name}, {"content_hash", sc.content_hash}, {"file", sc.source_file}});
  j["scenarios"] = sc_json;
  j["base"] = base.name;
  ordered_json whatifs = ordered_json::array();
  std::ostringstream csv;
  csv << "whatif,series_id,series_name,pairs,both_live,mean_shift_days,mean_ci_low,mean_ci_high,p10_shift_days,"
         "p50_shift_days,p90_shift_days,p50_ci_low,p50_ci_high,probability_earlier,probability_later\n";
  std::ostringstream table;
  for (std::size_t k = 1; k < scenarios.size(); ++k) {
    ordered_json rows = ordered_json::array();
    table << "\n" << scenarios[k].name << " against " << base.name << " (shift in go-live, days; negative is earlier)\n";
    constexpr std::size_t kNameWidth = 36;
    table << fmt::format("{} {:>9} {:>17} {:>8} {:>8} {:>8} {:>9}\n", fit_column("", kNameWidth), "mean", "95% CI", "P10", "P50",
                         "P90", "P(earlier)");
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
      csv << fmt::format("{},{},{},{},{},{:.4f},{:.4f},{:.4f},{:.0f},{:.0f},{:.0f},{:.0f},{:.0f},{:.6f},{:.6f}\n",
                         csv_field(scenarios[k].name), csv_field(series[i].id), csv_field(series[i].name), s.pairs,
                         s.both_live, s.mean, s.mean_ci_low, s.mean_ci_high, s.p10, s.p50, s.p90, s.p50_ci_low,
                         s.p50_ci_high, s.probability_earlier, s.probability_later);
      table << fmt::format("{} {:>9.1f} [{:>7.1f},{:>7.1f}] {:>8.0f} {:>8.0f} {:>8.0f} {:>8.1f}%\n",
                           fit_column(series[i].name, kNameWidth), s.mean, s.mean_ci_low, s.mean_ci_high, s.p10, s.p50,
                           s.p90, 100.0 * s.probability_earlier);
    }
    whatifs.push_back({{"name", scenarios[k].name}, {"rows", rows}});
  }
  j["whatifs"] = whatifs;
  ordered_json summaries = ordered_json::array();
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    summaries.push_back(ordered_json::parse(
        summary_json(scenarios[k], total.outcomes[k], BatchInfo{version(), opt.seed, opt.replications, kDefaultBlock})));
  }
  j["summaries"] = summaries;

  try {
    RunFacts facts{version(), opt.seed, opt.replications, kDefaultBlock, 0, seconds, opt.threads};
    ordered_json data = run_report_data(base, total.outcomes[0], facts, {}, {});
    data["kind"] = "compare";
    data["title"] = "wsic: " + folder;
    ordered_json cmp;
    cmp["base"] = base.name;
    cmp["whatifs"] = whatifs;
    data["comparison"] = cmp;
    write_report(out_dir, data);
    write_file_atomic(out_dir / "paired_differences.csv", csv.str());
    write_file_atomic(out_dir / "comparison.json", j.dump(2) + "\n");
    nlohmann::ordered_json run;
    run["wall_seconds"] = seconds;
    run["replications_per_second"] = seconds > 0 ? static_cast<double>(opt.replications * scenarios.size()) / seconds : 0.0;
    write_file_atomic(out_dir / "run.json", run.dump(2) + "\n");
  } catch (const std::exception& e) {
    std::cerr << "wsic compare: " << e.what() << '\n';
    return kExitFailure;
  }
  if (!opt.quiet) {
    std::cout << "compared " << scenarios.size() << " scenarios, " << opt.replications << " replications each, seed " << opt.seed
              << " (common random numbers)\n"
              << table.str() << "\nresults in " << out_dir.string() << '\n';
  }
  return kExitOk;
}

}  // namespace wsic::cli
