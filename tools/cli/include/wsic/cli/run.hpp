#pragma once
/// The `wsic run` command as a library call, so tests and other front ends
/// can drive it without a shell.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wsic/experiment/batch.hpp"
#include "wsic/scenario/loader.hpp"

namespace wsic::cli {

using experiment::kDefaultSeed;

/// Receives a finished part: its header bytes and the file of its rows (an
/// empty path when it has none; the file is removed after the call).
using PartSink = std::function<void(std::string header, const std::filesystem::path& rows)>;

/// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   ///< a failure while running
inline constexpr int kExitBadInput = 2;  ///< invalid input or usage
inline constexpr int kExitInterrupted = 130;

/// Where the MPI runner's ranks keep their checkpoints: a folder in the
/// results folder, removed when the run is done.
inline constexpr const char* kMpiParts = ".mpi-parts";

struct RunOptions {
  std::filesystem::path scenario;
  std::uint64_t replications = 10'000;
  std::uint64_t seed = kDefaultSeed;
  unsigned threads = 0;                      ///< 0: all cores
  std::optional<std::filesystem::path> out;  ///< default results/<scenario name>/
  std::vector<std::string> milestones;       ///< extra ISO dates
  std::vector<std::string> overrides;        ///< --set PATH=VALUE, applied in order
  bool per_replication = false;
  bool gzip_rows = false;  ///< the per-replication rows gzip-compressed (per_replication.csv.gz)
  bool force = false;      ///< replace earlier results in the output folder
  /// Save the merged state this often (seconds; 0: never), so an interrupted
  /// or killed run can be continued with `resume`.
  double checkpoint_seconds = 0.0;
  /// Continue the unfinished run whose output folder this is; every other
  /// option comes from its checkpoint.
  std::optional<std::filesystem::path> resume;
  /// Precision on demand: run as many replications (whole blocks, at most
  /// `replications`) as the 95% simulation-error interval of
  /// `precision_measure` needs to come within this many days of it on both
  /// sides (experiment::replications_for_precision), then the run of that
  /// many replications.
  std::optional<double> precision_days;
  std::string precision_measure = "all_live_p80";
  /// Replications for barrier attribution and lever sensitivity (0: skip them).
  std::uint64_t analysis_replications = 2'000;
  bool progress = true;  ///< a progress bar on stderr when it is a terminal
  bool quiet = false;    ///< no summary table on stdout
  const std::atomic<bool>* cancel = nullptr;
  /// Part i of k (1-based; 0 of 0: the whole run). A part runs its share of
  /// every batch and writes one part file into `out` (default
  /// results/<scenario name>/parts/); `wsic merge` makes the results.
  std::uint64_t part_index = 0;
  std::uint64_t part_count = 0;
  /// When set, a part is handed here (its header, and the file holding its
  /// rows, empty without --per-replication) instead of being written to a
  /// file: how the MPI runner collects its ranks' parts.
  PartSink part_sink;
};

/// Runs a batch and writes its results (or, with a part, the part file);
/// returns an exit code. Messages go to stdout (results) and stderr
/// (progress, errors).
int run_command(const RunOptions& opt);

/// The --set values as overrides; throws InputError for one without PATH=VALUE.
std::vector<scenario::Override> parse_overrides(const std::vector<std::string>& texts);

}  // namespace wsic::cli
