#include "wsic/sim/quantile.hpp"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>

#include "wsic/sim/error.hpp"

namespace wsic::sim {

RankInterval quantile_rank_interval(std::uint64_t n, double p, double level) {
  WSIC_ASSERT(n >= 1, "quantile interval of no observations");
  WSIC_ASSERT(p > 0.0 && p < 1.0 && level > 0.0 && level < 1.0, "quantile interval needs p and level in (0, 1)");
  const boost::math::binomial_distribution<double> b(static_cast<double>(n), p);
  const double alpha = 1.0 - level;
  // B = number of observations below the quantile. X_(l) <= q iff B >= l,
  // and q < X_(u) iff B <= u - 1, so coverage = P(l <= B <= u - 1).
  auto cdf = [&](double k) { return k < 0 ? 0.0 : boost::math::cdf(b, std::min(k, static_cast<double>(n))); };
  // Largest l with P(B < l) <= alpha/2; smallest u with P(B >= u) <= alpha/2.
  // The cdf is monotone, so a walk from any start ends at the same rank:
  // start where the normal approximation puts it, a few steps away, so the
  // cost does not grow with n (from n·p it would take about z·sqrt(n) steps).
  const double nd = static_cast<double>(n);
  const double z = boost::math::quantile(boost::math::normal_distribution<double>(), 1.0 - alpha / 2);
  const double spread = z * std::sqrt(nd * p * (1.0 - p));
  double l = std::clamp(std::floor(nd * p - spread), 0.0, nd);
  while (l >= 1 && cdf(l - 1) > alpha / 2) l -= 1;
  while (l + 1 <= nd && cdf(l) <= alpha / 2) l += 1;
  double u = std::clamp(std::ceil(nd * p + spread) + 1, 1.0, nd + 1);
  while (u <= nd && 1.0 - cdf(u - 1) > alpha / 2) u += 1;
  while (u - 1 >= 1 && 1.0 - cdf(u - 2) <= alpha / 2) u -= 1;
  RankInterval r;
  r.lower = static_cast<std::uint64_t>(std::clamp(l, 1.0, static_cast<double>(n)));
  r.upper = static_cast<std::uint64_t>(std::clamp(u, 1.0, static_cast<double>(n)));
  if (r.upper < r.lower) r.upper = r.lower;
  r.coverage = cdf(static_cast<double>(r.upper) - 1) - cdf(static_cast<double>(r.lower) - 1);
  return r;
}

}  // namespace wsic::sim
