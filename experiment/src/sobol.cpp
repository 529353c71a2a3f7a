#include "wsic/experiment/sobol.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <limits>

#include "wsic/sim/error.hpp"
#include "wsic/sim/random.hpp"

namespace wsic::experiment {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kMaxSize = std::numeric_limits<std::size_t>::max();

std::size_t step_of(std::size_t d, bool second_order) {
  if (d == 0) throw wsic::Error("a Sobol analysis needs at least one parameter");
  if (d > (kMaxSize - 2) / 2) throw wsic::Error(fmt::format("too many parameters for a Sobol analysis ({})", d));
  return second_order ? 2 * d + 2 : d + 2;
}

// A 64-bit Sobol' integer (a fraction of 2^64) to [0, 1): its top 53 bits,
// exactly.
double to_unit(std::uint64_t v) { return static_cast<double>(v >> 11) * 0x1.0p-53; }

// The estimators over n base rows of the standardised outputs z, the base
// row of the r-th being row(r): the point estimates with row(r) = r, a
// bootstrap resample otherwise. s2 is packed: (0,1), (0,2), ..., (1,2), ...
class Estimator {
 public:
  Estimator(std::size_t d, std::size_t step, std::size_t n, bool second_order)
      : d_(d), step_(step), n_(n), s1_(d), st_(d), s2_(second_order ? d * (d - 1) / 2 : 0) {}

  template <class Row>
  void run(const std::vector<double>& z, Row row) {
    const double n = static_cast<double>(n_);
    // var([A; B]) in two passes, as numpy's var.
    double sum = 0.0;
    for (std::size_t r = 0; r < n_; ++r) {
      const double* p = z.data() + row(r) * step_;
      sum += p[0] + p[step_ - 1];
    }
    const double mean = sum / (2.0 * n);
    std::fill(s1_.begin(), s1_.end(), 0.0);
    std::fill(st_.begin(), st_.end(), 0.0);
    std::fill(s2_.begin(), s2_.end(), 0.0);
    double squares = 0.0;
    for (std::size_t r = 0; r < n_; ++r) {
      const double* p = z.data() + row(r) * step_;
      const double a = p[0];
      const double b = p[step_ - 1];
      squares += (a - mean) * (a - mean) + (b - mean) * (b - mean);
      const double* ab = p + 1;
      for (std::size_t i = 0; i < d_; ++i) {
        s1_[i] += b * (ab[i] - a);
        st_[i] += (a - ab[i]) * (a - ab[i]);
      }
      if (!s2_.empty()) {
        const double* ba = p + 1 + d_;
        const double a_b = a * b;
        std::size_t jk = 0;
        for (std::size_t j = 0; j < d_; ++j)
          for (std::size_t k = j + 1; k < d_; ++k) s2_[jk++] += ba[j] * ab[k] - a_b;
      }
    }
    const double v = squares / (2.0 * n);
    const bool defined = v > 0.0;
    for (std::size_t i = 0; i < d_; ++i) {
      s1_[i] = defined ? s1_[i] / n / v : kNaN;
      st_[i] = defined ? 0.5 * (st_[i] / n) / v : kNaN;
    }
    std::size_t jk = 0;
    for (std::size_t j = 0; j < d_; ++j)
      for (std::size_t k = j + 1; k < d_ && !s2_.empty(); ++k, ++jk)
        s2_[jk] = defined ? s2_[jk] / n / v - s1_[j] - s1_[k] : kNaN;
  }

  const std::vector<double>& s1() const { return s1_; }
  const std::vector<double>& st() const { return st_; }
  const std::vector<double>& s2() const { return s2_; }

 private:
  std::size_t d_, step_, n_;
  std::vector<double> s1_, st_, s2_;
};

// Mean and sum of squared deviations, one value at a time (Welford).
struct Spread {
  double mean = 0.0, m2 = 0.0;
  void add(double x, double count) {
    const double delta = x - mean;
    mean += delta / count;
    m2 += delta * (x - mean);
  }
};

std::vector<std::vector<double>> nan_matrix(std::size_t d) {
  return std::vector<std::vector<double>>(d, std::vector<double>(d, kNaN));
}

}  // namespace

std::size_t saltelli_skip(std::size_t n) {
  if (n == 0) throw wsic::Error("a Saltelli sample needs at least one base row");
  std::size_t p = 1;
  while (p < n) {
    if (p > kMaxSize / 2) throw wsic::Error(fmt::format("a Saltelli sample of {} base rows is too large", n));
    p *= 2;
  }
  return std::max<std::size_t>(p, 16);
}

std::size_t saltelli_rows(std::size_t n, std::size_t d, bool second_order) {
  if (n == 0) throw wsic::Error("a Saltelli sample needs at least one base row");
  const std::size_t step = step_of(d, second_order);
  if (n > kMaxSize / step)
    throw wsic::Error(fmt::format("a Saltelli sample of {} base rows for {} parameters is too large", n, d));
  return n * step;
}

std::vector<double> saltelli_sample(std::size_t n, std::size_t d, bool second_order) {
  if (d > kSobolMaxParameters)
    throw wsic::Error(fmt::format("a Saltelli sample takes at most {} parameters, not {}", kSobolMaxParameters, d));
  const std::size_t rows = saltelli_rows(n, d, second_order);
  if (rows > std::vector<double>().max_size() / d)
    throw wsic::Error(fmt::format("a Saltelli sample of {} base rows for {} parameters is too large", n, d));
  const std::size_t skip = saltelli_skip(n);
  if (n > std::numeric_limits<std::uint64_t>::max() - skip)
    throw wsic::Error(fmt::format("a Saltelli sample of {} base rows is too large", n));
  const std::size_t step = rows / n;

  // Boost's generator starts after the all-zeros point: its point k is the
  // sequence's point k + 1, so seeding it at skip - 1 starts at point skip.
  boost::random::sobol sequence(2 * d);
  sequence.seed(static_cast<std::uint64_t>(skip - 1));
  std::vector<double> out(rows * d);
  std::vector<double> point(2 * d);
  for (std::size_t j = 0; j < n; ++j) {
    for (double& x : point) x = to_unit(sequence());
    const double* a = point.data();
    const double* b = point.data() + d;
    double* block = out.data() + j * step * d;
    std::copy(a, a + d, block);  // A
    for (std::size_t i = 0; i < d; ++i) {
      double* ab = block + (1 + i) * d;
      std::copy(a, a + d, ab);
      ab[i] = b[i];
    }
    if (second_order) {
      for (std::size_t i = 0; i < d; ++i) {
        double* ba = block + (1 + d + i) * d;
        std::copy(b, b + d, ba);
        ba[i] = a[i];
      }
    }
    std::copy(b, b + d, block + (step - 1) * d);  // B
  }
  return out;
}

double normal_quantile(double p) {
  if (!(p > 0.0 && p < 1.0)) throw wsic::Error(fmt::format("a normal quantile needs 0 < p < 1, not {}", p));
  return boost::math::quantile(boost::math::normal_distribution<double>(), p);
}

SobolIndices sobol_analyze(std::size_t d, std::span<const double> y, const SobolOptions& options) {
  const std::size_t step = step_of(d, options.second_order);
  if (y.empty() || y.size() % step != 0)
    throw wsic::Error(fmt::format(
        "{} outputs for a Sobol analysis of {} parameters{}: expected a positive multiple of {} (one per row of "
        "the Saltelli sample; check that second order matches the sampling)",
        y.size(), d, options.second_order ? " with second order" : "", step));
  if (!(options.confidence > 0.0 && options.confidence < 1.0))
    throw wsic::Error(fmt::format("the confidence of a Sobol analysis must be in (0, 1), not {}", options.confidence));
  for (std::size_t r = 0; r < y.size(); ++r)
    if (!std::isfinite(y[r]))
      throw wsic::Error(fmt::format("output of row {} (base row {}) is {}: a Sobol analysis needs finite outputs", r,
                                    r / step, y[r]));
  const std::size_t n = y.size() / step;

  SobolIndices out;
  if (options.second_order) {
    out.S2 = nan_matrix(d);
    out.S2_conf = nan_matrix(d);
  }
  if (std::all_of(y.begin(), y.end(), [&](double v) { return v == y[0]; })) {
    // Constant outputs: no variance to apportion.
    out.S1.assign(d, kNaN);
    out.S1_conf.assign(d, kNaN);
    out.ST.assign(d, kNaN);
    out.ST_conf.assign(d, kNaN);
    return out;
  }

  // Standardise as SALib does; outputs too large to square are scaled down
  // first (standardising undoes the scale).
  double scale = 1.0;
  for (const double v : y) scale = std::max(scale, std::abs(v));
  if (scale < 1e100) scale = 1.0;
  const double count = static_cast<double>(y.size());
  double sum = 0.0;
  for (const double v : y) sum += v / scale;
  const double mean = sum / count;
  double squares = 0.0;
  for (const double v : y) squares += (v / scale - mean) * (v / scale - mean);
  const double sd = std::sqrt(squares / count);
  std::vector<double> z(y.size());
  for (std::size_t r = 0; r < y.size(); ++r) z[r] = (y[r] / scale - mean) / sd;

  Estimator est(d, step, n, options.second_order);
  est.run(z, [](std::size_t r) { return r; });
  out.S1 = est.s1();
  out.ST = est.st();
  {
    std::size_t jk = 0;
    for (std::size_t j = 0; j < d; ++j)
      for (std::size_t k = j + 1; k < d && options.second_order; ++k) out.S2[j][k] = est.s2()[jk++];
  }

  out.S1_conf.assign(d, kNaN);
  out.ST_conf.assign(d, kNaN);
  if (options.resamples < 2) return out;

  std::vector<Spread> s1(d), st(d), s2(est.s2().size());
  std::vector<std::size_t> rows(n);
  constexpr std::uint64_t kStream = sim::stream_id("sobol.bootstrap");
  for (std::size_t b = 0; b < options.resamples; ++b) {
    sim::Rng rng(options.seed, b, kStream);
    for (auto& r : rows) r = static_cast<std::size_t>(rng.below(n));
    est.run(z, [&](std::size_t r) { return rows[r]; });
    const double k = static_cast<double>(b + 1);
    for (std::size_t i = 0; i < d; ++i) {
      s1[i].add(est.s1()[i], k);
      st[i].add(est.st()[i], k);
    }
    for (std::size_t i = 0; i < s2.size(); ++i) s2[i].add(est.s2()[i], k);
  }
  const double zq = normal_quantile(0.5 + options.confidence / 2.0);
  const double dof = static_cast<double>(options.resamples - 1);
  const auto conf = [&](const Spread& s) { return zq * std::sqrt(s.m2 / dof); };
  for (std::size_t i = 0; i < d; ++i) {
    out.S1_conf[i] = conf(s1[i]);
    out.ST_conf[i] = conf(st[i]);
  }
  std::size_t jk = 0;
  for (std::size_t j = 0; j < d; ++j)
    for (std::size_t k = j + 1; k < d && options.second_order; ++k) out.S2_conf[j][k] = conf(s2[jk++]);
  return out;
}

}  // namespace wsic::experiment

namespace wsic::experiment {

namespace detail {

std::uint64_t binomial(sim::Rng& rng, std::uint64_t n, double p) {
  if (!(p >= 0.0 && p <= 1.0)) throw wsic::Error(fmt::format("a binomial draw needs 0 <= p <= 1, not {}", p));
  if (n == 0 || p == 0.0) return 0;
  if (p == 1.0) return n;
  if (p > 0.5) return n - binomial(rng, n, 1.0 - p);  // 1 - p exact here
  if (static_cast<double>(n) * p > 256.0) {
    // A sum of independent binomials with the same p is binomial: keep each
    // part's P(0) = (1 - p)^n above exp(-256 * 1.4) (p <= 1/2), far from
    // underflow.
    const std::uint64_t half = n / 2;
    return binomial(rng, half, p) + binomial(rng, n - half, p);
  }
  const double ratio = p / (1.0 - p);
  double pmf = std::exp(static_cast<double>(n) * std::log1p(-p));  // P(0)
  double cdf = pmf;
  const double u = rng.uniform01();
  std::uint64_t k = 0;
  while (u >= cdf && k < n) {
    pmf *= ratio * static_cast<double>(n - k) / static_cast<double>(k + 1);
    ++k;
    cdf += pmf;
    // Past the mode with the terms gone to zero: the CDF fell short of u by
    // rounding alone; stop rather than walk to n.
    if (pmf == 0.0 && static_cast<double>(k) > static_cast<double>(n) * p) break;
  }
  return k;
}

std::uint64_t BootstrapCounts::next(sim::Rng& rng) {
  if (row_ >= n_) throw wsic::Error(fmt::format("a bootstrap resample of {} rows has no row {}", n_, row_));
  const std::uint64_t c = binomial(rng, remaining_, 1.0 / static_cast<double>(n_ - row_));
  remaining_ -= c;
  ++row_;
  return c;
}

}  // namespace detail

namespace {

// Layout of one set of running sums in SobolAccumulator (x an output minus
// the first group's A, sums over base rows, weighted in a resample):
//   [0] sum a, [1] sum b, [2] sum a^2, [3] sum b^2,
//   p1[i] = sum b (ab_i - a), st[i] = sum (a - ab_i)^2, da[i] = sum (ab_i - a),
//   with second order also db[i] = sum (ba_i - b) and, packed by pairs
//   j < k, s2[jk] = sum (ba_j ab_k - a b).
constexpr std::size_t kSa = 0, kSb = 1, kSaa = 2, kSbb = 3, kHead = 4;

}  // namespace

SobolAccumulator::SobolAccumulator(std::size_t n, std::size_t d, const SobolOptions& options)
    : n_(n), d_(d), step_(step_of(d, options.second_order)), options_(options) {
  saltelli_rows(n, d, options.second_order);  // n > 0, no overflow
  if (!(options.confidence > 0.0 && options.confidence < 1.0))
    throw wsic::Error(fmt::format("the confidence of a Sobol analysis must be in (0, 1), not {}", options.confidence));
  pairs_ = options.second_order ? d * (d - 1) / 2 : 0;
  width_ = kHead + 3 * d + (options.second_order ? d + pairs_ : 0);
  const std::size_t sets = 1 + (options.resamples >= 2 ? options.resamples : 0);
  sums_.assign(sets * width_, 0.0);
  for (std::size_t set = 0; set < sets; ++set) {  // empty: lo > hi
    ranges_.push_back(std::numeric_limits<double>::infinity());
    ranges_.push_back(-std::numeric_limits<double>::infinity());
  }
  terms_.assign(width_, 0.0);
  if (options.resamples >= 2) {
    streams_.reserve(options.resamples);
    constexpr std::uint64_t kStream = sim::stream_id("sobol.bootstrap.stream");
    for (std::size_t b = 0; b < options.resamples; ++b)
      streams_.push_back({sim::Rng(options.seed, b, kStream), detail::BootstrapCounts(n)});
  }
}

void SobolAccumulator::add(std::span<const double> group) {
  if (groups_ >= n_) throw wsic::Error(fmt::format("a Sobol analysis of {} base rows has all its groups already", n_));
  if (group.size() != step_)
    throw wsic::Error(fmt::format(
        "{} outputs in the group of base row {} of a Sobol analysis of {} parameters{}: expected {} (check that "
        "second order matches the sampling)",
        group.size(), groups_, d_, options_.second_order ? " with second order" : "", step_));
  for (std::size_t i = 0; i < step_; ++i)
    if (!std::isfinite(group[i]))
      throw wsic::Error(fmt::format("output of row {} (base row {}) is {}: a Sobol analysis needs finite outputs",
                                    groups_ * step_ + i, groups_, group[i]));
  if (groups_ == 0) shift_ = group[0];

  // This group's terms, on the outputs shifted by the first group's A.
  const auto x = [&](std::size_t r) { return group[r] - shift_; };
  for (std::size_t r = 0; r < step_; ++r) {
    const double v = x(r);
    total_ += v;
    constant_ = constant_ && v == 0.0;
  }
  const double a = x(0), b = x(step_ - 1);
  double* t = terms_.data();
  t[kSa] = a;
  t[kSb] = b;
  t[kSaa] = a * a;
  t[kSbb] = b * b;
  double* p1 = t + kHead;
  double* st = p1 + d_;
  double* da = st + d_;
  for (std::size_t i = 0; i < d_; ++i) {
    const double ab = x(1 + i);
    p1[i] = b * (ab - a);
    st[i] = (a - ab) * (a - ab);
    da[i] = ab - a;
  }
  if (options_.second_order) {
    double* db = da + d_;
    double* s2 = db + d_;
    for (std::size_t i = 0; i < d_; ++i) db[i] = x(1 + d_ + i) - b;
    const double a_b = a * b;
    std::size_t jk = 0;
    for (std::size_t j = 0; j < d_; ++j)
      for (std::size_t k = j + 1; k < d_; ++k) s2[jk++] = x(1 + d_ + j) * x(1 + k) - a_b;
  }
  const double lo = std::min(a, b), hi = std::max(a, b);

  const auto accumulate = [&](std::size_t set, double weight) {
    double* s = sums_.data() + set * width_;
    for (std::size_t i = 0; i < width_; ++i) s[i] += weight * t[i];
    double* range = ranges_.data() + 2 * set;
    range[0] = std::min(range[0], lo);
    range[1] = std::max(range[1], hi);
  };
  accumulate(0, 1.0);
  for (std::size_t r = 0; r < streams_.size(); ++r) {
    const std::uint64_t c = streams_[r].counts.next(streams_[r].rng);
    if (c > 0) accumulate(1 + r, static_cast<double>(c));
  }
  ++groups_;
}

SobolIndices SobolAccumulator::result() const {
  if (groups_ < n_)
    throw wsic::Error(fmt::format("a Sobol analysis of {} base rows has only {} of their groups so far", n_, groups_));
  const std::size_t d = d_;
  SobolIndices out;
  if (options_.second_order) {
    out.S2 = nan_matrix(d);
    out.S2_conf = nan_matrix(d);
  }
  out.S1.assign(d, kNaN);
  out.S1_conf.assign(d, kNaN);
  out.ST.assign(d, kNaN);
  out.ST_conf.assign(d, kNaN);
  if (constant_) return out;  // no variance to apportion
  if (!std::isfinite(total_) || !std::all_of(sums_.begin(), sums_.begin() + static_cast<std::ptrdiff_t>(width_),
                                             [](double v) { return std::isfinite(v); }))
    throw wsic::Error(
        "the outputs of a Sobol analysis spread too wide to sum their squares (beyond ~1e150): rescale them");

  const double n = static_cast<double>(n_);
  const double m = total_ / (n * static_cast<double>(step_));  // the global mean, shifted
  std::vector<double> s1(d), st(d), s2(pairs_);
  // The estimates of one set of sums (total weight n), centred on m.
  const auto estimate = [&](std::size_t set) {
    const double* s = sums_.data() + set * width_;
    const double* range = ranges_.data() + 2 * set;
    const double mean = (s[kSa] + s[kSb]) / (2.0 * n);
    const double v = (s[kSaa] + s[kSbb]) / (2.0 * n) - mean * mean;
    const bool defined = range[1] > range[0] && v > 0.0;
    const double* p1 = s + kHead;
    const double* sst = p1 + d;
    const double* da = sst + d;
    for (std::size_t i = 0; i < d; ++i) {
      s1[i] = defined ? (p1[i] - m * da[i]) / n / v : kNaN;
      st[i] = defined ? 0.5 * (sst[i] / n) / v : kNaN;
    }
    if (options_.second_order) {
      const double* db = da + d;
      const double* ss2 = db + d;
      std::size_t jk = 0;
      for (std::size_t j = 0; j < d; ++j)
        for (std::size_t k = j + 1; k < d; ++k, ++jk)
          s2[jk] = defined ? (ss2[jk] - m * (db[j] + da[k])) / n / v - s1[j] - s1[k] : kNaN;
    }
  };

  estimate(0);
  out.S1 = s1;
  out.ST = st;
  {
    std::size_t jk = 0;
    for (std::size_t j = 0; j < d; ++j)
      for (std::size_t k = j + 1; k < d && options_.second_order; ++k) out.S2[j][k] = s2[jk++];
  }
  if (streams_.empty()) return out;

  std::vector<Spread> e1(d), et(d), e2(pairs_);
  for (std::size_t b = 0; b < streams_.size(); ++b) {
    estimate(1 + b);
    const double k = static_cast<double>(b + 1);
    for (std::size_t i = 0; i < d; ++i) {
      e1[i].add(s1[i], k);
      et[i].add(st[i], k);
    }
    for (std::size_t i = 0; i < pairs_; ++i) e2[i].add(s2[i], k);
  }
  const double zq = normal_quantile(0.5 + options_.confidence / 2.0);
  const double dof = static_cast<double>(streams_.size() - 1);
  const auto conf = [&](const Spread& s) { return zq * std::sqrt(s.m2 / dof); };
  for (std::size_t i = 0; i < d; ++i) {
    out.S1_conf[i] = conf(e1[i]);
    out.ST_conf[i] = conf(et[i]);
  }
  std::size_t jk = 0;
  for (std::size_t j = 0; j < d; ++j)
    for (std::size_t k = j + 1; k < d && options_.second_order; ++k) out.S2_conf[j][k] = conf(e2[jk++]);
  return out;
}

}  // namespace wsic::experiment
