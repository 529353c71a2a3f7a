#include "wsic/cli/args.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <iostream>
#include <limits>

#include "wsic/experiment/part.hpp"
#include "wsic/scenario/loader.hpp"

namespace wsic::cli {

namespace {
// Command-line numbers are checked here, as text, so nothing wraps or
// saturates on the way to its type: "-1" is not 18446744073709551615.
CLI::Validator whole_number(std::uint64_t min, std::uint64_t max, std::string what = "") {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        std::uint64_t v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
          return fmt::format("expected a whole number from {} to {}{}, got '{}'", min, max, what, text);
        }
        return {};
      },
      fmt::format("INT in [{}, {}]", min, max));
}

CLI::Validator seconds() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double v = 0.0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        constexpr double kYear = 365.0 * 86400.0;
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) || v < 0.0 ||
            v > kYear) {
          return fmt::format("expected a number of seconds from 0 to {:.0f} (a year), got '{}'", kYear, text);
        }
        return {};
      },
      "SECONDS");
}

// A --set value: PATH=VALUE, both sides given. The path and value are
// checked against the scenario when it is loaded.
CLI::Validator override_text() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (scenario::parse_override(text)) return {};
        return "expected PATH=VALUE, e.g. schemes.ealing.readiness=1.2 (see wsic run --help)";
      },
      "PATH=VALUE");
}

// --part i/k: 1 ≤ i ≤ k.
CLI::Validator part_text() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::uint64_t i = 0, k = 0;
        if (experiment::parse_part(text, i, k)) return {};
        return fmt::format("expected i/k with 1 <= i <= k <= {}, e.g. 3/8 for the third of eight parts, got '{}'",
                           experiment::kMaxParts, text);
      },
      "i/k");
}

constexpr std::uint64_t kMaxSeed = std::numeric_limits<std::uint64_t>::max();

constexpr const char* kPartHelp =
    "run only part i of k of the batch (every replication's blocks are shared out exactly) and write a part file "
    "into -o DIR (default results/<name>/parts/); merge the parts with wsic merge";
}  // namespace

void add_run(CLI::App& parent, RunCommand& cmd, unsigned cores) {
  const std::string cores_note = fmt::format(" (this machine has {} cores; more threads would not help)", cores);
  auto* app = cmd.app = parent.add_subcommand("run", "simulate a scenario many times and write its results and report");
  RunOptions& run = cmd.options;
  app->add_option("scenario", run.scenario, "scenario file (YAML)");
  app->add_option("-n,--replications", run.replications, "replications to run")
      ->default_val(run.replications)
      ->check(whole_number(1, experiment::kMaxReplications));
  app->add_option("--seed", run.seed, "master random seed")->default_val(run.seed)->check(whole_number(0, kMaxSeed));
  app->add_option("--threads", run.threads, "worker threads (0: all cores)")
      ->default_val(0)
      ->check(whole_number(0, cores, cores_note));
  app->add_option("-o,--out", cmd.out, "output folder (default results/<scenario name>/)");
  app->add_option("--milestone", run.milestones, "extra milestone date, ISO (repeatable)");
  app->add_option("--set", run.overrides,
                  "set a number of the scenario: PATH=VALUE, e.g. schemes.ealing.readiness=1.2 (repeatable)")
      ->check(override_text());
  CLI::Option* rows =
      app->add_flag("--per-replication", run.per_replication, "also write one row per replication and scheme");
  app->add_flag("--gzip", run.gzip_rows,
                "write those rows gzip-compressed, as per_replication.csv.gz (for runs of millions of replications)")
      ->needs(rows);
  app->add_option("--analysis-replications", run.analysis_replications,
                  "replications for barrier attribution and lever sensitivity (0: skip)")
      ->default_val(run.analysis_replications)
      ->check(whole_number(0, experiment::kMaxReplications));
  app->add_option("--precision", cmd.precision,
                  "run as many replications as it takes for the 95% simulation-error interval of --precision-of to "
                  "come within DAYS of it either side (-n is then the most it may run, default 10,000,000)")
      ->check(CLI::Range(0.01, 3650.0));
  app->add_option("--precision-of", run.precision_measure,
                  "the quantile --precision is asked of: first_live_pNN, majority_live_pNN or all_live_pNN")
      ->default_val(run.precision_measure);
  app->add_flag("--force", run.force, "replace earlier results in the output folder");
  app->add_option("--checkpoint", run.checkpoint_seconds,
                  "save progress every SECONDS so an interrupted run can be resumed")
      ->check(seconds());
  app->add_option("--resume", cmd.resume, "continue the unfinished run in DIR (its other options come from DIR)");
  app->add_option("--part", cmd.part, kPartHelp)->check(part_text());
  app->add_flag("-q,--quiet", run.quiet, "no summary table");
}

std::optional<int> complete_run(RunCommand& cmd, const std::atomic<bool>* cancel) {
  RunOptions& run = cmd.options;
  if (cmd.resume.empty() == run.scenario.empty()) {
    std::cerr << "wsic run: give a scenario file, or --resume DIR to continue an unfinished run (not both)\n"
              << "Run with --help for more information.\n";
    return kExitBadInput;
  }
  if (!cmd.resume.empty()) {
    // A resumed run is the run that was started: its options cannot change.
    for (const char* fixed : {"--replications", "--seed", "--out", "--milestone", "--set", "--per-replication",
                              "--analysis-replications", "--force", "--checkpoint", "--precision", "--precision-of"}) {
      if (cmd.app->count(fixed) > 0) {
        std::cerr << "wsic run: " << fixed << " cannot be given with --resume: the run's options come from its "
                  << "checkpoint (only --threads and --quiet may change)\n";
        return kExitBadInput;
      }
    }
    run.resume = cmd.resume;
  }
  if (!cmd.part.empty()) {
    if (cmd.app->count("--resume") > 0) {
      std::cerr << "wsic run: --resume cannot be given with --part: run the part's command again (with "
                   "--checkpoint it continues from its checkpoint)\n";
      return kExitBadInput;
    }
    experiment::parse_part(cmd.part, run.part_index, run.part_count);
  }
  if (cmd.app->count("--precision") > 0) {
    if (!cmd.part.empty()) {
      std::cerr << "wsic run: --precision cannot be given with --part: every part must run the same replications; "
                   "find them with --precision in one process, then split that run with -n\n";
      return kExitBadInput;
    }
    run.precision_days = cmd.precision;
    if (cmd.app->count("--replications") == 0) run.replications = kPrecisionCap;
  } else if (cmd.app->count("--precision-of") > 0) {
    std::cerr << "wsic run: --precision-of names the quantile for --precision; give --precision DAYS too\n";
    return kExitBadInput;
  }
  if (!cmd.out.empty()) run.out = cmd.out;
  run.cancel = cancel;
  return std::nullopt;
}

void add_compare(CLI::App& parent, CompareCommand& cmd, unsigned cores) {
  const std::string cores_note = fmt::format(" (this machine has {} cores; more threads would not help)", cores);
  auto* app = cmd.app =
      parent.add_subcommand("compare", "run scenarios with common random numbers and compare them with the first");
  CompareOptions& cmp = cmd.options;
  app->add_option("scenarios", cmp.scenarios, "BASE.yaml WHATIF.yaml [more...]")->required()->expected(2, 1000);
  app->add_option("-n,--replications", cmp.replications, "replications per scenario")
      ->default_val(cmp.replications)
      ->check(whole_number(1, experiment::kMaxReplications));
  app->add_option("--seed", cmp.seed, "master random seed")->default_val(cmp.seed)->check(whole_number(0, kMaxSeed));
  app->add_option("--threads", cmp.threads, "worker threads (0: all cores)")
      ->default_val(0)
      ->check(whole_number(0, cores, cores_note));
  app->add_option("-o,--out", cmd.out, "output folder (default results/compare-<names>/)");
  app->add_option(
         "--set", cmp.overrides,
         "set a number in every scenario compared: PATH=VALUE, e.g. levers.central_share.value=0.3 (repeatable)")
      ->check(override_text());
  CLI::Option* rows = app->add_flag("--per-replication", cmp.per_replication,
                                    "also write one row per scenario, replication and scheme (per_replication.csv)");
  app->add_flag("--gzip", cmp.gzip_rows, "write those rows gzip-compressed, as per_replication.csv.gz")->needs(rows);
  app->add_flag("--force", cmp.force, "replace earlier results in the output folder");
  app->add_option("--part", cmd.part, kPartHelp)->check(part_text());
  app->add_flag("-q,--quiet", cmp.quiet, "no table");
}

void add_merge(CLI::App& parent, MergeCommand& cmd) {
  auto* app = cmd.app = parent.add_subcommand(
      "merge", "merge the parts of a run or compare (from --part i/k) into the results one process would write");
  app->add_option("parts", cmd.options.parts, "every part file of one job, in any order")->required();
  app->add_option("-o,--out", cmd.out, "output folder (default: the run's or compare's own)");
  app->add_flag("--force", cmd.options.force, "replace earlier results in the output folder");
  app->add_flag("-q,--quiet", cmd.options.quiet, "no summary table");
}
std::optional<int> complete_compare(CompareCommand& cmd, const std::atomic<bool>* cancel) {
  if (!cmd.part.empty()) experiment::parse_part(cmd.part, cmd.options.part_index, cmd.options.part_count);
  if (!cmd.out.empty()) cmd.options.out = cmd.out;
  cmd.options.cancel = cancel;
  return std::nullopt;
}

void complete_merge(MergeCommand& cmd, const std::atomic<bool>* cancel) {
  if (!cmd.out.empty()) cmd.options.out = cmd.out;
  cmd.options.cancel = cancel;
}

namespace {
/// The options every research command takes: seed, threads, --set, the
/// output folder, --force and --quiet.
template <class Options>
void add_research_common(CLI::App& app, Options& o, std::string& out, unsigned cores, const char* default_out) {
  const std::string cores_note = fmt::format(" (this machine has {} cores; more threads would not help)", cores);
  app.add_option("--seed", o.seed, "master random seed")->default_val(o.seed)->check(whole_number(0, kMaxSeed));
  app.add_option("--threads", o.threads, "worker threads (0: all cores)")
      ->default_val(0)
      ->check(whole_number(0, cores, cores_note));
  app.add_option("--set", o.overrides, "set a number of the scenario first: PATH=VALUE (repeatable)")
      ->check(override_text());
  app.add_option("-o,--out", out, fmt::format("output folder (default {})", default_out));
  app.add_flag("--force", o.force, "replace earlier results in the output folder");
  app.add_flag("-q,--quiet", o.quiet, "no table");
}
}  // namespace

void add_sweep(CLI::App& parent, SweepCommand& cmd, unsigned cores) {
  auto* app = cmd.app = parent.add_subcommand(
      "sweep", "run the scenario over a grid of one or two of its numbers, with common random numbers");
  SweepOptions& o = cmd.options;
  app->add_option("scenario", o.scenario, "scenario file (YAML)")->required();
  app->add_option("--vary", o.vary,
                  "a number to sweep: PATH=FROM:TO:STEPS (e.g. levers.central_share.value=0.3:0.7:5) or "
                  "PATH=V1,V2,... (once for a line, twice for a grid)")
      ->required()
      ->expected(1, 2);
  app->add_option("-n,--replications", o.replications, "replications per point")
      ->default_val(o.replications)
      ->check(whole_number(1, experiment::kMaxReplications));
  add_research_common(*app, o, cmd.out, cores, "results/sweep-<name>-<paths>/");
}

void add_sensitivity(CLI::App& parent, SensitivityCommand& cmd, unsigned cores) {
  auto* app = cmd.app =
      parent.add_subcommand("sensitivity", "Sobol indices: which of the scenario's numbers matter, alone and together");
  SensitivityOptions& o = cmd.options;
  app->add_option("scenario", o.scenario, "scenario file (YAML)")->required();
  app->add_option("--problem", cmd.problem, "a problem file: the parameters and their distributions (YAML)");
  app->add_option("--param", o.params, "a parameter sampled uniformly: PATH=LOW:HIGH (repeatable)");
  app->add_option("-N,--base-samples", o.base_samples, "Saltelli's base sample size N (a power of two is best)")
      ->default_val(o.base_samples)
      ->check(whole_number(2, 1u << 24));
  app->add_option("-n,--replications", o.replications, "replications per sample point, the same at every point")
      ->default_val(o.replications)
      ->check(whole_number(1, 1'000'000));
  app->add_flag("--second-order", o.second_order, "also the second-order indices (N x (2D + 2) points)");
  app->add_option("--resamples", o.resamples, "bootstrap resamples for the intervals")
      ->default_val(o.resamples)
      ->check(whole_number(2, 100'000));
  add_research_common(*app, o, cmd.out, cores, "results/sensitivity-<name>/");
}

void complete_sweep(SweepCommand& cmd, const std::atomic<bool>* cancel) {
  if (!cmd.out.empty()) cmd.options.out = cmd.out;
  cmd.options.cancel = cancel;
}

void complete_sensitivity(SensitivityCommand& cmd, const std::atomic<bool>* cancel) {
  if (!cmd.out.empty()) cmd.options.out = cmd.out;
  if (!cmd.problem.empty()) cmd.options.problem = cmd.problem;
  cmd.options.cancel = cancel;
}

void add_calibrate(CLI::App& parent, CalibrateCommand& cmd, unsigned cores) {
  auto* app = cmd.app = parent.add_subcommand(
      "calibrate", "fit the scenario's numbers to what was observed (ABC-SMC), with a posterior-predictive check");
  CalibrateOptions& o = cmd.options;
  app->add_option("scenario", o.scenario, "scenario file (YAML)")->required();
  app->add_option("--targets", o.targets, "the calibration file: priors (parameters:) and targets: (YAML)")->required();
  app->add_option("--population", o.population, "particles per generation (default: the file's, or 500)")
      ->check(whole_number(10, 1'000'000));
  app->add_option("--generations", o.generations, "most generations (default: the file's, or 8)")
      ->check(whole_number(1, 100));
  app->add_option("--predictive", o.predictive, "replications of each posterior-predictive check")
      ->default_val(o.predictive)
      ->check(whole_number(1, 10'000'000));
  add_research_common(*app, o, cmd.out, cores, "results/calibrate-<name>/");
}

void complete_calibrate(CalibrateCommand& cmd, const std::atomic<bool>* cancel) {
  if (!cmd.out.empty()) cmd.options.out = cmd.out;
  cmd.options.cancel = cancel;
}

}  // namespace wsic::cli
