// Levers whose values change at dates: each period's decisions act while in
// force, money is split per funding year by the time each value holds.
#include <catch2/catch.hpp>

#include <cmath>

#include "model/tiny.hpp"
#include "wsic/model/model.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/sim/random.hpp"

using namespace wsic::model;
using wsic::sim::Fixed;
using wsic::test::tiny;

namespace {
Lever lever(std::string id, double value, std::vector<Lever::Change> changes = {}) {
  Lever l;
  l.id = std::move(id);
  l.value = value;
  l.low = 0.0;
  l.high = 10.0;
  l.changes = std::move(changes);
  return l;
}

Lever::Change on(double day, double value) { return Lever::Change{{}, day, value}; }

ReplicationOutcome simulate(const Scenario& sc, std::uint64_t index = 0) {
  ReplicationOutcome out;
  Model(sc).simulate(1, index, out);
  return out;
}

// A delay of `days` on workstream b when it starts, with probability lever 0.
Barrier delay_on_b(double days) {
  Barrier b;
  b.id = "delay_b";
  b.scope = Barrier::Scope::kLocal;
  b.trigger = Barrier::Trigger::kOnStart;
  b.probability = Scaled{1.0, 0};
  b.targets = {1};
  b.effect = Barrier::Effect::kDelay;
  b.duration = Fixed{days};
  return b;
}
}  // namespace

TEST_CASE("Changes.AValueHoldsUntilItsChangeAndIsWeightedByTimeInAYear", "[model][changes]") {
  const Lever l = lever("x", 1.0, {on(100, 2.0), on(200, 4.0)});
  CHECK(l.value_on(l.value, 99.9) == 1.0);
  CHECK(l.value_on(l.value, 100) == 2.0);
  CHECK(l.value_on(l.value, 250) == 4.0);
  CHECK(l.mean_over(l.value, 0, 100) == 1.0);    // no change inside: the value itself
  CHECK(l.mean_over(l.value, 300, 400) == 4.0);  // after the last change
  CHECK(l.mean_over(l.value, 50, 250) == Approx((50 * 1.0 + 100 * 2.0 + 50 * 4.0) / 200));
}

TEST_CASE("Changes.LocalWorkGoesAtTheRateOfTheMoneyInForce", "[model][changes]") {
  // Local money at a quarter of the reference (a cost of 0.75 a year per
  // unit of `training`, at 1) halves the local rate (elasticity 0.5). From
  // day 180 training stops: the rate is 1. a and b, 90 days of work from
  // day 90, are half done by day 180 (45 days at rate 0.5) and the rest
  // takes 45 days: live on day 225, against 270 with training throughout.
  Scenario sc = tiny();
  sc.local_support_elasticity = 0.5;
  sc.local_support_reference = 1.0;
  Lever training = lever("training", 1.0);
  training.cost_per_year = 0.75;
  training.paid_from = Lever::Pot::kLocal;
  sc.levers = {training};
  REQUIRE(simulate(sc).schemes[0].go_live == Approx(270.0));
  sc.levers[0].changes = {on(180, 0.0)};
  const Model m(sc);
  REQUIRE(m.settings().periods.size() == 2);
  CHECK(m.settings().periods[0].local_rate == Approx(0.5));
  CHECK(m.settings().periods[1].local_rate == Approx(1.0));
  const ReplicationOutcome r = simulate(sc);
  CHECK(r.schemes[0].go_live == Approx(225.0));
  // Enrolling goes at the rate in force at go-live: 100 days.
  CHECK(r.schemes[0].full_coverage == Approx(325.0));
  // The year's cost: training for 90 of its 365 days.
  const std::size_t cats = spend_categories(sc).size();
  CHECK(m.settings().allocation[3] == Approx(0.75 * 90.0 / 365.0));
  CHECK(m.settings().allocation[2] == Approx(1.0 - 0.75 * 90.0 / 365.0));
  CHECK(cats == 4);
}

TEST_CASE("Changes.TheCentralTeamGrowsOnTheDateItsCapacityDoes", "[model][changes]") {
  // One unit of central team until day 60, two after. Scheme one has the
  // team from day 30 (design ends on 90); scheme two designs alone at 1/1.5
  // until day 60 (20 of its 60 days of work), then with the team: the other
  // 40 by day 100, and not 110 as with one unit throughout.
  Scenario sc = tiny();
  sc.levers = {lever("team", 1.0)};
  sc.central_capacity = Scaled{1.0, 0};
  REQUIRE(simulate(sc).schemes[1].design_end == Approx(110.0));
  sc.levers[0].changes = {on(60, 2.0)};
  const ReplicationOutcome r = simulate(sc);
  CHECK(r.schemes[0].design_end == Approx(90.0));
  CHECK(r.schemes[1].design_end == Approx(100.0));
}

TEST_CASE("Changes.ABarrierStrikesWithTheValuesInForceWhenItStrikes", "[model][changes]") {
  // b starts on day 140 (design to 90, then a's 50 days). Its delay strikes
  // with probability lever 0: 0 until the change, 1 after.
  Scenario sc = tiny();
  sc.barriers = {delay_on_b(10.0)};
  sc.levers = {lever("p", 0.0, {on(140, 1.0)})};
  CHECK(simulate(sc).schemes[0].go_live == Approx(190.0));  // struck: 10 days later
  sc.levers[0].changes = {on(141, 1.0)};
  CHECK(simulate(sc).schemes[0].go_live == Approx(180.0));  // not yet in force when b started
}

TEST_CASE("Changes.AHazardStrikesAtTheRateInForce", "[model][changes]") {
  // A hazard strikes each scheme a Poisson number of times with mean the
  // integral of its rate; over 400 replications the mean per replication
  // (two schemes) is within four standard errors of twice that.
  Scenario sc = tiny();
  sc.barriers = {wsic::test::hazard_on_a(Scaled{0.01, 0})};
  double expected = 0.0;
  SECTION("none, then 0.01 a day from day 300 to day 700, then none") {
    sc.levers = {lever("rate", 0.0, {on(300, 1.0), on(700, 0.0)})};
    expected = 0.01 * 400.0;
  }
  SECTION("0.01 a day until day 300, then 0.03 a day, then 0.01 from day 700") {
    sc.levers = {lever("rate", 1.0, {on(300, 3.0), on(700, 1.0)})};
    expected = 0.01 * 300.0 + 0.03 * 400.0 + 0.01 * (sc.horizon_day - 700.0);
  }
  const Model m(sc);
  constexpr int kReps = 400;
  double sum = 0.0;
  for (int i = 0; i < kReps; ++i) {
    ReplicationOutcome out;
    m.simulate(9, static_cast<std::uint64_t>(i), out);
    sum += out.barrier_hits[0];
  }
  const double mean = 2.0 * expected;
  const double se = std::sqrt(mean / kReps);  // Poisson: variance = mean
  INFO("mean strikes " << sum / kReps << ", expected " << mean << " +- " << se);
  CHECK(std::abs(sum / kReps - mean) < 4.0 * se);
}

TEST_CASE("Changes.ASchemeThatStartsLaterMeetsTheLaterDecision", "[model][changes]") {
  // Transactional preparation in force when co-design ends cuts b: with the
  // cut from day 20 (co-design ends on 30) b's 40 days become 20; from day
  // 31 it comes too late.
  Scenario sc = tiny();
  sc.transactional_prep_effect = 1.0;
  sc.levers = {lever("transactional_investment", 0.0, {on(20, 0.5)})};
  sc.lever_transactional_investment = 0;
  CHECK(simulate(sc).schemes[0].go_live == Approx(160.0));
  sc.levers[0].changes = {on(31, 0.5)};
  CHECK(simulate(sc).schemes[0].go_live == Approx(180.0));
}

TEST_CASE("Changes.AChangeToTheSameValueChangesNoOutcome", "[model][changes]") {
  // The baseline with central_share and GP engagement "changed" to their
  // own values mid-way: a second period with the same values, so every
  // outcome is the same (hazard times within rounding).
  const Scenario base = wsic::scenario::load_scenario("scenarios/baseline.yaml");
  Scenario same = base;
  int changed = 0;
  for (Lever& l : same.levers) {
    if (l.id == "central_share" || l.id == "gp_engagement_effort" || l.id == "leadership_continuity") {
      l.changes = {on(500, l.value), on(900, l.value)};
      ++changed;
    }
  }
  REQUIRE(changed == 3);
  const Model a(base), b(same);
  REQUIRE(b.settings().periods.size() == 3);
  for (std::uint64_t i = 0; i < 200; ++i) {
    ReplicationOutcome x, y;
    a.simulate(5, i, x);
    b.simulate(5, i, y);
    REQUIRE(x.barrier_hits == y.barrier_hits);
    REQUIRE(x.spend.size() == y.spend.size());
    for (std::size_t k = 0; k < x.spend.size(); ++k) CHECK(y.spend[k] == Approx(x.spend[k]).margin(1e-9));
    for (std::size_t s = 0; s < x.schemes.size(); ++s) {
      CHECK(y.schemes[s].go_live == Approx(x.schemes[s].go_live).margin(1e-6));
      CHECK(y.schemes[s].full_coverage == Approx(x.schemes[s].full_coverage).margin(1e-6));
    }
  }
}

TEST_CASE("Changes.MoneyMovedToTheSchemesLaterHelpsOnlyFromThen", "[model][changes]") {
  // The baseline's central share cut from 0.5 to 0.3 on 2015-04-01: before
  // then nothing differs (common random numbers), and the mean all-live
  // date comes earlier; after it, the local rate and the team are what 0.3
  // from the start gives.
  const Scenario base = wsic::scenario::load_scenario("scenarios/baseline.yaml");
  const double april_2015 =
      wsic::sim::Calendar(base.calendar_start).to_time(*wsic::sim::parse_iso_date("2015-04-01")).in_days();
  Scenario later = base, early = base;
  for (std::size_t l = 0; l < base.levers.size(); ++l) {
    if (base.levers[l].id != "central_share") continue;
    later.levers[l].changes = {on(april_2015, 0.3)};
    early.levers[l].value = 0.3;
  }
  const Model mb(base), ml(later), me(early);
  double sum_b = 0.0, sum_l = 0.0;
  constexpr int kReps = 300;
  for (int i = 0; i < kReps; ++i) {
    ReplicationOutcome b, l;
    mb.simulate(3, static_cast<std::uint64_t>(i), b);
    ml.simulate(3, static_cast<std::uint64_t>(i), l);
    double last_b = 0.0, last_l = 0.0;
    for (std::size_t s = 0; s < b.schemes.size(); ++s) {
      // Before the change nothing differs: a scheme live by then is live on the same day.
      if (b.schemes[s].go_live < april_2015) CHECK(l.schemes[s].go_live == b.schemes[s].go_live);
      last_b = std::max(last_b, std::min(b.schemes[s].go_live, base.horizon_day + 1));
      last_l = std::max(last_l, std::min(l.schemes[s].go_live, base.horizon_day + 1));
    }
    sum_b += last_b;
    sum_l += last_l;
  }
  CHECK(sum_l < sum_b);
  // The period after the change runs at the local rate 0.3 from the start gives.
  REQUIRE(ml.settings().periods.size() == 2);
  CHECK(ml.settings().periods[1].local_rate == me.local_rate());
  CHECK(ml.settings().periods[1].central_capacity == me.settings().central_capacity);
  CHECK(ml.settings().periods[0].local_rate == mb.local_rate());
}
