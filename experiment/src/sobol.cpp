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
