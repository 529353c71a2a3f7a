#include "wsic/experiment/part.hpp"

#include <fmt/format.h>
#include <zlib.h>
#include <tuple>

#include <bit>
#include <charconv>
#include <limits>

#include "wsic/sim/serial.hpp"

namespace wsic::experiment {

namespace {
constexpr std::string_view kTag = "WSPT";  // wsic part
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kChecksumBytes = 8;
/// No header is this large: a length past it is damage, not data.
constexpr std::uint64_t kMaxRawBytes = std::uint64_t{16} << 30;

/// The u64 at byte `at` (little-endian, as ByteWriter writes it).
std::uint64_t u64_at(std::string_view in, std::size_t at) { return sim::ByteReader(in.substr(at, 8)).read_u64(); }

void write_job(sim::ByteWriter& w, const JobIdentity& j) {
  w.write_string(j.command);
  w.write_string(j.tool_version);
  w.write_u64(j.scenarios.size());
  for (const ScenarioRef& s : j.scenarios) {
    w.write_string(s.file);
    w.write_string(s.absolute);
    w.write_string(s.content_hash);
  }
  w.write_u64(j.milestones.size());
  for (const auto& m : j.milestones) w.write_string(m);
  w.write_u64(j.overrides.size());
  for (const auto& o : j.overrides) w.write_string(o);
  w.write_u64(j.seed);
  w.write_u64(j.replications);
  w.write_u64(j.block_size);
  w.write_u64(j.analysis_replications);
  w.write_u8(rows_format(j.per_replication, j.gzip_rows));
  w.write_u64(j.fingerprint);
}

JobIdentity read_job(sim::ByteReader& r) {
  JobIdentity j;
  j.command = r.read_string();
  j.tool_version = r.read_string();
  const std::uint64_t n = r.read_length(24);
  for (std::uint64_t i = 0; i < n; ++i) {
    ScenarioRef s;
    s.file = r.read_string();
    s.absolute = r.read_string();
    s.content_hash = r.read_string();
    j.scenarios.push_back(std::move(s));
  }
  const std::uint64_t m = r.read_length(8);
  for (std::uint64_t i = 0; i < m; ++i) j.milestones.push_back(r.read_string());
  const std::uint64_t k = r.read_length(8);
  for (std::uint64_t i = 0; i < k; ++i) j.overrides.push_back(r.read_string());
  j.seed = r.read_u64();
  j.replications = r.read_u64();
  j.block_size = r.read_u64();
  j.analysis_replications = r.read_u64();
  std::tie(j.per_replication, j.gzip_rows) = read_rows_format(r);
  j.fingerprint = r.read_u64();
  return j;
}

std::string compress(const std::string& raw) {
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string out(size, '\0');
  // Level 1: the accumulators are mostly runs of zero counts, which any
  // level squeezes; a higher level would cost time for a few per cent.
  const int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
                           static_cast<uLong>(raw.size()), 1);
  if (rc != Z_OK) throw wsic::Error(fmt::format("cannot compress a part ({} bytes): zlib error {}", raw.size(), rc));
  out.resize(size);
  return out;
}

std::string decompress(std::string_view packed, std::uint64_t raw_bytes) {
  std::string out(raw_bytes, '\0');
  uLongf size = static_cast<uLongf>(raw_bytes);
  const int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(packed.data()),
                            static_cast<uLong>(packed.size()));
  if (rc != Z_OK || size != raw_bytes) throw PartError("the part's contents cannot be unpacked (damaged)");
  return out;
}
}  // namespace

std::string run_id(const JobIdentity& j) {
  sim::Fnv1a h;
  h.add(j.command).add("\n").add(j.tool_version).add("\n");
  for (const ScenarioRef& s : j.scenarios) h.add(s.content_hash).add("\n");
  h.add(fmt::format("{} {} {} {} {}", j.seed, j.replications, j.block_size, j.analysis_replications, j.fingerprint));
  return fmt::format("{:016x}", h.value());
}

std::string part_file_name(std::uint64_t index, std::uint64_t count) {
  const std::size_t width = std::to_string(count).size();
  return fmt::format("part-{:0{}}-of-{}.wsicpart", index, width, count);
}

std::string encode_part(const Part& p) {
  sim::ByteWriter w;
  write_job(w, p.job);
  w.write_u64(p.index);
  w.write_u64(p.count);
  w.write_u64(p.batches.size());
  for (const PartBatch& b : p.batches) {
    w.write_string(b.label);
    w.write_u64(b.replications);
    w.write_u64(b.range.first);
    w.write_u64(b.range.end);
    w.write_u64(b.nodes.size());
    for (const PartNode& n : b.nodes) {
      w.write_u64(n.first);
      w.write_u64(n.blocks);
      w.write_string(n.bytes);
    }
  }
  w.write_f64(p.wall_seconds);
  w.write_f64(p.batch_seconds);
  w.write_u32(p.threads);
  w.write_string(p.host);
  w.write_u64(p.rows.bytes);
  w.write_u64(p.rows.hash);
  w.write_bool(p.complete);
  const std::string raw = w.release();
  const std::string packed = compress(raw);
  sim::ByteWriter out;
  out.write_header(kTag, kVersion);
  out.write_u64(packed.size());
  out.write_u64(raw.size());
  std::string bytes = out.release();
  bytes += packed;
  const std::uint64_t checksum = sim::Fnv1a().add(bytes).value();
  sim::ByteWriter sealed(std::move(bytes));
  sealed.write_u64(checksum);
  return sealed.release();
}

std::uint64_t part_header_bytes(std::string_view start) {
  if (start.size() < kPartPreludeBytes || start.substr(0, kTag.size()) != kTag) {
    throw PartError("not a wsic part file (it does not start as one)");
  }
  sim::ByteReader r(start.substr(0, 8));
  try {
    r.read_header(kTag, kVersion);
  } catch (const sim::SerialError&) {
    throw PartError("the part was written by another version of wsic's part format");
  }
  const std::uint64_t packed = u64_at(start, 8);
  const std::uint64_t raw = u64_at(start, 16);
  // Deflate packs at most about 1032 to 1: a larger claim is damage, and
  // would otherwise be an allocation out of all proportion to the file.
  if (packed > kMaxRawBytes || raw > kMaxRawBytes || raw > packed * 1040 + 1024) {
    throw PartError("the part is damaged: its header claims an impossible size");
  }
  return kPartPreludeBytes + packed + kChecksumBytes;
}

Part decode_part(std::string_view bytes) {
  const std::uint64_t size = part_header_bytes(bytes);
  if (bytes.size() < size) throw PartError(fmt::format("the part is truncated ({} bytes)", bytes.size()));
  const std::string_view body = bytes.substr(0, size - kChecksumBytes);
  if (sim::Fnv1a().add(body).value() != u64_at(bytes, body.size())) {
    throw PartError(
        "the part is damaged: its checksum does not match its contents (it was changed, truncated or only "
        "partly written)");
  }
  const std::string raw = decompress(body.substr(kPartPreludeBytes), u64_at(bytes, 16));
  try {
    sim::ByteReader r(raw);
    Part p;
    p.job = read_job(r);
    p.index = r.read_u64();
    p.count = r.read_u64();
    const std::uint64_t nb = r.read_length(40);
    for (std::uint64_t b = 0; b < nb; ++b) {
      PartBatch batch;
      batch.label = r.read_string();
      batch.replications = r.read_u64();
      batch.range.first = r.read_u64();
      batch.range.end = r.read_u64();
      const std::uint64_t nn = r.read_length(24);
      for (std::uint64_t i = 0; i < nn; ++i) {
        PartNode n;
        n.first = r.read_u64();
        n.blocks = r.read_u64();
        n.bytes = r.read_string();
        batch.nodes.push_back(std::move(n));
      }
      p.batches.push_back(std::move(batch));
    }
    p.wall_seconds = r.read_f64();
    p.batch_seconds = r.read_f64();
    p.threads = r.read_u32();
    p.host = r.read_string();
    p.rows.bytes = r.read_u64();
    p.rows.hash = r.read_u64();
    p.complete = r.read_bool();
    r.expect_end();
    return p;
  } catch (const sim::SerialError& e) {
    throw PartError(fmt::format("the part cannot be read: {}", e.what()));
  }
}

void check_part_shape(const Part& p, bool unfinished_ok) {
  if (!p.complete && !unfinished_ok) {
    throw PartError("it is an unfinished part (a checkpoint): run its part again to finish it");
  }
  if (p.count == 0 || p.count > kMaxParts || p.index == 0 || p.index > p.count) {
    throw PartError(fmt::format("the part calls itself part {} of {}", p.index, p.count));
  }
  if (p.job.block_size == 0 || p.job.replications == 0) throw PartError("the part's batch is empty");
  for (std::size_t i = 0; i < p.batches.size(); ++i) {
    const PartBatch& b = p.batches[i];
    const std::uint64_t blocks = sim::block_count(b.replications, p.job.block_size);
    if (b.range != sim::part_range(blocks, p.index, p.count)) {
      throw PartError(fmt::format("the part's share of batch '{}' is not part {} of {}", b.label, p.index, p.count));
    }
    std::uint64_t at = b.range.first;
    for (const PartNode& n : b.nodes) {
      if (n.first != at || n.blocks == 0 || !std::has_single_bit(n.blocks) || n.first % n.blocks != 0 ||
          n.blocks > b.range.end - at) {
        throw PartError(fmt::format("the part's results for batch '{}' are not nodes of its merge tree", b.label));
      }
      at += n.blocks;
    }
    const bool may_stop_short = !p.complete && i + 1 == p.batches.size();
    if (at != b.range.end && !may_stop_short) {
      throw PartError(fmt::format("the part's results for batch '{}' do not cover its share", b.label));
    }
  }
}

std::string job_difference(const JobIdentity& a, const JobIdentity& b) {
  const auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s.empty() ? std::string("none") : s;
  };
  if (a.command != b.command) return fmt::format("command {} vs {}", a.command, b.command);
  if (a.tool_version != b.tool_version) return fmt::format("wsic {} vs {}", a.tool_version, b.tool_version);
  if (a.scenarios.size() != b.scenarios.size()) {
    return fmt::format("{} vs {} scenarios", a.scenarios.size(), b.scenarios.size());
  }
  for (std::size_t i = 0; i < a.scenarios.size(); ++i) {
    if (a.scenarios[i].content_hash != b.scenarios[i].content_hash) {
      return fmt::format("scenario {} ({}) vs {} ({})", a.scenarios[i].file, a.scenarios[i].content_hash,
                         b.scenarios[i].file, b.scenarios[i].content_hash);
    }
  }
  if (a.milestones != b.milestones) return fmt::format("--milestone {} vs {}", list(a.milestones), list(b.milestones));
  if (a.overrides != b.overrides) return fmt::format("--set {} vs {}", list(a.overrides), list(b.overrides));
  if (a.seed != b.seed) return fmt::format("seed {} vs {}", a.seed, b.seed);
  if (a.replications != b.replications) return fmt::format("{} vs {} replications", a.replications, b.replications);
  if (a.block_size != b.block_size) return fmt::format("block size {} vs {}", a.block_size, b.block_size);
  if (a.analysis_replications != b.analysis_replications) {
    return fmt::format("{} vs {} analysis replications", a.analysis_replications, b.analysis_replications);
  }
  if (a.per_replication != b.per_replication) return "per-replication rows in one and not the other";
  if (a.gzip_rows != b.gzip_rows) return "gzip-compressed rows (--gzip) in one and not the other";
  if (a.fingerprint != b.fingerprint) return "replication 0 comes out differently (another build of wsic?)";
  // Where the scenario files are does not change the results.
  return {};
}

bool parse_part(std::string_view text, std::uint64_t& index, std::uint64_t& count) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  const auto whole = [](std::string_view s, std::uint64_t& v) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
  };
  std::uint64_t i = 0, k = 0;
  if (!whole(text.substr(0, slash), i) || !whole(text.substr(slash + 1), k)) return false;
  if (k == 0 || k > kMaxParts || i == 0 || i > k) return false;
  index = i;
  count = k;
  return true;
}

}  // namespace wsic::experiment
