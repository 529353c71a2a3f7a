#include "wsic/experiment/sobol.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <vector>

#include "wsic/sim/error.hpp"
#include "wsic/sim/random.hpp"

using namespace wsic;
using experiment::saltelli_rows;
using experiment::saltelli_sample;
using experiment::sobol_analyze;
using experiment::SobolIndices;
using experiment::SobolOptions;

namespace {

constexpr double kPi = std::numbers::pi;

// Ishigami: f = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i uniform on [-pi, pi].
constexpr double kA = 7.0, kB = 0.1;

double ishigami(const double* u) {
  const double x1 = -kPi + 2 * kPi * u[0], x2 = -kPi + 2 * kPi * u[1], x3 = -kPi + 2 * kPi * u[2];
  return std::sin(x1) + kA * std::sin(x2) * std::sin(x2) + kB * std::pow(x3, 4) * std::sin(x1);
}

// Its variance decomposition in closed form (E x^4 = pi^4/5, E x^8 = pi^8/9
// for x uniform on [-pi, pi]; E sin^2 = 1/2, E sin^4 = 3/8):
//   V1  = Var_x1 E[f | x1] = 0.5 (1 + b pi^4/5)^2
//   V2  = a^2 Var(sin^2 x2) = a^2 (3/8 - 1/4) = a^2/8
//   V3  = 0
//   V13 = b^2 pi^8 (1/18 - 1/50) (the x1-x3 interaction: b^2 Var(x3^4) / 2)
//   V   = V1 + V2 + V13 = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2
// so S1 = (V1, V2, 0)/V ~ (0.3139, 0.4424, 0), ST = (V1 + V13, V2, V13)/V ~
// (0.5576, 0.4424, 0.2437) and S2_13 = V13/V ~ 0.2437, S2_12 = S2_23 = 0.
struct IshigamiExact {
  double v1 = 0.5 * std::pow(1 + kB * std::pow(kPi, 4) / 5, 2);
  double v2 = kA * kA / 8;
  double v13 = kB * kB * std::pow(kPi, 8) * (1.0 / 18 - 1.0 / 50);
  double v = kA * kA / 8 + kB * std::pow(kPi, 4) / 5 + kB * kB * std::pow(kPi, 8) / 18 + 0.5;
  std::vector<double> s1{v1 / v, v2 / v, 0.0};
  std::vector<double> st{(v1 + v13) / v, v2 / v, v13 / v};
  double s13 = v13 / v;
};

std::vector<double> evaluate(const std::vector<double>& x, std::size_t d, double (*f)(const double*)) {
  std::vector<double> y(x.size() / d);
  for (std::size_t r = 0; r < y.size(); ++r) y[r] = f(&x[r * d]);
  return y;
}

// Standardised outputs and the spread of the per-row terms of the S1 and ST
// estimators: their standard error (std / sqrt n, on Y standardised, V ~ 1)
// is what the bootstrap std should come to.
struct TermErrors {
  std::vector<double> s1, st;
};
TermErrors term_errors(const std::vector<double>& y, std::size_t d, std::size_t step) {
  double mean = 0, sq = 0;
  for (double v : y) mean += v;
  mean /= static_cast<double>(y.size());
  for (double v : y) sq += (v - mean) * (v - mean);
  const double sd = std::sqrt(sq / static_cast<double>(y.size()));
  const std::size_t n = y.size() / step;
  TermErrors out;
  for (std::size_t i = 0; i < d; ++i) {
    double m1 = 0, q1 = 0, mt = 0, qt = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const double a = (y[j * step] - mean) / sd, b = (y[j * step + step - 1] - mean) / sd;
      const double ab = (y[j * step + 1 + i] - mean) / sd;
      const double t1 = b * (ab - a), tt = 0.5 * (a - ab) * (a - ab);
      m1 += t1;
      q1 += t1 * t1;
      mt += tt;
      qt += tt * tt;
    }
    const double nn = static_cast<double>(n);
    m1 /= nn;
    mt /= nn;
    out.s1.push_back(std::sqrt((q1 / nn - m1 * m1) / nn));
    out.st.push_back(std::sqrt((qt / nn - mt * mt) / nn));
  }
  return out;
}

// SALib's sobol_sequence.sample(N, D) (SALib 1.4), ported line for line, for
// up to six dimensions. Direction numbers typed from Joe & Kuo's
// new-joe-kuo-6.21201, independently of Boost's table:
//   d  s  a  m_i
//   2  1  0  1
//   3  2  1  1 3
//   4  3  1  1 3 1
//   5  3  2  1 1 1
//   6  4  1  1 1 3 3
std::vector<std::vector<double>> salib_sobol_sequence(std::size_t N, std::size_t D) {
  struct Dir {
    unsigned s, a;
    std::vector<std::uint64_t> m;  // m[1..s]
  };
  const std::vector<Dir> dirs{
      {1, 0, {0, 1}}, {2, 1, {0, 1, 3}}, {3, 1, {0, 1, 3, 1}}, {3, 2, {0, 1, 1, 1}}, {4, 1, {0, 1, 1, 3, 3}}};
  constexpr unsigned scale = 31;
  std::vector<std::vector<double>> result(N, std::vector<double>(D, 0.0));
  const auto L = static_cast<unsigned>(std::ceil(std::log(static_cast<double>(N)) / std::log(2.0)));
  const auto lszb = [](std::uint64_t value) {  // index_of_least_significant_zero_bit
    unsigned index = 1;
    while ((value & 1) != 0) {
      value >>= 1;
      ++index;
    }
    return index;
  };
  for (std::size_t i = 0; i < D; ++i) {
    std::vector<std::uint64_t> V(L + 1, 0);
    if (i == 0) {
      for (unsigned j = 1; j <= L; ++j) V[j] = std::uint64_t{1} << (scale - j);
    } else {
      const Dir& m = dirs[i - 1];
      const unsigned s = m.s;
      for (unsigned j = 1; j <= std::min(L, s); ++j) V[j] = m.m[j] << (scale - j);
      for (unsigned j = s + 1; j <= L; ++j) {
        V[j] = V[j - s] ^ (V[j - s] >> s);
        for (unsigned k = 1; k < s; ++k) V[j] ^= ((m.a >> (s - 1 - k)) & 1) * V[j - k];
      }
    }
    std::uint64_t X = 0;
    for (std::size_t j = 1; j < N; ++j) {
      X ^= V[lszb(j - 1)];
      result[j][i] = static_cast<double>(X) / std::pow(2.0, scale);
    }
  }
  return result;
}

// SALib.analyze.sobol.analyze as its numpy code reads (SALib 1.4): Y
// standardised, A/B/AB/BA sliced out by the step, each estimator a function
// of whole columns, the intervals Z * std(ddof=1) over the resamples. Only
// the resampled rows differ from SALib's: drawn as sobol.hpp documents
// (sim::Rng(seed, resample, "sobol.bootstrap").below(n)) instead of numpy's.
using Column = std::vector<double>;
double mean_of(const Column& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}
double var_of(const Column& v, double ddof = 0) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / (static_cast<double>(v.size()) - ddof);
}
Column r_(const Column& a, const Column& b) {  // np.r_[a, b]
  Column out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}
double first_order(const Column& A, const Column& AB, const Column& B) {
  Column t(A.size());
  for (std::size_t j = 0; j < A.size(); ++j) t[j] = B[j] * (AB[j] - A[j]);
  return mean_of(t) / var_of(r_(A, B));
}
double total_order(const Column& A, const Column& AB, const Column& B) {
  Column t(A.size());
  for (std::size_t j = 0; j < A.size(); ++j) t[j] = (A[j] - AB[j]) * (A[j] - AB[j]);
  return 0.5 * mean_of(t) / var_of(r_(A, B));
}
double second_order(const Column& A, const Column& ABj, const Column& ABk, const Column& BAj, const Column& B) {
  Column t(A.size());
  for (std::size_t j = 0; j < A.size(); ++j) t[j] = BAj[j] * ABk[j] - A[j] * B[j];
  return mean_of(t) / var_of(r_(A, B)) - first_order(A, ABj, B) - first_order(A, ABk, B);
}
// With the resamples' base rows given (r[b] the rows of resample b).
SobolIndices salib_analyze_rows(std::size_t D, Column Y, bool second, const std::vector<std::vector<std::size_t>>& r,
                                double Z) {
  const std::size_t step = second ? 2 * D + 2 : D + 2, N = Y.size() / step, R = r.size();
  const double m = mean_of(Y), sd = std::sqrt(var_of(Y));
  for (double& v : Y) v = (v - m) / sd;
  Column A(N), B(N);
  std::vector<Column> AB(D, Column(N)), BA(D, Column(N));
  for (std::size_t j = 0; j < N; ++j) {
    A[j] = Y[j * step];
    B[j] = Y[j * step + step - 1];
    for (std::size_t i = 0; i < D; ++i) {
      AB[i][j] = Y[j * step + 1 + i];
      if (second) BA[i][j] = Y[j * step + 1 + D + i];
    }
  }
  const auto at = [](const Column& c, const std::vector<std::size_t>& idx) {  // c[r[:, b]]
    Column out(idx.size());
    for (std::size_t j = 0; j < idx.size(); ++j) out[j] = c[idx[j]];
    return out;
  };
  const auto conf = [&](auto estimator) {
    Column e(R);
    for (std::size_t b = 0; b < R; ++b) e[b] = estimator(r[b]);
    return Z * std::sqrt(var_of(e, 1));
  };
  SobolIndices S;
  for (std::size_t j = 0; j < D; ++j) {
    S.S1.push_back(first_order(A, AB[j], B));
    S.S1_conf.push_back(conf([&](const auto& k) { return first_order(at(A, k), at(AB[j], k), at(B, k)); }));
    S.ST.push_back(total_order(A, AB[j], B));
    S.ST_conf.push_back(conf([&](const auto& k) { return total_order(at(A, k), at(AB[j], k), at(B, k)); }));
  }
  if (second) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    S.S2.assign(D, Column(D, nan));
    S.S2_conf.assign(D, Column(D, nan));
    for (std::size_t j = 0; j < D; ++j) {
      for (std::size_t k = j + 1; k < D; ++k) {
        S.S2[j][k] = second_order(A, AB[j], AB[k], BA[j], B);
        S.S2_conf[j][k] = conf(
            [&](const auto& q) { return second_order(at(A, q), at(AB[j], q), at(AB[k], q), at(BA[j], q), at(B, q)); });
      }
    }
  }
  return S;
}

SobolIndices salib_analyze(std::size_t D, const Column& Y, bool second, std::size_t R, double Z, std::uint64_t seed) {
  const std::size_t N = Y.size() / (second ? 2 * D + 2 : D + 2);
  std::vector<std::vector<std::size_t>> r(R, std::vector<std::size_t>(N));
  for (std::size_t b = 0; b < R; ++b) {
    sim::Rng rng(seed, b, sim::stream_id("sobol.bootstrap"));
    for (auto& k : r[b]) k = rng.below(N);
  }
  return salib_analyze_rows(D, Y, second, r, Z);
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

bool identical(const SobolIndices& x, const SobolIndices& y) {
  const auto eq = [](const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  };
  if (!eq(x.S1, y.S1) || !eq(x.S1_conf, y.S1_conf) || !eq(x.ST, y.ST) || !eq(x.ST_conf, y.ST_conf)) return false;
  if (x.S2.size() != y.S2.size() || x.S2_conf.size() != y.S2_conf.size()) return false;
  for (std::size_t j = 0; j < x.S2.size(); ++j)
    if (!eq(x.S2[j], y.S2[j]) || !eq(x.S2_conf[j], y.S2_conf[j])) return false;
  return true;
}

}  // namespace

TEST_CASE("Sobol.SampleLayout", "[experiment][sobol]") {
  for (const bool second : {false, true}) {
    const std::size_t n = 8, d = 3;
    const std::size_t step = second ? 2 * d + 2 : d + 2;
    const std::vector<double> x = saltelli_sample(n, d, second);
    REQUIRE(saltelli_rows(n, d, second) == n * step);
    REQUIRE(x.size() == n * step * d);
    for (const double v : x) {
      REQUIRE(v >= 0.0);
      REQUIRE(v < 1.0);
    }
    for (std::size_t j = 0; j < n; ++j) {
      const double* A = &x[(j * step) * d];
      const double* B = &x[(j * step + step - 1) * d];
      bool differ = false;
      for (std::size_t c = 0; c < d; ++c) differ = differ || A[c] != B[c];
      REQUIRE(differ);
      if (j > 0) REQUIRE(A[0] != x[((j - 1) * step) * d]);  // a new base row
      for (std::size_t i = 0; i < d; ++i) {
        const double* AB = &x[(j * step + 1 + i) * d];
        for (std::size_t c = 0; c < d; ++c) REQUIRE(AB[c] == (c == i ? B[c] : A[c]));
        if (second) {
          const double* BA = &x[(j * step + 1 + d + i) * d];
          for (std::size_t c = 0; c < d; ++c) REQUIRE(BA[c] == (c == i ? A[c] : B[c]));
        }
      }
    }
  }
  CHECK(experiment::saltelli_skip(1) == 16);
  CHECK(experiment::saltelli_skip(16) == 16);
  CHECK(experiment::saltelli_skip(17) == 32);
  CHECK(experiment::saltelli_skip(1024) == 1024);
  CHECK(experiment::saltelli_skip(1025) == 2048);
}

TEST_CASE("Sobol.SampleIsSalibs", "[experiment][sobol]") {
  // The port of SALib's generator gives Joe & Kuo's published first points...
  const auto first = salib_sobol_sequence(10, 3);
  const std::vector<std::vector<double>> published{{0, 0, 0},
                                                   {0.5, 0.5, 0.5},
                                                   {0.75, 0.25, 0.25},
                                                   {0.25, 0.75, 0.75},
                                                   {0.375, 0.375, 0.625},
                                                   {0.875, 0.875, 0.125},
                                                   {0.625, 0.125, 0.875},
                                                   {0.125, 0.625, 0.375},
                                                   {0.1875, 0.3125, 0.9375},
                                                   {0.6875, 0.8125, 0.4375}};
  CHECK(first == published);
  // ... and saltelli.sample's rows (skip 16 for n = 8, 32 for n = 20),
  // bit for bit: base row j is point skip + j, A its first d coordinates.
  for (const std::size_t n : {std::size_t{8}, std::size_t{20}}) {
    const std::size_t d = 3, step = 2 * d + 2, skip = experiment::saltelli_skip(n);
    const auto seq = salib_sobol_sequence(n + skip, 2 * d);
    const std::vector<double> x = saltelli_sample(n, d, true);
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t c = 0; c < d; ++c) {
        INFO("n " << n << ", base row " << j << ", column " << c);
        REQUIRE(x[(j * step) * d + c] == seq[skip + j][c]);
        REQUIRE(x[(j * step + step - 1) * d + c] == seq[skip + j][d + c]);
      }
    }
  }
}

TEST_CASE("Sobol.MatchesSalibsAnalysis", "[experiment][sobol]") {
  // An output with a large mean and unequal parts, so standardising, the
  // variance of [A; B] and the interactions all matter.
  const auto model = [](const double* u) { return 50.0 + std::exp(2 * u[0]) + 3 * u[1] * u[2] + u[2] * u[2]; };
  for (const bool second : {false, true}) {
    const std::size_t n = 64, d = 3;
    const std::vector<double> y = evaluate(saltelli_sample(n, d, second), d, model);
    SobolOptions opt;
    opt.second_order = second;
    opt.resamples = 50;
    opt.seed = 3;
    const SobolIndices got = sobol_analyze(d, y, opt);
    const SobolIndices want = salib_analyze(d, y, second, 50, 1.959963984540054, 3);
    const auto close = [](double a, double b) { return std::abs(a - b) <= 1e-10 * std::max(1.0, std::abs(b)); };
    for (std::size_t i = 0; i < d; ++i) {
      INFO("second order " << second << ", parameter " << i + 1 << ": S1 " << got.S1[i] << " vs " << want.S1[i]
                           << ", conf " << got.S1_conf[i] << " vs " << want.S1_conf[i] << "; ST " << got.ST[i] << " vs "
                           << want.ST[i] << ", conf " << got.ST_conf[i] << " vs " << want.ST_conf[i]);
      CHECK(close(got.S1[i], want.S1[i]));
      CHECK(close(got.S1_conf[i], want.S1_conf[i]));
      CHECK(close(got.ST[i], want.ST[i]));
      CHECK(close(got.ST_conf[i], want.ST_conf[i]));
    }
    REQUIRE(got.S2.size() == want.S2.size());
    for (std::size_t j = 0; j < got.S2.size(); ++j) {
      for (std::size_t k = j + 1; k < d; ++k) {
        INFO("S2 " << j + 1 << k + 1 << ": " << got.S2[j][k] << " vs " << want.S2[j][k] << ", conf "
                   << got.S2_conf[j][k] << " vs " << want.S2_conf[j][k]);
        CHECK(close(got.S2[j][k], want.S2[j][k]));
        CHECK(close(got.S2_conf[j][k], want.S2_conf[j][k]));
      }
    }
  }
}

TEST_CASE("Sobol.Ishigami", "[experiment][sobol]") {
  const IshigamiExact ex;
  const std::size_t n = std::size_t{1} << 14, d = 3;
  const std::vector<double> y = evaluate(saltelli_sample(n, d, true), d, ishigami);
  SobolOptions opt;
  opt.second_order = true;
  opt.seed = 11;
  const SobolIndices s = sobol_analyze(d, y, opt);
  const TermErrors se = term_errors(y, d, 2 * d + 2);
  const double z = experiment::normal_quantile(0.975);
  for (std::size_t i = 0; i < d; ++i) {
    INFO("parameter " << i + 1 << ": S1 " << s.S1[i] << " +- " << s.S1_conf[i] << " (exact " << ex.s1[i] << "), ST "
                      << s.ST[i] << " +- " << s.ST_conf[i] << " (exact " << ex.st[i] << "); term errors " << se.s1[i]
                      << ", " << se.st[i]);
    CHECK(std::abs(s.S1[i] - ex.s1[i]) < 0.01);
    CHECK(std::abs(s.ST[i] - ex.st[i]) < 0.01);
    // The intervals are of the right size: the estimates sit within three
    // bootstrap standard deviations, which are close to the estimators'
    // standard errors from the spread of their per-row terms.
    CHECK(std::abs(s.S1[i] - ex.s1[i]) <= 3 * s.S1_conf[i] / z);
    CHECK(std::abs(s.ST[i] - ex.st[i]) <= 3 * s.ST_conf[i] / z);
    CHECK(s.S1_conf[i] / z > 0.5 * se.s1[i]);
    CHECK(s.S1_conf[i] / z < 2.0 * se.s1[i]);
    CHECK(s.ST_conf[i] / z > 0.5 * se.st[i]);
    CHECK(s.ST_conf[i] / z < 2.0 * se.st[i]);
  }
  REQUIRE(s.S2.size() == d);
  INFO("S2 12 " << s.S2[0][1] << " +- " << s.S2_conf[0][1] << ", 13 " << s.S2[0][2] << " +- " << s.S2_conf[0][2]
                << ", 23 " << s.S2[1][2] << " +- " << s.S2_conf[1][2]);
  CHECK(std::abs(s.S2[0][2] - ex.s13) < 0.01);
  CHECK(std::abs(s.S2[0][1]) < 0.01);
  CHECK(std::abs(s.S2[1][2]) < 0.01);
  for (std::size_t j = 0; j < d; ++j) {
    for (std::size_t k = 0; k < d; ++k) {
      if (j < k) {
        CHECK(s.S2_conf[j][k] > 0.0);
        CHECK(s.S2_conf[j][k] < 0.1);
      } else {
        CHECK(std::isnan(s.S2[j][k]));
        CHECK(std::isnan(s.S2_conf[j][k]));
      }
    }
  }
}

TEST_CASE("Sobol.LinearModel", "[experiment][sobol]") {
  // y = sum a_i x_i with independent uniforms: no interactions, so
  // S1_i = ST_i = a_i^2 / sum a^2.
  static constexpr double a[] = {1.0, 2.0, 3.0, 0.5};
  const std::size_t n = 4096, d = 4;
  const std::vector<double> y = evaluate(saltelli_sample(n, d, false), d, [](const double* u) {
    double s = 0;
    for (std::size_t i = 0; i < 4; ++i) s += a[i] * u[i];
    return s;
  });
  const SobolIndices s = sobol_analyze(d, y, {});
  CHECK(s.S2.empty());
  CHECK(s.S2_conf.empty());
  const double z = experiment::normal_quantile(0.975);
  double sum_sq = 0;
  for (const double v : a) sum_sq += v * v;
  for (std::size_t i = 0; i < d; ++i) {
    const double exact = a[i] * a[i] / sum_sq;
    INFO("parameter " << i + 1 << ": S1 " << s.S1[i] << " +- " << s.S1_conf[i] << ", ST " << s.ST[i] << " +- "
                      << s.ST_conf[i] << ", exact " << exact);
    CHECK(s.S1_conf[i] > 0.0);
    CHECK(s.ST_conf[i] > 0.0);
    CHECK(std::abs(s.S1[i] - exact) <= 3 * s.S1_conf[i] / z);
    CHECK(std::abs(s.ST[i] - exact) <= 3 * s.ST_conf[i] / z);
    CHECK(std::abs(s.S1[i] - exact) < 0.02);
    CHECK(std::abs(s.ST[i] - exact) < 0.02);
  }
}

TEST_CASE("Sobol.BootstrapIsDeterministic", "[experiment][sobol]") {
  const std::size_t n = 512, d = 3;
  const std::vector<double> y = evaluate(saltelli_sample(n, d, true), d, ishigami);
  SobolOptions opt;
  opt.second_order = true;
  opt.seed = 5;
  const SobolIndices a = sobol_analyze(d, y, opt);
  CHECK(identical(a, sobol_analyze(d, y, opt)));
  opt.seed = 6;
  const SobolIndices b = sobol_analyze(d, y, opt);
  CHECK_FALSE(identical(a, b));
  for (std::size_t i = 0; i < d; ++i) {
    CHECK(a.S1[i] == b.S1[i]);  // the estimates do not depend on the seed
    CHECK(a.ST[i] == b.ST[i]);
    CHECK(a.S1_conf[i] != b.S1_conf[i]);
    CHECK(a.ST_conf[i] != b.ST_conf[i]);
  }
  CHECK(a.S2[0][2] == b.S2[0][2]);
  CHECK(a.S2_conf[0][2] != b.S2_conf[0][2]);
  // The confidence level only scales the intervals, by the normal quantile.
  opt.seed = 5;
  opt.confidence = 0.99;
  const SobolIndices c = sobol_analyze(d, y, opt);
  const double ratio = experiment::normal_quantile(0.995) / experiment::normal_quantile(0.975);
  for (std::size_t i = 0; i < d; ++i) CHECK(c.S1_conf[i] == Approx(a.S1_conf[i] * ratio).epsilon(1e-12));
  // Fewer than two resamples: no intervals.
  opt.resamples = 1;
  const SobolIndices e = sobol_analyze(d, y, opt);
  CHECK(e.S1[0] == a.S1[0]);
  CHECK(std::isnan(e.S1_conf[0]));
  CHECK(std::isnan(e.ST_conf[0]));
}

TEST_CASE("Sobol.NormalQuantile", "[experiment][sobol]") {
  CHECK(experiment::normal_quantile(0.975) == Approx(1.959963984540054).epsilon(1e-14));
  CHECK(experiment::normal_quantile(0.995) == Approx(2.5758293035489004).epsilon(1e-14));
  CHECK(experiment::normal_quantile(0.5) == Approx(0.0).margin(1e-15));
  CHECK(experiment::normal_quantile(0.15865525393145707) == Approx(-1.0).epsilon(1e-12));
  CHECK_THROWS_AS(experiment::normal_quantile(0.0), Error);
  CHECK_THROWS_AS(experiment::normal_quantile(1.0), Error);
}

TEST_CASE("Sobol.ConstantOutputIsNaN", "[experiment][sobol]") {
  const std::size_t n = 16, d = 2;
  const std::vector<double> y(saltelli_rows(n, d, true), 0.4);
  SobolOptions opt;
  opt.second_order = true;
  const SobolIndices s = sobol_analyze(d, y, opt);
  REQUIRE(s.S1.size() == d);
  REQUIRE(s.S2.size() == d);
  for (std::size_t i = 0; i < d; ++i) {
    CHECK(std::isnan(s.S1[i]));
    CHECK(std::isnan(s.S1_conf[i]));
    CHECK(std::isnan(s.ST[i]));
    CHECK(std::isnan(s.ST_conf[i]));
    for (std::size_t k = 0; k < d; ++k) {
      CHECK(std::isnan(s.S2[i][k]));
      CHECK(std::isnan(s.S2_conf[i][k]));
    }
  }
}

TEST_CASE("Sobol.Errors", "[experiment][sobol]") {
  const std::size_t n = 16, d = 3;
  std::vector<double> y = evaluate(saltelli_sample(n, d, true), d, ishigami);
  SobolOptions opt;
  opt.second_order = true;
  REQUIRE_NOTHROW(sobol_analyze(d, y, opt));
  // Lengths that are not a multiple of the step, or the other order's step.
  CHECK_THROWS_AS(sobol_analyze(d, std::span<const double>(y).first(y.size() - 1), opt), Error);
  CHECK_THROWS_AS(sobol_analyze(d, std::span<const double>(y).first(0), opt), Error);
  opt.second_order = false;
  CHECK_THROWS_AS(sobol_analyze(d, y, opt), Error);  // 16 * 8 outputs, not a multiple of 5
  opt.second_order = true;
  CHECK_THROWS_AS(sobol_analyze(0, y, opt), Error);
  opt.confidence = 1.0;
  CHECK_THROWS_AS(sobol_analyze(d, y, opt), Error);
  opt.confidence = 0.95;
  // Outputs that are not numbers, named by row.
  y[37] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(sobol_analyze(d, y, opt), Catch::Contains("row 37"));
  y[37] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(sobol_analyze(d, y, opt), Catch::Contains("row 37"));
  // Samples that cannot be made.
  CHECK_THROWS_AS(saltelli_sample(0, d, true), Error);
  CHECK_THROWS_AS(saltelli_sample(n, 0, false), Error);
  CHECK_THROWS_AS(saltelli_sample(n, experiment::kSobolMaxParameters + 1, false), Error);
  CHECK_NOTHROW(saltelli_rows(n, experiment::kSobolMaxParameters, true));
  CHECK_THROWS_AS(saltelli_rows(std::numeric_limits<std::size_t>::max() / 4, d, true), Error);
  CHECK_THROWS_AS(saltelli_sample(std::numeric_limits<std::size_t>::max() / 16, d, false), Error);
  CHECK_THROWS_AS(saltelli_rows(0, d, false), Error);
}

namespace {

// The streaming analysis of y, fed one base row's group at a time.
SobolIndices stream_analyze(std::size_t d, const std::vector<double>& y, const SobolOptions& opt) {
  const std::size_t step = opt.second_order ? 2 * d + 2 : d + 2, n = y.size() / step;
  experiment::SobolAccumulator acc(n, d, opt);
  for (std::size_t j = 0; j < n; ++j) acc.add(std::span<const double>(y).subspan(j * step, step));
  REQUIRE(acc.groups() == n);
  return acc.result();
}

// Equal up to rounding: relative 1e-9 on the indices' scale (1).
bool rounding_close(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }

void check_points_equal(const SobolIndices& got, const SobolIndices& want, std::size_t d) {
  for (std::size_t i = 0; i < d; ++i) {
    INFO("parameter " << i + 1 << ": S1 " << got.S1[i] << " vs " << want.S1[i] << ", ST " << got.ST[i] << " vs "
                      << want.ST[i]);
    CHECK(rounding_close(got.S1[i], want.S1[i]));
    CHECK(rounding_close(got.ST[i], want.ST[i]));
  }
  REQUIRE(got.S2.size() == want.S2.size());
  for (std::size_t j = 0; j < want.S2.size(); ++j)
    for (std::size_t k = j + 1; k < d; ++k) {
      INFO("S2 " << j + 1 << k + 1 << ": " << got.S2[j][k] << " vs " << want.S2[j][k]);
      CHECK(rounding_close(got.S2[j][k], want.S2[j][k]));
    }
}

}  // namespace

TEST_CASE("Sobol.StreamingMatchesAnalyze", "[experiment][sobol]") {
  const std::size_t n = std::size_t{1} << 12, d = 3;
  for (const bool second : {true, false}) {
    const std::vector<double> y = evaluate(saltelli_sample(n, d, second), d, ishigami);
    SobolOptions opt;
    opt.second_order = second;
    opt.seed = 17;
    const SobolIndices want = sobol_analyze(d, y, opt);
    const SobolIndices got = stream_analyze(d, y, opt);
    INFO("second order " << second);
    check_points_equal(got, want, d);
    // Both intervals estimate the same bootstrap std from 100 resamples
    // (each ~7% relative sd): within a factor 1.5 is > 5 sd.
    for (std::size_t i = 0; i < d; ++i) {
      INFO("parameter " << i + 1 << ": S1 conf " << got.S1_conf[i] << " vs " << want.S1_conf[i] << ", ST conf "
                        << got.ST_conf[i] << " vs " << want.ST_conf[i]);
      CHECK(got.S1_conf[i] / want.S1_conf[i] < 1.5);
      CHECK(got.S1_conf[i] / want.S1_conf[i] > 1 / 1.5);
      CHECK(got.ST_conf[i] / want.ST_conf[i] < 1.5);
      CHECK(got.ST_conf[i] / want.ST_conf[i] > 1 / 1.5);
    }
    for (std::size_t j = 0; j < want.S2.size(); ++j)
      for (std::size_t k = j + 1; k < d; ++k) {
        INFO("S2 " << j + 1 << k + 1 << " conf " << got.S2_conf[j][k] << " vs " << want.S2_conf[j][k]);
        CHECK(got.S2_conf[j][k] / want.S2_conf[j][k] < 1.5);
        CHECK(got.S2_conf[j][k] / want.S2_conf[j][k] > 1 / 1.5);
      }
  }
}

TEST_CASE("Sobol.StreamingBootstrapIsSalibs", "[experiment][sobol]") {
  // The intervals are SALib's bootstrap on the resamples BootstrapCounts
  // draws (documented: resample b from sim::Rng(seed, b,
  // "sobol.bootstrap.stream")), each centred on the full sample's mean.
  const auto model = [](const double* u) { return 50.0 + std::exp(2 * u[0]) + 3 * u[1] * u[2] + u[2] * u[2]; };
  for (const bool second : {false, true}) {
    const std::size_t n = 200, d = 3, resamples = 40;
    const std::vector<double> y = evaluate(saltelli_sample(n, d, second), d, model);
    SobolOptions opt;
    opt.second_order = second;
    opt.resamples = resamples;
    opt.seed = 21;
    std::vector<std::vector<std::size_t>> rows(resamples);
    for (std::size_t b = 0; b < resamples; ++b) {
      sim::Rng rng(opt.seed, b, sim::stream_id("sobol.bootstrap.stream"));
      experiment::detail::BootstrapCounts counts(n);
      for (std::size_t j = 0; j < n; ++j) rows[b].insert(rows[b].end(), counts.next(rng), j);
    }
    const SobolIndices want = salib_analyze_rows(d, y, second, rows, experiment::normal_quantile(0.975));
    const SobolIndices got = stream_analyze(d, y, opt);
    INFO("second order " << second);
    check_points_equal(got, want, d);
    for (std::size_t i = 0; i < d; ++i) {
      INFO("parameter " << i + 1 << ": S1 conf " << got.S1_conf[i] << " vs " << want.S1_conf[i] << ", ST conf "
                        << got.ST_conf[i] << " vs " << want.ST_conf[i]);
      CHECK(rounding_close(got.S1_conf[i], want.S1_conf[i]));
      CHECK(rounding_close(got.ST_conf[i], want.ST_conf[i]));
    }
    for (std::size_t j = 0; j < want.S2.size(); ++j)
      for (std::size_t k = j + 1; k < d; ++k) CHECK(rounding_close(got.S2_conf[j][k], want.S2_conf[j][k]));
  }
}

TEST_CASE("Sobol.StreamingOffsets", "[experiment][sobol]") {
  const std::size_t n = std::size_t{1} << 12, d = 3;
  const std::vector<double> y = evaluate(saltelli_sample(n, d, true), d, ishigami);
  SobolOptions opt;
  opt.second_order = true;
  const SobolIndices base = stream_analyze(d, y, opt);
  check_points_equal(base, sobol_analyze(d, y, opt), d);
  // Plus 1000 (a day number): the same indices.
  std::vector<double> shifted = y;
  for (double& v : shifted) v += 1000.0;
  check_points_equal(stream_analyze(d, shifted, opt), base, d);
  // Plus 1000 with a spread of hours (2^-10 of Ishigami's, an exact scaling):
  // summing squares without the shift would lose ~1e-5 of V here.
  std::vector<double> small = y;
  for (double& v : small) v = 1000.0 + v * 0x1.0p-10;
  check_points_equal(stream_analyze(d, small, opt), base, d);
}

TEST_CASE("Sobol.StreamingBootstrapIsMultinomial", "[experiment][sobol]") {
  // Binomial draws: the edge cases and the first two moments.
  sim::Rng rng(1, 0, sim::stream_id("test"));
  CHECK(experiment::detail::binomial(rng, 0, 0.3) == 0);
  CHECK(experiment::detail::binomial(rng, 7, 0.0) == 0);
  CHECK(experiment::detail::binomial(rng, 7, 1.0) == 7);
  CHECK_THROWS_AS(experiment::detail::binomial(rng, 7, 1.5), Error);
  for (const auto& [bn, bp] : std::vector<std::pair<std::uint64_t, double>>{
           {1, 0.5}, {10, 0.1}, {3, 0.9}, {1000, 0.001}, {5000, 0.5}, {100000, 0.01}}) {
    const int draws = 20000;
    double s = 0, q = 0;
    for (int i = 0; i < draws; ++i) {
      const auto k = experiment::detail::binomial(rng, bn, bp);
      REQUIRE(k <= bn);
      s += static_cast<double>(k);
      q += static_cast<double>(k) * static_cast<double>(k);
    }
    const double mean = s / draws, var = q / draws - mean * mean;
    const double nn = static_cast<double>(bn), ev = nn * bp * (1 - bp);
    INFO("Binomial(" << bn << ", " << bp << "): mean " << mean << ", variance " << var);
    CHECK(std::abs(mean - nn * bp) < 5 * std::sqrt(ev / draws));
    CHECK(std::abs(var / ev - 1) < 0.1);
  }

  // Row multiplicities of a resample: they sum to n, and each row's is
  // Binomial(n, 1/n): mean 1, variance 1 - 1/n.
  const std::size_t n = 50, resamples = 4000;
  std::vector<double> sum(n, 0.0), sq(n, 0.0);
  for (std::size_t b = 0; b < resamples; ++b) {
    sim::Rng r(9, b, sim::stream_id("sobol.bootstrap.stream"));
    experiment::detail::BootstrapCounts counts(n);
    std::uint64_t total = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const auto c = counts.next(r);
      total += c;
      sum[j] += static_cast<double>(c);
      sq[j] += static_cast<double>(c) * static_cast<double>(c);
    }
    REQUIRE(total == n);
    CHECK_THROWS_AS(counts.next(r), Error);
  }
  const double var = 1.0 - 1.0 / n;
  for (std::size_t j = 0; j < n; ++j) {
    const double mean = sum[j] / resamples, v = sq[j] / resamples - mean * mean;
    INFO("row " << j << ": mean " << mean << ", variance " << v);
    CHECK(std::abs(mean - 1.0) < 5 * std::sqrt(var / resamples));
    CHECK(std::abs(v / var - 1) < 0.2);
  }
}

TEST_CASE("Sobol.StreamingIsDeterministic", "[experiment][sobol]") {
  const std::size_t n = 300, d = 3;
  const std::vector<double> y = evaluate(saltelli_sample(n, d, true), d, ishigami);
  SobolOptions opt;
  opt.second_order = true;
  opt.seed = 5;
  const SobolIndices a = stream_analyze(d, y, opt);
  CHECK(identical(a, stream_analyze(d, y, opt)));
  opt.seed = 6;
  const SobolIndices b = stream_analyze(d, y, opt);
  CHECK_FALSE(identical(a, b));
  CHECK(a.S1[0] == b.S1[0]);
  CHECK(a.S1_conf[0] != b.S1_conf[0]);
  opt.resamples = 1;
  const SobolIndices c = stream_analyze(d, y, opt);
  CHECK(c.S1[0] == a.S1[0]);
  CHECK(std::isnan(c.S1_conf[0]));
  CHECK(std::isnan(c.ST_conf[0]));
}

TEST_CASE("Sobol.StreamingConstantOutputIsNaN", "[experiment][sobol]") {
  const std::size_t n = 16, d = 2;
  const std::vector<double> y(saltelli_rows(n, d, true), 0.4);
  SobolOptions opt;
  opt.second_order = true;
  const SobolIndices s = stream_analyze(d, y, opt);
  CHECK(identical(s, sobol_analyze(d, y, opt)));
  CHECK(std::isnan(s.S1[0]));
  CHECK(std::isnan(s.ST_conf[1]));
  CHECK(std::isnan(s.S2[0][1]));
}

TEST_CASE("Sobol.StreamingErrors", "[experiment][sobol]") {
  const std::size_t n = 16, d = 3, step = 2 * d + 2;
  std::vector<double> y = evaluate(saltelli_sample(n, d, true), d, ishigami);
  SobolOptions opt;
  opt.second_order = true;
  CHECK_THROWS_AS(experiment::SobolAccumulator(0, d, opt), Error);
  CHECK_THROWS_AS(experiment::SobolAccumulator(n, 0, opt), Error);
  opt.confidence = 0.0;
  CHECK_THROWS_AS(experiment::SobolAccumulator(n, d, opt), Error);
  opt.confidence = 0.95;

  experiment::SobolAccumulator acc(n, d, opt);
  const std::span<const double> all(y);
  acc.add(all.subspan(0, step));
  CHECK_THROWS_AS(acc.result(), Error);                       // 1 group of 16
  CHECK_THROWS_AS(acc.add(all.subspan(step, d + 2)), Error);  // first order's size
  CHECK_THROWS_AS(acc.add(all.subspan(step, step + 1)), Error);
  const double kept = y[step + 3];
  y[step + 3] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(acc.add(all.subspan(step, step)), Catch::Contains("row 11") && Catch::Contains("base row 1"));
  y[step + 3] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(acc.add(all.subspan(step, step)), Catch::Contains("base row 1"));
  CHECK(acc.groups() == 1);  // the failed calls changed nothing
  y[step + 3] = kept;
  for (std::size_t j = 1; j < n; ++j) acc.add(all.subspan(j * step, step));
  CHECK(identical(acc.result(), stream_analyze(d, y, opt)));
  CHECK_THROWS_AS(acc.add(all.subspan(0, step)), Error);  // a 17th group
}
