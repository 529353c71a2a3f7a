#include "wsic/experiment/analysis.hpp"
#include "wsic/experiment/paired.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "wsic/sim/quantile.hpp"

#include "wsic/scenario/loader.hpp"

using namespace wsic;

TEST_CASE("Analysis.DominantBarrierRanksFirst", "[cli][analysis]") {
  const model::Scenario sc = scenario::load_scenario("tests/data/scenarios/dominant_barrier.yaml");
  experiment::BatchSpec spec;
  spec.seed = 3;
  spec.replications = 400;
  spec.block_size = 64;
  const model::Outcomes base = experiment::run_batch(sc, spec);
  const auto bars = experiment::barrier_attribution(sc, base, spec);
  REQUIRE(bars.size() == 2);
  REQUIRE(bars[0].id == "long_block");
  // Switching the block off brings everything forward by about its length.
  REQUIRE(bars[0].all_live.p50 < -300);
  REQUIRE(bars[1].all_live.p50 > bars[0].all_live.p50);
  for (const auto& s : bars[0].schemes) REQUIRE(s.p50 < -300);
}

TEST_CASE("Analysis.EveryBarrierAtOnceAndIntervalsAroundEachBar", "[experiment][analysis]") {
  // The analyses run each barrier alone and then both at once; with
  // resampled batches every bar's shift has a simulation-error interval that
  // holds it. Switching both off is never later than switching off the
  // year-long block alone (the two-week delay comes on top), and never
  // earlier than their separate effects added: here they barely overlap.
  const model::Scenario sc = scenario::load_scenario("tests/data/scenarios/dominant_barrier.yaml");
  const auto vs = experiment::analysis_variants(sc);
  const auto ranged = std::count_if(sc.levers.begin(), sc.levers.end(), [](const auto& l) { return l.low < l.high; });
  REQUIRE(vs.size() == 3 + 2 * static_cast<std::size_t>(ranged));  // two barriers, both at once; levers low, high
  REQUIRE(vs[2].kind == experiment::Variant::Kind::kWithoutAllBarriers);
  REQUIRE(vs[2].scenario.barriers.empty());
  experiment::BatchSpec spec;
  spec.seed = 3;
  spec.replications = 400;
  spec.block_size = 64;
  spec.resampled = true;
  const model::Outcomes base = experiment::run_batch(sc, spec);
  std::vector<model::Outcomes> outs;
  for (const auto& v : vs) outs.push_back(experiment::run_batch(v.scenario, spec));
  const experiment::Tornados t = experiment::tornados(sc, base, outs);
  REQUIRE(t.all_barriers.has_value());
  const experiment::Shift& both = t.all_barriers->all_live;
  INFO("both " << both.p50 << ", block " << t.barriers[0].all_live.p50 << ", delay " << t.barriers[1].all_live.p50);
  CHECK(both.p50 <= t.barriers[0].all_live.p50);
  CHECK(both.p50 >= t.barriers[0].all_live.p50 + t.barriers[1].all_live.p50 - 15);
  for (const auto* bar : {&t.barriers[0], &t.barriers[1], &*t.all_barriers}) {
    REQUIRE(bar->all_live.p50_ci.has_value());
    REQUIRE(bar->all_live.p80_ci.has_value());
    CHECK(bar->all_live.p50_ci->low <= bar->all_live.p50);
    CHECK(bar->all_live.p50 <= bar->all_live.p50_ci->high);
    CHECK(bar->all_live.p80_ci->low <= bar->all_live.p80);
    CHECK(bar->all_live.p80 <= bar->all_live.p80_ci->high);
  }
  // Without resamples there are no intervals, and one barrier alone has no
  // "at once".
  spec.resampled = false;
  const model::Outcomes plain = experiment::run_batch(sc, spec);
  CHECK_FALSE(experiment::all_live_shift(plain, plain).p50_ci.has_value());
  model::Scenario one = sc;
  one.barriers.pop_back();
  for (const auto& v : experiment::analysis_variants(one))
    CHECK(v.kind != experiment::Variant::Kind::kWithoutAllBarriers);
}

TEST_CASE("Analysis.LeverSensitivityMovesTheRightWay", "[cli][analysis]") {
  model::Scenario sc = scenario::load_scenario("tests/data/scenarios/minimal.yaml");
  experiment::BatchSpec spec;
  spec.seed = 4;
  spec.replications = 300;
  spec.block_size = 64;
  const model::Outcomes base = experiment::run_batch(sc, spec);
  const auto bars = experiment::lever_sensitivity(sc, base, spec);
  REQUIRE(bars.size() == 2);
  // National IG action is what holds these schemes: earlier action is never
  // later (common random numbers), later action never earlier.
  const auto& ig = bars[0].id == "national_ig_action" ? bars[0] : bars[1];
  REQUIRE(ig.id == "national_ig_action");
  INFO("low " << ig.all_live.p50 << ", high " << ig.all_live_high.p50);
  // Action in June 2014 instead of the scenario's date lifts the IG hold
  // months earlier (about 200 days at this seed): a clear shift, not a tie.
  REQUIRE(ig.all_live.p50 < -30);
  REQUIRE(ig.all_live_high.p50 >= 0);
  REQUIRE(ig.low_label == "2014-06-01");
}

TEST_CASE("Analysis.PairedDifferencesOfIdenticalRunsAreZero", "[cli][analysis]") {
  experiment::PairedDifferences d(1, 100);
  for (int i = 0; i < 50; ++i) d.add(0, 10.0 + i, 10.0 + i);
  d.add(0, model::kNever, model::kNever);
  const auto s = d.summary(0);
  REQUIRE(s.pairs == 51);
  REQUIRE(s.both_live == 50);
  REQUIRE(s.mean == 0.0);
  REQUIRE(s.p50 == 0.0);
  REQUIRE(s.probability_earlier == 0.0);
  REQUIRE(s.probability_later == 0.0);
}

TEST_CASE("Analysis.PairedDifferencesMeanAndInterval", "[cli][analysis]") {
  // The what-if is always exactly 7 days earlier, except in one replication
  // where it never goes live within the horizon: that counts as later.
  experiment::PairedDifferences d(1, 1000);
  for (int i = 0; i < 100; ++i) d.add(0, 500.0 + i, 493.0 + i);
  d.add(0, 300.0, model::kNever);
  const auto s = d.summary(0);
  REQUIRE(s.both_live == 100);
  REQUIRE(s.mean == Approx(-7.0));
  REQUIRE(s.mean_ci_low == Approx(-7.0));  // no spread, no width
  REQUIRE(s.p50 == -7.0);
  REQUIRE(s.probability_earlier == Approx(100.0 / 101.0));
  REQUIRE(s.probability_later == Approx(1.0 / 101.0));
}

TEST_CASE("Analysis.PairedDifferencesAgreeWithASortedList", "[experiment][analysis]") {
  // 1,001 pairs whose changes are all different (a shuffle of -600..400,
  // so an order statistic one rank off shows), 40 of them with a what-if
  // that never goes live: percentiles of the change are the ceil(p n)-th of
  // the sorted changes (never = the day after the horizon), the median's
  // interval is the order statistics quantile_rank_interval names, and the
  // mean and its interval are those of the pairs where both went live.
  std::mt19937_64 rng(8);
  std::vector<int> moves;
  for (int m = -600; m <= 400; ++m) moves.push_back(m);
  std::shuffle(moves.begin(), moves.end(), rng);
  const int horizon = 5000;
  experiment::PairedDifferences d(1, horizon);
  std::vector<double> changes, both;
  for (int i = 0; i < 1001; ++i) {
    const double b = 1000.0 + i;
    const double w = i % 25 == 0 ? model::kNever : b + moves[static_cast<std::size_t>(i)];
    d.add(0, b, w);
    changes.push_back((w == model::kNever ? horizon + 1.0 : w) - b);
    if (w != model::kNever) both.push_back(w - b);
  }
  std::sort(changes.begin(), changes.end());
  const auto nth = [&](std::uint64_t k) { return changes[k - 1]; };
  const auto s = d.summary(0);
  CHECK(s.pairs == 1001);
  CHECK(s.both_live == both.size());
  CHECK(s.p10 == nth(101));  // ceil(100.1)
  CHECK(s.p50 == nth(501));  // ceil(500.5)
  CHECK(s.p90 == nth(901));  // ceil(900.9)
  const auto r = sim::quantile_rank_interval(1001, 0.5, 0.95);
  CHECK(s.p50_ci_low == nth(r.lower));
  CHECK(s.p50_ci_high == nth(r.upper));
  double sum = 0, sq = 0;
  for (const double x : both) sum += x;
  const double mean = sum / static_cast<double>(both.size());
  for (const double x : both) sq += (x - mean) * (x - mean);
  const double se = std::sqrt(sq / static_cast<double>(both.size() - 1) / static_cast<double>(both.size()));
  CHECK(s.mean == Approx(mean).epsilon(1e-12));
  CHECK(s.mean_ci_low == Approx(mean - 1.96 * se).epsilon(1e-9));
  CHECK(s.mean_ci_high == Approx(mean + 1.96 * se).epsilon(1e-9));
  const auto earlier = std::count_if(changes.begin(), changes.end(), [](double c) { return c < 0; });
  const auto later = std::count_if(changes.begin(), changes.end(), [](double c) { return c > 0; });
  CHECK(s.probability_earlier == Approx(static_cast<double>(earlier) / 1001.0));
  CHECK(s.probability_later == Approx(static_cast<double>(later) / 1001.0));
}

TEST_CASE("Analysis.ShiftIsTheDifferenceOfQuantilesPastTheHorizonIncluded", "[experiment][analysis]") {
  // Base: days 10..19 (one each). Other: days 4..13, and never for two of
  // ten more replications past day 13 (counted as the day after the last).
  model::DayCounts base(30), other(30);
  for (int d = 10; d < 20; ++d) base.add(d);
  for (int d = 4; d < 12; ++d) other.add(d);
  other.add(model::kNever);
  other.add(model::kNever);
  // Base P50 is the 5th of 10 = day 14, P80 the 8th = day 17. Other P50 is
  // the 5th = day 8; P80 the 8th = day 11.
  const experiment::Shift s = experiment::shift(base, other);
  CHECK(s.p50 == 8 - 14);
  CHECK(s.p80 == 11 - 17);
  // With three more never-seen replications the other's P80 (the 11th of 13)
  // is past the horizon: the day after it, 30.
  for (int i = 0; i < 3; ++i) other.add(model::kNever);
  const experiment::Shift t = experiment::shift(base, other);
  CHECK(t.p50 == 10 - 14);  // the 7th of 13 (ceil 6.5) = day 10
  CHECK(t.p80 == 30 - 17);
}

TEST_CASE("Analysis.ALeverThatChangesOverTimeIsSetLowAndHighThroughout", "[experiment][analysis]") {
  const model::Scenario sc = scenario::load_scenario("scenarios/rebalance-after-design.yaml");
  const auto variants = experiment::analysis_variants(sc);
  int seen = 0;
  for (const experiment::Variant& v : variants) {
    if (v.kind != experiment::Variant::Kind::kLeverLow && v.kind != experiment::Variant::Kind::kLeverHigh) continue;
    const model::Lever& lever = v.scenario.levers[v.index];
    if (lever.id != "central_share") continue;
    ++seen;
    REQUIRE(sc.levers[v.index].changes.size() == 1);
    CHECK(lever.changes.empty());
    CHECK(lever.value == (v.kind == experiment::Variant::Kind::kLeverLow ? lever.low : lever.high));
  }
  CHECK(seen == 2);
}
