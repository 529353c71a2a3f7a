#pragma once
/// A sensitivity "problem" file: the uncertain parameters of a scenario and
/// the distributions to sample them from, in the scenario format's words.
///
///     parameters:
///       - path: levers.central_share.value      # uniform by default
///         range: [0.3, 0.7]
///       - path: workstreams.ig.work.mode
///         dist: triangular
///         range: [3 months, 9 months]
///         mode: 4 months
///       - path: schemes.ealing.readiness
///         dist: normal
///         mean: 1.5
///         sd: 0.2
///
/// Values are written as the scenario file writes the parameter ("0.3",
/// "4 months", "2015-04-01"); a normal's `sd` is a plain number, or a
/// duration for a parameter that is one. Reading the file checks its shape;
/// whether each value suits its parameter is checked against the scenario
/// (see resolve_problem), with every problem placed at `file:line:col`.

#include <filesystem>
#include <string>
#include <vector>

#include "wsic/model/scenario.hpp"
#include "wsic/scenario/diagnostics.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/scenario/parameters.hpp"

namespace wsic::scenario {

/// A value of the problem file and where it was written.
struct ProblemValue {
  std::string text;
  int line = 0, column = 0;
};

/// One parameter of a problem, as written.
struct ProblemEntry {
  std::string path;
  int line = 0, column = 0;  ///< of the path
  std::string dist;          ///< "uniform", "triangular" or "normal"
  ProblemValue low, high;    ///< uniform and triangular
  ProblemValue mode;         ///< triangular
  ProblemValue mean, sd;     ///< normal
};

struct Problem {
  std::string file;  ///< as given, for messages ("--param" for the command line's)
  std::vector<ProblemEntry> entries;
};

/// Reads a problem file. Throws ScenarioError with every problem of its
/// shape (unknown keys, missing values, a bad `dist`), placed in the file.
Problem load_problem(const std::filesystem::path& file);

/// One `--param PATH=LOW:HIGH` (uniform) as a problem entry; the N-th
/// `--param` is placed at "--param:N:COL". Throws ScenarioError.
ProblemEntry parse_param(const std::string& text, int n);

/// A problem's parameter with its numbers in the parameter's units.
struct ResolvedParameter {
  std::string path;
  std::size_t index = 0;  ///< in the ParameterSpace
  std::string dist;
  double low = 0, high = 0, mode = 0, mean = 0, sd = 0;  ///< a normal's low and high: mean -/+ 6 sd
};

/// Turns the values of `problem` into numbers of the scenario `file` (with
/// `overrides` applied) by loading it with each value set, so every value
/// is checked as the file would check it: the ends of each range alone,
/// and every pair of parameters at the four corners of their ranges (the
/// rules that tie two numbers together, such as a distribution's min below
/// its max or a lever's value within its low and high). A normal's range
/// for these checks is its mean plus or minus 6 standard deviations, the
/// reach of the sample. Throws ScenarioError, each problem placed at the
/// problem's value.
std::vector<ResolvedParameter> resolve_problem(const Problem& problem, const std::filesystem::path& file,
                                               const std::vector<Override>& overrides, const ParameterSpace& space);

}  // namespace wsic::scenario
