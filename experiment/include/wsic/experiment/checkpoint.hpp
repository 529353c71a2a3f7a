#pragma once
/// The checkpoint of an unfinished `wsic run`: what the run is (so a resume
/// can prove the checkpoint belongs to this scenario, these options and this
/// build), how far it got, and the merge tree's partial results. A resumed
/// run either equals the uninterrupted run byte for byte or does not start.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wsic/model/model.hpp"
#include "wsic/model/outcomes.hpp"
#include "wsic/model/scenario.hpp"
#include "wsic/sim/error.hpp"
#include "wsic/sim/serial.hpp"

namespace wsic::experiment {

/// A checkpoint that cannot be used: damaged, or not this run's.
class CheckpointError : public wsic::Error {
 public:
  using wsic::Error::Error;
};

/// The length and checksum of the start of a file.
struct Prefix {
  std::uint64_t bytes = 0;
  std::uint64_t hash = 0;
};

/// Everything a run's results depend on.
struct RunIdentity {
  std::string tool_version;
  std::string scenario_file;            ///< as the user first gave it (results name it)
  std::string scenario_absolute;        ///< where to find it again
  std::string content_hash;             ///< of the resolved scenario
  std::vector<std::string> milestones;  ///< extra ones from the command line
  std::vector<std::string> overrides;   ///< --set PATH=VALUE, in order
  std::uint64_t seed = 0;
  std::uint64_t replications = 0;
  std::uint64_t block_size = 0;
  std::uint64_t analysis_replications = 0;
  bool per_replication = false;
  bool gzip_rows = false;  ///< the rows as gzip members (--gzip)
  double checkpoint_seconds = 0.0;
  /// Checksum of replication 0's outcome with this seed: binds the
  /// checkpoint to the seed and to the model's code, not only its version.
  std::uint64_t fingerprint = 0;
};

struct Checkpoint {
  RunIdentity run;
  std::uint64_t blocks_done = 0;
  bool batch_complete = false;  ///< every block is merged; the analyses and outputs remain
  Prefix rows;                  ///< the per-replication rows written so far
  std::vector<std::pair<std::uint64_t, std::string>> partials;  ///< (blocks, Outcomes bytes), left to right
};

inline constexpr const char* kCheckpointFile = "checkpoint.wsic";

/// How the per-replication rows are written, as one byte in checkpoints and
/// part files: 0 none, 1 plain CSV, 2 gzip members.
inline std::uint8_t rows_format(bool per_replication, bool gzip) { return per_replication ? (gzip ? 2 : 1) : 0; }
/// Reads that byte back as (per_replication, gzip); throws sim::SerialError
/// on any other value.
std::pair<bool, bool> read_rows_format(sim::ByteReader& r);

/// The bytes of a checkpoint: a tagged, versioned body and a checksum over it.
std::string encode_checkpoint(const Checkpoint& c);
/// Reads a checkpoint; throws InputError saying why it cannot be trusted
/// (damaged, truncated, another format) before anything in it is used.
Checkpoint decode_checkpoint(std::string_view bytes);

/// The fingerprint of a scenario, model and seed (see RunIdentity).
std::uint64_t run_fingerprint(const model::Scenario& sc, const model::Model& m, std::uint64_t seed);

/// Checks that `c` belongs to the run `expected` describes (same version,
/// scenario, options and fingerprint) and that its progress is consistent
/// with it; returns the partial results to continue from (`resampled`: the
/// run's outcomes keep bootstrap resamples). Throws InputError naming the
/// first mismatch.
std::vector<std::pair<std::uint64_t, model::Outcomes>> verified_partials(const Checkpoint& c,
                                                                         const RunIdentity& expected,
                                                                         const model::Scenario& sc, bool resampled);

}  // namespace wsic::experiment
