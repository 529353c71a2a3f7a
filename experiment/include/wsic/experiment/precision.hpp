#pragma once
/// Precision on demand: how many replications a run needs for the 95%
/// simulation-error interval of one of its quantiles to be as narrow as
/// asked.
///
/// Blocks of replications are added in index order and the interval is
/// checked after a fixed schedule of block counts (1, 2, 3, 4, 5, 6, 7, 8,
/// 10, 12, 15, ...: a quarter more each time), never after a wave of
/// threads, so the answer is the same for a seed at any thread count, and a
/// run of that many replications is the run `wsic run -n` would make.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wsic/experiment/batch.hpp"
#include "wsic/model/scenario.hpp"

namespace wsic::experiment {

/// A quantile of one of the programme's dates, named `<series>_p<NN>`:
/// series first_live, majority_live or all_live, NN from 1 to 99
/// (e.g. "all_live_p80").
struct PrecisionMeasure {
  enum class Series { kFirst, kMajority, kAll };
  Series series = Series::kAll;
  double p = 0.8;
};
/// Parses a measure's name; nullopt when it names none.
std::optional<PrecisionMeasure> parse_precision_measure(std::string_view name);

struct PrecisionResult {
  std::uint64_t replications = 0;  ///< a whole number of blocks, at most the maximum asked
  bool reached = false;            ///< false when the maximum came first
  /// The interval's half-width in days (the larger of the quantile to either
  /// end) at that many replications; nullopt while the quantile or an end is
  /// past the horizon.
  std::optional<double> half_width;
  std::optional<int> quantile;  ///< the quantile then, days since calendar start
};

/// The fewest replications (on the schedule above, at most
/// `spec.replications`) at which the 95% interval of `m` reaches within
/// `days` of the quantile on both sides. Uses spec's seed, threads, cancel
/// and progress. Throws sim::Cancelled.
PrecisionResult replications_for_precision(const model::Scenario& sc, const BatchSpec& spec, const PrecisionMeasure& m,
                                           double days);

/// The block count checked after `blocks`: a quarter more, at least one more.
std::uint64_t next_precision_check(std::uint64_t blocks);

}  // namespace wsic::experiment
