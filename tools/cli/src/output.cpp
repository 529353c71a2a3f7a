#include "wsic/cli/output.hpp"

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
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.0fs", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, (static_cast<int>(s) / 60) % 60);
  }
  return buf;
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
  std::fprintf(stderr, "\r[%s] %5.1f%%  %llu/%llu  %.0f rep/s  %s left   ", bar.c_str(), 100.0 * frac,
               static_cast<unsigned long long>(p.done), static_cast<unsigned long long>(p.total), rate,
               format_seconds(eta).c_str());
  std::fflush(stderr);
}

void write_report(const std::filesystem::path& dir, const nlohmann::ordered_json& data) {
  write_file_atomic(dir / "report_data.json", data.dump(2) + "\n");
  for (const auto& [name, content] : render_report(nlohmann::json::parse(data.dump()))) {
    write_file_atomic(dir / name, content);
  }
}

}  // namespace wsic::cli
