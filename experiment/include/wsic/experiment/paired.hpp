#pragma once
/// Paired comparison of a what-if against the base: both run with the same
/// seed and replication indices, so each replication gives one difference.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wsic::experiment {

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
    std::uint64_t pairs = 0;                       ///< replications
    std::uint64_t both_live = 0;                   ///< replications where both went live within the horizon
    double mean = 0.0;                             ///< mean shift in days, over both_live
    double mean_ci_low = 0.0, mean_ci_high = 0.0;  ///< 95%, from the standard error
    double p10 = 0.0, p50 = 0.0, p90 = 0.0;        ///< shift quantiles (never = after the horizon)
    double p50_ci_low = 0.0, p50_ci_high = 0.0;    ///< 95%, order statistics
    double probability_earlier = 0.0;
    double probability_later = 0.0;
  };
  Summary summary(std::size_t series) const;

  /// Bytes that `load` turns back into identical differences (for part
  /// files); `load` throws sim::SerialError on bytes that are not these.
  std::string save() const;
  static PairedDifferences load(std::string_view bytes);
  /// Same series and horizon, so the two can be merged.
  bool same_shape(const PairedDifferences& o) const noexcept {
    return offset_ == o.offset_ && counts_.size() == o.counts_.size() &&
           (counts_.empty() || counts_.front().size() == o.counts_.front().size());
  }
  /// Pairs recorded (replications), from the first series.
  std::uint64_t pairs() const noexcept;

 private:
  int offset_ = 0;  // shift s is stored at index s + offset_
  // Per series: counts of shifts (never counted as the day after the horizon),
  // and sums over pairs where both went live.
  std::vector<std::vector<std::uint64_t>> counts_;
  std::vector<std::uint64_t> earlier_, later_, both_;
  std::vector<double> sum_, sum_sq_;
};

}  // namespace wsic::experiment
