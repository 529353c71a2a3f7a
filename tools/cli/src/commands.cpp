#include "wsic/cli/commands.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "wsic/cli/files.hpp"
#include "wsic/cli/output.hpp"
#include "wsic/experiment/compare.hpp"
#include "wsic/report/comparison.hpp"
#include "wsic/report/report.hpp"
#include "wsic/report/report_data.hpp"
#include "wsic/scenario/loader.hpp"

namespace wsic::cli {

int validate_command(const std::vector<std::filesystem::path>& files) {
  bool ok = true;
  for (const auto& f : files) {
    const scenario::LoadResult r = scenario::check_scenario(f);
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

/// Ctrl-C seen by compare at a phase boundary.
struct CompareInterrupted {
  std::string during;
};

std::vector<model::Scenario> load_all(const std::vector<fs::path>& files, const std::vector<std::string>& sets) {
  const std::vector<scenario::Override> overrides = parse_overrides(sets);
  std::vector<model::Scenario> scenarios;
  std::vector<scenario::Diagnostic> problems;
  for (const auto& f : files) {
    scenario::LoadResult r = scenario::check_scenario(f, {}, overrides);
    if (r.ok()) {
      scenarios.push_back(std::move(*r.scenario));
      continue;
    }
    // A --set is applied to every scenario: say to which one it did not fit.
    for (scenario::Diagnostic& d : r.diagnostics) {
      if (d.file == "--set") d.message += " (in " + f.string() + ")";
      problems.push_back(std::move(d));
    }
  }
  if (!problems.empty()) throw scenario::ScenarioError(std::move(problems));
  return scenarios;
}

/// The files of a finished comparison but comparison.json, which is written
/// last.
OutputSet comparison_files(const experiment::Comparison& cmp, const experiment::CompareAcc& total,
                           const report::CompareTables& tables, const CompareOptions& opt, const std::string& title,
                           double seconds) {
  const model::Scenario& base = cmp.scenarios().front();
  OutputSet files;
  const report::RunFacts facts{experiment::version(),
                               opt.seed,
                               opt.replications,
                               sim::kDefaultBlockSize,
                               0,
                               seconds,
                               experiment::effective_threads(opt.threads)};
  ordered_json data = report::run_report_data(base, total.outcomes[0], facts, {}, {});
  data["kind"] = "compare";
  data["title"] = "wsic: " + title;
  data["comparison"] = {{"base", base.name}, {"whatifs", tables.whatifs}};
  files.add("report_data.json", data.dump(2) + "\n");
  for (auto& [name, content] : report::render_report(nlohmann::json::parse(data.dump()))) {
    files.add(name, std::move(content));
  }
  files.add("paired_differences.csv", tables.csv);
  ordered_json run;
  run["wall_seconds"] = seconds;
  run["replications_per_second"] =
      seconds > 0 ? static_cast<double>(opt.replications * cmp.scenarios().size()) / seconds : 0.0;
  files.add("run.json", run.dump(2) + "\n");
  return files;
}

int compare_scenarios(const CompareOptions& opt) {
  const auto check_cancel = [&](const char* during) {
    if (opt.cancel && opt.cancel->load()) throw CompareInterrupted{during};
  };
  const experiment::Comparison cmp(load_all(opt.scenarios, opt.overrides));
  check_cancel("before the comparison started");
  const auto& scenarios = cmp.scenarios();
  std::string folder = "compare-" + scenarios.front().name;
  for (std::size_t k = 1; k < scenarios.size(); ++k) folder += "-" + scenarios[k].name;
  const fs::path out_dir = opt.out ? *opt.out : fs::path("results") / folder;

  const std::size_t acc_bytes = cmp.empty().memory_bytes();
  if (acc_bytes > experiment::kAccumulatorBudgetBytes) {
    throw InputError(
        fmt::format("comparing {} scenarios at once needs {} MB for each batch in flight, more than the "
                    "{} MB allowed: compare fewer at once",
                    scenarios.size(), acc_bytes >> 20, experiment::kAccumulatorBudgetBytes >> 20));
  }
  const OutputFolder out(out_dir, "comparison.json", opt.force, "wsic compare");

  experiment::BatchSpec spec{opt.seed, opt.replications, opt.threads, sim::kDefaultBlockSize, opt.cancel, {}};
  spec.blocks_in_flight = experiment::blocks_in_flight(acc_bytes, experiment::effective_threads(opt.threads));
  const bool tty = opt.progress && ::isatty(STDERR_FILENO);
  if (tty) spec.progress = draw_progress;
  const auto t0 = std::chrono::steady_clock::now();
  experiment::CompareAcc total;
  try {
    total = cmp.run(spec);
  } catch (const sim::Cancelled& c) {
    if (tty) std::fputc('\n', stderr);
    throw CompareInterrupted{fmt::format("after {} of {} replications", c.done(), c.total())};
  }
  if (tty) std::fputc('\n', stderr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const report::CompareTables tables = report::compare_tables(scenarios, cmp.series(), total);
  comparison_files(cmp, total, tables, opt, folder, seconds).write_to(out_dir, [&](const std::string&) {
    check_cancel("while writing the results");
  });
  // Last: its presence marks a complete comparison.
  check_cancel("while writing the results");
  const report::BatchInfo info{experiment::version(), opt.seed, opt.replications, sim::kDefaultBlockSize};
  write_file_atomic(out_dir / "comparison.json",
                    report::comparison_json(info, scenarios, cmp.epoch(), tables, total).dump(2) + "\n");
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
  } catch (const scenario::ScenarioError& e) {
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
