#pragma once
/// Reads a scenario from YAML (see scenario/SCENARIO_FORMAT.md): applies
/// overlays (`extends:`), checks everything, and resolves it into a
/// `Scenario` with every date in simulation days and every reference an index.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wsic/model/scenario.hpp"
#include "wsic/scenario/diagnostics.hpp"
#include "wsic/scenario/format.hpp"

namespace wsic::scenario {

/// Scenario files' text as first read, for loads that must all see the same
/// files: the lab loads its scenario afresh with new overrides on every
/// change, and an edit saved to disk meanwhile must not change its baseline.
/// A file may also be given by its text alone (`put`, an upload under a name
/// of its own); the files it extends are then read from disk relative to
/// that name. Thread-safe.
class SourceCache {
 public:
  void put(const std::filesystem::path& file, std::string text);
  std::optional<std::string> get(const std::filesystem::path& file) const;
  void erase(const std::filesystem::path& file);

  /// The loader keeps each file's parsed form here too, so a file loaded
  /// again skips the YAML parser (its text's, opaque to anyone else; dropped
  /// when the file's text is replaced). `variant` tells apart parses that
  /// differ by more than the text (where the file sits in an extends chain).
  std::shared_ptr<const void> parsed(const std::filesystem::path& file, const std::string& variant) const;
  void keep_parsed(const std::filesystem::path& file, const std::string& variant, std::shared_ptr<const void> tree);

 private:
  static std::string key(const std::filesystem::path& file);
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> files_;
  std::map<std::string, std::map<std::string, std::shared_ptr<const void>>, std::less<>> parsed_;
};

/// Limits that keep a hostile or broken file from using unbounded time or
/// memory. Each is checked before the work it bounds is done.
struct LoadOptions {
  std::size_t max_file_bytes = 4u << 20;  ///< larger files are refused unread
  int max_depth = 64;                     ///< nesting of maps and lists
  std::size_t max_nodes = 200000;         ///< nodes visited, aliases counted at each use
  std::size_t max_errors = 50;            ///< diagnostics kept; one more line counts the rest
  /// When set, files are read from here if it has them, and what is read
  /// from disk is kept here.
  SourceCache* sources = nullptr;
};

/// The outcome of checking a scenario: the scenario when there was no problem,
/// and the problems otherwise (sorted by file, line and column).
struct LoadResult {
  std::optional<model::Scenario> scenario;
  std::vector<Diagnostic> diagnostics;
  bool ok() const { return scenario.has_value() && diagnostics.empty(); }
};

/// A value given on the command line, `--set PATH=VALUE`: PATH names a
/// number as scenario::ParameterSpace does (`schemes.ealing.readiness`,
/// `workstreams.ig.work.mode`); VALUE is written as the file would write it
/// ("1.2", "9 months", "2015-04-01").
struct Override {
  std::string path;
  std::string value;
};

/// "PATH=VALUE" split at the first '='; nullopt when either side is empty.
std::optional<Override> parse_override(std::string_view text);

/// Loads and checks `file` and every file it extends. Never throws for bad
/// input: every problem found is in the result. Thread-safe (no shared state).
LoadResult check_scenario(const std::filesystem::path& file, const LoadOptions& options = {});

/// As above, with `overrides` applied after the last file, in order, as if
/// that file had written them: checked the same way, and reported at
/// "--set:N:COL" (the N-th override, the column in its "PATH=VALUE").
LoadResult check_scenario(const std::filesystem::path& file, const LoadOptions& options,
                          const std::vector<Override>& overrides);

/// As check_scenario(), but throws ScenarioError carrying every diagnostic
/// when there is any.
model::Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options = {},
                              const std::vector<Override>& overrides = {});

// known_key_paths(), the key paths the loader accepts, is declared with the
// table they come from, in format.hpp.

}  // namespace wsic::scenario
