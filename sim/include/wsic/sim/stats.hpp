#pragma once
/// Accumulators for the results of Monte Carlo replications.
///
/// The replication runner fills one accumulator per block of replications and
/// merges them in a fixed order, so every accumulator here is
///  - mergeable: merge() of the parts of a sample gives the whole (exactly for
///    integer counts, min and max; to floating-point rounding for moments);
///  - deterministic: the same sequence of add()/merge() calls gives
///    bit-identical state on a given platform;
///  - serialisable with an exact round trip (save()/load(), see serial.hpp),
///    so blocks can be computed in other processes.
///
/// None is thread-safe: keep one instance per thread and merge them.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "wsic/sim/serial.hpp"

namespace wsic::sim {

/// Count, mean, variance, min, max and sum of a stream of values, in O(1)
/// memory (Welford's update; Chan et al.'s formula for merge).
///
/// Empty-state behaviour: with no values, mean(), min() and max() are NaN and
/// sum() is 0; variance(), stddev() and std_error() are NaN until there are
/// at least two values (the sample variance needs n - 1 > 0).
/// Not thread-safe; merge per-thread instances.
class RunningStats {
 public:
  /// Adds one value. Throws wsic::Error if x is NaN or infinite: one such
  /// value would silently poison every moment of the whole batch.
  void add(double x);
  /// Adds every value that `other` saw. Merging a fixed set of parts in a
  /// fixed order gives bit-identical results.
  void merge(const RunningStats& other);

  std::uint64_t count() const noexcept { return count_; }
  double mean() const noexcept;
  /// Sample (unbiased, n - 1) variance.
  double variance() const noexcept;
  double stddev() const noexcept;
  /// Standard error of the mean, stddev / sqrt(n).
  double std_error() const noexcept;
  double min() const noexcept;
  double max() const noexcept;
  /// Sum of the values, accumulated directly (not mean * count).
  double sum() const noexcept { return sum_; }

  void save(ByteWriter& w) const;
  /// Throws SerialError on malformed input.
  static RunningStats load(ByteReader& r);

  friend bool operator==(const RunningStats&, const RunningStats&) = default;

 private:
  std::uint64_t count_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;  // sum of squared deviations from the mean
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
  double sum_ = 0.0;
};

/// Counts of values in `bins` uniform bins over [lo, hi), plus underflow
/// (x < lo) and overflow (x >= hi) counters. Counts are integers, so merge is
/// exact and independent of order.
///
/// For integer-valued data (e.g. days) use for_integers(): bins of width 1,
/// where bin k holds exactly the value first + k.
/// Not thread-safe; merge per-thread instances.
class Histogram {
 public:
  /// Throws wsic::Error unless lo < hi (both finite) and bins >= 1.
  Histogram(double lo, double hi, std::size_t bins);
  /// Width-1 bins over [first, last + 1): one bin per integer in
  /// [first, last]. Throws wsic::Error if last < first.
  static Histogram for_integers(std::int64_t first, std::int64_t last);

  /// Adds `count` copies of x. Bin i covers [lo + i*w, lo + (i+1)*w); x is
  /// placed by floor((x - lo) / w), so a value within rounding of an edge may
  /// land in the neighbouring bin (edges are exact when w is a power of two,
  /// e.g. for_integers()). +-infinity go to overflow/underflow; throws
  /// wsic::Error for NaN.
  void add(double x, std::uint64_t count = 1);
  /// Adds other's counts. Throws wsic::Error unless lo, hi and bins match
  /// exactly.
  void merge(const Histogram& other);

  /// All counts, including underflow and overflow.
  std::uint64_t total() const noexcept;
  /// Count in bin i, 0 <= i < bins(); throws wsic::Error otherwise.
  std::uint64_t bin(std::size_t i) const;
  std::size_t bins() const noexcept { return counts_.size(); }
  std::uint64_t underflow() const noexcept { return underflow_; }
  std::uint64_t overflow() const noexcept { return overflow_; }
  double lo() const noexcept { return lo_; }
  double hi() const noexcept { return hi_; }
  double bin_width() const noexcept { return width_; }
  /// Lower edge of bin i (lo + i * bin_width()).
  double bin_lo(std::size_t i) const noexcept;

  /// Quantile p in [0, 1] (throws wsic::Error otherwise): the x at which the
  /// interpolated cdf first reaches p, treating each bin's counts as spread
  /// uniformly across it. It lies in the same bin as the ceil(p * total())-th
  /// smallest value (the first, for p = 0), so it is within one bin width of
  /// that exact sample quantile. Returns NaN when the histogram is empty or
  /// the quantile falls in the underflow or overflow counts (its value is then
  /// unknown).
  double quantile(double p) const;
  /// Fraction of all counts (underflow and overflow included in the
  /// denominator) that are <= x, interpolating linearly within x's bin.
  /// Returns NaN when the histogram is empty, when x < lo and there is
  /// underflow, or when x >= hi and there is overflow: how those counts
  /// compare with x is unknown. Throws wsic::Error for NaN x.
  double cdf(double x) const;

  void save(ByteWriter& w) const;
  /// Throws SerialError on malformed input.
  static Histogram load(ByteReader& r);

  friend bool operator==(const Histogram&, const Histogram&) = default;

 private:
  double lo_;
  double hi_;
  double width_;
  std::uint64_t underflow_ = 0;
  std::uint64_t overflow_ = 0;
  std::vector<std::uint64_t> counts_;
};

/// Quantiles of non-negative values with bounded relative error: a DDSketch
/// (Masson, Rim & Lee, 2019). A value x > 0 is counted in bucket
/// ceil(log(x) / log(gamma)), gamma = (1 + alpha) / (1 - alpha); zeros are
/// counted separately. Counts are integers, so merge is exact and independent
/// of order.
///
/// Memory is one counter per bucket between the smallest and largest positive
/// value seen: about log(max / min) / (2 * alpha) counters.
/// Bucket indices come from std::log, so bit-identical results across
/// platforms need the same libm; on one platform they are deterministic.
/// Not thread-safe; merge per-thread instances.
class QuantileSketch {
 public:
  /// Relative accuracy alpha in [1e-6, 0.5]; throws wsic::Error otherwise.
  explicit QuantileSketch(double alpha = 0.005);

  /// Adds `count` copies of x. Throws wsic::Error unless x is finite and >= 0.
  void add(double x, std::uint64_t count = 1);
  /// Adds other's counts. Throws wsic::Error unless alpha is identical.
  void merge(const QuantileSketch& other);

  double alpha() const noexcept { return alpha_; }
  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t zero_count() const noexcept { return zero_count_; }
  /// Smallest / largest value added (exact); NaN when empty.
  double min() const noexcept;
  double max() const noexcept;

  /// Estimate of the exact sample quantile x_(k), the k-th smallest of the n
  /// values with k = max(1, ceil(p * n)), with |estimate - x_(k)| <= alpha *
  /// x_(k) (up to rounding in log). p = 0 and p = 1 give min() and max()
  /// exactly. p must be in [0, 1] (throws wsic::Error); NaN when empty.
  double quantile(double p) const;

  void save(ByteWriter& w) const;
  /// Throws SerialError on malformed input.
  static QuantileSketch load(ByteReader& r);

  friend bool operator==(const QuantileSketch&, const QuantileSketch&) = default;

 private:
  std::int64_t bucket_of(double x) const;
  double bucket_value(std::int64_t index) const;
  void grow_to(std::int64_t index);

  double alpha_;
  double gamma_;
  double log_gamma_;
  std::uint64_t count_ = 0;
  std::uint64_t zero_count_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
  std::int64_t offset_ = 0;             // bucket index of buckets_[0]
  std::vector<std::uint64_t> buckets_;  // dense from offset_; empty if no x > 0
};

/// Time-weighted average of a piecewise-constant signal, e.g. a queue length
/// or the number of resources in use: value v held from t_a to t_b
/// contributes v * (t_b - t_a). Times are simulation time, in the model's unit.
///
/// An instance is open while a run is in progress (update(), integral(t_end),
/// average(t_end)) and closed by finish(t_end). Closed instances from
/// independent runs merge into a pooled average: the sum of their integrals
/// divided by the sum of their durations, so longer runs weigh more.
/// A default-constructed instance is closed and empty: the identity for merge.
/// Not thread-safe; merge per-thread instances.
class TimeWeighted {
 public:
  /// A closed, empty accumulator (zero duration, no runs).
  TimeWeighted() = default;
  /// An open accumulator whose signal has `initial` from t0 on. Throws
  /// wsic::Error unless both are finite.
  TimeWeighted(double t0, double initial);

  /// The signal changes to `value` at time t. Throws wsic::Error if t is
  /// before the last update (or t0), if the instance is closed, or if either
  /// argument is not finite.
  void update(double t, double value);
  /// Integral of the signal over [t0, t_end]. Open instances only; throws
  /// wsic::Error if closed or if t_end is before the last update.
  double integral(double t_end) const;
  /// integral(t_end) / (t_end - t0); NaN if t_end == t0. Same throws.
  double average(double t_end) const;

  /// Closes the run at t_end (same checks as update()). Afterwards only the
  /// closed-state queries and merge() are allowed.
  void finish(double t_end);
  bool finished() const noexcept { return closed_; }
  /// Merges another closed instance (pooled). Throws wsic::Error unless both
  /// are closed.
  void merge(const TimeWeighted& other);
  /// Closed instances only (throw wsic::Error otherwise): total integral,
  /// total duration, and their ratio (NaN for zero duration).
  double integral() const;
  double duration() const;
  double average() const;
  /// Number of finished runs pooled in a closed instance (0 while open).
  std::uint64_t runs() const noexcept { return runs_; }

  /// Largest / smallest value the signal held; NaN for an empty merge
  /// identity.
  double max() const noexcept;
  double min() const noexcept;
  /// Current value and time of the last update (open instances).
  double value() const noexcept { return value_; }
  double last_time() const noexcept { return t_last_; }

  void save(ByteWriter& w) const;
  /// Throws SerialError on malformed input.
  static TimeWeighted load(ByteReader& r);

  friend bool operator==(const TimeWeighted&, const TimeWeighted&) = default;

 private:
  void advance(double t, const char* what);

  bool closed_ = true;
  std::uint64_t runs_ = 0;
  double t0_ = 0.0;
  double t_last_ = 0.0;
  double value_ = 0.0;
  double integral_ = 0.0;  // up to t_last_ while open; pooled when closed
  double duration_ = 0.0;  // closed only
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
};

}  // namespace wsic::sim
