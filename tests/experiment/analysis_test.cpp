#include "wsic/experiment/analysis.hpp"
#include "wsic/experiment/paired.hpp"

#include <catch2/catch.hpp>

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
