#pragma once
/// `wsic merge`: the parts of a run or comparison (from `--part i/k` or the
/// MPI runner's ranks) merged into the results one process would have
/// written, byte for byte.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wsic/experiment/part.hpp"
#include "wsic/model/scenario.hpp"

namespace wsic::cli {

/// Where a part comes from: a file, or bytes received from another process.
class PartInput {
 public:
  static PartInput from_file(std::filesystem::path file);
  static PartInput from_bytes(std::string name, std::string bytes);

  /// The file name, or what the bytes were called ("rank 3").
  const std::string& name() const noexcept { return name_; }
  /// Reads and checks the header (nodes included); throws
  /// experiment::PartError saying why it cannot be used.
  experiment::Part read() const;
  /// Streams the rows after the header to `sink`, checking their length and
  /// checksum against `header.rows`; throws experiment::PartError.
  void copy_rows(const experiment::Part& header, const std::function<void(std::string_view)>& sink) const;

 private:
  std::string name_;
  std::filesystem::path file_;
  std::string bytes_;
  bool in_memory_ = false;
};

struct MergeOptions {
  std::vector<std::filesystem::path> parts;
  std::optional<std::filesystem::path> out;  ///< default: where the run or compare would write
  bool force = false;
  bool progress = true;
  bool quiet = false;
  const std::atomic<bool>* cancel = nullptr;
};

/// Merges part files; returns an exit code.
int merge_command(const MergeOptions& opt);

/// Checks that `inputs` are every part of one job, each once, and merges
/// them (their order does not matter); returns an exit code, having
/// printed any problem to stderr.
int merge_parts(const std::vector<PartInput>& inputs, const MergeOptions& opt);

// The command-specific halves of a merge, given the parts in index order,
// already checked to belong together; they throw like the commands do.
int merge_run(const std::vector<const PartInput*>& parts, const experiment::Part& first, const MergeOptions& opt);
int merge_compare(const std::vector<const PartInput*>& parts, const experiment::Part& first, const MergeOptions& opt);

/// The scenario a job ran, loaded again for its merge: from where it was
/// found, or else where it was named, with the job's --set values and
/// `adjust` applied; it must resolve to the same content hash. `found` is
/// set to its path. Throws InputError saying what to do when it is not
/// there or has changed.
model::Scenario locate_scenario(const experiment::ScenarioRef& ref, const std::vector<std::string>& overrides,
                                std::filesystem::path& found, const std::function<void(model::Scenario&)>& adjust);

/// Makes the folder of part file `file` and refuses to replace an existing
/// part unless `force`; throws InputError. No lock: the parts of a job are
/// written side by side into one folder, each to its own file, atomically.
void prepare_part_file(const std::filesystem::path& file, bool force);

/// This machine's name, for a part's record of where it ran.
std::string host_name();

/// Wall seconds and threads of the parts merged, for run.json.
struct PartsFacts {
  std::uint64_t parts = 0;
  double longest_batch_seconds = 0.0;  ///< the slowest part's main batch
  double longest_seconds = 0.0;        ///< the slowest part, analyses included
  double total_seconds = 0.0;          ///< all parts' wall time added up
  unsigned threads = 0;                ///< all parts' threads added up
};

}  // namespace wsic::cli
