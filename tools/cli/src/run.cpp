#include "wsic/cli/run.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "wsic/cli/analysis.hpp"
#include "wsic/cli/files.hpp"
#include "wsic/cli/output.hpp"
#include "wsic/cli/summary.hpp"
#include "wsic/model/loader.hpp"
#include "wsic/model/model.hpp"
#include "wsic/model/outcomes.hpp"
#include "wsic/sim/runner.hpp"

#ifndef WSIC_VERSION
#define WSIC_VERSION "0.0.0"
#endif

namespace wsic::cli {

const char* version() { return WSIC_VERSION; }

int run_command(const RunOptions& opt) {
  model::Scenario scenario;
  try {
    scenario = model::load_scenario(opt.scenario);
  } catch (const model::ScenarioError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << d.format() << '\n';
    return kExitBadInput;
  }
  // Extra milestones from the command line.
  const sim::Calendar cal(scenario.calendar_start);
  for (const std::string& text : opt.milestones) {
    const auto date = sim::parse_iso_date(text);
    if (!date) {
      std::cerr << "wsic run: --milestone " << text << ": expected an ISO date like 2015-04-30\n";
      return kExitBadInput;
    }
    const double day = cal.to_time(*date).in_days();
    if (day < 0.0 || day > scenario.horizon_day) {
      std::cerr << "wsic run: --milestone " << text << ": outside the scenario's calendar ("
                << sim::format_iso_date(scenario.calendar_start) << " to " << sim::format_iso_date(scenario.horizon) << ")\n";
      return kExitBadInput;
    }
    scenario.milestones.push_back(model::Milestone{*date, "command line", day});
  }
  std::stable_sort(scenario.milestones.begin(), scenario.milestones.end(),
                   [](const model::Milestone& a, const model::Milestone& b) { return a.day < b.day; });

  const std::filesystem::path out_dir = opt.out ? *opt.out : std::filesystem::path("results") / scenario.name;
  if (const int code = prepare_output_folder(out_dir, "summary.json", opt.force, "wsic run"); code != kExitOk) return code;
  std::error_code ec;

  const model::Model model(scenario);
  const bool tty = opt.progress && ::isatty(STDERR_FILENO);
  sim::RunnerOptions ro;
  ro.threads = opt.threads;
  ro.block_size = kDefaultBlock;
  ro.cancel = opt.cancel;
  if (tty) ro.progress = draw_progress;

  // Per-replication rows travel with their block and are written in
  // replication order as blocks are merged.
  struct Block {
    model::Outcomes outcomes;
    std::string rows;
    void merge(const Block& o) { outcomes.merge(o.outcomes); }
  };
  std::ofstream rows_file;
  const std::filesystem::path rows_path = out_dir / "per_replication.csv";
  const std::filesystem::path rows_tmp = out_dir / ".per_replication.csv.partial";
  if (opt.per_replication) {
    rows_file.open(rows_tmp, std::ios::trunc);
    if (!rows_file) {
      std::cerr << "wsic run: cannot write " << rows_tmp.string() << '\n';
      return kExitFailure;
    }
    rows_file << "replication,scheme_id,design_start,design_end,go_live,full_coverage\n";
  }
  auto day_text = [&](double d) {
    return d == model::kNever ? std::string() : iso_day(scenario, static_cast<int>(d));
  };

  const auto t0 = std::chrono::steady_clock::now();
  sim::BlockReducer<Block> reducer;
  try {
    sim::run_blocks<Block>(
        opt.replications, ro, [&] { return Block{model::Outcomes(scenario), {}}; },
        [&](std::uint64_t index, Block& acc) {
          thread_local model::ReplicationOutcome r;
          model.simulate(opt.seed, index, r);
          acc.outcomes.add(r);
          if (opt.per_replication) {
            for (std::size_t s = 0; s < r.schemes.size(); ++s) {
              const auto& so = r.schemes[s];
              acc.rows += std::to_string(index) + ',' + scenario.schemes[s].id + ',' + day_text(so.design_start) + ',' +
                          day_text(so.design_end) + ',' + day_text(so.go_live) + ',' + day_text(so.full_coverage) + '\n';
            }
          }
        },
        reducer, [&](Block& b) {
          if (opt.per_replication) {
            rows_file << b.rows;
            b.rows.clear();
            b.rows.shrink_to_fit();
          }
        });
  } catch (const sim::Cancelled& c) {
    if (tty) std::fputc('\n', stderr);
    std::cerr << "wsic run: interrupted after " << c.done() << " of " << c.total()
              << " replications; nothing was written to " << out_dir.string() << '\n';
    if (opt.per_replication) {
      rows_file.close();
      std::filesystem::remove(rows_tmp, ec);
    }
    return kExitInterrupted;
  } catch (const std::exception& e) {
    if (tty) std::fputc('\n', stderr);
    std::cerr << "wsic run: " << e.what() << " (seed " << opt.seed << ")\n";
    if (opt.per_replication) std::filesystem::remove(rows_tmp, ec);
    return kExitFailure;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (tty) std::fputc('\n', stderr);

  const model::Outcomes outcomes = reducer.result(Block{model::Outcomes(scenario), {}}).outcomes;
  const BatchInfo info{version(), opt.seed, opt.replications, kDefaultBlock};

  // What drives delay and what the levers buy: smaller batches with common
  // random numbers (the same seed and replication indices as the main run).
  std::vector<TornadoBar> barrier_bars, lever_bars;
  const std::uint64_t analysis_n = std::min(opt.analysis_replications, opt.replications);
  if (analysis_n > 0) {
    BatchSpec spec{opt.seed, analysis_n, opt.threads, kDefaultBlock, opt.cancel, {}};
    try {
      if (!opt.quiet) std::cerr << "analysing barriers and levers (" << analysis_n << " replications each)...\n";
      const model::Outcomes base = analysis_n == opt.replications ? outcomes : run_batch(scenario, spec);
      barrier_bars = barrier_attribution(scenario, base, spec);
      lever_bars = lever_sensitivity(scenario, base, spec);
    } catch (const sim::Cancelled& c) {
      std::cerr << "wsic run: interrupted during the analyses; nothing was written to " << out_dir.string() << '\n';
      if (opt.per_replication) std::filesystem::remove(rows_tmp, ec);
      return kExitInterrupted;
    }
  }
  const double total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  try {
    for (const auto& [name, content] : summary_csvs(scenario, outcomes)) write_file_atomic(out_dir / name, content);
    nlohmann::ordered_json run;
    run["wall_seconds"] = seconds;
    run["replications_per_second"] = seconds > 0 ? static_cast<double>(opt.replications) / seconds : 0.0;
    run["threads"] = opt.threads ? opt.threads : std::thread::hardware_concurrency();
    run["seed"] = opt.seed;
    run["replications"] = opt.replications;
    run["analysis_replications"] = analysis_n;
    run["wall_seconds_with_analyses"] = total_seconds;
    write_file_atomic(out_dir / "run.json", run.dump(2) + "\n");
    const RunFacts facts{version(), opt.seed, opt.replications, kDefaultBlock, analysis_n, seconds,
                         opt.threads ? opt.threads : std::thread::hardware_concurrency()};
    write_report(out_dir, run_report_data(scenario, outcomes, facts, barrier_bars, lever_bars));
    if (opt.per_replication) {
      rows_file.close();
      if (!rows_file) throw Error("cannot finish writing " + rows_tmp.string());
      std::filesystem::rename(rows_tmp, rows_path);
    }
    // Last: its presence marks a complete set of results.
    write_file_atomic(out_dir / "summary.json", summary_json(scenario, outcomes, info));
  } catch (const std::exception& e) {
    std::cerr << "wsic run: " << e.what() << '\n';
    return kExitFailure;
  }

  if (!opt.quiet) {
    std::cout << summary_table(scenario, outcomes, info);
    char line[160];
    std::snprintf(line, sizeof line, "\n%llu replications in %.2f s (%.0f per second); results in %s\n",
                  static_cast<unsigned long long>(opt.replications), seconds,
                  seconds > 0 ? static_cast<double>(opt.replications) / seconds : 0.0, out_dir.string().c_str());
    std::cout << line;
  }
  return kExitOk;
}

}  // namespace wsic::cli
