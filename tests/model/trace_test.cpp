// A replication's trace: what happened in it, for telling its story. Keeping
// one changes no outcome, and it agrees with the outcome it comes with.
#include <catch2/catch.hpp>

#include "wsic/model/model.hpp"
#include "wsic/scenario/loader.hpp"

using namespace wsic::model;

TEST_CASE("Trace.AgreesWithTheOutcomeAndChangesNothing", "[model][trace]") {
  const Scenario sc = wsic::scenario::load_scenario("scenarios/baseline.yaml");
  const Model m(sc);
  Trace trace;
  for (std::uint64_t i = 0; i < 50; ++i) {
    ReplicationOutcome plain, traced;
    m.simulate(m.settings(), 7, i, plain);
    m.simulate(m.settings(), 7, i, traced, &trace);
    REQUIRE(traced.barrier_hits == plain.barrier_hits);
    REQUIRE(traced.spend == plain.spend);
    for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
      REQUIRE(traced.schemes[s].go_live == plain.schemes[s].go_live);
      REQUIRE(traced.schemes[s].full_coverage == plain.schemes[s].full_coverage);
    }
    // One strike kept for each one counted, per barrier and per scheme.
    std::vector<std::uint32_t> hits(sc.barriers.size(), 0), by_scheme(sc.schemes.size(), 0);
    for (const Trace::Strike& k : trace.strikes) {
      ++hits[static_cast<std::size_t>(k.barrier)];
      ++by_scheme[static_cast<std::size_t>(k.scheme)];
      CHECK(k.day <= sc.horizon_day);
    }
    CHECK(hits == plain.barrier_hits);
    for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
      CHECK(by_scheme[s] == plain.schemes[s].strikes);
      // A scheme pilots when the last workstream its first component needs
      // is done: on the day some workstream of it ends.
      if (plain.schemes[s].go_live == kNever) continue;
      const auto& ends = trace.work_end[s];
      CHECK(std::find(ends.begin(), ends.end(), plain.schemes[s].go_live) != ends.end());
      for (std::size_t w = 0; w < ends.size(); ++w) {
        if (ends[w] != kNever) CHECK(trace.work_start[s][w] <= ends[w]);
        if (trace.work_start[s][w] != kNever) CHECK(trace.work_start[s][w] >= plain.schemes[s].design_end);
      }
    }
    // National action: each date lever's value, later by its slip (never earlier).
    for (std::size_t l = 0; l < sc.levers.size(); ++l) {
      if (sc.levers[l].slip)
        CHECK(trace.lever_day[l] >= sc.levers[l].value);
      else
        CHECK(trace.lever_day[l] == sc.levers[l].value);
    }
  }
}
