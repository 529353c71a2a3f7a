// libFuzzer target for the scenario loader and the model: any bytes must give
// a scenario or diagnostics, never a crash, a hang or unbounded memory; and
// every scenario the loader accepts must simulate (one replication, counted
// into a batch accumulator) without a crash, a hang or an error, so that
// what `validate` accepts, `run` can run.
//
//   cmake --preset fuzz && cmake --build --preset fuzz
//   build-fuzz/tests/loader_fuzz tests/fuzz/corpus -max_total_time=60
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "wsic/model/model.hpp"
#include "wsic/model/outcomes.hpp"
#include "wsic/scenario/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The loader reads files (overlays name other files relative to theirs), so
  // each input becomes a file in a private folder.
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("wsic-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const auto file = dir / "input.yaml";
  if (std::FILE* f = std::fopen(file.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  wsic::scenario::LoadOptions opt;
  opt.max_file_bytes = 1 << 20;
  const auto result = wsic::scenario::check_scenario(file, opt);
  // Every failure must explain itself.
  if (!result.ok() && result.diagnostics.empty()) __builtin_trap();
  for (const auto& d : result.diagnostics) {
    if (d.message.empty()) __builtin_trap();
  }
  if (!result.ok()) return 0;
  try {
    const wsic::model::Model model(*result.scenario);
    wsic::model::ReplicationOutcome out;
    model.simulate(1, 0, out);
    wsic::model::Outcomes batch(*result.scenario);
    batch.add(out);
  } catch (const std::exception&) {
    __builtin_trap();  // accepted by the loader, refused by the model: a loader gap
  }
  return 0;
}
