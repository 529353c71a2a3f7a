#include "wsic/cli/output.hpp"

#include <fmt/format.h>

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "wsic/model/scenario.hpp"
#include "wsic/sim/error.hpp"

namespace wsic::cli {

namespace {
std::string format_seconds(double s) {
  if (s < 60) return fmt::format("{:.0f}s", s);
  // 64 bits and capped, so a wild (or NaN) estimate early in a long run cannot overflow the cast.
  const auto whole = static_cast<long long>(s < 1e15 ? s : 1e15);
  if (s < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02}m", whole / 3600, (whole / 60) % 60);
}
}  // namespace

void draw_progress(const sim::Progress& p) {
  const double frac = p.total ? static_cast<double>(p.done) / static_cast<double>(p.total) : 1.0;
  const double rate = p.seconds > 0 ? static_cast<double>(p.done) / p.seconds : 0.0;
  const double eta = rate > 0 ? static_cast<double>(p.total - p.done) / rate : 0.0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  fmt::print(stderr, "\r[{}] {:>5.1f}%  {}/{}  {:.0f} rep/s  {} left   ", bar, 100.0 * frac, p.done, p.total, rate,
             format_seconds(eta));
  std::fflush(stderr);
}

std::string replication_rows(const model::Scenario& sc, std::string_view lead, std::uint64_t index,
                             const model::ReplicationOutcome& r, std::string_view run_id) {
  const auto day = [&](double d) {
    return d == model::kNever ? std::string() : model::iso_day(sc, static_cast<int>(d));
  };
  std::string rows;
  for (std::size_t s = 0; s < r.schemes.size(); ++s) {
    const auto& so = r.schemes[s];
    // The workstreams on the critical path to go-live, in the scenario's
    // order, `;` between them (ids are [a-z0-9_], so no quoting); empty
    // when the scheme did not go live by the horizon.
    std::string critical;
    if (so.go_live != model::kNever) {
      for (std::size_t w = 0; w < sc.workstreams.size() && w < 64; ++w) {
        if ((so.critical >> w & 1u) == 0) continue;
        if (!critical.empty()) critical += ';';
        critical += sc.workstreams[w].id;
      }
    }
    rows += fmt::format("{}{},{},{},{},{},{},{},{},{},{}\n", lead, index, sc.schemes[s].id, day(so.design_start),
                        day(so.design_end), day(so.go_live), day(so.full_model), day(so.full_coverage), so.strikes,
                        critical, run_id);
  }
  return rows;
}

std::string gzip_member(std::string_view text) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw InternalError("zlib could not start a gzip stream");
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const std::size_t written = out.size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw InternalError("zlib could not compress a block of rows");
  out.resize(written);
  return out;
}

std::string with_run_id(std::string_view csv, std::string_view id) {
  std::string out;
  out.reserve(csv.size() + (id.size() + 1) * static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')));
  bool header = true;
  while (!csv.empty()) {
    const std::size_t end = csv.find('\n');
    const std::string_view line = csv.substr(0, end);
    out.append(line).append(",").append(header ? std::string_view("run_id") : id).append("\n");
    header = false;
    if (end == std::string_view::npos) break;
    csv.remove_prefix(end + 1);
  }
  return out;
}

}  // namespace wsic::cli
