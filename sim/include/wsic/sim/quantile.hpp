#pragma once
/// Confidence intervals for quantiles that assume nothing about the
/// distribution: the interval between two order statistics whose ranks come
/// from the binomial distribution (the number of observations below the
/// true p-quantile is Binomial(n, p)).

#include <cstdint>

namespace wsic::sim {

/// 1-based ranks [lower, upper] of the order statistics bounding a
/// confidence interval for the p-quantile of n observations, and the exact
/// coverage that interval has for a continuous distribution (at least
/// `level`, unless n is too small for any interval to reach it, when the
/// ranks are 1 and n and the coverage says what is achieved).
struct RankInterval {
  std::uint64_t lower = 1;
  std::uint64_t upper = 1;
  double coverage = 0.0;
};

/// Thread-safe, pure. `p` in (0, 1), `level` in (0, 1), n >= 1.
RankInterval quantile_rank_interval(std::uint64_t n, double p, double level = 0.95);

}  // namespace wsic::sim
