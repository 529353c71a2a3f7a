#pragma once
/// Problems found in a scenario file, reported the way a compiler does:
/// `file:line:col: error: key_path: message`, every problem at once.

#include <string>
#include <vector>

#include "wsic/sim/error.hpp"

namespace wsic::scenario {

/// One problem in a scenario file. A plain value type.
struct Diagnostic {
  std::string file;  ///< the file the offending text is in (an overlay or the file it extends)
  int line = 0;      ///< 1-based; 0 when the problem has no place (an unreadable file)
  int column = 0;    ///< 1-based, in characters; 0 when unknown
  /// Where in the scenario, e.g. "barriers[gp_disengagement].trigger.probability":
  /// list items are named by their `id` when they have one, else by 0-based index.
  /// Empty for problems of the file as a whole.
  std::string key_path;
  std::string message;  ///< what is wrong and what is expected

  /// "file:line:col: error: key_path: message"; the place and the key path are
  /// left out when unknown.
  std::string format() const;
};

/// Formats each diagnostic on its own line, joined by '\n' (no trailing newline).
std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics);

/// A scenario could not be loaded. Carries every problem found, not only the
/// first; what() is all of them formatted, one per line.
class ScenarioError : public wsic::Error {
 public:
  explicit ScenarioError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace wsic::scenario
