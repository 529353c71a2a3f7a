#pragma once
/// The analyses behind the report, each a set of batches with common random
/// numbers against the base: barrier attribution (each barrier switched off)
/// and lever sensitivity (each lever at its low and high setting).

#include <optional>
#include <string>
#include <vector>

#include "wsic/experiment/batch.hpp"
#include "wsic/model/outcomes.hpp"
#include "wsic/model/scenario.hpp"

namespace wsic::experiment {

/// A shift in days of the P50 and P80 dates (what-if minus base; negative is
/// earlier): a difference of two forecasts' quantiles, not a quantile of
/// paired differences. Quantiles past the horizon count as the day after it.
struct Shift {
  double p50 = 0.0;
  double p80 = 0.0;
  /// 95% intervals for simulation error (a paired bootstrap), when both
  /// batches kept resamples; only for all schemes live.
  std::optional<model::Interval> p50_ci, p80_ci;
};
Shift shift(const model::DayCounts& base, const model::DayCounts& other);
/// The shift of all schemes live, with its intervals when both outcomes keep resamples.
Shift all_live_shift(const model::Outcomes& base, const model::Outcomes& other);

/// One bar of a tornado: a barrier switched off, or a lever at low and high.
struct TornadoBar {
  std::string id;
  std::string name;
  std::string low_label;            ///< levers only
  std::string high_label;           ///< levers only
  Shift all_live;                   ///< barriers: switched off; levers: at the low setting
  Shift all_live_high;              ///< levers only: at the high setting
  std::vector<Shift> schemes;       ///< per scheme, as `all_live`
  std::vector<Shift> schemes_high;  ///< levers only
};

/// One batch an analysis needs: the scenario with one change.
struct Variant {
  enum class Kind { kWithoutBarrier, kWithoutAllBarriers, kLeverLow, kLeverHigh };
  Kind kind;
  std::size_t index;  ///< the barrier's or lever's index in the scenario
  std::string label;  ///< e.g. "without barrier ig", "lever central_share low"
  model::Scenario scenario;
};

/// The batches of both analyses, in the order they run: each barrier
/// switched off, then (with two or more barriers) all of them together,
/// then each lever with low < high at its low and its high value (held
/// there throughout: a lever that changes over time changes no more).
std::vector<Variant> analysis_variants(const model::Scenario& sc);

/// The tornado bars from `base` and the outcomes of `analysis_variants(sc)`
/// (same order, same spec as the base): barriers sorted by the size of the
/// all-live P50 shift, levers by the spread between low and high.
struct Tornados {
  std::vector<TornadoBar> barriers;
  /// Every barrier switched off at once (one-at-a-time effects do not add
  /// up); absent with fewer than two barriers.
  std::optional<TornadoBar> all_barriers;
  std::vector<TornadoBar> levers;
};
Tornados tornados(const model::Scenario& sc, const model::Outcomes& base, const std::vector<model::Outcomes>& variants);

/// Each barrier switched off in turn (common random numbers), against `base`
/// run with the same spec. Sorted by the size of the all-live P50 shift.
std::vector<TornadoBar> barrier_attribution(const model::Scenario& sc, const model::Outcomes& base,
                                            const BatchSpec& spec);

/// Each lever with low < high set to its low and its high value in turn.
/// Sorted by the spread between the two.
std::vector<TornadoBar> lever_sensitivity(const model::Scenario& sc, const model::Outcomes& base,
                                          const BatchSpec& spec);

}  // namespace wsic::experiment
