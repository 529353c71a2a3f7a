#include "wsic/sim/quantile.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "wsic/sim/random.hpp"

using wsic::sim::quantile_rank_interval;

TEST_CASE("Quantile.RankIntervalHasStatedCoverage", "[sim][quantile]") {
  for (std::uint64_t n : {100u, 1000u, 100000u}) {
    for (double p : {0.1, 0.5, 0.8, 0.9}) {
      const auto r = quantile_rank_interval(n, p, 0.95);
      INFO("n=" << n << " p=" << p << " ranks " << r.lower << ".." << r.upper << " coverage " << r.coverage);
      REQUIRE(r.lower <= r.upper);
      REQUIRE(r.upper <= n);
      REQUIRE(r.coverage >= 0.95);
      // Not needlessly wide: dropping either end loses the level.
      if (r.lower > 1 && r.upper < n) {
        REQUIRE(quantile_rank_interval(n, p, 0.5).upper - quantile_rank_interval(n, p, 0.5).lower < r.upper - r.lower);
      }
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
