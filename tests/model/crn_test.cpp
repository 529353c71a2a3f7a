// Common random numbers: properties that must hold replication by replication.
#include <catch2/catch.hpp>

#include "wsic/model/model.hpp"
#include "wsic/scenario/loader.hpp"

using namespace wsic::model;
using wsic::scenario::load_scenario;

namespace {
Scenario baseline() { return load_scenario("scenarios/baseline.yaml"); }

Scenario without(const Scenario& sc, const std::string& barrier_id) {
  Scenario out = sc;
  std::erase_if(out.barriers, [&](const Barrier& b) { return b.id == barrier_id; });
  REQUIRE(out.barriers.size() + 1 == sc.barriers.size());
  return out;
}
}  // namespace

TEST_CASE("Crn.RemovingANationalBarrierNeverMakesASchemeLater", "[model][crn]") {
  const Scenario sc = baseline();
  const Model with(sc);
  for (const char* id : {"national_ig", "national_payment"}) {
    const Model without_it(without(sc, id));
    ReplicationOutcome a, b;
    std::size_t earlier = 0;
    for (std::uint64_t rep = 0; rep < 1500; ++rep) {
      with.simulate(42, rep, a);
      without_it.simulate(42, rep, b);
      for (std::size_t s = 0; s < a.schemes.size(); ++s) {
        INFO("barrier " << id << " replication " << rep << " scheme " << sc.schemes[s].id);
        REQUIRE(b.schemes[s].go_live <= a.schemes[s].go_live);
        earlier += b.schemes[s].go_live < a.schemes[s].go_live ? 1 : 0;
      }
    }
    // The property is not vacuous: the barrier does delay schemes.
    INFO("barrier " << id);
    REQUIRE(earlier > 1000);
  }
}

TEST_CASE("Crn.EarlierNationalActionNeverMakesASchemeLater", "[model][crn]") {
  Scenario sc = baseline();
  const Model late(sc);
  for (Lever& l : sc.levers) {
    if (l.id == "national_ig_action" || l.id == "national_payment_action") l.value = l.low;
  }
  const Model early(sc);
  ReplicationOutcome a, b;
  for (std::uint64_t rep = 0; rep < 1000; ++rep) {
    late.simulate(5, rep, a);
    early.simulate(5, rep, b);
    for (std::size_t s = 0; s < a.schemes.size(); ++s) REQUIRE(b.schemes[s].go_live <= a.schemes[s].go_live);
  }
}

TEST_CASE("Crn.SameScenarioSameDraws", "[model][crn]") {
  const Scenario sc = baseline();
  const Model m1(sc), m2(sc);
  ReplicationOutcome a, b;
  for (std::uint64_t rep = 0; rep < 200; ++rep) {
    m1.simulate(9, rep, a);
    m2.simulate(9, rep, b);
    for (std::size_t s = 0; s < a.schemes.size(); ++s) {
      REQUIRE(a.schemes[s].go_live == b.schemes[s].go_live);
      REQUIRE(a.schemes[s].critical == b.schemes[s].critical);
    }
  }
}

TEST_CASE("Crn.ShippedWhatIfsOverlayTheBaseline", "[model][crn]") {
  const Scenario base = baseline();
  const Scenario early = load_scenario("scenarios/early-national-action.yaml");
  REQUIRE(early.name == "early-national-action");
  REQUIRE(early.schemes.size() == base.schemes.size());
  REQUIRE(early.barriers.size() == base.barriers.size());
  REQUIRE(wsic::model::content_hash(early) != wsic::model::content_hash(base));
  for (std::size_t i = 0; i < base.levers.size(); ++i) {
    const bool moved = base.levers[i].id == "national_ig_action" || base.levers[i].id == "national_payment_action";
    INFO(base.levers[i].id);
    REQUIRE((early.levers[i].value != base.levers[i].value) == moved);
  }
  for (const char* f : {"scenarios/transactional-in-parallel.yaml", "scenarios/no-leadership-change.yaml",
                        "scenarios/local-first.yaml"}) {
    INFO(f);
    const Scenario w = load_scenario(f);
    REQUIRE(w.workstreams.size() == base.workstreams.size());
    REQUIRE(wsic::model::content_hash(w) != wsic::model::content_hash(base));
  }
}
