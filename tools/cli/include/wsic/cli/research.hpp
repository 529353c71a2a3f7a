#pragma once
/// The research commands, `wsic sweep` and `wsic sensitivity`, as library
/// calls.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "wsic/cli/run.hpp"

namespace wsic::cli {

struct SweepOptions {
  std::filesystem::path scenario;
  std::vector<std::string> vary;       ///< one or two PATH=FROM:TO:STEPS or PATH=V1,V2,...
  std::uint64_t replications = 2'000;  ///< per point
  std::uint64_t seed = kDefaultSeed;
  unsigned threads = 0;
  std::vector<std::string> overrides;  ///< --set, applied before the swept values
  std::optional<std::filesystem::path> out;
  bool force = false;
  bool progress = true;
  bool quiet = false;
  const std::atomic<bool>* cancel = nullptr;
};

/// Runs the scenario at every point of the grid (common random numbers)
/// and writes sweep.csv, sweep.json (last), the chart and report.html.
int sweep_command(const SweepOptions& opt);

struct SensitivityOptions {
  std::filesystem::path scenario;
  std::optional<std::filesystem::path> problem;  ///< a problem file
  std::vector<std::string> params;               ///< --param PATH=LOW:HIGH (uniform)
  std::uint64_t base_samples = 1024;             ///< N
  std::uint64_t replications = 200;              ///< per sample point
  bool second_order = false;
  std::uint64_t resamples = 100;
  std::uint64_t seed = kDefaultSeed;
  unsigned threads = 0;
  std::vector<std::string> overrides;
  std::optional<std::filesystem::path> out;
  bool force = false;
  bool progress = true;
  bool quiet = false;
  const std::atomic<bool>* cancel = nullptr;
};

/// Sobol indices of the model's measures to the problem's parameters;
/// writes sobol_indices.csv (and sobol_second_order.csv), sobol_samples.csv,
/// the charts, report.html and sensitivity.json (last).
int sensitivity_command(const SensitivityOptions& opt);

struct CalibrateOptions {
  std::filesystem::path scenario;
  std::filesystem::path targets;  ///< the calibration file: priors and targets
  /// ABC-SMC settings; 0 (or a negative quantile): the file's, or the default.
  std::uint64_t population = 0;
  std::uint64_t generations = 0;
  std::uint64_t predictive = 4000;
  std::uint64_t seed = kDefaultSeed;
  unsigned threads = 0;
  std::vector<std::string> overrides;
  std::optional<std::filesystem::path> out;
  bool force = false;
  bool progress = true;
  bool quiet = false;
  const std::atomic<bool>* cancel = nullptr;
};

/// ABC-SMC calibration of the priors to the targets; writes posterior.csv,
/// generations.csv, posterior_predictive.csv, the chart, report.html,
/// calibrated.yaml (the scenario at the posterior medians) and
/// calibration.json (last).
int calibrate_command(const CalibrateOptions& opt);

}  // namespace wsic::cli
