// Resamples: the Poisson bootstrap behind every simulation-error interval on
// a shift. Its weights are Poisson(1); its counts do not depend on how a
// batch was split or merged; resamples of two scenarios are paired; and its
// 95% intervals cover the truth about 95% of the time.
#include "wsic/model/resamples.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "wsic/model/outcomes.hpp"
#include "wsic/sim/serial.hpp"

using wsic::model::paired_interval;
using wsic::model::Resamples;
using S = Resamples::Series;

namespace {
/// Replications first..first+n-1 of a made-up batch: first-live and
/// all-live days drawn from `rng`, uniform on [0, 1000).
struct Draws {
  std::vector<double> first, all;
};
Draws draws(std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1000.0);
  Draws d;
  for (std::size_t i = 0; i < n; ++i) {
    d.first.push_back(u(rng));
    d.all.push_back(u(rng));
  }
  return d;
}
Resamples record(const Draws& d, std::uint64_t first_index, std::size_t days = 1200) {
  Resamples r(days);
  for (std::size_t i = 0; i < d.first.size(); ++i) r.add(first_index + i, d.first[i], d.all[i]);
  return r;
}
}  // namespace

TEST_CASE("Resamples.WeightsArePoissonOne", "[model][resamples]") {
  // Over n = 10^6 weights, the mean, the variance and the share of zeros
  // each lie within 4 standard errors of Poisson(1)'s: 1, 1 and e^-1 (the
  // variance of (w-1)^2 is mu4 - sigma^4 = 4 - 1 = 3). Weights of the same
  // replication in neighbouring resamples (two come from one hash) are
  // uncorrelated to the same precision.
  const double n = 1e6;
  double sum = 0, sum_sq = 0, zeros = 0, cross = 0;
  for (std::uint64_t i = 0; i < 5000; ++i) {
    for (std::size_t b = 0; b < Resamples::kCount; ++b) {
      const double w = Resamples::weight(i, b);
      sum += w;
      sum_sq += (w - 1) * (w - 1);
      zeros += w == 0 ? 1 : 0;
      if (b % 2 == 0) cross += (w - 1) * (Resamples::weight(i, b + 1) - 1.0);
    }
  }
  CHECK(std::abs(sum / n - 1.0) < 4 * std::sqrt(1.0 / n));
  CHECK(std::abs(sum_sq / n - 1.0) < 4 * std::sqrt(3.0 / n));
  const double p0 = std::exp(-1.0);
  CHECK(std::abs(zeros / n - p0) < 4 * std::sqrt(p0 * (1 - p0) / n));
  CHECK(std::abs(cross / (n / 2)) < 4 * std::sqrt(1.0 / (n / 2)));
}

TEST_CASE("Resamples.QuantilesAreTheWeightedOnesOfEachResample", "[model][resamples]") {
  // Two replications, on days 3 and 8: in resample b they weigh w1 and w2,
  // so its p-quantile is day 3 when w1 reaches ceil(p (w1 + w2)), else day
  // 8, and "after the horizon" (20) when both weigh nothing. Exactly, in
  // every resample.
  Resamples r(20);
  r.add(41, 3.0, 3.0);
  r.add(42, 8.0, 8.0);
  for (const double p : {0.3, 0.5, 0.8}) {
    const auto q = r.quantiles_or_after(S::kFirstLive, p);
    REQUIRE(q.size() == Resamples::kCount);
    int both_zero = 0;
    for (std::size_t b = 0; b < q.size(); ++b) {
      const unsigned w1 = Resamples::weight(41, b), w2 = Resamples::weight(42, b);
      const auto need = std::max(1.0, std::ceil(p * (w1 + w2) - 1e-9));
      const int want = w1 + w2 == 0 ? 20 : (w1 >= need ? 3 : 8);
      both_zero += w1 + w2 == 0 ? 1 : 0;
      INFO("p " << p << " resample " << b << " weights " << w1 << ", " << w2);
      CHECK(q[b] == want);
    }
    CHECK(both_zero > 0);  // e^-2 of 200: about 27 resamples test the empty case
  }
}

TEST_CASE("Resamples.CountsDoNotDependOnHowTheBatchWasSplit", "[model][resamples]") {
  // 3000 replications recorded in one go, in blocks of 256 merged left to
  // right, and in blocks merged right to left, with a horizon short enough
  // (10 days: dates are folded into weighted counts once 1,100 are kept)
  // that each way folds at different points: the same quantiles every way,
  // and after a save and load.
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 12.0);  // one in six past the horizon
  std::vector<double> a, b;
  for (int i = 0; i < 3000; ++i) {
    a.push_back(u(rng));
    b.push_back(u(rng));
  }
  const std::size_t days = 10;
  Resamples whole(days);
  for (std::size_t i = 0; i < a.size(); ++i) whole.add(i, a[i], b[i]);
  std::vector<Resamples> blocks;
  for (std::size_t lo = 0; lo < a.size(); lo += 256) {
    Resamples r(days);
    for (std::size_t i = lo; i < std::min(a.size(), lo + 256); ++i) r.add(i, a[i], b[i]);
    blocks.push_back(std::move(r));
  }
  Resamples left(days), right(days);
  for (const auto& r : blocks) left.merge(r);
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) right.merge(*it);
  wsic::sim::ByteWriter w;
  left.save(w);
  const std::string bytes = w.release();
  wsic::sim::ByteReader rd(bytes);
  const Resamples loaded = Resamples::load(rd);
  for (const S s : {S::kFirstLive, S::kAllLive}) {
    for (const double p : {0.1, 0.5, 0.8}) {
      const auto q = whole.quantiles_or_after(s, p);
      REQUIRE(q.size() == Resamples::kCount);
      CHECK(left.quantiles_or_after(s, p) == q);
      CHECK(right.quantiles_or_after(s, p) == q);
      CHECK(loaded.quantiles_or_after(s, p) == q);
    }
  }
  // Past the horizon counts as the day after it: the 0.9-quantile of days
  // uniform on [0, 12) is past 10 in most resamples.
  const auto q90 = whole.quantiles_or_after(S::kAllLive, 0.9);
  CHECK(std::count(q90.begin(), q90.end(), static_cast<int>(days)) > 150);
}

TEST_CASE("Resamples.TwoBatchesOfTheSameIndicesArePaired", "[model][resamples]") {
  // A what-if whose every date is the base's plus 7 days: in each resample
  // both hold the same replications with the same weights, so each
  // resample's shift is exactly 7 and the interval is [7, 7]. Resamples
  // that were not paired (another index range) scatter the shift widely.
  std::mt19937_64 rng(5);
  const Draws base = draws(2000, rng);
  Draws later = base;
  for (double& d : later.first) d += 7;
  for (double& d : later.all) d += 7;
  const Resamples rb = record(base, 0), rl = record(later, 0), unpaired = record(later, 1'000'000);
  for (const double p : {0.5, 0.8}) {
    const auto i = paired_interval(rb.quantiles_or_after(S::kAllLive, p), rl.quantiles_or_after(S::kAllLive, p));
    CHECK(i.low == 7.0);
    CHECK(i.high == 7.0);
    const auto u = paired_interval(rb.quantiles_or_after(S::kAllLive, p), unpaired.quantiles_or_after(S::kAllLive, p));
    CHECK(u.high - u.low > 20.0);
  }
  // The offset moves a what-if's own days onto the base's axis.
  const auto o =
      paired_interval(rb.quantiles_or_after(S::kFirstLive, 0.5), rl.quantiles_or_after(S::kFirstLive, 0.5), -7.0);
  CHECK(o.low == 0.0);
  CHECK(o.high == 0.0);
}

TEST_CASE("Resamples.IntervalsCoverTheTrueShiftAboutNinetyFivePercentOfTheTime", "[model][resamples]") {
  // 200 independent experiments, each a base and a what-if of 800
  // replications with dates from the same distribution (true shift of the
  // median: 0), independent of each other. A 95% interval should contain 0
  // in about 190 of them: the count is binomial(200, 0.95), standard
  // deviation 3.1, so it lies in [180, 199] unless the method is off (a 50%
  // interval covers about 100; no resampling, about none).
  // Coverage barely tells 95% from 99%; the width does. The median of 800
  // uniform days on [0, 1000) has standard error 1000 / (2 sqrt(800)) =
  // 17.7 days, the difference of two independent ones sqrt(2) times that,
  // so a 95% interval is about 2 x 1.96 x 25.0 = 98 days wide. The mean of
  // 200 widths lies within 8% of it (each width varies by some 15%, so the
  // mean by about 1%; the rest allows for the asymptotic formula); a 90%
  // interval would be 16% narrower, a 99% one 31% wider.
  std::mt19937_64 rng(2026);
  int covered = 0;
  double width = 0.0;
  for (int e = 0; e < 200; ++e) {
    const std::uint64_t first = static_cast<std::uint64_t>(e) * 800;
    const Resamples b = record(draws(800, rng), first), w = record(draws(800, rng), first);
    const auto i = paired_interval(b.quantiles_or_after(S::kAllLive, 0.5), w.quantiles_or_after(S::kAllLive, 0.5));
    if (i.low <= 0.0 && 0.0 <= i.high) ++covered;
    width += (i.high - i.low) / 200.0;
  }
  INFO("covered " << covered << " of 200; mean width " << width << " days");
  CHECK(covered >= 180);
  CHECK(covered <= 199);
  const double expected = 2 * 1.959964 * std::sqrt(2.0) * 1000.0 / (2 * std::sqrt(800.0));
  CHECK(std::abs(width / expected - 1.0) < 0.08);
}

TEST_CASE("Resamples.OutcomesKeepThemOnlyWhenAsked", "[model][resamples]") {
  Resamples off;
  CHECK_FALSE(off.on());
  off.add(3, 1.0, 2.0);
  CHECK(off.quantiles_or_after(S::kAllLive, 0.5).empty());
  CHECK(off.memory_bytes() == 0);
  // Shapes differ with and without, so parts of the two never merge; a
  // saved accumulator with resamples loads with them.
  Resamples on(100);
  on.add(3, 1.0, 2.0);
  CHECK_FALSE(on.same_shape(off));
  wsic::sim::ByteWriter w;
  on.save(w);
  const std::string bytes = w.release();
  wsic::sim::ByteReader r(bytes);
  const Resamples back = Resamples::load(r);
  CHECK(back.on());
  CHECK(back.quantiles_or_after(S::kAllLive, 0.5) == on.quantiles_or_after(S::kAllLive, 0.5));
  // Damaged bytes are refused: a day past the horizon.
  std::string bad = bytes;
  bad[4 + 8 + 8 + 8] = static_cast<char>(0x7f);  // the first pending date's low byte
  wsic::sim::ByteReader rb(bad);
  CHECK_THROWS_AS(Resamples::load(rb), wsic::sim::SerialError);
}
