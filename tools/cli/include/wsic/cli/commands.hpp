#pragma once
/// The `wsic validate`, `wsic compare` and `wsic story` commands as library calls.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "wsic/cli/run.hpp"

namespace wsic::cli {

/// Checks scenario files without running them; prints every problem as
/// `file:line:col: error: ...` to stderr. Returns kExitOk or kExitBadInput.
int validate_command(const std::vector<std::filesystem::path>& files);

struct CompareOptions {
  std::vector<std::filesystem::path> scenarios;  ///< the base first, then what-ifs
  std::uint64_t replications = 10'000;
  std::uint64_t seed = kDefaultSeed;
  unsigned threads = 0;
  std::vector<std::string> overrides;        ///< --set PATH=VALUE, applied to every scenario in order
  bool per_replication = false;              ///< also write one row per scenario, replication and scheme
  bool gzip_rows = false;                    ///< those rows gzip-compressed (per_replication.csv.gz)
  std::optional<std::filesystem::path> out;  ///< default results/compare-<base>-<whatif...>/
  bool force = false;
  bool progress = true;
  bool quiet = false;
  const std::atomic<bool>* cancel = nullptr;
  /// Part i of k (1-based; 0 of 0: the whole comparison); see RunOptions.
  std::uint64_t part_index = 0;
  std::uint64_t part_count = 0;
  PartSink part_sink;
};

/// The default output folder of a comparison of scenarios named `names`
/// (the base first), under results/: short however many what-ifs there are.
std::string compare_folder_name(const std::vector<std::string>& names);

/// Runs every scenario with common random numbers and reports paired
/// differences against the base.
int compare_command(const CompareOptions& opt);

/// `wsic story`: what happened in one future, in order and in words.
struct StoryOptions {
  std::filesystem::path scenario;
  std::vector<std::string> overrides;  ///< --set PATH=VALUE
  std::uint64_t seed = kDefaultSeed;
  std::uint64_t replication = 0;  ///< which future (as `wsic run` numbers them, from 0)
  std::string from, to;           ///< ISO dates bounding the story, or empty: the whole calendar
  bool json = false;              ///< JSON on stdout instead of text
};

/// Simulates replication `replication` of the batch `seed` gives and tells
/// its story. Bad input: kExitBadInput with the problem on stderr.
int story_command(const StoryOptions& opt);

}  // namespace wsic::cli
