#pragma once
/// The options of `wsic run`, `compare` and `merge` as CLI11 subcommands,
/// shared by the command line and the MPI runner so both take the same
/// options with the same checks and help.

#include <atomic>
#include <optional>
#include <string>

#include "wsic/cli/commands.hpp"
#include "wsic/cli/parts.hpp"
#include "wsic/cli/research.hpp"
#include "wsic/cli/run.hpp"

namespace CLI {
class App;
}

namespace wsic::cli {

/// The most replications --precision may run when -n is not given.
inline constexpr std::uint64_t kPrecisionCap = 10'000'000;

struct RunCommand {
  CLI::App* app = nullptr;
  RunOptions options;
  double precision = 0.0;  ///< --precision DAYS
  std::string out;
  std::string resume;
  std::string part;
};

struct CompareCommand {
  CLI::App* app = nullptr;
  CompareOptions options;
  std::string out;
  std::string part;
};

struct MergeCommand {
  CLI::App* app = nullptr;
  MergeOptions options;
  std::string out;
};

struct SweepCommand {
  CLI::App* app = nullptr;
  SweepOptions options;
  std::string out;
};

struct SensitivityCommand {
  CLI::App* app = nullptr;
  SensitivityOptions options;
  std::string out;
  std::string problem;
};

struct CalibrateCommand {
  CLI::App* app = nullptr;
  CalibrateOptions options;
  std::string out;
};

/// Adds the subcommands to `parent`; `cores` bounds --threads.
void add_run(CLI::App& parent, RunCommand& cmd, unsigned cores);
void add_compare(CLI::App& parent, CompareCommand& cmd, unsigned cores);
void add_merge(CLI::App& parent, MergeCommand& cmd);
void add_sweep(CLI::App& parent, SweepCommand& cmd, unsigned cores);
void add_sensitivity(CLI::App& parent, SensitivityCommand& cmd, unsigned cores);
void add_calibrate(CLI::App& parent, CalibrateCommand& cmd, unsigned cores);

/// After parsing: checks the options that depend on each other and fills in
/// the rest of `cmd.options`; returns an exit code (having printed why) when
/// they do not fit together.
std::optional<int> complete_run(RunCommand& cmd, const std::atomic<bool>* cancel);
std::optional<int> complete_compare(CompareCommand& cmd, const std::atomic<bool>* cancel);
void complete_merge(MergeCommand& cmd, const std::atomic<bool>* cancel);
void complete_sweep(SweepCommand& cmd, const std::atomic<bool>* cancel);
void complete_sensitivity(SensitivityCommand& cmd, const std::atomic<bool>* cancel);
void complete_calibrate(CalibrateCommand& cmd, const std::atomic<bool>* cancel);

}  // namespace wsic::cli
