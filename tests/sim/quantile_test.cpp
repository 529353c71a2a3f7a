#include "wsic/sim/quantile.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "wsic/sim/random.hpp"

using wsic::sim::quantile_rank_interval;

namespace {
// P(B <= k) for B ~ Binomial(n, p), summed term by term in logs: computed
// here independently of the library the code under test uses.
double binomial_cdf(std::uint64_t n, double p, double k) {
  if (k < 0) return 0.0;
  double sum = 0.0;
  const auto last = static_cast<std::uint64_t>(std::min(k, static_cast<double>(n)));
  const double nn = static_cast<double>(n);
  for (std::uint64_t i = 0; i <= last; ++i) {
    const double x = static_cast<double>(i);
    sum += std::exp(std::lgamma(nn + 1) - std::lgamma(x + 1) - std::lgamma(nn - x + 1) + x * std::log(p) +
                    (nn - x) * std::log1p(-p));
  }
  return std::min(1.0, sum);
}
}  // namespace

TEST_CASE("Quantile.RankIntervalIsTheTightestEqualTailedOne", "[sim][quantile]") {
  // The interval [X_(l), X_(u)] covers the p-quantile when l <= B <= u - 1,
  // B the number of observations below it. l is the largest rank with
  // P(B < l) <= 2.5%, u the smallest with P(B >= u) <= 2.5%: one rank
  // further in at either end would break its tail's bound.
  for (std::uint64_t n : {30u, 100u, 1000u, 20000u}) {
    for (double p : {0.1, 0.5, 0.8, 0.9}) {
      const auto r = quantile_rank_interval(n, p, 0.95);
      INFO("n=" << n << " p=" << p << " ranks " << r.lower << ".." << r.upper << " coverage " << r.coverage);
      REQUIRE(r.lower <= r.upper);
      REQUIRE(r.upper <= n);
      const double lower_tail = binomial_cdf(n, p, static_cast<double>(r.lower) - 1);        // P(B < l)
      const double upper_tail = 1.0 - binomial_cdf(n, p, static_cast<double>(r.upper) - 1);  // P(B >= u)
      // Where even the outermost rank leaves more than 2.5% out (few
      // observations of an extreme quantile), that end is the outermost rank
      // and the coverage says what is reached.
      const bool lower_ok = lower_tail <= 0.025 + 1e-12, upper_ok = upper_tail <= 0.025 + 1e-12;
      CHECK((lower_ok || r.lower == 1));
      CHECK((upper_ok || r.upper == n));
      if (r.lower < n) CHECK(binomial_cdf(n, p, static_cast<double>(r.lower)) > 0.025);            // l + 1 fails
      if (r.upper > 1) CHECK(1.0 - binomial_cdf(n, p, static_cast<double>(r.upper) - 2) > 0.025);  // u - 1 fails
      CHECK(r.coverage == Approx(1.0 - lower_tail - upper_tail).margin(1e-9));
      CHECK((r.coverage >= 0.95 || !lower_ok || !upper_ok));
    }
  }
}

TEST_CASE("Quantile.TooFewObservationsSayWhatCoverageIsReached", "[sim][quantile]") {
  // 20 observations of a 10% quantile: 12% of samples have none below it,
  // so no interval can reach 95%; the function says so through `coverage`.
  const auto r = quantile_rank_interval(20, 0.1, 0.95);
  REQUIRE(r.lower == 1);
  REQUIRE(r.coverage < 0.95);
  REQUIRE(r.coverage <= 1.0 - std::pow(0.9, 20));
}

TEST_CASE("Quantile.IntervalsCoverTheTrueQuantileAtTheStatedRate", "[sim][quantile]") {
  // Exponential(1) samples: the true p-quantile is -ln(1 - p). Over many
  // independent samples the interval should cover it with the interval's
  // exact coverage; the tolerance is 4 standard errors of a proportion.
  wsic::sim::Rng rng(99, 0, "quantile-coverage");
  const wsic::sim::Exponential exp1{1.0};
  constexpr int kTrials = 4000;
  constexpr std::uint64_t kN = 150;
  for (double p : {0.5, 0.9}) {
    const double truth = -std::log(1.0 - p);
    const auto r = quantile_rank_interval(kN, p, 0.95);
    int covered = 0;
    std::vector<double> x(kN);
    for (int t = 0; t < kTrials; ++t) {
      for (double& v : x) v = exp1(rng);
      std::sort(x.begin(), x.end());
      if (x[r.lower - 1] <= truth && truth <= x[r.upper - 1]) ++covered;
    }
    const double rate = static_cast<double>(covered) / kTrials;
    const double se = std::sqrt(r.coverage * (1.0 - r.coverage) / kTrials);
    INFO("p=" << p << " covered " << rate << " expected " << r.coverage << " se " << se);
    REQUIRE(std::abs(rate - r.coverage) < 4.0 * se);
    REQUIRE(rate > 0.95 - 4.0 * se);
  }
}
