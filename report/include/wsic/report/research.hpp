#pragma once
/// The files of the research commands: a sweep's tidy table, JSON, charts
/// and report, and a sensitivity analysis's indices in SALib's shapes,
/// its sample, JSON, charts and report. Pure: content by file name, the
/// same bytes for the same input.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "wsic/experiment/calibration.hpp"
#include "wsic/experiment/sensitivity.hpp"
#include "wsic/experiment/sweep.hpp"
#include "wsic/model/scenario.hpp"
#include "wsic/scenario/parameters.hpp"
#include "wsic/scenario/problem.hpp"

namespace wsic::report {

/// What every research result says about where it came from.
struct ResearchIdentity {
  std::string version;
  std::string scenario_file;
  std::string content_hash;  ///< of the scenario as run at its own values (--set included)
  std::vector<std::string> overrides;
  std::uint64_t seed = 0;
  std::string run_id;
};

/// One axis of a sweep, with its values in the parameter's units.
struct SweepAxis {
  std::string path;
  scenario::Unit unit = scenario::Unit::kNumber;
  std::vector<double> values;
};

/// A sweep's point: the index of its value on each axis, and its rows.
struct SweepPoint {
  std::vector<std::size_t> at;
  std::vector<experiment::SweepRow> rows;
};

struct SweepResults {
  const model::Scenario* scenario = nullptr;  ///< as given: calendar and names
  ResearchIdentity id;
  std::uint64_t replications = 0;  ///< per point
  std::vector<SweepAxis> axes;     ///< one or two
  std::vector<SweepPoint> points;  ///< the grid, the last axis fastest
};

/// An axis value as the tables write it: a date in ISO, a duration as a
/// number of days, other numbers as they are.
std::string axis_value(const model::Scenario& sc, const SweepAxis& axis, double v);
/// The same for charts, pages and the terminal: durations to 0.1 day.
std::string axis_label(const model::Scenario& sc, const SweepAxis& axis, double v);

/// sweep.csv: one row per point and measure (see results/README.md).
std::string sweep_csv(const SweepResults& r);
/// sweep.json: the identity, the axes and every point's measures.
nlohmann::ordered_json sweep_json(const SweepResults& r);
/// report.html and the charts: chart_sweep_lines (one axis) or
/// chart_sweep_heatmap (two), each as .svg and .csv.
std::map<std::string, std::string> render_sweep(const SweepResults& r);

struct SensitivityResults {
  const model::Scenario* scenario = nullptr;
  ResearchIdentity id;
  std::vector<scenario::ResolvedParameter> parameters;
  std::vector<scenario::Unit> units;  ///< per parameter
  experiment::SensitivitySpec spec;
  experiment::SensitivityResult result;
};

/// sobol_indices.csv: measure, parameter, S1, S1_conf, ST, ST_conf (SALib's
/// to_df() columns), one row per measure and parameter.
std::string sobol_indices_csv(const SensitivityResults& r);
/// sobol_second_order.csv: measure, parameter_1, parameter_2, S2, S2_conf.
std::string sobol_second_order_csv(const SensitivityResults& r);
/// sobol_samples.csv, written as the analysis runs: its header, and one
/// row (a sample point in Saltelli's, SALib's, row order, its parameter
/// values and measures), so SALib's analyze can be run on it.
std::string sobol_samples_header(const std::vector<scenario::ResolvedParameter>& parameters,
                                 const std::vector<experiment::SensitivityMeasure>& measures);
std::string sobol_samples_row(std::size_t row, std::span<const double> x, std::span<const double> y,
                              const std::string& run_id);
/// sensitivity.json: the identity, SALib's problem dict, and per measure
/// the dict SALib's sobol.analyze returns (S1, S1_conf, ST, ST_conf, S2,
/// S2_conf) with the noise check.
nlohmann::ordered_json sensitivity_json(const SensitivityResults& r);
/// report.html and one chart_sobol_<measure> (.svg and .csv) per measure.
std::map<std::string, std::string> render_sensitivity(const SensitivityResults& r);

struct CalibrationResults {
  const model::Scenario* scenario = nullptr;
  ResearchIdentity id;
  std::string targets_file;
  std::vector<scenario::ResolvedParameter> parameters;
  std::vector<scenario::Unit> units;  ///< per parameter
  std::vector<scenario::CalibrationTarget> targets;
  experiment::CalibrationSpec spec;
  experiment::CalibrationResult result;
  /// The calibrated overlay's file name (empty when none could be written)
  /// and the values it sets, per parameter: the posterior medians.
  std::string overlay_file;
  std::string overlay_note;
  std::vector<double> medians;
};

/// A target in words: "schemes live at 2015-04-30: 2".
std::string target_text(const scenario::CalibrationTarget& t, const model::Scenario& sc);
/// A parameter's value for a page: a date in ISO, a duration in days, a number.
std::string parameter_value(const model::Scenario& sc, scenario::Unit unit, double v);

/// posterior.csv: the last generation's particles with weights and distances.
std::string posterior_csv(const CalibrationResults& r);
/// generations.csv: per generation its tolerance, attempts, acceptance rate and ESS.
std::string generations_csv(const CalibrationResults& r);
/// posterior_predictive.csv: per target, the prior's and the posterior's predictive summaries.
std::string predictive_csv(const CalibrationResults& r);
/// calibration.json: everything above as one document.
nlohmann::ordered_json calibration_json(const CalibrationResults& r);
/// report.html and chart_posterior_pairs (.svg, .csv).
std::map<std::string, std::string> render_calibration(const CalibrationResults& r);

}  // namespace wsic::report
