// wsic: the command-line front end. Parsing and signals only; the commands
// and their options live in the wsic::cli library.
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <iostream>

#include "wsic/cli/args.hpp"

namespace {
// Set from the signal handler: the one global a signal handler needs.
std::atomic<bool> g_cancel{false};

// The first Ctrl-C (or SIGTERM) asks the command to stop at the next safe
// point; a second one ends the program at once (results already written
// stay whole: every file is written atomically).
extern "C" void on_signal(int sig) {
  if (g_cancel.exchange(true)) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}
}  // namespace

int main(int argc, char** argv) {
  using namespace wsic::cli;
  CLI::App app{"wsic: simulate the Whole Systems Integrated Care rollout in North West London"};
  app.set_version_flag("--version", wsic::experiment::version());
  app.require_subcommand(1);
  const unsigned cores = wsic::experiment::effective_threads(0);
  RunCommand run;
  add_run(app, run, cores);
  std::vector<std::filesystem::path> to_validate;
  auto* validate = app.add_subcommand("validate", "check scenario files without running them");
  validate->add_option("files", to_validate, "scenario files (YAML)")->required();
  CompareCommand compare;
  add_compare(app, compare, cores);
  MergeCommand merge;
  add_merge(app, merge);
  SweepCommand sweep;
  add_sweep(app, sweep, cores);
  SensitivityCommand sensitivity;
  add_sensitivity(app, sensitivity, cores);
  CalibrateCommand calibrate;
  add_calibrate(app, calibrate, cores);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    if (*run.app) {
      if (const auto bad = complete_run(run, &g_cancel)) return *bad;
      return run_command(run.options);
    }
    if (*validate) return validate_command(to_validate);
    if (*merge.app) {
      complete_merge(merge, &g_cancel);
      return merge_command(merge.options);
    }
    if (*sweep.app) {
      complete_sweep(sweep, &g_cancel);
      return sweep_command(sweep.options);
    }
    if (*sensitivity.app) {
      complete_sensitivity(sensitivity, &g_cancel);
      return sensitivity_command(sensitivity.options);
    }
    if (*calibrate.app) {
      complete_calibrate(calibrate, &g_cancel);
      return calibrate_command(calibrate.options);
    }
    if (*compare.app) {
      if (const auto bad = complete_compare(compare, &g_cancel)) return *bad;
      return compare_command(compare.options);
    }
  } catch (const std::exception& e) {
    std::cerr << "wsic: " << e.what() << '\n';
    return kExitFailure;
  }
  return kExitBadInput;
}
