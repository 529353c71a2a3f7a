#include "wsic/sim/stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <string>

namespace wsic::sim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string num(double x) { return fmt::format("{:.17g}", x); }

void check_probability(double p, const char* who) {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw wsic::Error(std::string(who) + ": probability must be in [0, 1], got " + num(p));
  }
}

// Counts come from untrusted bytes: refuse totals that wrapped around.
std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, ByteReader& r) {
  if (b > std::numeric_limits<std::uint64_t>::max() - a) r.fail("count overflow");
  return a + b;
}

constexpr std::uint32_t kVersion = 1;

}  // namespace

// ---------------------------------------------------------------- RunningStats

void RunningStats::add(double x) {
  if (!std::isfinite(x)) throw wsic::Error("RunningStats::add: value is not finite: " + num(x));
  ++count_;
  const double delta = x - mean_;
  mean_ += delta / static_cast<double>(count_);
  m2_ += delta * (x - mean_);
  min_ = std::min(min_, x);
  max_ = std::max(max_, x);
  sum_ += x;
}

void RunningStats::merge(const RunningStats& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    *this = other;
    return;
  }
  const double na = static_cast<double>(count_);
  const double nb = static_cast<double>(other.count_);
  const double n = na + nb;
  const double delta = other.mean_ - mean_;
  // Chan, Golub & LeVeque: exact in real arithmetic for any split.
  mean_ += delta * (nb / n);
  m2_ += other.m2_ + delta * delta * (na * nb / n);
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double RunningStats::mean() const noexcept { return count_ == 0 ? kNaN : mean_; }

double RunningStats::variance() const noexcept { return count_ < 2 ? kNaN : m2_ / static_cast<double>(count_ - 1); }

double RunningStats::stddev() const noexcept { return std::sqrt(variance()); }

double RunningStats::std_error() const noexcept {
  return count_ < 2 ? kNaN : std::sqrt(variance() / static_cast<double>(count_));
}

double RunningStats::min() const noexcept { return count_ == 0 ? kNaN : min_; }
double RunningStats::max() const noexcept { return count_ == 0 ? kNaN : max_; }

void RunningStats::save(ByteWriter& w) const {
  w.write_header("RSTA", kVersion);
  w.write_u64(count_);
  w.write_f64(mean_);
  w.write_f64(m2_);
  w.write_f64(min_);
  w.write_f64(max_);
  w.write_f64(sum_);
}

RunningStats RunningStats::load(ByteReader& r) {
  r.read_header("RSTA", kVersion);
  RunningStats s;
  s.count_ = r.read_u64();
  s.mean_ = r.read_f64();
  s.m2_ = r.read_f64();
  s.min_ = r.read_f64();
  s.max_ = r.read_f64();
  s.sum_ = r.read_f64();
  if (std::isnan(s.mean_) || std::isnan(s.m2_) || !(s.m2_ >= 0.0) || std::isnan(s.sum_)) {
    r.fail("RunningStats: invalid moments");
  }
  if (s.count_ > 0 && !(s.min_ <= s.max_)) r.fail("RunningStats: min > max");
  return s;
}

// ------------------------------------------------------------------- Histogram

Histogram::Histogram(double lo, double hi, std::size_t bins)
    : lo_(lo), hi_(hi), width_((hi - lo) / static_cast<double>(bins)) {
  if (!(std::isfinite(lo) && std::isfinite(hi) && lo < hi)) {
    throw wsic::Error("Histogram: need finite lo < hi, got lo=" + num(lo) + " hi=" + num(hi));
  }
  if (bins == 0) throw wsic::Error("Histogram: need at least one bin");
  if (!(width_ > 0.0) || !std::isfinite(width_)) {
    throw wsic::Error("Histogram: bin width underflows or overflows for [" + num(lo) + ", " + num(hi) + ") with " +
                      std::to_string(bins) + " bins");
  }
  counts_.assign(bins, 0);
}

Histogram Histogram::for_integers(std::int64_t first, std::int64_t last) {
  if (last < first) {
    throw wsic::Error("Histogram::for_integers: last (" + std::to_string(last) + ") < first (" + std::to_string(first) +
                      ")");
  }
  const auto bins = static_cast<std::size_t>(static_cast<std::uint64_t>(last) - static_cast<std::uint64_t>(first) + 1);
  return Histogram(static_cast<double>(first), static_cast<double>(first) + static_cast<double>(bins), bins);
}

void Histogram::add(double x, std::uint64_t count) {
  if (std::isnan(x)) throw wsic::Error("Histogram::add: value is NaN");
  if (x < lo_) {
    underflow_ += count;
  } else if (x >= hi_) {
    overflow_ += count;
  } else {
    // Rounding can push a value just below hi_ to index bins(): clamp it.
    const double f = std::floor((x - lo_) / width_);
    const auto i = std::min(static_cast<std::size_t>(f), counts_.size() - 1);
    counts_[i] += count;
  }
}

void Histogram::merge(const Histogram& other) {
  if (std::bit_cast<std::uint64_t>(lo_) != std::bit_cast<std::uint64_t>(other.lo_) ||
      std::bit_cast<std::uint64_t>(hi_) != std::bit_cast<std::uint64_t>(other.hi_) ||
      counts_.size() != other.counts_.size()) {
    throw wsic::Error("Histogram::merge: binning differs: [" + num(lo_) + ", " + num(hi_) + ") x " +
                      std::to_string(counts_.size()) + " vs [" + num(other.lo_) + ", " + num(other.hi_) + ") x " +
                      std::to_string(other.counts_.size()));
  }
  underflow_ += other.underflow_;
  overflow_ += other.overflow_;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

std::uint64_t Histogram::total() const noexcept {
  std::uint64_t t = underflow_ + overflow_;
  for (const auto c : counts_) t += c;
  return t;
}

std::uint64_t Histogram::bin(std::size_t i) const {
  if (i >= counts_.size()) {
    throw wsic::Error("Histogram::bin: index " + std::to_string(i) + " out of range (" +
                      std::to_string(counts_.size()) + " bins)");
  }
  return counts_[i];
}

double Histogram::bin_lo(std::size_t i) const noexcept { return lo_ + static_cast<double>(i) * width_; }

double Histogram::quantile(double p) const {
  check_probability(p, "Histogram::quantile");
  const std::uint64_t n = total();
  if (n == 0) return kNaN;
  // Target rank; the answer is in the bin holding the ceil(r)-th value.
  const double r = p * static_cast<double>(n);
  if (underflow_ > 0 && r <= static_cast<double>(underflow_)) return kNaN;
  std::uint64_t cum = underflow_;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    const std::uint64_t c = counts_[i];
    if (c > 0 && static_cast<double>(cum + c) >= r) {
      const double frac = std::max(0.0, (r - static_cast<double>(cum)) / static_cast<double>(c));
      return lo_ + (static_cast<double>(i) + frac) * width_;
    }
    cum += c;
  }
  return kNaN;  // in the overflow
}

double Histogram::cdf(double x) const {
  if (std::isnan(x)) throw wsic::Error("Histogram::cdf: x is NaN");
  const std::uint64_t n = total();
  if (n == 0) return kNaN;
  const double dn = static_cast<double>(n);
  if (x < lo_) return underflow_ > 0 ? kNaN : 0.0;
  if (x >= hi_) return overflow_ > 0 ? kNaN : static_cast<double>(n - overflow_) / dn;
  const double pos = (x - lo_) / width_;
  const auto i = std::min(static_cast<std::size_t>(std::floor(pos)), counts_.size() - 1);
  std::uint64_t cum = underflow_;
  for (std::size_t j = 0; j < i; ++j) cum += counts_[j];
  const double frac = std::clamp(pos - static_cast<double>(i), 0.0, 1.0);
  return (static_cast<double>(cum) + frac * static_cast<double>(counts_[i])) / dn;
}

void Histogram::save(ByteWriter& w) const {
  w.write_header("HIST", kVersion);
  w.write_f64(lo_);
  w.write_f64(hi_);
  w.write_u64(underflow_);
  w.write_u64(overflow_);
  w.write_u64(counts_.size());
  for (const auto c : counts_) w.write_u64(c);
}

Histogram Histogram::load(ByteReader& r) {
  r.read_header("HIST", kVersion);
  const double lo = r.read_f64();
  const double hi = r.read_f64();
  const std::uint64_t under = r.read_u64();
  const std::uint64_t over = r.read_u64();
  const std::uint64_t bins = r.read_length(8);
  if (bins == 0 || !(std::isfinite(lo) && std::isfinite(hi) && lo < hi)) {
    r.fail("Histogram: invalid binning");
  }
  Histogram h = [&] {
    try {
      return Histogram(lo, hi, static_cast<std::size_t>(bins));
    } catch (const wsic::Error& e) {
      r.fail(std::string("Histogram: ") + e.what());
    }
  }();
  h.underflow_ = under;
  h.overflow_ = over;
  std::uint64_t total = checked_add(under, over, r);
  for (auto& c : h.counts_) {
    c = r.read_u64();
    total = checked_add(total, c, r);
  }
  return h;
}

// -------------------------------------------------------------- QuantileSketch

QuantileSketch::QuantileSketch(double alpha)
    : alpha_(alpha), gamma_((1.0 + alpha) / (1.0 - alpha)), log_gamma_(std::log(gamma_)) {
  if (!(alpha >= 1e-6 && alpha <= 0.5)) {
    throw wsic::Error("QuantileSketch: alpha must be in [1e-6, 0.5], got " + num(alpha));
  }
}

std::int64_t QuantileSketch::bucket_of(double x) const {
  return static_cast<std::int64_t>(std::ceil(std::log(x) / log_gamma_));
}

double QuantileSketch::bucket_value(std::int64_t index) const {
  // Bucket i holds (gamma^(i-1), gamma^i]; this point is within alpha
  // (relative) of both ends.
  return 2.0 * std::pow(gamma_, static_cast<double>(index)) / (gamma_ + 1.0);
}

void QuantileSketch::grow_to(std::int64_t index) {
  if (buckets_.empty()) {
    offset_ = index;
    buckets_.assign(1, 0);
  } else if (index < offset_) {
    buckets_.insert(buckets_.begin(), static_cast<std::size_t>(offset_ - index), 0);
    offset_ = index;
  } else if (index >= offset_ + static_cast<std::int64_t>(buckets_.size())) {
    buckets_.resize(static_cast<std::size_t>(index - offset_ + 1), 0);
  }
}

void QuantileSketch::add(double x, std::uint64_t count) {
  if (!(std::isfinite(x) && x >= 0.0)) {
    throw wsic::Error("QuantileSketch::add: value must be finite and >= 0, got " + num(x));
  }
  if (count == 0) return;
  if (x == 0.0) {
    zero_count_ += count;
  } else {
    const std::int64_t i = bucket_of(x);
    grow_to(i);
    buckets_[static_cast<std::size_t>(i - offset_)] += count;
  }
  count_ += count;
  min_ = std::min(min_, x);
  max_ = std::max(max_, x);
}

void QuantileSketch::merge(const QuantileSketch& other) {
  if (std::bit_cast<std::uint64_t>(alpha_) != std::bit_cast<std::uint64_t>(other.alpha_)) {
    throw wsic::Error("QuantileSketch::merge: alpha differs: " + num(alpha_) + " vs " + num(other.alpha_));
  }
  if (!other.buckets_.empty()) {
    grow_to(other.offset_);
    grow_to(other.offset_ + static_cast<std::int64_t>(other.buckets_.size()) - 1);
    const auto shift = static_cast<std::size_t>(other.offset_ - offset_);
    for (std::size_t j = 0; j < other.buckets_.size(); ++j) buckets_[shift + j] += other.buckets_[j];
  }
  zero_count_ += other.zero_count_;
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

double QuantileSketch::min() const noexcept { return count_ == 0 ? kNaN : min_; }
double QuantileSketch::max() const noexcept { return count_ == 0 ? kNaN : max_; }

double QuantileSketch::quantile(double p) const {
  check_probability(p, "QuantileSketch::quantile");
  if (count_ == 0) return kNaN;
  if (p == 0.0) return min_;
  if (p == 1.0) return max_;
  const double r = p * static_cast<double>(count_);
  // k = ceil(r) >= 1; compare integer cumulative counts with r directly.
  std::uint64_t cum = zero_count_;
  if (static_cast<double>(cum) >= r) return 0.0;
  for (std::size_t j = 0; j < buckets_.size(); ++j) {
    cum += buckets_[j];
    if (static_cast<double>(cum) >= r) {
      // The true value is in [min, max]: clamping can only move closer.
      return std::clamp(bucket_value(offset_ + static_cast<std::int64_t>(j)), min_, max_);
    }
  }
  return max_;  // unreachable when counts are consistent
}

void QuantileSketch::save(ByteWriter& w) const {
  w.write_header("QSKT", kVersion);
  w.write_f64(alpha_);
  w.write_u64(count_);
  w.write_u64(zero_count_);
  w.write_f64(min_);
  w.write_f64(max_);
  w.write_i64(offset_);
  w.write_u64(buckets_.size());
  for (const auto c : buckets_) w.write_u64(c);
}

QuantileSketch QuantileSketch::load(ByteReader& r) {
  r.read_header("QSKT", kVersion);
  const double alpha = r.read_f64();
  if (!(alpha >= 1e-6 && alpha <= 0.5)) r.fail("QuantileSketch: invalid alpha");
  QuantileSketch s(alpha);
  s.count_ = r.read_u64();
  s.zero_count_ = r.read_u64();
  s.min_ = r.read_f64();
  s.max_ = r.read_f64();
  s.offset_ = r.read_i64();
  const std::uint64_t n = r.read_length(8);
  s.buckets_.resize(static_cast<std::size_t>(n));
  std::uint64_t total = s.zero_count_;
  for (auto& c : s.buckets_) {
    c = r.read_u64();
    total = checked_add(total, c, r);
  }
  if (total != s.count_) r.fail("QuantileSketch: bucket counts do not sum to count");
  if (s.count_ > 0 && !(s.min_ >= 0.0 && s.min_ <= s.max_ && std::isfinite(s.max_))) {
    r.fail("QuantileSketch: invalid min/max");
  }
  return s;
}

// ---------------------------------------------------------------- TimeWeighted

TimeWeighted::TimeWeighted(double t0, double initial)
    : closed_(false), t0_(t0), t_last_(t0), value_(initial), min_(initial), max_(initial) {
  if (!std::isfinite(t0) || !std::isfinite(initial)) {
    throw wsic::Error("TimeWeighted: t0 and the initial value must be finite, got t0=" + num(t0) +
                      " value=" + num(initial));
  }
}

void TimeWeighted::advance(double t, const char* what) {
  if (closed_) throw wsic::Error(std::string("TimeWeighted::") + what + ": already finished");
  if (!std::isfinite(t)) {
    throw wsic::Error(std::string("TimeWeighted::") + what + ": time is not finite: " + num(t));
  }
  if (t < t_last_) {
    throw wsic::Error(std::string("TimeWeighted::") + what + ": time went backwards from " + num(t_last_) + " to " +
                      num(t));
  }
  integral_ += value_ * (t - t_last_);
  t_last_ = t;
}

void TimeWeighted::update(double t, double value) {
  if (!std::isfinite(value)) {
    throw wsic::Error("TimeWeighted::update: value is not finite: " + num(value));
  }
  advance(t, "update");
  value_ = value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

double TimeWeighted::integral(double t_end) const {
  if (closed_) throw wsic::Error("TimeWeighted::integral(t_end): already finished");
  if (!(t_end >= t_last_)) {
    throw wsic::Error("TimeWeighted::integral: t_end " + num(t_end) + " is before the last update " + num(t_last_));
  }
  return integral_ + value_ * (t_end - t_last_);
}

double TimeWeighted::average(double t_end) const {
  const double area = integral(t_end);
  return t_end == t0_ ? kNaN : area / (t_end - t0_);
}

void TimeWeighted::finish(double t_end) {
  advance(t_end, "finish");
  duration_ = t_end - t0_;
  runs_ = 1;
  closed_ = true;
}

void TimeWeighted::merge(const TimeWeighted& other) {
  if (!closed_ || !other.closed_) {
    throw wsic::Error("TimeWeighted::merge: both instances must be finished");
  }
  integral_ += other.integral_;
  duration_ += other.duration_;
  runs_ += other.runs_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

double TimeWeighted::integral() const {
  if (!closed_) throw wsic::Error("TimeWeighted::integral(): not finished");
  return integral_;
}

double TimeWeighted::duration() const {
  if (!closed_) throw wsic::Error("TimeWeighted::duration(): not finished");
  return duration_;
}

double TimeWeighted::average() const {
  if (!closed_) throw wsic::Error("TimeWeighted::average(): not finished");
  return duration_ == 0.0 ? kNaN : integral_ / duration_;
}

double TimeWeighted::max() const noexcept { return min_ > max_ ? kNaN : max_; }
double TimeWeighted::min() const noexcept { return min_ > max_ ? kNaN : min_; }

void TimeWeighted::save(ByteWriter& w) const {
  w.write_header("TWAV", kVersion);
  w.write_bool(closed_);
  w.write_u64(runs_);
  w.write_f64(t0_);
  w.write_f64(t_last_);
  w.write_f64(value_);
  w.write_f64(integral_);
  w.write_f64(duration_);
  w.write_f64(min_);
  w.write_f64(max_);
}

TimeWeighted TimeWeighted::load(ByteReader& r) {
  r.read_header("TWAV", kVersion);
  TimeWeighted s;
  s.closed_ = r.read_bool();
  s.runs_ = r.read_u64();
  s.t0_ = r.read_f64();
  s.t_last_ = r.read_f64();
  s.value_ = r.read_f64();
  s.integral_ = r.read_f64();
  s.duration_ = r.read_f64();
  s.min_ = r.read_f64();
  s.max_ = r.read_f64();
  if (!s.closed_ &&
      !(std::isfinite(s.t0_) && std::isfinite(s.t_last_) && s.t0_ <= s.t_last_ && std::isfinite(s.value_))) {
    r.fail("TimeWeighted: invalid open state");
  }
  if (std::isnan(s.integral_) || !(s.duration_ >= 0.0)) r.fail("TimeWeighted: invalid totals");
  return s;
}

}  // namespace wsic::sim
