#pragma once
/// The analyses behind the report, each a set of batches with common random
/// numbers against the base: barrier attribution (each barrier switched off)
/// and lever sensitivity (each lever at its low and high setting).

#include <string>
#include <vector>

#include "wsic/experiment/batch.hpp"
#include "wsic/model/outcomes.hpp"
#include "wsic/model/scenario.hpp"

namespace wsic::experiment {

/// A shift in days of the P50 and P80 dates (what-if minus base; negative is
/// earlier). Quantiles past the horizon count as the day after it.
struct Shift {
  double p50 = 0.0;
  double p80 = 0.0;
};
Shift shift(const model::DayCounts& base, const model::DayCounts& other);

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

/// Each barrier switched off in turn (common random numbers), against `base`
/// run with the same spec. Sorted by the size of the all-live P50 shift.
std::vector<TornadoBar> barrier_attribution(const model::Scenario& sc, const model::Outcomes& base,
                                            const BatchSpec& spec);

/// Each lever with low < high set to its low and its high value in turn.
/// Sorted by the spread between the two.
std::vector<TornadoBar> lever_sensitivity(const model::Scenario& sc, const model::Outcomes& base,
                                          const BatchSpec& spec);

}  // namespace wsic::experiment
