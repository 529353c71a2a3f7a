#include "wsic/cli/output.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "wsic/cli/files.hpp"
#include "wsic/cli/report.hpp"
#include "wsic/cli/run.hpp"

namespace wsic::cli {

int prepare_output_folder(const std::filesystem::path& dir, std::string_view marker, bool force, std::string_view who) {
  std::error_code ec;
  if (std::filesystem::exists(dir / marker, ec) && !force) {
    std::cerr << who << ": " << dir.string() << " already holds results (" << marker
              << "); pass --force to replace them, or choose another folder with -o\n";
    return kExitBadInput;
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::cerr << who << ": cannot create output folder " << dir.string() << ": " << ec.message() << '\n';
    return kExitFailure;
  }
  return kExitOk;
}

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

void write_report(const std::filesystem::path& dir, const nlohmann::ordered_json& data) {
  write_file_atomic(dir / "report_data.json", data.dump(2) + "\n");
  for (const auto& [name, content] : render_report(nlohmann::json::parse(data.dump()))) {
    write_file_atomic(dir / name, content);
  }
}

}  // namespace wsic::cli
