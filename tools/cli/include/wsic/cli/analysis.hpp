#pragma once
/// The analyses behind the report: batches run with common random numbers,
/// barrier attribution (each barrier switched off), lever sensitivity (each
/// lever at its low and high setting), and paired comparison of scenarios.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wsic/model/outcomes.hpp"
#include "wsic/model/scenario.hpp"
#include "wsic/sim/runner.hpp"

namespace wsic::cli {

/// How to run a batch. The same seed and replication indices across
/// scenarios give common random numbers: every stream that two scenarios
/// share by name draws the same numbers.
struct BatchSpec {
  std::uint64_t seed = 0;
  std::uint64_t replications = 0;
  unsigned threads = 0;
  std::uint64_t block_size = sim::kDefaultBlockSize;
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(const sim::Progress&)> progress;
  std::uint64_t blocks_in_flight = 0;  ///< 0: the runner's default (see sim::RunnerOptions)
};

/// Runs a batch of `sc` and returns its outcomes. Throws sim::Cancelled.
model::Outcomes run_batch(const model::Scenario& sc, const BatchSpec& spec);

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
  std::string low_label;   ///< levers only
  std::string high_label;  ///< levers only
  Shift all_live;          ///< barriers: switched off; levers: at the low setting
  Shift all_live_high;     ///< levers only: at the high setting
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

/// Everything the report renderer needs for a run (tools/cli/REPORT_DATA.md).
struct RunFacts {
  std::string version;
  std::uint64_t seed = 0;
  std::uint64_t replications = 0;
  std::uint64_t block_size = 0;
  std::uint64_t analysis_replications = 0;
  double wall_seconds = 0.0;
  unsigned threads = 0;
};
nlohmann::ordered_json run_report_data(const model::Scenario& sc, const model::Outcomes& o, const RunFacts& facts,
                                       const std::vector<TornadoBar>& barriers, const std::vector<TornadoBar>& levers);

/// Paired differences of one what-if against the base, per scheme and for
/// the programme (all live): accumulated replication by replication.
class PairedDifferences {
 public:
  PairedDifferences() = default;
  PairedDifferences(std::size_t series, int horizon_days);
  /// Records one replication's go-live days, from 0 to the horizon given to
  /// the constructor (kNever when not live by then).
  void add(std::size_t series, double base_day, double whatif_day);
  void merge(const PairedDifferences& o);
  /// Memory held, in bytes.
  std::size_t memory_bytes() const noexcept {
    return counts_.empty() ? 0 : counts_.size() * counts_.front().size() * sizeof(std::uint64_t);
  }

  struct Summary {
    std::uint64_t pairs = 0;       ///< replications
    std::uint64_t both_live = 0;   ///< replications where both went live within the horizon
    double mean = 0.0;             ///< mean shift in days, over both_live
    double mean_ci_low = 0.0, mean_ci_high = 0.0;  ///< 95%, from the standard error
    double p10 = 0.0, p50 = 0.0, p90 = 0.0;         ///< shift quantiles (never = after the horizon)
    double p50_ci_low = 0.0, p50_ci_high = 0.0;     ///< 95%, order statistics
    double probability_earlier = 0.0;
    double probability_later = 0.0;
  };
  Summary summary(std::size_t series) const;

 private:
  int offset_ = 0;  // shift s is stored at index s + offset_
  // Per series: counts of shifts (never counted as the day after the horizon),
  // and sums over pairs where both went live.
  std::vector<std::vector<std::uint64_t>> counts_;
  std::vector<std::uint64_t> earlier_, later_, both_;
  std::vector<double> sum_, sum_sq_;
};

}  // namespace wsic::cli
