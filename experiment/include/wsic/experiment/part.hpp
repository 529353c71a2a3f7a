#pragma once
/// Part files: one share of a job's blocks, computed anywhere (another
/// process, another machine, a job-array task), to be merged with the other
/// parts into the results one process would have written, byte for byte.
///
/// A job is one or more batches (a `wsic run` with its analyses, or a
/// `wsic compare`). Part i of k runs the same share of every batch
/// (`sim::part_range`) and keeps the nodes of the batch's merge tree that
/// lie in its share; merging pushes the parts' nodes in block order into one
/// reducer, which merges them exactly as the whole run would have.
///
/// A file holds a header (compressed) and then the part's per-replication
/// rows, if any, as plain text:
///   "WSPT" u32 version | u64 body bytes | u64 raw bytes | body (zlib) | u64 checksum | rows
/// The header's checksum covers everything before it; the header records the
/// rows' length and checksum, so a damaged, truncated or foreign file is
/// refused before anything in it is used.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wsic/experiment/checkpoint.hpp"
#include "wsic/sim/error.hpp"
#include "wsic/sim/runner.hpp"

namespace wsic::experiment {

/// A part that cannot be used: damaged, or not of this job.
class PartError : public wsic::Error {
 public:
  using wsic::Error::Error;
};

/// A scenario a job ran.
struct ScenarioRef {
  std::string file;          ///< as the user gave it (results name it)
  std::string absolute;      ///< where to find it again
  std::string content_hash;  ///< of the resolved scenario (after --set and --milestone)
  bool operator==(const ScenarioRef&) const = default;
};

/// Everything a split job's results depend on: every part of a job carries
/// the same identity.
struct JobIdentity {
  std::string command;  ///< "run" or "compare"
  std::string tool_version;
  std::vector<ScenarioRef> scenarios;   ///< one for run; the base, then the what-ifs, for compare
  std::vector<std::string> milestones;  ///< --milestone dates
  std::vector<std::string> overrides;   ///< --set PATH=VALUE, in order
  std::uint64_t seed = 0;
  std::uint64_t replications = 0;
  std::uint64_t block_size = 0;
  std::uint64_t analysis_replications = 0;
  bool per_replication = false;
  bool gzip_rows = false;  ///< the per-replication rows as gzip members (--gzip)
  /// Checksum of replication 0's outcome of the first scenario with this
  /// seed: binds the parts to the model's code, not only the version.
  std::uint64_t fingerprint = 0;
  bool operator==(const JobIdentity&) const = default;
};

/// A run's id: 16 hex digits that every file of its results carries (the
/// last column of every CSV, `run_id` in the JSON files), so rows from many
/// runs can be pooled and joined back to their run. It depends on what the
/// results depend on (command, version, the scenarios' content, seed,
/// replications, block size, analysis replications, the model's
/// fingerprint), not on files' paths, threads, parts or the machine: the
/// same job gives the same id wherever and however it runs.
std::string run_id(const JobIdentity& j);

/// One node of a batch's merge tree: an accumulator's bytes.
struct PartNode {
  std::uint64_t first = 0;
  std::uint64_t blocks = 0;
  std::string bytes;
};

/// One batch's share in a part.
struct PartBatch {
  std::string label;               ///< what the batch is ("main", "without ig", ...)
  std::uint64_t replications = 0;  ///< of the whole batch
  sim::BlockRange range;           ///< this part's blocks
  std::vector<PartNode> nodes;     ///< covering `range`, left to right
};

struct Part {
  JobIdentity job;
  std::uint64_t index = 0;  ///< i of "i/k", from 1
  std::uint64_t count = 0;  ///< k
  std::vector<PartBatch> batches;
  double wall_seconds = 0.0;   ///< how long this part took
  double batch_seconds = 0.0;  ///< of which the main batch (without the analyses)
  unsigned threads = 0;        ///< the threads it used
  std::string host;            ///< where it ran
  Prefix rows;                 ///< the per-replication rows after the header
  /// False for a part's checkpoint: its batches so far, the last one
  /// possibly covering only the start of its share.
  bool complete = true;
};

/// The file name of part i of k: zero-padded so that a shell glob lists the
/// parts in order ("part-007-of-120.wsicpart").
std::string part_file_name(std::uint64_t index, std::uint64_t count);

/// The header's bytes: a part file is these followed by the rows.
std::string encode_part(const Part& p);

/// The size of the header whose first bytes are `start` (at least
/// kPartPreludeBytes of them); throws PartError when they are not a part
/// file's.
inline constexpr std::size_t kPartPreludeBytes = 24;
std::uint64_t part_header_bytes(std::string_view start);

/// Reads a header (`bytes` holds exactly the header). Throws PartError
/// saying why it cannot be trusted before anything in it is used.
Part decode_part(std::string_view bytes);

/// Checks that `p` is internally consistent: its share of every batch is
/// part `index` of `count` of that batch, covered by its nodes, each an
/// aligned node of the merge tree. Throws PartError (an unfinished part, a
/// checkpoint, is refused unless `unfinished_ok`; then its last batch may
/// cover only the start of its share).
void check_part_shape(const Part& p, bool unfinished_ok = false);

/// The first way two jobs differ, in words (e.g. "seed 1 vs 2"); empty when
/// they are the same job.
std::string job_difference(const JobIdentity& a, const JobIdentity& b);

/// Parses "i/k" (1 ≤ i ≤ k ≤ kMaxParts); false when it is not that.
inline constexpr std::uint64_t kMaxParts = 1'000'000;
bool parse_part(std::string_view text, std::uint64_t& index, std::uint64_t& count);

}  // namespace wsic::experiment
