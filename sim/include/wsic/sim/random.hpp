#pragma once
/// Random numbers for the engine: a seedable generator with named streams and
/// the sampling distributions scenarios use.
///
/// Every algorithm here is written out by hand (no std::*_distribution) so a
/// given (seed, replication, stream) produces the same numbers with every
/// compiler and standard library. The only platform dependence left is the
/// last-bit accuracy of std::exp / std::log / std::pow, used in rare slow paths
/// and in a few transforms (log-normal, Weibull, gamma).

#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wsic/sim/error.hpp"

namespace wsic::sim {

/// A distribution was given parameters outside its domain (or NaN/infinite).
/// The message names the distribution, the parameter and what was expected.
class DistributionError : public wsic::Error {
 public:
  using wsic::Error::Error;
};

namespace detail {

/// splitmix64's output function: a bijective 64-bit mixer.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline constexpr std::uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;
inline constexpr std::uint64_t kReplicationSalt = 0x6a09e667f3bcc909ULL;
inline constexpr std::uint64_t kStreamSalt = 0xbb67ae8584caa73bULL;

}  // namespace detail

/// Stable 64-bit id of a stream name: FNV-1a 64 over the bytes, then the
/// splitmix64 finaliser (FNV alone mixes the last bytes poorly). Identical on
/// every platform and across releases: changing it would change every result.
/// Thread-safe (pure).
constexpr std::uint64_t stream_id(std::string_view name) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : name) {
    h ^= static_cast<std::uint64_t>(static_cast<unsigned char>(c));
    h *= 0x100000001b3ULL;
  }
  return detail::mix64(h);
}

/// xoshiro256++ pseudo-random generator (Blackman & Vigna), period 2^256 - 1.
///
/// Use one Rng per (replication, stream). Streams are identified by name, so
/// adding a new stream never shifts the numbers an existing one produces: the
/// same scenario element sees the same draws across scenarios (common random
/// numbers). Not thread-safe: an Rng is mutable state owned by one thread.
/// Satisfies std::uniform_random_bit_generator.
class Rng {
 public:
  using result_type = std::uint64_t;

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

  /// Seeds from the three inputs; triples differing in any one component give
  /// unrelated states. The state is never all zero. A model that seeds many
  /// streams per replication does the same with less work through
  /// `ReplicationSeed` and `stream_key` (same state, bit for bit).
  constexpr Rng(std::uint64_t master_seed, std::uint64_t replication, std::uint64_t stream) noexcept
      : Rng(Seeded{}, seed_hash(master_seed, replication, stream)) {}

  /// Same as above with the stream given by name (see stream_id()).
  constexpr Rng(std::uint64_t master_seed, std::uint64_t replication, std::string_view stream_name) noexcept
      : Rng(master_seed, replication, stream_id(stream_name)) {}

  /// Next 64 uniformly random bits.
  constexpr result_type operator()() noexcept {
    const std::uint64_t result = std::rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }

  /// Uniform double in [0, 1) with 53 random bits (multiples of 2^-53).
  constexpr double uniform01() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

  /// Uniform double in (0, 1): (k + 1/2) * 2^-52, safe to pass to log().
  constexpr double uniform01_open() noexcept { return (static_cast<double>((*this)() >> 12) + 0.5) * 0x1.0p-52; }

  /// Unbiased uniform integer in [0, n); n must be > 0. Lemire's
  /// multiply-shift with rejection: at most one division, and only rarely.
  constexpr std::uint64_t below(std::uint64_t n) {
    WSIC_ASSERT(n > 0, "Rng::below needs n > 0");
    std::uint64_t hi = 0;
    std::uint64_t lo = mul_64x64((*this)(), n, hi);
    if (lo < n) {
      const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
      while (lo < threshold) lo = mul_64x64((*this)(), n, hi);
    }
    return hi;
  }

  /// The raw state, for tests and checkpoints.
  constexpr const std::array<std::uint64_t, 4>& state() const noexcept { return s_; }

  friend constexpr bool operator==(const Rng&, const Rng&) = default;

 private:
  friend class ReplicationSeed;
  struct Seeded {};
  // Each step is a bijection of the previous hash for fixed other inputs, so
  // changing exactly one input always changes the starting point. The first
  // two steps depend on (master seed, replication) only, the inner mix of
  // the stream on the stream only: ReplicationSeed and stream_key compute
  // them once each.
  static constexpr std::uint64_t replication_hash(std::uint64_t master_seed, std::uint64_t replication) noexcept {
    const std::uint64_t h = detail::mix64(master_seed + detail::kGoldenGamma);
    return detail::mix64(h ^ detail::mix64(replication + detail::kReplicationSalt));
  }
  static constexpr std::uint64_t seed_hash(std::uint64_t master_seed, std::uint64_t replication,
                                           std::uint64_t stream) noexcept {
    return detail::mix64(replication_hash(master_seed, replication) ^ detail::mix64(stream + detail::kStreamSalt));
  }
  constexpr Rng(Seeded, std::uint64_t h) noexcept : s_{} {
    // Consecutive splitmix64 outputs are distinct (bijective output of a
    // counter), so at most one word can be zero.
    for (auto& w : s_) {
      h += detail::kGoldenGamma;
      w = detail::mix64(h);
    }
  }

  // Full 128-bit product; returns the low word, stores the high word.
  static constexpr std::uint64_t mul_64x64(std::uint64_t a, std::uint64_t b, std::uint64_t& hi) noexcept {
#if defined(__SIZEOF_INT128__)
    __extension__ using U128 = unsigned __int128;  // __extension__: quiet under -Wpedantic
    const U128 p = static_cast<U128>(a) * b;
    hi = static_cast<std::uint64_t>(p >> 64);
    return static_cast<std::uint64_t>(p);
#else
    const std::uint64_t a_lo = a & 0xffffffffULL, a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xffffffffULL, b_hi = b >> 32;
    const std::uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
    const std::uint64_t mid = (ll >> 32) + (lh & 0xffffffffULL) + (hl & 0xffffffffULL);
    hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    return (mid << 32) | (ll & 0xffffffffULL);
#endif
  }

  std::array<std::uint64_t, 4> s_;
};

/// The part of a stream's seed that depends on the stream alone: compute it
/// once per stream id (when a model is built), not per replication.
constexpr std::uint64_t stream_key(std::uint64_t stream) noexcept {
  return detail::mix64(stream + detail::kStreamSalt);
}

/// The part of every stream's seed that depends on (master seed,
/// replication): compute it once per replication, then seed each stream
/// from its key. `ReplicationSeed(m, r).stream(stream_key(id))` is
/// `Rng(m, r, id)`, state for state, at a third of the cost. Thread-safe
/// (a value).
class ReplicationSeed {
 public:
  constexpr ReplicationSeed(std::uint64_t master_seed, std::uint64_t replication) noexcept
      : h_(Rng::replication_hash(master_seed, replication)) {}
  /// The generator of the stream whose key is `key` (see stream_key).
  [[gnu::always_inline]] constexpr Rng stream(std::uint64_t key) const noexcept {
    return Rng(Rng::Seeded{}, detail::mix64(h_ ^ key));
  }

 private:
  std::uint64_t h_;
};

namespace detail {

// Compile-time exp/log/sqrt built from plain IEEE arithmetic, so the ziggurat
// tables are the same bits everywhere (std::exp is not constexpr portably, and
// libm results may differ in the last bit between platforms).
constexpr double cx_scale2(double v, int k) {
  for (; k > 0; --k) v *= 2.0;
  for (; k < 0; ++k) v *= 0.5;
  return v;
}

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // trailing zeros: k*hi is exact
constexpr double kLn2Lo = 1.90821492927058770002e-10;

constexpr double cx_exp(double x) {
  const double kf = x / (kLn2Hi + kLn2Lo);
  const int k = static_cast<int>(kf < 0 ? kf - 0.5 : kf + 0.5);
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;  // |r| <= ln2/2
  double p = 1.0;
  for (int n = 30; n >= 1; --n) p = 1.0 + r * p / n;
  return cx_scale2(p, k);
}

constexpr double cx_log(double y) {  // y > 0, finite
  int e = 0;
  double m = y;
  while (m >= 2.0) {
    m *= 0.5;
    ++e;
  }
  while (m < 1.0) {
    m *= 2.0;
    --e;
  }
  if (m > 1.4142135623730951) {
    m *= 0.5;
    ++e;
  }
  const double s = (m - 1.0) / (m + 1.0);  // |s| <= 0.172
  const double s2 = s * s;
  double p = 0.0;
  for (int k = 24; k >= 0; --k) p = 1.0 / (2 * k + 1) + s2 * p;
  return e * kLn2Hi + (e * kLn2Lo + 2.0 * s * p);
}

constexpr double cx_sqrt(double y) {  // y >= 0
  if (y == 0.0) return 0.0;
  double g = y > 1.0 ? y : 1.0;  // start above the root: Newton then decreases monotonically
  for (int i = 0; i < 2000; ++i) {
    const double ng = 0.5 * (g + y / g);
    if (ng >= g) break;
    g = ng;
  }
  return g;
}

/// 256-layer ziggurat for a monotone decreasing density f on [0, inf)
/// (Marsaglia & Tsang 2000). x[0] = v / f(r) is the base strip's virtual
/// width, x[1] = r, ..., x[256] = 0; f[i] = f(x[i]), f[256] = f(0) = 1.
struct Ziggurat {
  std::array<double, 257> x{};
  std::array<double, 257> f{};
  double r = 0.0;
};

constexpr double exp_density(double x) { return cx_exp(-x); }
constexpr double exp_density_inverse(double y) { return -cx_log(y); }
constexpr double normal_density(double x) { return cx_exp(-0.5 * x * x); }  // unnormalised
constexpr double normal_density_inverse(double y) { return cx_sqrt(-2.0 * cx_log(y)); }

constexpr Ziggurat make_ziggurat(double r, double v, double (*f)(double), double (*f_inv)(double)) {
  Ziggurat z;
  z.r = r;
  z.x[0] = v / f(r);
  z.x[1] = r;
  for (int i = 1; i < 255; ++i) z.x[i + 1] = f_inv(v / z.x[i] + f(z.x[i]));
  z.x[256] = 0.0;
  for (int i = 0; i < 256; ++i) z.f[i] = f(z.x[i]);
  z.f[256] = 1.0;
  return z;
}

// r and v (common layer area) solved to 25 digits with mpmath for 256 layers.
inline constexpr Ziggurat kExpZiggurat =
    make_ziggurat(7.697117470131049714044628, 0.003949659822581557219977572, exp_density, exp_density_inverse);

inline constexpr Ziggurat kNormalZiggurat =
    make_ziggurat(3.65415288536100877164543, 0.004928673233974655347361775, normal_density, normal_density_inverse);

// Rare paths of the ziggurats (wedges and tails), kept out of line so the
// inline fast path stays small. Return true and set `out` on acceptance.
bool exponential_slow(Rng& rng, unsigned layer, double x, double& out);
bool normal_slow(Rng& rng, unsigned layer, double x, double& out);

[[noreturn]] void throw_distribution_error(std::string_view distribution, const std::string& what);
std::string format_number(double v);

}  // namespace detail

/// Standard exponential (rate 1) by ziggurat; ~99% of draws take one
/// generator call, a multiply and a compare. Not thread-safe (uses rng).
[[gnu::always_inline]] inline double standard_exponential(Rng& rng) {
  const auto& z = detail::kExpZiggurat;
  for (;;) {
    // Layer from the low 8 bits, position from the top 53: disjoint bits.
    const std::uint64_t bits = rng();
    const auto i = static_cast<unsigned>(bits & 0xffU);
    const double x = static_cast<double>(bits >> 11) * 0x1.0p-53 * z.x[i];
    if (x < z.x[i + 1]) [[likely]]
      return x;
    double out = 0.0;
    if (detail::exponential_slow(rng, i, x, out)) return out;
  }
}

/// Standard normal (mean 0, sd 1) by ziggurat. Not thread-safe (uses rng).
inline double standard_normal(Rng& rng) {
  const auto& z = detail::kNormalZiggurat;
  for (;;) {
    // Layer: bits 0-7, sign: bit 8, position: bits 11-63.
    const std::uint64_t bits = rng();
    const auto i = static_cast<unsigned>(bits & 0xffU);
    const double x = static_cast<double>(bits >> 11) * 0x1.0p-53 * z.x[i];
    double out = x;
    if (!(x < z.x[i + 1]) && !detail::normal_slow(rng, i, x, out)) [[unlikely]]
      continue;
    // Flip the sign bit directly: a branch on a random bit mispredicts half the time.
    return std::bit_cast<double>(std::bit_cast<std::uint64_t>(out) ^ ((bits & 0x100U) << 55));
  }
}

// ---------------------------------------------------------------------------
// Distributions: immutable value types. Constructors validate and throw
// DistributionError; sampling is const and thread-safe as long as each thread
// uses its own Rng. mean()/variance() are the exact closed forms.

/// A constant; handy where a scenario wants no randomness.
class Fixed {
 public:
  static constexpr std::string_view name = "fixed";
  explicit Fixed(double value);
  double operator()(Rng&) const noexcept { return value_; }
  double mean() const noexcept { return value_; }
  double variance() const noexcept { return 0.0; }
  double value() const noexcept { return value_; }

 private:
  double value_;
};

/// Continuous uniform on [a, b), a < b (b itself only through rounding of
/// a + (b - a) * u).
class Uniform {
 public:
  static constexpr std::string_view name = "uniform";
  Uniform(double a, double b);
  double operator()(Rng& rng) const noexcept { return a_ + width_ * rng.uniform01(); }
  double mean() const noexcept { return a_ + 0.5 * width_; }
  double variance() const noexcept { return width_ * width_ / 12.0; }
  double a() const noexcept { return a_; }
  double b() const noexcept { return a_ + width_; }

 private:
  double a_;
  double width_;
};

/// Exponential with the given rate (events per unit time); mean 1/rate.
class Exponential {
 public:
  static constexpr std::string_view name = "exponential";
  explicit Exponential(double rate);
  double operator()(Rng& rng) const { return standard_exponential(rng) * mean_; }
  double mean() const noexcept { return mean_; }
  double variance() const noexcept { return mean_ * mean_; }
  double rate() const noexcept { return rate_; }

 private:
  double rate_;
  double mean_;
};

/// Normal with mean mu and standard deviation sigma > 0.
class Normal {
 public:
  static constexpr std::string_view name = "normal";
  Normal(double mu, double sigma);
  double operator()(Rng& rng) const { return mu_ + sigma_ * standard_normal(rng); }
  double mean() const noexcept { return mu_; }
  double variance() const noexcept { return sigma_ * sigma_; }
  double mu() const noexcept { return mu_; }
  double sigma() const noexcept { return sigma_; }

 private:
  double mu_;
  double sigma_;
};

/// exp(N(mu, sigma)): mu and sigma are those of the underlying normal.
class LogNormal {
 public:
  static constexpr std::string_view name = "lognormal";
  LogNormal(double mu, double sigma);
  /// The log-normal with the given mean > 0 and standard deviation sd > 0.
  static LogNormal from_mean_sd(double mean, double sd);
  double operator()(Rng& rng) const;
  double mean() const noexcept;
  double variance() const noexcept;
  double mu() const noexcept { return mu_; }
  double sigma() const noexcept { return sigma_; }

 private:
  double mu_;
  double sigma_;
};

/// Gamma with shape k > 0 and scale theta > 0 (mean k*theta).
/// Marsaglia & Tsang (2000); shape < 1 via Gamma(k+1) * U^(1/k).
class Gamma {
 public:
  static constexpr std::string_view name = "gamma";
  Gamma(double shape, double scale);
  double operator()(Rng& rng) const;
  double mean() const noexcept { return shape_ * scale_; }
  double variance() const noexcept { return shape_ * scale_ * scale_; }
  double shape() const noexcept { return shape_; }
  double scale() const noexcept { return scale_; }

 private:
  double shape_;
  double scale_;
  double d_;  // Marsaglia-Tsang constants for shape' = shape (or shape + 1 if < 1)
  double c_;
};

/// Weibull with shape k > 0 and scale lambda > 0, by inversion.
class Weibull {
 public:
  static constexpr std::string_view name = "weibull";
  Weibull(double shape, double scale);
  double operator()(Rng& rng) const;
  double mean() const noexcept;
  double variance() const noexcept;
  double shape() const noexcept { return shape_; }
  double scale() const noexcept { return scale_; }

 private:
  double shape_;
  double scale_;
};

/// Triangular on [min, max] with the given mode; min <= mode <= max, min < max.
class Triangular {
 public:
  static constexpr std::string_view name = "triangular";
  Triangular(double min, double mode, double max);
  double operator()(Rng& rng) const;
  double mean() const noexcept { return (min_ + mode_ + max_) / 3.0; }
  double variance() const noexcept;
  double min() const noexcept { return min_; }
  double mode() const noexcept { return mode_; }
  double max() const noexcept { return max_; }

 private:
  double min_;
  double mode_;
  double max_;
  double split_;  // CDF at the mode
};

/// PERT: a beta on [min, max] with alpha = 1 + lambda (mode-min)/(max-min),
/// beta = 1 + lambda (max-mode)/(max-min); lambda > 0 (classic PERT: 4).
///
/// Sampled exactly, by rejection from a table of 64 strips of equal width
/// over [0, 1], made once per distribution (and shared by its copies).
/// Because alpha and beta are at least 1, the beta density is bounded and
/// log-concave: on each strip its largest value (at the mode, or at an end)
/// bounds it from above and its smallest (at an end) from below. A draw
/// picks a strip in proportion to its upper bound (an alias table), a point
/// in it and a height under the bound; it keeps the point when the height
/// is under the strip's lower bound (most draws: three random numbers, no
/// function call) and otherwise when it is under the density there. Two
/// gamma variates per draw, the textbook way, cost about four times as much.
class BetaPert {
 public:
  static constexpr std::string_view name = "beta_pert";
  static constexpr unsigned kStrips = 64;
  BetaPert(double min, double mode, double max, double lambda = 4.0);
  double operator()(Rng& rng) const {
    const Table& t = *table_;
    Rng g = rng;  // a local copy stays in registers across the draws
    for (;;) {
      // Strip: its alias-table slot from the low 6 bits, the slot's choice
      // from the top 53 (disjoint bits).
      const std::uint64_t bits = g();
      const auto slot = static_cast<unsigned>(bits & (kStrips - 1));
      const double u = static_cast<double>(bits >> 11) * 0x1.0p-53;
      const Table::Strip& at = t.strips[slot];
      // The slot or its alias, chosen without a branch: which one is a coin
      // toss for the slots that share their strip, and a mispredicted
      // branch cost more than the rest of the draw. The slot keeps its
      // alias's bounds too, so the draw reads one cache line.
      const auto side = static_cast<unsigned>(!(u < at.keep));  // 1: the alias
      const unsigned strip = slot ^ ((slot ^ at.alias) & -side);
      const double x = (static_cast<double>(strip) + g.uniform01()) * (1.0 / kStrips);
      const double y = g.uniform01() * at.upper[side];
      if (y < at.lower[side] || y < density(x)) {
        rng = g;
        return min_ + (max_ - min_) * x;
      }
    }
  }
  double mean() const noexcept;
  double variance() const noexcept;
  double min() const noexcept { return min_; }
  double mode() const noexcept { return mode_; }
  double max() const noexcept { return max_; }
  double lambda() const noexcept { return lambda_; }
  double alpha() const noexcept { return alpha_; }
  double beta() const noexcept { return beta_; }

  /// The beta density on [0, 1] up to a constant factor, x^(alpha-1)
  /// (1-x)^(beta-1), as the sampler computes it.
  double density(double x) const noexcept;
  /// Strip `j`'s bounds of `density` from above and below (for tests).
  double upper_bound(unsigned j) const noexcept { return table_->strips[j].upper[0]; }
  double lower_bound(unsigned j) const noexcept { return table_->strips[j].lower[0]; }

 private:
  // Slot j's numbers in one cache line: its alias-table choice, and the
  // density bounds of the strip it stands for and of its alias, so a draw
  // reads one line whichever it takes (a model keeps dozens of these
  // tables, too many for all of them to stay in L1).
  struct Table {  // every element set by make_table
    struct alignas(64) Strip {
      double keep;      // alias table: keep slot j with this probability
      double upper[2];  // density bounds on strip j [0] and on strip alias [1]
      double lower[2];
      std::uint8_t alias;  // ... else take strip alias
    };
    std::array<Strip, kStrips> strips;
  };
  static std::shared_ptr<const Table> make_table(const BetaPert& d);

  double min_;
  double mode_;
  double max_;
  double lambda_;
  double alpha_;
  double beta_;
  std::shared_ptr<const Table> table_;
};

/// 1.0 with probability p, else 0.0; 0 <= p <= 1.
class Bernoulli {
 public:
  static constexpr std::string_view name = "bernoulli";
  explicit Bernoulli(double p);
  bool draw(Rng& rng) const noexcept { return rng.uniform01() < p_; }
  double operator()(Rng& rng) const noexcept { return draw(rng) ? 1.0 : 0.0; }
  double mean() const noexcept { return p_; }
  double variance() const noexcept { return p_ * (1.0 - p_); }
  double p() const noexcept { return p_; }

 private:
  double p_;
};

/// values[i] with probability weights[i] / sum(weights), by a Walker/Vose
/// alias table: O(1) per draw. Construction is deterministic (same weights,
/// same table, same draws on every platform).
class Discrete {
 public:
  static constexpr std::string_view name = "discrete";
  Discrete(std::vector<double> values, std::vector<double> weights);
  double operator()(Rng& rng) const {
    const std::uint64_t i = rng.below(values_.size());
    return rng.uniform01() < prob_[i] ? values_[i] : values_[alias_[i]];
  }
  double mean() const noexcept { return mean_; }
  double variance() const noexcept { return variance_; }
  const std::vector<double>& values() const noexcept { return values_; }
  /// Normalised probabilities, same order as values().
  const std::vector<double>& probabilities() const noexcept { return p_; }

 private:
  std::vector<double> values_;
  std::vector<double> p_;
  std::vector<double> prob_;        // alias table: keep i with this probability
  std::vector<std::size_t> alias_;  // ... else take alias_[i]
  double mean_;
  double variance_;
};

/// One of the observations, each equally likely (bootstrap resampling).
/// mean()/variance() are those of the observations as a population.
class Empirical {
 public:
  static constexpr std::string_view name = "empirical";
  explicit Empirical(std::vector<double> observations);
  double operator()(Rng& rng) const { return obs_[rng.below(obs_.size())]; }
  double mean() const noexcept { return mean_; }
  double variance() const noexcept { return variance_; }
  const std::vector<double>& observations() const noexcept { return obs_; }

 private:
  std::vector<double> obs_;
  double mean_;
  double variance_;
};

/// Any of the distributions, for scenario files and configuration.
using AnyDistribution = std::variant<Fixed, Uniform, Exponential, Normal, LogNormal, Gamma, Weibull, Triangular,
                                     BetaPert, Bernoulli, Discrete, Empirical>;

/// One draw from d. Thread-safe as long as rng is not shared.
double sample(const AnyDistribution& d, Rng& rng);
/// Exact mean of d.
double mean(const AnyDistribution& d);
/// Exact variance of d.
double variance(const AnyDistribution& d);
/// The distribution's name, e.g. "exponential".
std::string_view name(const AnyDistribution& d);

}  // namespace wsic::sim
