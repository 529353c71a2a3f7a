#pragma once
/// Variance-based global sensitivity of the model's measures to any of a
/// scenario's numbers: Sobol indices from Saltelli's sample (sobol.hpp),
/// each sample point a set of replications run with new parameter values on
/// one Model (no rebuilding), with common random numbers across points.
///
/// The replications' own randomness is handled by common random numbers:
/// every point runs the same replication indices with the same seed, so a
/// point's measure (say, the median all-live date over its replications) is
/// a deterministic function of the parameters, and the indices apportion
/// that function's variance. What luck alone would move is measured apart:
/// the measure at the scenario's own values over `noise_sets` further
/// independent sets of replications gives its simulation-error variance,
/// reported as a share of the sample's variance (`noise_share`). A share
/// near zero says the indices are about the parameters, not about luck;
/// more replications per point make it smaller.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "wsic/experiment/sobol.hpp"
#include "wsic/model/model.hpp"
#include "wsic/scenario/parameters.hpp"
#include "wsic/sim/runner.hpp"

namespace wsic::experiment {

/// At most this many parameters in one analysis.
inline constexpr std::size_t kMaxSensitivityParameters = 64;

/// One uncertain parameter and the distribution it is sampled from, in the
/// parameter's units (scenario::ParameterSpace::get). As SALib's `dists`:
/// uniform on [a, b] ("unif"), triangular on [a, b] with its mode at c
/// ("triang", whose third bound is SALib's (c - a) / (b - a)), normal with
/// mean a and standard deviation b ("norm").
struct SensitivityParameter {
  enum class Dist { kUniform, kTriangular, kNormal };
  std::string path;
  std::size_t index = 0;  ///< in the ParameterSpace
  Dist dist = Dist::kUniform;
  double a = 0.0, b = 1.0, c = 0.5;
  /// The value at quantile u in [0, 1) of the distribution. A normal's u is
  /// kept within [1e-9, 1 - 1e-9], so its values lie within 6 standard
  /// deviations of the mean (the range `kNormalReach` names).
  double at(double u) const;
  /// The range every sampled value lies in: [a, b], or a normal's mean
  /// plus or minus kNormalReach standard deviations.
  double lowest() const { return dist == Dist::kNormal ? a - kNormalReach * b : a; }
  double highest() const { return dist == Dist::kNormal ? a + kNormalReach * b : b; }
  static constexpr double kNormalReach = 6.0;
};

/// How to run an analysis.
struct SensitivitySpec {
  std::size_t base_samples = 1024;  ///< N, Saltelli's base sample size (a power of two is best)
  bool second_order = false;
  std::uint64_t replications = 200;  ///< per sample point, common to every point
  std::uint64_t seed = 0;
  unsigned threads = 0;
  std::size_t noise_sets = 20;  ///< independent sets of replications at the scenario's values
  std::size_t resamples = 100;  ///< bootstrap resamples for the indices' intervals
  double confidence = 0.95;
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(const sim::Progress&)> progress;
  /// Shown every sample point in order (its row in Saltelli's order, its
  /// values and its measures) as its group is folded in; the analysis keeps
  /// none of them, so its memory does not grow with the sample.
  std::function<void(std::size_t row, std::span<const double> x, std::span<const double> y)> on_row;
};

/// The measures an analysis reports, one value per sample point.
struct SensitivityMeasure {
  std::string id;     ///< e.g. "all_live_p50", "live_at.2015-04-30"
  std::string label;  ///< e.g. "All schemes live, median (days from calendar start)"
  std::string unit;   ///< "days" or "schemes" or "gbp_m"
};
std::vector<SensitivityMeasure> sensitivity_measures(const model::Scenario& sc);
/// The measures of `reps` replications' outcomes (all of one point), in
/// sensitivity_measures' order. Quantiles past the horizon count as the
/// day after it.
std::vector<double> measure_values(const model::Scenario& sc, const std::vector<model::ReplicationOutcome>& reps);

/// The points of base row j of Saltelli's sample of n base rows in the
/// unit hypercube (its A, AB, [BA] and B rows): the rows of
/// saltelli_sample(n, d, second_order) from j * step on, without making the
/// others.
std::vector<double> saltelli_group(std::size_t n, std::size_t d, bool second_order, std::size_t j);

/// Sets parameter i of `sc` to values[i] for every parameter (at most 64).
/// Two numbers of one distribution (a min and a mode, say) may only be
/// valid together, so a value refused is tried again after the others;
/// throws wsic::Error, naming the parameter, when a pass sets nothing more.
void set_parameters(const scenario::ParameterSpace& space, model::Scenario& sc,
                    const std::vector<SensitivityParameter>& params, const double* values);

struct SensitivityResult {
  std::vector<SensitivityMeasure> measures;
  std::size_t rows = 0;               ///< sample points run (SensitivitySpec::on_row saw each)
  std::vector<SobolIndices> indices;  ///< per measure
  std::vector<double> base_value;     ///< per measure: its mean at the scenario's own values over the noise sets
  std::vector<double> noise_sd;       ///< per measure: its standard deviation over the noise sets
  std::vector<double> sample_sd;      ///< per measure: its standard deviation over the sample
  /// noise_sd² / sample_sd² per measure (NaN when the sample does not vary).
  std::vector<double> noise_share;
};

/// Runs the analysis of `params` on `model` (whose scenario the space was
/// built from). The caller checks the scenario accepts every value in each
/// parameter's [lowest, highest] with the others at any of theirs (rules
/// that tie numbers together are the loader's: see
/// scenario::resolve_problem); every sampled value is within them. Throws
/// sim::Cancelled, and wsic::Error naming the sample point when a sampled
/// value is refused by the parameter space (outside the format's range for
/// its key, or a distribution made invalid): narrow the ranges.
SensitivityResult run_sensitivity(const model::Model& model, const scenario::ParameterSpace& space,
                                  const std::vector<SensitivityParameter>& params, const SensitivitySpec& spec);

}  // namespace wsic::experiment
