#include "wsic/sim/random.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <utility>

namespace wsic::sim {

namespace detail {

bool exponential_slow(Rng& rng, unsigned layer, double x, double& out) {
  const auto& z = kExpZiggurat;
  if (layer == 0) {
    // Beyond r the exponential is memoryless: r plus a fresh draw.
    out = z.r - std::log(rng.uniform01_open());
    return true;
  }
  // Wedge between the layer's inner and outer rectangles.
  const double y = z.f[layer] + rng.uniform01() * (z.f[layer + 1] - z.f[layer]);
  if (y < std::exp(-x)) {
    out = x;
    return true;
  }
  return false;
}

bool normal_slow(Rng& rng, unsigned layer, double x, double& out) {
  const auto& z = kNormalZiggurat;
  if (layer == 0) {
    // Marsaglia's (1964) tail method for x > r.
    double a = 0.0;
    double b = 0.0;
    do {
      a = -std::log(rng.uniform01_open()) / z.r;
      b = -std::log(rng.uniform01_open());
    } while (b + b < a * a);
    out = z.r + a;
    return true;
  }
  const double y = z.f[layer] + rng.uniform01() * (z.f[layer + 1] - z.f[layer]);
  if (y < std::exp(-0.5 * x * x)) {
    out = x;
    return true;
  }
  return false;
}

void throw_distribution_error(std::string_view distribution, const std::string& what) {
  throw DistributionError(std::string(distribution) + ": " + what);
}

std::string format_number(double v) { return fmt::format("{}", v); }

}  // namespace detail

namespace {

using detail::format_number;
using detail::throw_distribution_error;

std::string param(std::string_view p, double v) { return std::string(p) + " (" + format_number(v) + ")"; }

void require_finite(std::string_view dist, std::string_view p, double v) {
  if (!std::isfinite(v)) throw_distribution_error(dist, param(p, v) + " must be finite");
}

void require_positive(std::string_view dist, std::string_view p, double v) {
  if (!(std::isfinite(v) && v > 0.0)) {
    throw_distribution_error(dist, param(p, v) + " must be positive and finite");
  }
}

// Checks min <= mode <= max, min < max, all finite and max - min finite.
void require_range(std::string_view dist, double min, double mode, double max) {
  require_finite(dist, "min", min);
  require_finite(dist, "mode", mode);
  require_finite(dist, "max", max);
  if (min > max) throw_distribution_error(dist, param("min", min) + " must not exceed " + param("max", max));
  if (!(min < max)) throw_distribution_error(dist, param("min", min) + " must be less than " + param("max", max));
  if (!std::isfinite(max - min)) {
    throw_distribution_error(dist, "max - min (" + format_number(max - min) + ") must be finite");
  }
  if (mode < min || mode > max) {
    throw_distribution_error(dist, param("mode", mode) + " must lie in [min, max] = [" + format_number(min) + ", " +
                                       format_number(max) + "]");
  }
}

}  // namespace

Fixed::Fixed(double value) : value_(value) { require_finite(name, "value", value); }

Uniform::Uniform(double a, double b) : a_(a), width_(b - a) {
  require_finite(name, "a", a);
  require_finite(name, "b", b);
  if (!(a < b)) throw_distribution_error(name, param("a", a) + " must be less than " + param("b", b));
  if (!std::isfinite(width_)) {
    throw_distribution_error(name, "b - a (" + format_number(width_) + ") must be finite");
  }
}

Exponential::Exponential(double rate) : rate_(rate), mean_(1.0 / rate) {
  require_positive(name, "rate", rate);
  if (!std::isfinite(mean_)) throw_distribution_error(name, param("rate", rate) + " is too small: 1/rate overflows");
}

Normal::Normal(double mu, double sigma) : mu_(mu), sigma_(sigma) {
  require_finite(name, "mu", mu);
  require_positive(name, "sigma", sigma);
}

LogNormal::LogNormal(double mu, double sigma) : mu_(mu), sigma_(sigma) {
  require_finite(name, "mu", mu);
  require_positive(name, "sigma", sigma);
}

LogNormal LogNormal::from_mean_sd(double mean, double sd) {
  require_positive(name, "mean", mean);
  require_positive(name, "sd", sd);
  const double cv = sd / mean;
  const double s2 = std::log1p(cv * cv);
  return LogNormal(std::log(mean) - 0.5 * s2, std::sqrt(s2));
}

double LogNormal::operator()(Rng& rng) const { return std::exp(mu_ + sigma_ * standard_normal(rng)); }

double LogNormal::mean() const noexcept { return std::exp(mu_ + 0.5 * sigma_ * sigma_); }

double LogNormal::variance() const noexcept {
  const double s2 = sigma_ * sigma_;
  return std::expm1(s2) * std::exp(2.0 * mu_ + s2);
}

Gamma::Gamma(double shape, double scale) : shape_(shape), scale_(scale), d_(0.0), c_(0.0) {
  require_positive(name, "shape", shape);
  require_positive(name, "scale", scale);
  const double k = shape < 1.0 ? shape + 1.0 : shape;
  d_ = k - 1.0 / 3.0;
  c_ = 1.0 / std::sqrt(9.0 * d_);
}

double Gamma::operator()(Rng& rng) const {
  double g = 0.0;
  for (;;) {
    const double x = standard_normal(rng);
    double v = 1.0 + c_ * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    const double u = rng.uniform01_open();
    const double x2 = x * x;
    // Cheap squeeze first; the log test decides the rest exactly.
    if (u < 1.0 - 0.0331 * x2 * x2 || std::log(u) < 0.5 * x2 + d_ * (1.0 - v + std::log(v))) {
      g = d_ * v;
      break;
    }
  }
  if (shape_ < 1.0) g *= std::pow(rng.uniform01_open(), 1.0 / shape_);
  return g * scale_;
}

Weibull::Weibull(double shape, double scale) : shape_(shape), scale_(scale) {
  require_positive(name, "shape", shape);
  require_positive(name, "scale", scale);
}

double Weibull::operator()(Rng& rng) const { return scale_ * std::pow(-std::log(rng.uniform01_open()), 1.0 / shape_); }

double Weibull::mean() const noexcept { return scale_ * std::tgamma(1.0 + 1.0 / shape_); }

double Weibull::variance() const noexcept {
  const double g1 = std::tgamma(1.0 + 1.0 / shape_);
  const double g2 = std::tgamma(1.0 + 2.0 / shape_);
  return scale_ * scale_ * (g2 - g1 * g1);
}

Triangular::Triangular(double min, double mode, double max) : min_(min), mode_(mode), max_(max), split_(0.0) {
  require_range(name, min, mode, max);
  split_ = (mode - min) / (max - min);
}

double Triangular::operator()(Rng& rng) const {
  const double u = rng.uniform01();
  const double w = max_ - min_;
  if (u < split_) return min_ + std::sqrt(u * w * (mode_ - min_));
  return max_ - std::sqrt((1.0 - u) * w * (max_ - mode_));
}

double Triangular::variance() const noexcept {
  const double a = min_, c = mode_, b = max_;
  return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
}

namespace {

// Validates before anything is computed from them, so errors name BetaPert's
// own parameters.
double pert_shape(double min, double mode, double max, double lambda, bool upper) {
  require_range(BetaPert::name, min, mode, max);
  require_positive(BetaPert::name, "lambda", lambda);
  const double w = max - min;
  return 1.0 + lambda * (upper ? (max - mode) : (mode - min)) / w;
}

}  // namespace

BetaPert::BetaPert(double min, double mode, double max, double lambda)
    : min_(min),
      mode_(mode),
      max_(max),
      lambda_(lambda),
      alpha_(pert_shape(min, mode, max, lambda, false)),
      beta_(pert_shape(min, mode, max, lambda, true)),
      table_(make_table(*this)) {}

double BetaPert::density(double x) const noexcept {
  // alpha or beta of exactly 1 leaves its factor out (0 * log 0 is NaN).
  double log_f = 0.0;
  if (alpha_ != 1.0) log_f += (alpha_ - 1.0) * std::log(x);
  if (beta_ != 1.0) log_f += (beta_ - 1.0) * std::log1p(-x);
  return std::exp(log_f);
}

namespace {
// log(j/64) and log1p(-j/64) at the strips' ends, once per program: a new
// table (a PERT parameter moved by a sweep or the lab) then needs only an
// exp per end, not two logs and an exp.
struct StripLogs {
  std::array<double, BetaPert::kStrips + 1> x{}, one_minus_x{};
  StripLogs() {
    for (unsigned j = 0; j <= BetaPert::kStrips; ++j) {
      const double at = static_cast<double>(j) / BetaPert::kStrips;
      x[j] = std::log(at);
      one_minus_x[j] = std::log1p(-at);
    }
  }
};
}  // namespace

std::shared_ptr<const BetaPert::Table> BetaPert::make_table(const BetaPert& d) {
  static const StripLogs logs;
  auto t = std::make_shared_for_overwrite<Table>();  // every field is set below
  // The density at the end of strip j, as density() computes it there.
  const auto at_end = [&](unsigned j) {
    double log_f = 0.0;
    if (d.alpha_ != 1.0) log_f += (d.alpha_ - 1.0) * logs.x[j];
    if (d.beta_ != 1.0) log_f += (d.beta_ - 1.0) * logs.one_minus_x[j];
    return std::exp(log_f);
  };
  // The mode of the density on [0, 1]; alpha + beta - 2 = lambda > 0.
  const double mode = (d.alpha_ - 1.0) / (d.alpha_ + d.beta_ - 2.0);
  // Rounding in the density is some 1e-16 of it: widen the bounds by far
  // more than that, so they hold for the density as computed.
  constexpr double kUp = 1.0 + 0x1.0p-30, kDown = 1.0 - 0x1.0p-30;
  double at_left = at_end(0), total = 0.0;
  for (unsigned j = 0; j < kStrips; ++j) {
    const double a = static_cast<double>(j) / kStrips, b = static_cast<double>(j + 1) / kStrips;
    const double at_right = at_end(j + 1);
    double hi = std::max(at_left, at_right);
    if (mode > a && mode < b) hi = std::max(hi, d.density(mode));
    t->strips[j].upper[0] = hi * kUp;
    t->strips[j].lower[0] = std::min(at_left, at_right) * kDown;
    total += t->strips[j].upper[0];
    at_left = at_right;
  }
  // Vose's alias table over the strips, weights their upper bounds (equal
  // widths): deterministic, the same table on every platform.
  std::array<double, kStrips> scaled;  // (set before use, as are the stacks below)
  std::array<unsigned, kStrips> small, large;
  unsigned n_small = 0, n_large = 0;
  for (unsigned j = 0; j < kStrips; ++j) {
    scaled[j] = t->strips[j].upper[0] * kStrips / total;
    if (scaled[j] < 1.0) {
      small[n_small++] = j;
    } else {
      large[n_large++] = j;
    }
  }
  while (n_small > 0 && n_large > 0) {
    const unsigned s = small[--n_small], l = large[--n_large];
    t->strips[s].keep = scaled[s];
    t->strips[s].alias = static_cast<std::uint8_t>(l);
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      small[n_small++] = l;
    } else {
      large[n_large++] = l;
    }
  }
  // What is left has weight 1 up to rounding: kept whole.
  for (unsigned i = 0; i < n_large; ++i) {
    t->strips[large[i]].keep = 1.0;
    t->strips[large[i]].alias = static_cast<std::uint8_t>(large[i]);
  }
  for (unsigned i = 0; i < n_small; ++i) {
    t->strips[small[i]].keep = 1.0;
    t->strips[small[i]].alias = static_cast<std::uint8_t>(small[i]);
  }
  // Each slot's copy of its alias's bounds.
  for (auto& strip : t->strips) {
    strip.upper[1] = t->strips[strip.alias].upper[0];
    strip.lower[1] = t->strips[strip.alias].lower[0];
  }
  return t;
}

double BetaPert::mean() const noexcept { return min_ + (max_ - min_) * alpha_ / (alpha_ + beta_); }

double BetaPert::variance() const noexcept {
  const double a = alpha_, b = beta_, w = max_ - min_, s = a + b;
  return w * w * a * b / (s * s * (s + 1.0));
}

Bernoulli::Bernoulli(double p) : p_(p) {
  if (!(p >= 0.0 && p <= 1.0)) throw_distribution_error(name, param("p", p) + " must lie in [0, 1]");
}

Discrete::Discrete(std::vector<double> values, std::vector<double> weights)
    : values_(std::move(values)), mean_(0.0), variance_(0.0) {
  const std::size_t n = values_.size();
  if (n == 0) throw_distribution_error(name, "values must not be empty");
  if (weights.size() != n) {
    throw_distribution_error(name, "values and weights must have the same size (" + std::to_string(n) + " vs " +
                                       std::to_string(weights.size()) + ")");
  }
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    require_finite(name, "values[" + std::to_string(i) + "]", values_[i]);
    if (!(std::isfinite(weights[i]) && weights[i] >= 0.0)) {
      throw_distribution_error(
          name, param("weights[" + std::to_string(i) + "]", weights[i]) + " must be non-negative and finite");
    }
    total += weights[i];
  }
  if (!(total > 0.0)) throw_distribution_error(name, "weights must not all be zero");
  if (!std::isfinite(total)) throw_distribution_error(name, "sum of weights must be finite");

  p_.resize(n);
  for (std::size_t i = 0; i < n; ++i) p_[i] = weights[i] / total;
  for (std::size_t i = 0; i < n; ++i) mean_ += p_[i] * values_[i];
  for (std::size_t i = 0; i < n; ++i) variance_ += p_[i] * (values_[i] - mean_) * (values_[i] - mean_);

  // Vose's alias method with index-ordered stacks: deterministic for given
  // weights.
  prob_.assign(n, 1.0);
  alias_.resize(n);
  std::vector<double> scaled(n);
  std::vector<std::size_t> small, large;
  for (std::size_t i = 0; i < n; ++i) {
    alias_[i] = i;
    scaled[i] = p_[i] * static_cast<double>(n);
    (scaled[i] < 1.0 ? small : large).push_back(i);
  }
  while (!small.empty() && !large.empty()) {
    const std::size_t s = small.back();
    small.pop_back();
    const std::size_t l = large.back();
    prob_[s] = scaled[s];
    alias_[s] = l;
    // Written as (l + s) - 1 to lose less precision than l - (1 - s).
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Leftovers are 1 up to rounding and keep themselves (prob_ already 1). A
  // zero weight is always paired (scaled 0 is far from 1), so its prob_ is
  // exactly 0 and it is never drawn.
}

Empirical::Empirical(std::vector<double> observations) : obs_(std::move(observations)), mean_(0.0), variance_(0.0) {
  if (obs_.empty()) throw_distribution_error(name, "observations must not be empty");
  for (std::size_t i = 0; i < obs_.size(); ++i)
    require_finite(name, "observations[" + std::to_string(i) + "]", obs_[i]);
  const double n = static_cast<double>(obs_.size());
  for (const double v : obs_) mean_ += v;
  mean_ /= n;
  for (const double v : obs_) variance_ += (v - mean_) * (v - mean_);
  variance_ /= n;
}

double sample(const AnyDistribution& d, Rng& rng) {
  return std::visit([&rng](const auto& dist) { return dist(rng); }, d);
}

double mean(const AnyDistribution& d) {
  return std::visit([](const auto& dist) { return dist.mean(); }, d);
}

double variance(const AnyDistribution& d) {
  return std::visit([](const auto& dist) { return dist.variance(); }, d);
}

std::string_view name(const AnyDistribution& d) {
  return std::visit([](const auto& dist) { return std::decay_t<decltype(dist)>::name; }, d);
}

}  // namespace wsic::sim
