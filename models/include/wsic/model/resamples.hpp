#pragma once
/// Bootstrap resamples of a batch's programme dates, for confidence
/// intervals on statistics that are not sums, such as a difference of two
/// forecasts' medians.
///
/// This is the Poisson bootstrap: resample `b` gives replication `i` the
/// weight w(i, b), drawn from Poisson(1) by hashing (i, b) (to 16 bits), in place of the
/// multinomial counts of the classic bootstrap. The weights depend on the
/// replication's index alone, never on the seed, the scenario or the order
/// of merging, so:
///   - every batch run with the same indices resamples the same
///     replications the same way, and two scenarios' resamples are paired
///     (resample b of the base and of a what-if hold the same futures);
///   - accumulators merge by adding, in any order, across threads,
///     processes and machines, to the same counts.
/// A batch keeps each replication's dates until it holds as many as would
/// fill half the weighted counts, then folds them in: a block of 256
/// replications stays small, and a large batch holds one table per series.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wsic/sim/serial.hpp"

namespace wsic::model {

class Resamples {
 public:
  /// Resamples per batch: enough for a 95% percentile interval (its ends
  /// are the 5th and 195th of 200 sorted values).
  static constexpr std::size_t kCount = 200;
  /// The programme's series that are resampled.
  enum class Series : std::size_t { kFirstLive = 0, kAllLive = 1 };
  static constexpr std::size_t kSeries = 2;

  /// Off: records nothing and costs nothing.
  Resamples() = default;
  /// On, for days 0 .. days-1 of a scenario (later days and kNever count as
  /// "not within the horizon").
  explicit Resamples(std::size_t days);

  bool on() const noexcept { return days_ > 0; }
  std::size_t days() const noexcept { return days_; }
  /// Records replication `index`'s first-live and all-live days.
  void add(std::uint64_t index, double first_live, double all_live);
  void merge(const Resamples& other);

  /// Series `s`'s `p`-quantile in each resample, as DayCounts::quantile_or_after
  /// computes it from weighted counts: the first day by which a weighted share
  /// of at least `p` had seen it, or `days()` when that is past the horizon.
  std::vector<int> quantiles_or_after(Series s, double p) const;

  /// The weight of replication `index` in resample `b`: a Poisson(1) draw.
  static unsigned weight(std::uint64_t index, std::size_t b) noexcept;

  std::size_t memory_bytes() const noexcept {
    return pending_.capacity() * sizeof(Pending) + dense_.capacity() * sizeof(std::uint64_t);
  }
  bool same_shape(const Resamples& o) const noexcept { return days_ == o.days_; }
  void save(sim::ByteWriter& w) const;
  /// Throws sim::SerialError on bytes that are not a Resamples' save.
  static Resamples load(sim::ByteReader& r);

 private:
  struct Pending {
    std::uint64_t index;
    std::uint32_t day[kSeries];  // days_ for "not within the horizon"
  };
  std::size_t row() const noexcept { return days_ + 1; }
  std::size_t pending_limit() const noexcept { return kSeries * kCount * row() / 4; }
  /// Folds `pending_` into the weighted counts.
  void fold();

  std::size_t days_ = 0;
  std::vector<Pending> pending_;
  /// Weighted counts, [series][day 0 .. days_][resample] (days_: not within
  /// the horizon); empty until the first fold.
  std::vector<std::uint64_t> dense_;
};

/// A 95% percentile interval of the paired differences
/// `other[b] + offset - base[b]` (offset: where the other's day 0 falls on
/// the base's axis): their 2.5th and 97.5th percentiles, as order
/// statistics. Needs two lists of the same, non-zero length.
struct Interval {
  double low = 0.0;
  double high = 0.0;
};
Interval paired_interval(const std::vector<int>& base, const std::vector<int>& other, double offset = 0.0);

}  // namespace wsic::model
