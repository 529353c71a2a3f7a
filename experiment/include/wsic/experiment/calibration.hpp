#pragma once
/// Calibration of a scenario's numbers to what was observed, by ABC-SMC
/// (abc.hpp) on the simulator itself.
///
/// The data is one history: what the evaluation saw happen. So each particle
/// is judged by one replication simulated at its parameters (with its own
/// seed), and the distance is a weighted sum of the targets' discrepancies,
/// each in its own unit:
///
///     distance = sum over targets of weight * |simulated - observed| / scale
///
/// live_count: the number of schemes live at the date; schemes_live: the
/// number of schemes whose state at the date (live or not) differs from the
/// observed one; date: the day the event happened (not by the horizon: the
/// day after it). The posterior is the ABC approximation to the parameters'
/// distribution given that history, with uniform priors.
///
/// The posterior-predictive check simulates `predictive` replications at
/// the last generation's particles (each particle in turn, weighted by its
/// weight) and, for the prior, at the first generation's (a prior sample),
/// and reports each target's simulated distribution against the observed
/// value. It is in-sample: the same observations fitted the posterior.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "wsic/experiment/abc.hpp"
#include "wsic/experiment/sensitivity.hpp"
#include "wsic/model/model.hpp"
#include "wsic/scenario/parameters.hpp"
#include "wsic/scenario/problem.hpp"

namespace wsic::experiment {

/// The statistic a target compares, simulated in replication `r`.
double target_statistic(const scenario::CalibrationTarget& t, const model::Scenario& sc,
                        const model::ReplicationOutcome& r);
/// weight * |statistic - observed| / scale.
double target_term(const scenario::CalibrationTarget& t, double statistic);
/// The sum of the targets' terms for replication `r`.
double calibration_distance(const std::vector<scenario::CalibrationTarget>& targets, const model::Scenario& sc,
                            const model::ReplicationOutcome& r);

struct CalibrationSpec {
  AbcOptions abc;
  std::size_t predictive = 4000;  ///< replications of each posterior-predictive check
};

/// A target's simulated distribution in a predictive check.
struct PredictiveSummary {
  double p10 = 0, p50 = 0, p90 = 0;  ///< weighted quantiles of the statistic
  double mean = 0;
  double within = 0;  ///< weighted share with |statistic - observed| <= scale (schemes_live: 0 schemes differ)
};

struct CalibrationResult {
  AbcResult abc;
  std::vector<PredictiveSummary> prior_check;      ///< per target, at the prior sample
  std::vector<PredictiveSummary> posterior_check;  ///< per target, at the posterior
};

/// Calibrates `params` (uniform priors on [a, b]; the caller has checked the
/// scenario accepts the box, see scenario::resolve_problem) of `model`'s
/// scenario to `targets`. Deterministic for spec.abc.seed at any thread
/// count. Throws sim::Cancelled and wsic::Error (as abc_smc).
CalibrationResult calibrate(const model::Model& model, const scenario::ParameterSpace& space,
                            const std::vector<SensitivityParameter>& params,
                            const std::vector<scenario::CalibrationTarget>& targets, const CalibrationSpec& spec);

}  // namespace wsic::experiment
