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

// ---- calibration ------------------------------------------------------------

/// One observation a calibration fits, as the file writes it:
///
///     targets:
///       - {type: live_count, date: 2015-04-30, observed: 2}
///       - {type: schemes_live, date: 2015-04-30, schemes: [ealing, hillingdon]}
///       - {type: date, of: codesign_end, observed: 2014-02-28, scale: 30 days}
///
/// `live_count`: the number of schemes live at `date` (scale 1 scheme by
/// default); `schemes_live`: which schemes are live at `date`, the number
/// of schemes whose state differs (scale 1); `date`: when `of` happens
/// (codesign_end, first_live, majority_live or all_live; scale 30 days by
/// default; not by the horizon counts as the day after it); `spend`: the
/// money spent in financial year `year` (the year it starts in), `of` total
/// (default), central_team, consultancy or local_support, in £m (scale
/// 0.5 £m by default). Each may give `weight` (default 1) and `label` (its
/// source, for the report).
///
///       - {type: spend, year: 2013, observed: 1.9, label: "[NT15] 2013/14"}
struct CalibrationTarget {
  enum class Kind { kLiveCount, kSchemesLive, kDate, kSpend };
  Kind kind = Kind::kLiveCount;
  int line = 0, column = 0;
  std::string label;
  // Resolved against the scenario (resolve_calibration):
  double day = 0.0;           ///< live_count, schemes_live: the date, days since calendar start
  std::string date;           ///< that date, ISO
  std::vector<bool> live;     ///< schemes_live: observed live, per scheme of the scenario
  std::string of;             ///< date: codesign_end, first_live, majority_live or all_live; spend: the category
  double observed = 0.0;      ///< live_count: schemes; date: days since calendar start; spend: £m
  std::string year_text;      ///< spend: as written
  std::size_t year = 0;       ///< spend: the funding year's index in the scenario
  std::string observed_text;  ///< as written
  std::vector<std::string> scheme_ids;  ///< schemes_live: as written
  std::string scale_text;               ///< as written, or empty for the default
  double scale = 1.0;                   ///< live_count, schemes_live: schemes; date: days
  double weight = 1.0;
};

/// A calibration file: uniform priors (a problem's `parameters`, uniform
/// only), the targets, and optionally the ABC-SMC settings (`population`,
/// `generations`, `quantile`, `min_acceptance`).
struct CalibrationFile {
  Problem priors;
  std::vector<CalibrationTarget> targets;  ///< as written; resolve_calibration fills in the numbers
  std::size_t population = 500;
  std::size_t generations = 8;
  double quantile = 0.5;
  double min_acceptance = 0.02;
};

/// Reads a calibration file (at most 64 priors and 100 targets). Throws
/// ScenarioError with every problem of its shape, placed in the file.
CalibrationFile load_calibration(const std::filesystem::path& file);

/// Fills in the targets' numbers for the scenario `sc` (its calendar and
/// schemes). Throws ScenarioError placed at the target.
void resolve_calibration(CalibrationFile& file, const model::Scenario& sc);

}  // namespace wsic::scenario
