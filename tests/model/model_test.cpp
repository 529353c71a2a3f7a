#include "wsic/model/model.hpp"

#include <catch2/catch.hpp>

#include "model/tiny.hpp"
#include "wsic/model/limits.hpp"
#include "wsic/model/outcomes.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/scenario/parameters.hpp"
#include "wsic/sim/random.hpp"

#include <algorithm>
#include <cmath>

using namespace wsic::model;
using wsic::sim::Fixed;
using wsic::test::tiny;

namespace {
ReplicationOutcome simulate(const Scenario& sc, std::uint64_t index = 0) {
  const Model m(sc);
  ReplicationOutcome out;
  m.simulate(1, index, out);
  return out;
}

Lever date_lever(std::string id, double day) {
  Lever l;
  l.id = std::move(id);
  l.kind = Lever::Kind::kDate;
  l.value = l.low = l.high = day;
  return l;
}

// A national block on workstream b of tiny() until the action of lever 0.
Barrier national_block_on_b() {
  Barrier blk;
  blk.id = "block_b";
  blk.scope = Barrier::Scope::kNational;
  blk.trigger = Barrier::Trigger::kOnStart;
  blk.targets = {1};
  blk.effect = Barrier::Effect::kBlock;
  blk.national_action_lever = 0;
  return blk;
}
}  // namespace

TEST_CASE("Model.NoBarriersFollowsTheCriticalPath", "[model]") {
  const auto out = simulate(tiny());
  REQUIRE(out.codesign_end == 30.0);
  for (const SchemeOutcome& s : out.schemes) {
    REQUIRE(s.design_start == 30.0);
    REQUIRE(s.design_end == 90.0);
    // a (50) then b (40) is longer than c (20).
    REQUIRE(s.go_live == 180.0);
    REQUIRE(s.full_coverage == 280.0);
    REQUIRE(s.critical == 0b011);
  }
}

TEST_CASE("Model.BlockingBarrierHoldsGoLiveUntilResolved", "[model]") {
  Scenario sc = tiny();
  sc.levers.push_back(date_lever("national", 300.0));
  sc.barriers.push_back(national_block_on_b());
  const auto out = simulate(sc);
  for (const SchemeOutcome& s : out.schemes) {
    // b starts at 140, makes no progress until day 300, then needs 40 days.
    REQUIRE(s.go_live == 340.0);
    REQUIRE(s.critical == 0b011);
  }
  REQUIRE(out.barrier_hits[0] == 2);

  // Resolved before b starts: no effect at all.
  sc.levers[0].value = 100.0;
  const auto early = simulate(sc);
  for (const SchemeOutcome& s : early.schemes) REQUIRE(s.go_live == 180.0);
}

TEST_CASE("Model.CentralTeamIsQueuedForAndDesignGoesOnAlone", "[model]") {
  Scenario sc = tiny();
  sc.central_capacity = Scaled{1.0};
  const auto out = simulate(sc);
  // Scheme one gets the team at once: design 30..90.
  REQUIRE(out.schemes[0].design_end == 90.0);
  // Scheme two works alone at 1/1.5 until 90 (40 days of design), then
  // with the team for the remaining 20: done at 110.
  REQUIRE(out.schemes[1].design_end == Approx(110.0));
  REQUIRE(out.schemes[1].go_live == Approx(200.0));
}

TEST_CASE("Model.SlowdownWindowStretchesWork", "[model]") {
  Scenario sc = tiny();
  Barrier slow;
  slow.id = "slow";
  slow.scope = Barrier::Scope::kNational;
  slow.trigger = Barrier::Trigger::kWindow;
  slow.from = 100.0;
  slow.to = 100.0;
  slow.probability = Scaled{1.0};
  slow.targets = {0};
  slow.effect = Barrier::Effect::kSlowdown;
  slow.factor = Scaled{0.5};
  slow.duration = Fixed{20.0};
  sc.barriers.push_back(slow);
  const auto out = simulate(sc);
  // a runs 90..140 normally; 100..120 at half rate costs 10 more days; b
  // then takes 40: go-live at 190.
  for (const SchemeOutcome& s : out.schemes) REQUIRE(s.go_live == Approx(190.0));
}

TEST_CASE("Model.OverlappingSlowdownsMultiply", "[model]") {
  // a runs from 90 and needs 50 days of work. Two half-speed windows, from
  // 100 and from 110, 20 days each: 10 days at 0.5, 10 at 0.25, 10 at 0.5.
  // By 130 a has done 10 + 5 + 2.5 + 5 = 22.5 days of work; the other 27.5
  // end at 157.5, and b's 40 days put go-live at 197.5.
  Scenario sc = tiny();
  for (const double from : {100.0, 110.0}) {
    Barrier slow;
    slow.id = "slow" + std::to_string(static_cast<int>(from));
    slow.scope = Barrier::Scope::kNational;
    slow.trigger = Barrier::Trigger::kWindow;
    slow.from = slow.to = from;
    slow.targets = {0};
    slow.effect = Barrier::Effect::kSlowdown;
    slow.factor = Scaled{0.5};
    slow.duration = Fixed{20.0};
    sc.barriers.push_back(slow);
  }
  const auto out = simulate(sc);
  for (const SchemeOutcome& s : out.schemes) REQUIRE(s.go_live == Approx(197.5));
}

TEST_CASE("Model.WorkaroundEndsABlockBeforeNationalAction", "[model]") {
  // b starts at 140 and is blocked: national action on day 300, or a local
  // workaround 50 days after the block begins, whichever is first.
  Scenario sc = tiny();
  sc.levers.push_back(date_lever("national", 300.0));
  Barrier blk = national_block_on_b();
  blk.scope = Barrier::Scope::kLocal;
  blk.workaround = AnyDistribution{Fixed{50.0}};
  sc.barriers.push_back(blk);
  for (const SchemeOutcome& s : simulate(sc).schemes) REQUIRE(s.go_live == Approx(140.0 + 50.0 + 40.0));
  // National action first: it ends the block.
  sc.levers[0].value = 160.0;
  for (const SchemeOutcome& s : simulate(sc).schemes) REQUIRE(s.go_live == Approx(160.0 + 40.0));
}

TEST_CASE("Model.HazardStrikesAtItsRate", "[model]") {
  // A local hazard at 0.01 a day from day 0 to the horizon strikes each
  // scheme a Poisson number of times with mean 0.01 x horizon; over 400
  // replications the mean strikes per replication (two schemes) is within
  // four standard errors of twice that.
  Scenario sc = tiny();
  // Up to 100 strikes, the model's limit: P(more than 100 of mean 11) is nil.
  sc.barriers.push_back(wsic::test::hazard_on_a(Scaled{0.01}));
  const Model m(sc);
  constexpr int kReps = 400;
  double sum = 0.0;
  for (int i = 0; i < kReps; ++i) {
    ReplicationOutcome out;
    m.simulate(9, static_cast<std::uint64_t>(i), out);
    sum += out.barrier_hits[0];
  }
  const double mean = 2.0 * 0.01 * sc.horizon_day;  // Poisson: variance = mean
  const double se = std::sqrt(mean / kReps);
  INFO("mean strikes " << sum / kReps << ", expected " << mean << " +- " << se);
  REQUIRE(std::abs(sum / kReps - mean) < 4.0 * se);
  // Capped: never more than max_occurrences per scheme.
  sc.barriers[0].max_occurrences = 3;
  ReplicationOutcome capped;
  Model(sc).simulate(9, 0, capped);
  REQUIRE(capped.barrier_hits[0] <= 6);
}

TEST_CASE("Model.LeverFormsScaleTheNumbersTheyReach", "[model]") {
  // Inside a simulation, a lever reaches a barrier's numbers through its
  // form: a hazard rate of 0.004 a day x lever^2 (power form) and an
  // on-start probability of 0.8 x (1 - lever) (complement form). The mean
  // strikes over 400 replications lie within four standard errors of what
  // the form gives at each setting (Poisson for the hazard, binomial for the
  // on-start draw, two schemes each); a complement of 1 never strikes.
  Scenario sc = tiny();
  Lever pace;
  pace.id = "pace";
  pace.value = 1.0;
  pace.low = 0.5;
  pace.high = 2.0;
  Lever calm;
  calm.id = "calm";
  calm.value = 0.0;
  calm.low = 0.0;
  calm.high = 1.0;
  sc.levers = {pace, calm};
  Barrier hz;
  hz.id = "hazard";
  hz.scope = Barrier::Scope::kLocal;
  hz.trigger = Barrier::Trigger::kHazard;
  hz.rate_per_day = Scaled{0.004, 0, Scaled::Form::kPower, 2.0};
  hz.max_occurrences = 100;
  hz.targets = {0};
  hz.effect = Barrier::Effect::kDelay;
  hz.duration = Fixed{1.0};
  Barrier once;
  once.id = "once";
  once.scope = Barrier::Scope::kLocal;
  once.trigger = Barrier::Trigger::kOnStart;
  once.probability = Scaled{0.8, 1, Scaled::Form::kComplement, 1.0};
  once.targets = {1};
  once.effect = Barrier::Effect::kDelay;
  once.duration = Fixed{5.0};
  sc.barriers = {hz, once};
  constexpr int kReps = 400;
  const auto mean_hits = [&](const Scenario& s, std::size_t b) {
    const Model m(s);
    double sum = 0.0;
    for (int i = 0; i < kReps; ++i) {
      ReplicationOutcome out;
      m.simulate(21, static_cast<std::uint64_t>(i), out);
      sum += out.barrier_hits[b];
    }
    return sum / kReps;
  };
  for (const double v : {0.5, 1.0, 2.0}) {
    Scenario s = sc;
    s.levers[0].value = v;
    const double want = 2.0 * 0.004 * v * v * s.horizon_day;  // two schemes
    const double got = mean_hits(s, 0);
    INFO("pace " << v << ": " << got << " strikes, expected " << want);
    CHECK(std::abs(got - want) < 4.0 * std::sqrt(want / kReps));
  }
  for (const double v : {0.0, 0.75, 1.0}) {
    Scenario s = sc;
    s.levers[1].value = v;
    const double p = 0.8 * (1.0 - v);
    const double got = mean_hits(s, 1);
    INFO("calm " << v << ": " << got << " strikes, expected " << 2 * p);
    if (p == 0.0) {
      CHECK(got == 0.0);
    } else {
      CHECK(std::abs(got - 2.0 * p) < 4.0 * std::sqrt(2.0 * p * (1.0 - p) / kReps));
    }
  }
}

TEST_CASE("Model.NationalBarriersStrikeEverySchemeOrNone", "[model]") {
  // With probability 0.5, on b's start: a national barrier is one draw for
  // the programme (both schemes or neither); a local one draws per scheme.
  Scenario sc = tiny();
  Barrier d;
  d.id = "d";
  d.trigger = Barrier::Trigger::kOnStart;
  d.probability = Scaled{0.5};
  d.targets = {1};
  d.effect = Barrier::Effect::kDelay;
  d.duration = Fixed{10.0};
  sc.barriers.push_back(d);
  constexpr int kReps = 400;
  for (const auto scope : {Barrier::Scope::kNational, Barrier::Scope::kLocal}) {
    sc.barriers[0].scope = scope;
    const Model m(sc);
    int none = 0, one = 0, both = 0;
    for (int i = 0; i < kReps; ++i) {
      ReplicationOutcome out;
      m.simulate(10, static_cast<std::uint64_t>(i), out);
      (out.barrier_hits[0] == 0 ? none : out.barrier_hits[0] == 1 ? one : both) += 1;
    }
    INFO("none " << none << ", one " << one << ", both " << both);
    const double se = std::sqrt(0.25 / kReps);
    if (scope == Barrier::Scope::kNational) {
      REQUIRE(one == 0);
      REQUIRE(std::abs(both / double(kReps) - 0.5) < 4.0 * se);
    } else {
      // Independent draws: one scheme struck in half the replications.
      REQUIRE(std::abs(one / double(kReps) - 0.5) < 4.0 * se);
      REQUIRE(std::abs(both / double(kReps) - 0.25) < 4.0 * std::sqrt(0.25 * 0.75 / kReps));
    }
  }
}

TEST_CASE("Model.ReworkOnStartAddsWork", "[model]") {
  Scenario sc = tiny();
  Barrier rework;
  rework.id = "redo";
  rework.scope = Barrier::Scope::kLocal;
  rework.trigger = Barrier::Trigger::kOnStart;
  rework.probability = Scaled{1.0};
  rework.targets = {2};
  rework.effect = Barrier::Effect::kRework;
  rework.fraction = Scaled{4.0};  // c: 20 + 80 = 100 days, now the longest path
  sc.barriers.push_back(rework);
  const auto out = simulate(sc);
  for (const SchemeOutcome& s : out.schemes) {
    REQUIRE(s.go_live == Approx(190.0));
    REQUIRE(s.critical == 0b100);
  }
}

TEST_CASE("Model.SlipTriggerOnlyStrikesSchemesNotLive", "[model]") {
  Scenario sc = tiny();
  sc.schemes[0].readiness = 2.0;  // design 30 days (to day 60), a+b 45: live at 105
  sc.levers.push_back(date_lever("promised_go_live", 100.0));
  sc.lever_promised_go_live = 0;
  Barrier slip;
  slip.id = "lay";
  slip.scope = Barrier::Scope::kLocal;
  slip.trigger = Barrier::Trigger::kSlip;
  slip.threshold = 50.0;  // strikes at day 150
  slip.targets = {1};
  slip.effect = Barrier::Effect::kDelay;
  slip.duration = Fixed{30.0};
  sc.barriers.push_back(slip);
  const auto out = simulate(sc);
  REQUIRE(out.schemes[0].go_live == Approx(105.0));
  // Scheme two: b runs 140..180 but is stopped for 30 days from 150.
  REQUIRE(out.schemes[1].go_live == Approx(210.0));
  REQUIRE(out.barrier_hits[0] == 1);
}

TEST_CASE("Model.SameReplicationSameOutcome", "[model]") {
  Scenario sc = tiny();
  sc.design_work = wsic::sim::Triangular{30.0, 60.0, 120.0};
  sc.workstreams[0].work = wsic::sim::Triangular{20.0, 50.0, 90.0};
  const Model m(sc);
  ReplicationOutcome a, b, c;
  m.simulate(7, 3, a);
  m.simulate(7, 3, b);
  m.simulate(7, 4, c);
  REQUIRE(a.schemes[1].go_live == b.schemes[1].go_live);
  REQUIRE(a.schemes[1].go_live != c.schemes[1].go_live);
}

TEST_CASE("Model.CycleInWorkstreamGraphIsRejected", "[model]") {
  Scenario sc = tiny();
  sc.workstreams[0].after = {1};  // a after b, b after a
  REQUIRE_THROWS_WITH(Model(sc), Catch::Contains("cycle"));
}

TEST_CASE("Outcomes.CountsMilestonesAndQuantiles", "[model][outcomes]") {
  const Scenario sc = tiny();
  Outcomes o(sc);
  const auto out = simulate(sc);
  o.add(out);
  REQUIRE(o.replications == 1);
  REQUIRE(o.go_live[0].quantile(0.5) == 180);
  REQUIRE(o.live_count_at[0][2] == 1);  // both live by day 181
  Outcomes twice(sc);
  twice.merge(o);
  twice.merge(o);
  REQUIRE(twice.replications == 2);
  const Outcomes back = Outcomes::load(twice.save());
  REQUIRE(back.save() == twice.save());
  REQUIRE_THROWS_AS(Outcomes::load(twice.save().substr(0, 100)), wsic::Error);
}

TEST_CASE("Model.OnStartBarrierOnTheDesignPhaseStrikesWhenDesignStarts", "[model]") {
  Scenario sc = tiny();
  Barrier pause;
  pause.id = "pause";
  pause.scope = Barrier::Scope::kLocal;
  pause.trigger = Barrier::Trigger::kOnStart;
  pause.probability = Scaled{1.0};
  pause.design_phase = true;  // targets: [design]
  pause.effect = Barrier::Effect::kDelay;
  pause.duration = Fixed{20.0};
  sc.barriers.push_back(pause);
  const auto out = simulate(sc);
  for (const SchemeOutcome& s : out.schemes) {
    REQUIRE(s.design_start == 30.0);
    REQUIRE(s.design_end == Approx(110.0));  // 60 days of design, stopped for the first 20
    REQUIRE(s.go_live == Approx(200.0));
  }
  REQUIRE(out.barrier_hits[0] == 2);

  // Rework of the design phase: half the design again.
  sc.barriers[0].effect = Barrier::Effect::kRework;
  sc.barriers[0].fraction = Scaled{0.5};
  const auto redo = simulate(sc);
  for (const SchemeOutcome& s : redo.schemes) REQUIRE(s.design_end == Approx(120.0));
  REQUIRE(redo.barrier_hits[0] == 2);
}

TEST_CASE("Model.SchemeOrderInTheFileChangesNothing", "[model]") {
  // The same programme with its schemes listed in other orders: every
  // scheme (matched by id) has the same outcome in every replication, and so
  // has the programme. The central team goes to the readiest schemes, not to
  // the first ones listed.
  const Scenario sc = wsic::scenario::load_scenario("scenarios/baseline.yaml");
  Scenario reversed = sc;
  std::reverse(reversed.schemes.begin(), reversed.schemes.end());
  Scenario rotated = sc;
  std::rotate(rotated.schemes.begin(), rotated.schemes.begin() + 4, rotated.schemes.end());
  const Model base(sc);
  for (const Scenario* other : {&reversed, &rotated}) {
    const Model m(*other);
    std::vector<std::size_t> index_of(sc.schemes.size());
    for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
      for (std::size_t t = 0; t < other->schemes.size(); ++t) {
        if (other->schemes[t].id == sc.schemes[s].id) index_of[s] = t;
      }
    }
    ReplicationOutcome a, b;
    for (std::uint64_t rep = 0; rep < 2000; ++rep) {
      base.simulate(9, rep, a);
      m.simulate(9, rep, b);
      INFO("replication " << rep);
      REQUIRE(a.codesign_end == b.codesign_end);
      for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
        const SchemeOutcome& x = a.schemes[s];
        const SchemeOutcome& y = b.schemes[index_of[s]];
        INFO("scheme " << sc.schemes[s].id);
        REQUIRE(x.design_end == y.design_end);
        REQUIRE(x.go_live == y.go_live);
        REQUIRE(x.full_coverage == y.full_coverage);
        REQUIRE(x.critical == y.critical);
      }
      REQUIRE(a.barrier_hits == b.barrier_hits);
      REQUIRE(a.spend == b.spend);
    }
  }
}

TEST_CASE("Outcomes.MajorityCountsEveryScheme", "[model][outcomes]") {
  // 65 schemes: the first 32 never go live, the other 33 (a majority) go
  // live on day 10. A majority is live on day 10 however many schemes there
  // are and wherever the live ones stand in the list.
  Scenario sc = tiny();
  sc.schemes.clear();
  for (int s = 0; s < 65; ++s) sc.schemes.push_back(Scheme{'s' + std::to_string(s), "S", {}, "", 1.0, ""});
  Outcomes o(sc);
  ReplicationOutcome r;
  r.schemes.assign(65, SchemeOutcome{});
  for (std::size_t s = 32; s < 65; ++s) r.schemes[s].go_live = 10.0;
  r.barrier_hits.assign(sc.barriers.size(), 0);
  r.spend.assign(spend_rows(sc) * spend_categories(sc).size(), 0.0);
  o.add(r);
  REQUIRE(o.majority_live.quantile(0.5) == 10);
  // One fewer live: no majority.
  r.schemes[32].go_live = kNever;
  Outcomes none(sc);
  none.add(r);
  REQUIRE_FALSE(none.majority_live.quantile(0.5).has_value());
}

TEST_CASE("Outcomes.MonthsMilestonesCriticalityAndSpendAddUp", "[model][outcomes]") {
  // Two replications of tiny() worked by hand. Scheme one goes live in the
  // afternoon of 2014-07-01 (day 181.5), scheme two on 2014-02-01 (day 31).
  const Scenario sc = tiny();
  Outcomes o(sc);
  ReplicationOutcome r;
  r.schemes.assign(2, SchemeOutcome{});
  r.schemes[0].go_live = 181.5;
  r.schemes[1].go_live = 31.0;
  r.schemes[0].critical = 0b101;  // a and c
  r.schemes[1].critical = 0b010;  // b
  REQUIRE(spend_rows(sc) == 2);   // the funded year, then after it
  REQUIRE(o.spend_columns == 3);
  r.spend = {0.4, 0.1, 0.2, 0.0, 0.0, 0.5};
  o.add(r);
  r.spend = {0.6, 0.3, 0.2, 0.0, 0.0, 0.25};
  o.add(r);
  REQUIRE(o.replications == 2);
  // A scheme live at some time on a calendar day is live on that day, for a
  // milestone and for the first of a month alike.
  REQUIRE(o.live_count_at[0][2] == 2);
  CHECK(o.scheme_live_at[0][0] == 2);
  const auto month = [&](double day) {
    const auto it = std::find(o.month_days.begin(), o.month_days.end(), day);
    REQUIRE(it != o.month_days.end());
    return o.live_count_by_month()[static_cast<std::size_t>(it - o.month_days.begin())];
  };
  CHECK(month(0.0) == std::vector<std::uint64_t>{2, 0, 0});
  CHECK(month(31.0) == std::vector<std::uint64_t>{0, 2, 0});
  CHECK(month(151.0) == std::vector<std::uint64_t>{0, 2, 0});  // 2014-06-01
  CHECK(month(181.0) == std::vector<std::uint64_t>{0, 0, 2});  // 2014-07-01
  CHECK(o.critical[0] == std::vector<std::uint64_t>{2, 0, 2});
  CHECK(o.critical[1] == std::vector<std::uint64_t>{0, 2, 0});
  CHECK(o.first_live.quantile(0.5) == 31);
  CHECK(o.all_live.quantile(0.5) == 181);
  CHECK(o.majority_live.quantile(0.5) == 181);  // a strict majority of two is both
  CHECK(o.spend_at(0, 0) == Approx(1.0));
  CHECK(o.spend_at(0, 1) == Approx(0.4));
  CHECK(o.spend_at(0, 2) == Approx(0.4));
  CHECK(o.spend_at(1, 2) == Approx(0.75));
  // A third replication in which scheme one never goes live has no critical
  // path for it: the criticality index is over the two where it did.
  r.schemes[0].go_live = kNever;
  r.schemes[0].critical = 0;
  o.add(r);
  CHECK(o.criticality(0, 0) == 1.0);
  CHECK(o.criticality(0, 1) == 0.0);
  CHECK(o.criticality(1, 1) == 1.0);
  Outcomes never(sc);
  CHECK(never.criticality(0, 0) == 0.0);
}

TEST_CASE("Model.CentralCapacityNeverWrapsAndNeverExceedsTheSchemes", "[model]") {
  Scenario sc = tiny();
  for (const double capacity : {0.2, 1.0, 2.0, 2147483648.0, 1e300}) {
    sc.central_capacity = Scaled{capacity};
    const Model m(sc);
    INFO("capacity " << capacity);
    REQUIRE(m.central_capacity() == std::clamp(static_cast<int>(std::round(std::min(capacity, 2.0))), 1, 2));
  }
}

TEST_CASE("Model.LeaseHeldAtTheHorizonIsReleasedSafely", "[model]") {
  // Design takes longer than the calendar: each scheme's central-team lease
  // is still held when the replication stops, and the simulation is torn
  // down with it held (AddressSanitizer, in CI, checks nothing is used after
  // it is freed). Nothing goes live; the run itself is sound.
  Scenario sc = tiny();
  sc.design_work = Fixed{5000.0};
  sc.central_capacity = Scaled{1.0};
  for (std::uint64_t rep = 0; rep < 20; ++rep) {
    const auto out = simulate(sc, rep);
    for (const SchemeOutcome& s : out.schemes) {
      REQUIRE(s.design_start == 30.0);
      REQUIRE(s.design_end == kNever);
      REQUIRE(s.go_live == kNever);
    }
  }
}

TEST_CASE("Model.ScenarioAtEveryLimitRunsInBoundedMemory", "[model][limits]") {
  // Everything at once at the model's limits: it loads, simulates (each
  // scheme struck by up to 10,000 windows) and fits a batch accumulator of
  // about 19 MB, the figure the run's memory budget is built on.
  const Scenario sc = wsic::scenario::load_scenario("tests/data/scenarios/at_the_limits.yaml");
  REQUIRE(sc.schemes.size() == wsic::model::limits::kSchemes);
  REQUIRE(sc.workstreams.size() == wsic::model::limits::kWorkstreams);
  REQUIRE(sc.barriers.size() == wsic::model::limits::kBarriers);
  const Model m(sc);
  ReplicationOutcome out;
  m.simulate(3, 0, out);
  std::uint64_t hits = 0;
  for (const auto h : out.barrier_hits) hits += h;
  CHECK(hits > 64 * 100 * 50);  // most occurrences strike (a rate of one a day)
  Outcomes batch(sc);
  batch.add(out);
  CHECK(batch.memory_bytes() < std::size_t{20} << 20);
  CHECK(batch.memory_bytes() > std::size_t{18} << 20);
}

TEST_CASE("Model.OtherSettingsSimulateAsAModelBuiltForThem", "[model][settings]") {
  // New parameter values through Settings give exactly what a Model built
  // from the changed scenario gives: the structure is shared, the numbers not.
  const Scenario base = wsic::scenario::load_scenario("scenarios/baseline.yaml");
  const wsic::scenario::ParameterSpace space(base);
  Scenario changed = base;
  for (const auto& [path, value] : std::vector<std::pair<std::string, double>>{
           {"levers.central_share.value", 0.3},       // capacity and local rate follow
           {"schemes.mental_health.readiness", 3.5},  // last in the queue becomes first
           {"workstreams.ig.work.mode", 150.0},
           {"barriers.change_fatigue.trigger.per_year", 1.0},
           {"levers.promised_go_live.value", 500.0}}) {
    const auto i = space.find(path);
    INFO(path);
    REQUIRE(i);
    space.set(changed, *i, value);
  }
  const Model shared(base);
  const Model fresh(changed);
  const Settings other = shared.settings_for(changed);
  CHECK(other.central_capacity == fresh.central_capacity());
  CHECK(other.scheme_priority == fresh.settings().scheme_priority);
  Settings in_place = shared.settings();  // then changed in place and refreshed
  in_place.values = changed;
  shared.refresh(in_place);
  int differ_from_base = 0;
  for (std::uint64_t i = 0; i < 300; ++i) {
    ReplicationOutcome a, b, c, d;
    shared.simulate(other, 11, i, a);
    shared.simulate(in_place, 11, i, b);
    fresh.simulate(11, i, c);
    shared.simulate(11, i, d);
    for (std::size_t s = 0; s < c.schemes.size(); ++s) {
      REQUIRE(a.schemes[s].go_live == c.schemes[s].go_live);
      REQUIRE(b.schemes[s].go_live == c.schemes[s].go_live);
      REQUIRE(a.schemes[s].full_coverage == c.schemes[s].full_coverage);
      differ_from_base += d.schemes[s].go_live != c.schemes[s].go_live ? 1 : 0;
    }
    REQUIRE(a.spend == c.spend);
    REQUIRE(a.barrier_hits == c.barrier_hits);
  }
  CHECK(differ_from_base > 0);  // the change mattered, so agreeing means something
}

TEST_CASE("Model.SettingsOfAnotherStructureAreRefused", "[model][settings]") {
  const Model m(tiny());
  Scenario other = tiny();
  other.schemes.pop_back();
  CHECK_THROWS_AS(m.settings_for(other), wsic::Error);
  other = tiny();
  other.workstreams[1].after.clear();
  CHECK_THROWS_AS(m.settings_for(other), wsic::Error);
  other = tiny();
  other.schemes[0].readiness = 2.0;  // a number: fine
  CHECK(m.settings_for(other).scheme_priority == std::vector<int>{0, 1});
}

namespace {
// A costed decision in tiny(): `value` units of £`per_year`m a year and
// £`once`m once, out of `pot`.
Lever costed_lever(std::string id, double value, double per_year, double once, Lever::Pot pot) {
  Lever l;
  l.id = std::move(id);
  l.value = l.low = l.high = value;
  l.cost_per_year = per_year;
  l.cost_once = once;
  l.paid_from = pot;
  return l;
}
}  // namespace

TEST_CASE("Money.SpendFollowsTheWorkThenGoesOnAfterTheFundedYears", "[model][money]") {
  // tiny(): both schemes live on day 180, covered 100 days later (day 280).
  // Its one funded year, 2014/15, is days 90 to 455.
  Scenario sc = tiny();
  const double y0 = 90, y1 = 455, span = y1 - y0;
  REQUIRE(spend_rows(sc) == 2);
  SECTION("work done within the year: the rest of the money is not spent") {
    sc.schemes[1].readiness = 2.0;  // twice as fast: live on day 105, covered on 205
    const ReplicationOutcome r = simulate(sc);
    REQUIRE(r.schemes[0].full_coverage == 280.0);
    REQUIRE(r.schemes[1].full_coverage == 205.0);
    CHECK(r.spend[0] == Approx(1.0 * (280 - y0) / span));  // the team, until the last scheme is covered
    CHECK(r.spend[1] == 0.0);                              // no consultancy funded
    // Each scheme's half of the local money, until it is covered.
    CHECK(r.spend[2] == Approx(0.5 * (280 - y0) / span + 0.5 * (205 - y0) / span));
    CHECK(r.spend[3] + r.spend[4] + r.spend[5] == 0.0);  // nothing after the funded year
  }
  SECTION("work going on after the funded years costs the last year's rates") {
    sc.ramp = Fixed{400.0};  // covered on day 580
    const ReplicationOutcome r = simulate(sc);
    CHECK(r.spend[0] == Approx(1.0));
    CHECK(r.spend[2] == Approx(1.0));
    CHECK(r.spend[3] == Approx(1.0 * (580 - y1) / span));
    CHECK(r.spend[5] == Approx(1.0 * (580 - y1) / span));
  }
  SECTION("a decision's cost comes out of its pot, and beyond the pot is overspent") {
    sc.ramp = Fixed{400.0};
    sc.levers = {costed_lever("engagement", 1.0, 1.5, 0.25, Lever::Pot::kLocal)};
    REQUIRE(spend_categories(sc).size() == 4);
    const ReplicationOutcome r = simulate(sc);
    CHECK(r.spend[2] == 0.0);                              // local support: the cost took all of it
    CHECK(r.spend[3] == Approx(1.75));                     // the cost, all of it: £0.25m more than the local pot
    CHECK(r.spend[0] + r.spend[3] > 2.0);                  // more than the year's funding
    CHECK(r.spend[7] == Approx(1.5 * (580 - y1) / span));  // after: the yearly part, not the one-off
  }
}

TEST_CASE("Money.CoDesignPaceFollowsItsMoney", "[model][money]") {
  // Co-design (30 days in tiny()) with a quarter of the reference money
  // takes (1 / 0.25)^0.5 = 2 times as long.
  Scenario sc = tiny();
  sc.designation = 0;
  sc.codesign_support_elasticity = 0.5;
  sc.codesign_support_reference = 1.0;
  CHECK(simulate(sc).codesign_end == Approx(30.0));
  sc.levers = {costed_lever("preparation", 1.0, 0.0, 0.75, Lever::Pot::kCentral)};
  CHECK(Model(sc).settings().codesign_factor == Approx(2.0));
  CHECK(simulate(sc).codesign_end == Approx(60.0));
}

TEST_CASE("Money.LocalWorkRateFollowsTheLocalMoney", "[model][money]") {
  // With elasticity 0.5, local money cut to a quarter of the reference
  // halves the local work rate: tiny()'s implementation takes twice as long.
  Scenario sc = tiny();
  sc.local_support_elasticity = 0.5;
  sc.local_support_reference = 1.0;
  sc.levers = {costed_lever("training", 1.0, 0.75, 0.0, Lever::Pot::kLocal)};
  const ReplicationOutcome r = simulate(sc);
  CHECK(Model(sc).local_rate() == Approx(0.5));
  CHECK(r.schemes[0].go_live == Approx(90 + 2 * 90.0));  // design ends on day 90; a then b, 90 days of work
}

TEST_CASE("Money.APromiseFarOffLetsLocalWorkDrift", "[model][money]") {
  // Promised for day 400 with 100 days' slack: until day 300, local work
  // runs at half pace. Design (60 days of work from day 30) ends on day 150,
  // a (50) on 250, b (40): 25 done by day 300, the other 15 by 315.
  Scenario sc = tiny();
  sc.levers = {date_lever("promised_go_live", 400.0)};
  sc.lever_promised_go_live = 0;
  sc.promise_slack = 100.0;
  sc.promise_drift = 0.5;
  const ReplicationOutcome r = simulate(sc);
  CHECK(r.schemes[0].design_end == Approx(150.0));
  CHECK(r.schemes[0].go_live == Approx(315.0));
  // A promise within the slack of designation: no drift (the 180 of tiny()).
  sc.levers[0].value = 120.0;
  CHECK(simulate(sc).schemes[0].go_live == Approx(180.0));
}

TEST_CASE("Model.APartialWorkaroundRunsAtItsPaceUntilNationalAction", "[model]") {
  // tiny(): b (40 days of work) starts on day 140 and meets a block that a
  // workaround lifts after 10 days, then runs at half pace until national
  // action on day 200: 25 days of work done by then, the other 15 by 215.
  Scenario sc = tiny();
  sc.levers = {date_lever("national", 200.0)};
  sc.barriers = {national_block_on_b()};
  sc.barriers[0].workaround = Fixed{10.0};
  CHECK(simulate(sc).schemes[0].go_live == Approx(190.0));  // a full escape: 150 + 40
  sc.barriers[0].workaround_pace = 0.5;
  CHECK(simulate(sc).schemes[0].go_live == Approx(215.0));
  // National action that slips 30 days: half pace from 150 to 230 is all 40 days.
  sc.levers[0].slip = Fixed{30.0};
  CHECK(simulate(sc).schemes[0].go_live == Approx(230.0));
  // No workaround at all: blocked until the (slipped) national action.
  sc.barriers[0].workaround.reset();
  CHECK(simulate(sc).schemes[0].go_live == Approx(270.0));
}

TEST_CASE("Model.NationalActionSlipsByADrawOfItsOwn", "[model]") {
  // tiny() with b blocked until national action on day 200, which slips by
  // a uniform draw on [0, 60] days: b then takes its 40 days, so go-live is
  // 240 + the slip. The slip is one draw per replication for the whole
  // programme (both schemes wait for the same action), fresh in each.
  Scenario sc = tiny();
  sc.levers = {date_lever("national", 200.0)};
  sc.levers[0].slip = wsic::sim::Uniform{0.0, 60.0};
  sc.barriers = {national_block_on_b()};
  const Model m(sc);
  ReplicationOutcome r;
  constexpr int kReps = 2000;
  double sum = 0, sum2 = 0, lo = 1e9, hi = -1e9;
  for (int i = 0; i < kReps; ++i) {
    m.simulate(3, static_cast<std::uint64_t>(i), r);
    REQUIRE(r.schemes[0].go_live == r.schemes[1].go_live);
    const double slip = r.schemes[0].go_live - 240.0;
    sum += slip;
    sum2 += slip * slip;
    lo = std::min(lo, slip);
    hi = std::max(hi, slip);
  }
  const double mean = sum / kReps, sd = std::sqrt(sum2 / kReps - mean * mean);
  CHECK(lo >= 0.0);
  CHECK(hi <= 60.0);
  CHECK(std::abs(mean - 30.0) < 3.0 * 60.0 / std::sqrt(12.0 * kReps));  // three standard errors
  CHECK(sd == Approx(60.0 / std::sqrt(12.0)).epsilon(0.05));
}

TEST_CASE("Components.ABarrierHoldsUpOnlyTheComponentsThatNeedItsWork", "[model][components]") {
  // tiny() with two components: X needs c (done on day 110), Y needs b (done
  // on day 180). An information-governance-like block on b until day 300
  // holds up Y (live on 340) and the full model, not X: the scheme still
  // pilots on day 110. Scheme two has only X, so its full model is X.
  Scenario sc = tiny();
  sc.components = {Component{"x", "X", {2}}, Component{"y", "Y", {1}}};
  sc.schemes[1].components = {0};
  const ReplicationOutcome free = simulate(sc);
  CHECK(free.schemes[0].go_live == Approx(110.0));
  CHECK(free.schemes[0].full_model == Approx(180.0));
  CHECK(free.schemes[1].full_model == Approx(110.0));
  sc.levers = {date_lever("national", 300.0)};
  sc.barriers = {national_block_on_b()};
  const ReplicationOutcome held = simulate(sc);
  CHECK(held.schemes[0].go_live == Approx(110.0));     // X does not need b
  CHECK(held.schemes[0].full_model == Approx(340.0));  // Y waits for national action
  CHECK(held.schemes[1].go_live == Approx(110.0));
  CHECK(held.schemes[1].full_model == Approx(110.0));  // scheme two never needed b
  // The critical path is the first component's: c alone.
  CHECK(held.schemes[0].critical == 0b100);
  // Covered (no population groups, one implicit) once the full model is live
  // and the ramp of 100 days from the pilot is over.
  CHECK(held.schemes[0].full_coverage == Approx(340.0));
  CHECK(held.schemes[1].full_coverage == Approx(210.0));
}

TEST_CASE("Components.WithNoneTheModelIsOneNeedingEveryWorkstream", "[model][components]") {
  // No components: one implicit part needing every workstream needed for
  // go-live, so piloting and the full model are the same day (tiny(): 180).
  Scenario sc = tiny();
  const ReplicationOutcome r = simulate(sc);
  CHECK(r.schemes[0].go_live == Approx(180.0));
  CHECK(r.schemes[0].full_model == Approx(180.0));
  CHECK(r.schemes[0].full_coverage == Approx(280.0));
  sc.workstreams[1].needed_for_go_live = false;  // b: 110 is c's end, a's is 140
  CHECK(simulate(sc).schemes[0].go_live == Approx(140.0));
}

TEST_CASE("Outcomes.PeopleCoveredFollowThePilotAndTheFullModel", "[model][outcomes]") {
  // Scheme one: 100 people in its first group, 50 in a second; piloting on
  // day 31 (2014-02-01), full model on day 181.5, 60 days to enrol a group.
  // On 2014-03-01 (day 59) 28/60 of the first group is enrolled; on
  // 2014-08-01 (day 212) all of it and 30.5/60 of the second.
  Scenario sc = tiny();
  sc.schemes[0].populations = {Population{"first", 100}, Population{"second", 50}};
  sc.schemes[1].populations = {Population{"unreported", 0}};
  Outcomes o(sc);
  CHECK(o.population() == 150.0);
  ReplicationOutcome r;
  r.schemes.assign(2, SchemeOutcome{});
  r.schemes[0].go_live = 31.0;
  r.schemes[0].full_model = 181.5;
  r.schemes[0].ramp = 60.0;
  r.spend.assign(spend_rows(sc) * spend_categories(sc).size(), 0.0);
  o.add(r);
  o.add(r);
  const auto at = [&](double day) {
    const auto it = std::find(o.month_days.begin(), o.month_days.end(), day);
    REQUIRE(it != o.month_days.end());
    return o.people_by_month[static_cast<std::size_t>(it - o.month_days.begin())] / 2.0;
  };
  CHECK(at(0.0) == 0.0);
  CHECK(at(59.0) == Approx(100.0 * 28.0 / 60.0));
  CHECK(at(212.0) == Approx(100.0 + 50.0 * 30.5 / 60.0));
  CHECK(at(334.0) == Approx(150.0));  // 2014-12-01: everyone
}

TEST_CASE("Outcomes.PeopleCoveredSkipOnlyMonthsThatAddNothingNew", "[model][outcomes]") {
  // add() works out only the months between the first enrolment and a day
  // after the last ramp ends, and repeats the sum after that: the totals
  // must be those of working out every month, bit for bit, whatever the
  // schemes did (never live, piloting but never the full model, no ramp,
  // empty groups, a ramp past the horizon).
  Scenario sc = tiny();
  sc.schemes.resize(6, sc.schemes[0]);
  wsic::sim::Rng rng(5, 0, 0);
  for (Scheme& s : sc.schemes) {
    s.populations = {Population{"first", static_cast<std::int64_t>(rng.below(3) * 1237)},
                     Population{"second", static_cast<std::int64_t>(rng.below(3) * 911)}};
  }
  Outcomes o(sc);
  std::vector<double> want(o.month_days.size(), 0.0);
  const double horizon = sc.horizon_day;
  for (int rep = 0; rep < 400; ++rep) {
    ReplicationOutcome r;
    r.schemes.assign(sc.schemes.size(), SchemeOutcome{});
    for (SchemeOutcome& so : r.schemes) {
      const double u = rng.uniform01();
      so.go_live = u < 0.15 ? kNever : rng.uniform01() * horizon;
      so.full_model = rng.uniform01() < 0.2 ? kNever : so.go_live + rng.uniform01() * 400.0;
      so.ramp = rng.uniform01() < 0.2 ? 0.0 : rng.uniform01() * 900.0;
    }
    r.spend.assign(spend_rows(sc) * spend_categories(sc).size(), 0.0);
    o.add(r);
    for (std::size_t m = 0; m < want.size(); ++m) {
      const double day = o.month_days[m];
      const auto enrolled = [&](double from, double ramp) {
        if (!(from <= day)) return 0.0;
        return ramp > 0.0 ? std::min(1.0, (day - from) / ramp) : 1.0;
      };
      double people = 0.0;
      for (std::size_t k = 0; k < sc.schemes.size(); ++k) {
        const SchemeOutcome& so = r.schemes[k];
        const auto& pop = sc.schemes[k].populations;
        people += static_cast<double>(pop[0].size) * enrolled(so.go_live, so.ramp) +
                  static_cast<double>(pop[1].size) * enrolled(so.full_model, so.ramp);
      }
      want[m] += people;
    }
  }
  REQUIRE(o.people_by_month.size() == want.size());
  for (std::size_t m = 0; m < want.size(); ++m) {
    INFO("month " << m);
    CHECK(o.people_by_month[m] == want[m]);
  }
}
