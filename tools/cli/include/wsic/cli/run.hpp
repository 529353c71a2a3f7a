#pragma once
/// The `wsic run` command as a library call, so tests and other front ends
/// can drive it without a shell.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace wsic::cli {

/// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      ///< a failure while running
inline constexpr int kExitBadInput = 2;     ///< invalid input or usage
inline constexpr int kExitInterrupted = 130;

inline constexpr std::uint64_t kDefaultSeed = 20131001;  // the day co-design began
/// Replications one command may ask for: a million-fold the default, about a
/// year of one core; more would overflow nothing, but is surely a typo.
inline constexpr std::uint64_t kMaxReplications = 1'000'000'000'000;
/// Memory for the accumulators of blocks in flight. With the model's limits
/// one accumulator is at most about 15 MB; a run holds this much plus one
/// per level of the merge tree, well under 500 MB at the limits.
inline constexpr std::size_t kAccumulatorBudgetBytes = 192u << 20;

/// Blocks to run per wave for accumulators of `accumulator_bytes` on
/// `threads` threads: four per thread, fewer when that would pass the budget.
std::uint64_t blocks_in_flight(std::size_t accumulator_bytes, unsigned threads);
/// The threads a run uses when asked for `asked` (0: every core).
unsigned effective_threads(unsigned asked);

struct RunOptions {
  std::filesystem::path scenario;
  std::uint64_t replications = 10'000;
  std::uint64_t seed = kDefaultSeed;
  unsigned threads = 0;  ///< 0: all cores
  std::optional<std::filesystem::path> out;  ///< default results/<scenario name>/
  std::vector<std::string> milestones;       ///< extra ISO dates
  bool per_replication = false;
  bool force = false;  ///< replace earlier results in the output folder
  /// Save the merged state this often (seconds; 0: never), so an interrupted
  /// or killed run can be continued with `resume`.
  double checkpoint_seconds = 0.0;
  /// Continue the unfinished run whose output folder this is; every other
  /// option comes from its checkpoint.
  std::optional<std::filesystem::path> resume;
  /// Replications for barrier attribution and lever sensitivity (0: skip them).
  std::uint64_t analysis_replications = 2'000;
  bool progress = true;  ///< a progress bar on stderr when it is a terminal
  bool quiet = false;    ///< no summary table on stdout
  const std::atomic<bool>* cancel = nullptr;
};

/// Runs a batch and writes its results; returns an exit code. Messages go to
/// stdout (results) and stderr (progress, errors).
int run_command(const RunOptions& opt);

/// The tool's version.
const char* version();

}  // namespace wsic::cli
