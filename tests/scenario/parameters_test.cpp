#include "wsic/scenario/parameters.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "wsic/scenario/loader.hpp"
#include "wsic/sim/error.hpp"

using wsic::model::content_hash;
using wsic::model::Scenario;
using wsic::scenario::check_scenario;
using wsic::scenario::load_scenario;
using wsic::scenario::Override;
using wsic::scenario::ParameterSpace;

namespace {
const char* kBaseline = "scenarios/baseline.yaml";

std::size_t index_of(const ParameterSpace& space, const std::string& path) {
  const auto i = space.find(path);
  INFO(path);
  REQUIRE(i.has_value());
  return *i;
}
}  // namespace

TEST_CASE("Parameters.EveryNumberOfTheBaselineHasAPathAndItsValue", "[scenario][parameters]") {
  const Scenario sc = load_scenario(kBaseline);
  const ParameterSpace space(sc);
  // One path per number: 3 per lever, 1 per scheme (+ population sizes),
  // 4 per PERT, funding 3 a year, and so on; every path is distinct.
  std::vector<std::string> paths;
  for (const auto& p : space.parameters()) paths.push_back(p.path);
  std::sort(paths.begin(), paths.end());
  CHECK(std::adjacent_find(paths.begin(), paths.end()) == paths.end());
  CHECK(paths.size() > 3 * sc.levers.size() + sc.schemes.size() + 4 * sc.workstreams.size());

  const auto value = [&](const std::string& path) { return space.get(sc, index_of(space, path)); };
  for (const auto& l : sc.levers) CHECK(value("levers." + l.id + ".value") == l.value);
  for (const auto& s : sc.schemes) CHECK(value("schemes." + s.id + ".readiness") == s.readiness);
  const auto& ig = std::get<wsic::sim::BetaPert>(sc.workstreams[2].work);
  REQUIRE(sc.workstreams[2].id == "ig");
  CHECK(value("workstreams.ig.work.min") == ig.min());
  CHECK(value("workstreams.ig.work.mode") == ig.mode());
  CHECK(value("workstreams.ig.work.max") == ig.max());
  CHECK(value("workstreams.ig.work.lambda") == 4.0);
  CHECK(value("funding.2014.central") == sc.funding[1].central);
  // Rates are written per year and stored per day.
  CHECK(value("barriers.change_fatigue.trigger.per_year") == Approx(0.2).epsilon(1e-12));
  CHECK(value("barriers.change_fatigue.trigger.per_year.value") == value("barriers.change_fatigue.trigger.per_year"));
  CHECK(value("barriers.national_ig.resolution.workaround.median") == Approx(8 * 30.436875));
  CHECK(value("barriers.national_ig.resolution.workaround_pace") == 0.4);
  CHECK(value("levers.national_ig_action.slip.mode") == Approx(3 * 30.436875));
  // Keys the scenario does not use are not parameters: a block has no duration.
  CHECK_FALSE(space.find("barriers.national_ig.effect.duration.mode"));
  CHECK_FALSE(space.find("schemes.ealng.readiness"));
  CHECK(space.nearest("schemes.ealng.readiness") == "schemes.ealing.readiness");
}

TEST_CASE("Parameters.SetAgreesWithTheSameValueGivenWithSet", "[scenario][parameters]") {
  // Setting a number in memory gives the scenario the loader gives for the
  // same value on the command line: the same content hash, every number equal.
  const std::vector<std::pair<std::string, std::pair<double, std::string>>> cases = {
      {"levers.central_share.value", {0.35, "0.35"}},
      {"schemes.ealing.readiness", {1.25, "1.25"}},
      {"workstreams.ig.work.mode", {100.0, "100 days"}},
      {"workstreams.ig.work.lambda", {6.0, "6"}},
      {"barriers.national_ig.resolution.workaround.median", {90.0, "90 days"}},
      {"barriers.national_ig.resolution.workaround.sigma", {0.5, "0.5"}},
      {"barriers.change_fatigue.trigger.per_year", {0.3, "0.3"}},
      {"barriers.gp_disengagement.trigger.per_year.power", {-2.0, "-2"}},
      {"funding.2014.local", {3.5, "3.5"}},
      {"programme.central_capacity", {5.0, "5"}},
      {"programme.codesign_duration.max", {240.0, "240 days"}},
  };
  const Scenario base = load_scenario(kBaseline);
  const ParameterSpace space(base);
  for (const auto& [path, value] : cases) {
    INFO(path);
    Scenario mine = base;
    space.set(mine, index_of(space, path), value.first);
    CHECK(space.get(mine, index_of(space, path)) == Approx(value.first).epsilon(1e-12));
    const auto loaded = check_scenario(kBaseline, {}, {Override{path, value.second}});
    INFO(wsic::scenario::format_diagnostics(loaded.diagnostics));
    REQUIRE(loaded.ok());
    CHECK(content_hash(mine) != content_hash(base));
    CHECK(content_hash(mine) == content_hash(*loaded.scenario));
  }
}

TEST_CASE("Parameters.BadValuesAreRefusedAndChangeNothing", "[scenario][parameters]") {
  const Scenario base = load_scenario(kBaseline);
  const ParameterSpace space(base);
  Scenario sc = base;
  CHECK_THROWS_AS(space.set(sc, index_of(space, "schemes.ealing.readiness"), std::nan("")), wsic::Error);
  CHECK_THROWS_WITH(space.set(sc, index_of(space, "workstreams.ig.work.mode"), 1000.0),
                    Catch::Contains("workstreams.ig.work.mode") && Catch::Contains("invalid"));
  CHECK_THROWS_WITH(space.set(sc, index_of(space, "barriers.change_fatigue.trigger.max_occurrences"), 1.5),
                    Catch::Contains("whole number"));
  // The format's range for the key, in the loader's words.
  CHECK_THROWS_WITH(space.set(sc, index_of(space, "schemes.ealing.readiness"), -1.0),
                    Catch::StartsWith("schemes.ealing.readiness: expected"));
  CHECK_THROWS_WITH(space.set(sc, index_of(space, "barriers.local_data_sharing.trigger.probability"), 1.5),
                    Catch::Contains("[0, 1]"));
  CHECK(content_hash(sc) == content_hash(base));
}

TEST_CASE("Parameters.SetOnTheCommandLineIsCheckedLikeTheFile", "[scenario][parameters]") {
  const auto first = [](const std::vector<Override>& o) {
    const auto r = check_scenario(kBaseline, {}, o);
    REQUIRE_FALSE(r.ok());
    return r.diagnostics.front().format();
  };
  CHECK(first({{"schemes.ealng.readiness", "1"}}) ==
        "--set:1:9: error: schemes.ealng.readiness: no scheme 'ealng' in the scenario; did you mean 'ealing'?");
  CHECK(first({{"schemes.ealing.readyness", "1"}}) ==
        "--set:1:16: error: schemes.ealing.readyness: 'readyness' is not a key here; did you mean 'readiness'?");
  CHECK(first({{"levers.central_share.value", "0.3"}, {"schemes.ealing.readiness", "abc"}}) ==
        "--set:2:26: error: schemes[ealing].readiness: expected a number, got 'abc'");
  CHECK(first({{"workstreams.ig.work.mode", "9 months"}})
            .rfind("--set:1:26: error: workstreams[ig].work.mode: mode", 0) == 0);
  CHECK(first({{"levers.centrl_share.value", "0.3"}}).find("did you mean 'central_share'?") != std::string::npos);
  CHECK(first({{"funding.2099.central", "1"}}).find("no funding year '2099'") != std::string::npos);
  CHECK(first({{"milestones.99.observed_live", "1"}}).find("its 6 milestones are numbered from 0") !=
        std::string::npos);
  CHECK(first({{"schemes.ealing.readiness.x", "1"}}).find("which has no 'x'") != std::string::npos);
  CHECK(first({{"barriers", "1"}}).find("not a number") != std::string::npos);
  // The value must be the kind the file would write there.
  CHECK(first({{"barriers.change_fatigue.trigger.from", "soon"}}).rfind("--set:1:", 0) == 0);
}
