#include "wsic/experiment/checkpoint.hpp"

#include <fmt/format.h>
#include <tuple>

#include <bit>

#include "wsic/sim/serial.hpp"

namespace wsic::experiment {

namespace {
constexpr std::string_view kTag = "WSCP";  // wsic checkpoint
// 2: a checksum over the whole file, the run's identity and fingerprint,
// the rows prefix's checksum and the batch-complete mark. 3: the command
// line's --set values.
constexpr std::uint32_t kVersion = 3;
constexpr std::size_t kChecksumBytes = 8;

void write_identity(sim::ByteWriter& w, const RunIdentity& r) {
  w.write_string(r.tool_version);
  w.write_string(r.scenario_file);
  w.write_string(r.scenario_absolute);
  w.write_string(r.content_hash);
  w.write_u64(r.milestones.size());
  for (const auto& m : r.milestones) w.write_string(m);
  w.write_u64(r.overrides.size());
  for (const auto& o : r.overrides) w.write_string(o);
  w.write_u64(r.seed);
  w.write_u64(r.replications);
  w.write_u64(r.block_size);
  w.write_u64(r.analysis_replications);
  w.write_u8(rows_format(r.per_replication, r.gzip_rows));
  w.write_f64(r.checkpoint_seconds);
  w.write_u64(r.fingerprint);
}

RunIdentity read_identity(sim::ByteReader& r) {
  RunIdentity id;
  id.tool_version = r.read_string();
  id.scenario_file = r.read_string();
  id.scenario_absolute = r.read_string();
  id.content_hash = r.read_string();
  const std::uint64_t n = r.read_length(8);
  for (std::uint64_t i = 0; i < n; ++i) id.milestones.push_back(r.read_string());
  const std::uint64_t k = r.read_length(8);
  for (std::uint64_t i = 0; i < k; ++i) id.overrides.push_back(r.read_string());
  id.seed = r.read_u64();
  id.replications = r.read_u64();
  id.block_size = r.read_u64();
  id.analysis_replications = r.read_u64();
  std::tie(id.per_replication, id.gzip_rows) = read_rows_format(r);
  id.checkpoint_seconds = r.read_f64();
  id.fingerprint = r.read_u64();
  return id;
}

void write_u64_le(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffU));
}
std::uint64_t read_u64_le(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[static_cast<std::size_t>(i)])) << (8 * i);
  return v;
}
}  // namespace

std::string encode_checkpoint(const Checkpoint& c) {
  sim::ByteWriter w;
  w.write_header(kTag, kVersion);
  write_identity(w, c.run);
  w.write_u64(c.blocks_done);
  w.write_bool(c.batch_complete);
  w.write_u64(c.rows.bytes);
  w.write_u64(c.rows.hash);
  w.write_u64(c.partials.size());
  for (const auto& [blocks, bytes] : c.partials) {
    w.write_u64(blocks);
    w.write_string(bytes);
  }
  std::string out = w.release();
  write_u64_le(out, sim::Fnv1a().add(out).value());
  return out;
}

Checkpoint decode_checkpoint(std::string_view bytes) {
  // The checksum first: nothing in a damaged file is read, let alone used.
  if (bytes.size() < kTag.size() + 4 + kChecksumBytes) {
    throw CheckpointError(fmt::format("the checkpoint is truncated ({} bytes)", bytes.size()));
  }
  const std::string_view body = bytes.substr(0, bytes.size() - kChecksumBytes);
  if (sim::Fnv1a().add(body).value() != read_u64_le(bytes.substr(body.size()))) {
    throw CheckpointError(
        "the checkpoint is damaged: its checksum does not match its contents (it was changed, "
        "truncated or only partly written)");
  }
  try {
    sim::ByteReader r(body);
    if (r.read_header(kTag, kVersion) != kVersion) throw CheckpointError("the checkpoint was written by an older wsic");
    Checkpoint c;
    c.run = read_identity(r);
    c.blocks_done = r.read_u64();
    c.batch_complete = r.read_bool();
    c.rows.bytes = r.read_u64();
    c.rows.hash = r.read_u64();
    const std::uint64_t n = r.read_length(16);
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t blocks = r.read_u64();
      c.partials.emplace_back(blocks, r.read_string());
    }
    r.expect_end();
    return c;
  } catch (const sim::SerialError& e) {
    throw CheckpointError(fmt::format("the checkpoint cannot be read: {}", e.what()));
  }
}

std::pair<bool, bool> read_rows_format(sim::ByteReader& r) {
  const std::uint8_t v = r.read_u8();
  if (v > 2) throw sim::SerialError("an unknown format of per-replication rows");
  return {v > 0, v == 2};
}

std::uint64_t run_fingerprint(const model::Scenario& sc, const model::Model& m, std::uint64_t seed) {
  model::ReplicationOutcome r;
  m.simulate(seed, 0, r);
  model::Outcomes one(sc);
  one.add(r);
  return sim::Fnv1a().add(one.save()).value();
}

std::vector<std::pair<std::uint64_t, model::Outcomes>> verified_partials(const Checkpoint& c,
                                                                         const RunIdentity& expected,
                                                                         const model::Scenario& sc, bool resampled) {
  const RunIdentity& got = c.run;
  if (got.tool_version != expected.tool_version) {
    throw CheckpointError(fmt::format("the checkpoint was written by wsic {}; this is wsic {}: start the run again",
                                      got.tool_version, expected.tool_version));
  }
  if (got.content_hash != expected.content_hash) {
    throw CheckpointError(
        fmt::format("{} has changed since the checkpoint was saved; resuming would mix two scenarios. "
                    "Restore the file or start a new run.",
                    expected.scenario_absolute));
  }
  if (got.block_size != expected.block_size || got.seed != expected.seed || got.replications != expected.replications ||
      got.milestones != expected.milestones || got.overrides != expected.overrides) {
    throw CheckpointError("the checkpoint's options are not this run's");
  }
  if (got.fingerprint != expected.fingerprint) {
    throw CheckpointError(
        "replication 0 does not come out as it did when the checkpoint was saved: the seed or the model "
        "has changed (another build of wsic?); resuming would mix two runs. Start the run again.");
  }
  const std::uint64_t bs = got.block_size;
  const std::uint64_t nblocks = got.replications / bs + (got.replications % bs != 0 ? 1 : 0);
  if (c.blocks_done > nblocks) {
    throw CheckpointError(fmt::format("the checkpoint claims {} blocks done of a run of {}", c.blocks_done, nblocks));
  }
  if (c.batch_complete != (c.blocks_done == nblocks))
    throw CheckpointError("the checkpoint's progress does not add up");
  if (!got.per_replication && (c.rows.bytes != 0 || c.rows.hash != 0)) {
    throw CheckpointError("the checkpoint has per-replication rows for a run without them");
  }
  // The partials of a merge tree fed in block order: powers of two, each
  // smaller than the one before, adding up to the blocks done; each holding
  // exactly the replications of its blocks, shaped for this scenario.
  const model::Outcomes shape(sc, resampled);
  std::vector<std::pair<std::uint64_t, model::Outcomes>> out;
  std::uint64_t first_block = 0;
  for (const auto& [blocks, bytes] : c.partials) {
    if (blocks == 0 || !std::has_single_bit(blocks) || (!out.empty() && blocks >= out.back().first) ||
        blocks > c.blocks_done - first_block) {
      throw CheckpointError("the checkpoint's partial results are not a merge tree of this run");
    }
    model::Outcomes o;
    try {
      o = model::Outcomes::load(bytes);
    } catch (const std::exception& e) {
      throw CheckpointError(fmt::format("the checkpoint's partial results cannot be read: {}", e.what()));
    }
    const std::uint64_t lo = first_block * bs;
    const std::uint64_t hi = std::min(got.replications, (first_block + blocks) * bs);
    if (!o.same_shape(shape) || o.replications != hi - lo) {
      throw CheckpointError("the checkpoint's partial results do not fit this scenario and run");
    }
    first_block += blocks;
    out.emplace_back(blocks, std::move(o));
  }
  if (first_block != c.blocks_done)
    throw CheckpointError("the checkpoint's partial results do not add up to its progress");
  return out;
}

}  // namespace wsic::experiment
