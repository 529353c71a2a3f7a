#include "wsic/scenario/loader.hpp"

#include "wsic/model/limits.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <variant>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using wsic::model::Scenario;
using wsic::scenario::check_scenario;
using wsic::scenario::Diagnostic;
using wsic::scenario::LoadOptions;
using wsic::scenario::LoadResult;

fs::path data_dir() { return fs::path(__FILE__).parent_path().parent_path() / "data" / "scenarios"; }
fs::path bad(const std::string& name) { return data_dir() / "bad" / name; }

constexpr double kMonth = 365.2425 / 12.0;

// One expected diagnostic: where, which key, and a fragment of the message.
struct Expected {
  int line;
  int column;
  std::string key_path;
  std::string fragment;
};

// Every diagnostic of `file`, in order (the loader sorts them by position),
// and nothing else: a file with three problems must report exactly three.
void expect_diagnostics(const fs::path& file, const std::vector<Expected>& expected) {
  const LoadResult r = check_scenario(file);
  INFO(wsic::scenario::format_diagnostics(r.diagnostics));
  CHECK_FALSE(r.scenario.has_value());
  REQUIRE(r.diagnostics.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const Diagnostic& d = r.diagnostics[i];
    const Expected& e = expected[i];
    INFO("diagnostic " << i << ": " << d.format());
    CHECK(d.file == file.string());
    CHECK(d.line == e.line);
    CHECK(d.column == e.column);
    CHECK(d.key_path == e.key_path);
    CHECK_THAT(d.message, Contains(e.fragment));
  }
}

// A scratch directory for generated inputs, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("wsic_loader_test_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path write(const std::string& name, const std::string& bytes) const {
    const fs::path p = path_ / name;
    std::ofstream out(p, std::ios::binary);
    out << bytes;
    return p;
  }

 private:
  fs::path path_;
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string text(static_cast<std::size_t>(fs::file_size(p)), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  return text;
}

// Loads under a stopwatch; the bound is a safety net against hangs, not a
// benchmark (the real figures are a few milliseconds).
LoadResult timed_check(const fs::path& file, const LoadOptions& options = {}) {
  const auto t0 = std::chrono::steady_clock::now();
  LoadResult r = check_scenario(file, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO("loading took " << seconds << " s");
  CHECK(seconds < 1.0);
  return r;
}

}  // namespace

// ---------------------------------------------------------------------------
// Valid scenarios

namespace {
// tests/data/scenarios/minimal.yaml, loaded once for the tests that check
// that every field resolves.
const Scenario& minimal() {
  static const Scenario s = [] {
    const LoadResult r = check_scenario(data_dir() / "minimal.yaml");
    INFO(wsic::scenario::format_diagnostics(r.diagnostics));
    REQUIRE(r.ok());
    return *r.scenario;
  }();
  return s;
}
}  // namespace

TEST_CASE("Loader.MinimalResolvesTheProgramme", "[model][loader]") {
  const fs::path file = data_dir() / "minimal.yaml";
  const Scenario& s = minimal();
  CHECK(s.name == "minimal");
  CHECK(s.description == "Three workstreams, two schemes, two barriers.");
  CHECK(s.source_file == file.string());
  CHECK(wsic::model::content_hash(s).size() == 16);
  CHECK(wsic::model::content_hash(s).find_first_not_of("0123456789abcdef") == std::string::npos);

  CHECK(wsic::sim::format_iso_date(s.calendar_start) == "2013-06-01");
  CHECK(wsic::sim::format_iso_date(s.horizon) == "2019-03-31");
  CHECK(s.horizon_day == 2129.0);
  CHECK(s.planned_pilot_day == 214.0);
  REQUIRE(s.milestones.size() == 1);
  CHECK(s.milestones[0].day == 698.0);
  CHECK(s.milestones[0].label == "Evaluation ends");

  CHECK(s.codesign_start == 122.0);
  CHECK(s.designation == 273.0);
  const auto& codesign = std::get<wsic::sim::Triangular>(s.codesign_duration);
  CHECK(codesign.min() == Approx(4.5 * kMonth));
  CHECK(codesign.mode() == Approx(5 * kMonth));
  CHECK(codesign.max() == Approx(7.5 * kMonth));
  const auto& design = std::get<wsic::sim::BetaPert>(s.design_work);
  CHECK(design.lambda() == 4.0);
  CHECK(design.max() == Approx(8 * kMonth));
  CHECK(std::get<wsic::sim::Fixed>(s.ramp).value() == Approx(2 * 365.2425));
  CHECK(s.central_capacity.base == 4.0);
  CHECK(s.central_capacity.lever == -1);
  CHECK(s.central_support_elasticity == 0.5);
  CHECK(s.unsupported_design_penalty == 1.6);
  CHECK(s.local_support_elasticity == 0.5);
  CHECK(s.transactional_prep_effect == 0.6);

  REQUIRE(s.funding.size() == 2);
  CHECK(s.funding[1].year == 2014);
  CHECK(s.funding[1].central == 5.5);
  CHECK(s.funding[1].consultancy == 4.4);
  CHECK(s.funding[1].local == 3.0);
}

TEST_CASE("Loader.MinimalResolvesLeversWorkstreamsAndSchemes", "[model][loader]") {
  const Scenario& s = minimal();
  REQUIRE(s.levers.size() == 2);
  CHECK(s.levers[0].id == "national_ig_action");
  CHECK(s.levers[0].kind == wsic::model::Lever::Kind::kDate);
  CHECK(s.levers[0].value == 1035.0);
  CHECK(s.levers[0].low == 365.0);
  CHECK(s.levers[1].kind == wsic::model::Lever::Kind::kNumber);
  CHECK(s.levers[1].low == 0.5);
  CHECK(s.levers[1].high == 2.0);
  CHECK(s.lever_central_share == -1);
  CHECK(s.lever_promised_go_live == -1);

  REQUIRE(s.workstreams.size() == 3);
  CHECK(s.workstreams[1].kind == wsic::model::Workstream::Kind::kTransactional);
  const auto& ig_work = std::get<wsic::sim::LogNormal>(s.workstreams[1].work);
  CHECK(ig_work.mu() == Approx(std::log(3 * kMonth)));
  CHECK(ig_work.sigma() == 0.4);
  CHECK(std::get<wsic::sim::Fixed>(s.workstreams[2].work).value() == 70.0);
  CHECK(s.workstreams[2].after == std::vector<int>{1});
  CHECK_FALSE(s.workstreams[2].needed_for_go_live);
  CHECK(s.workstreams[0].needed_for_go_live);

  REQUIRE(s.schemes.size() == 2);
  CHECK(s.schemes[0].readiness == 1.9);
  CHECK(s.schemes[0].populations[0].size == 11978);
  CHECK(s.schemes[1].readiness == 1.0);
  CHECK(s.schemes[1].populations[0].size == 0);  // null: not reported
}

TEST_CASE("Loader.MinimalResolvesBarriers", "[model][loader]") {
  const Scenario& s = minimal();
  REQUIRE(s.barriers.size() == 2);
  const auto& ig = s.barriers[0];
  CHECK(ig.scope == wsic::model::Barrier::Scope::kNational);
  CHECK(ig.trigger == wsic::model::Barrier::Trigger::kOnStart);
  CHECK(ig.probability.base == 1.0);
  CHECK(ig.targets == std::vector<int>{1});
  CHECK_FALSE(ig.design_phase);
  CHECK(ig.effect == wsic::model::Barrier::Effect::kBlock);
  CHECK(ig.national_action_lever == 0);
  REQUIRE(ig.workaround.has_value());
  const auto& workaround = std::get<wsic::sim::Gamma>(*ig.workaround);
  CHECK(workaround.shape() == 2.0);
  CHECK(workaround.scale() == Approx(3.5 * kMonth));

  const auto& gp = s.barriers[1];
  CHECK(gp.scope == wsic::model::Barrier::Scope::kScheme);
  CHECK(gp.scheme == 0);
  CHECK(gp.trigger == wsic::model::Barrier::Trigger::kHazard);
  CHECK(gp.from == 273.0);
  CHECK(gp.rate_per_day.base == Approx(0.35 / 365.2425));
  CHECK(gp.rate_per_day.lever == 1);
  CHECK(gp.rate_per_day.power == -1.0);
  CHECK(gp.max_occurrences == 2);
  CHECK(gp.design_phase);
  CHECK(gp.targets == std::vector<int>{0});
  CHECK(gp.effect == wsic::model::Barrier::Effect::kSlowdown);
  CHECK(gp.factor.base == 0.5);
  CHECK(std::get<wsic::sim::Exponential>(gp.duration).rate() == Approx(1.0 / (3 * kMonth)));
}

TEST_CASE("Loader.BaselineLoads", "[model][loader]") {
  const fs::path file = data_dir().parent_path().parent_path().parent_path() / "scenarios" / "baseline.yaml";
  const Scenario s = wsic::scenario::load_scenario(file);
  CHECK(s.name == "baseline");
  CHECK(s.schemes.size() == 9);
  CHECK(s.workstreams.size() == 7);
  CHECK(s.barriers.size() == 11);
  CHECK(s.lever_central_share >= 0);
  CHECK(s.lever_transactional_investment >= 0);
  CHECK(s.lever_promised_go_live >= 0);
  CHECK(s.barriers[3].design_phase);
  CHECK(s.barriers[3].targets.size() == 7);
  CHECK(s.barriers[2].probability.form == wsic::model::Scaled::Form::kComplement);
  // [NT15]: two of the nine live when the evaluation ended.
  const auto observed =
      std::find_if(s.milestones.begin(), s.milestones.end(), [](const auto& m) { return m.observed_live >= 0; });
  REQUIRE(observed != s.milestones.end());
  CHECK(wsic::sim::format_iso_date(observed->date) == "2015-04-30");
  CHECK(observed->observed_live == 2);
  // Money as a budget: the decisions' costs, the money the durations assume.
  const auto lever = [&](const char* id) -> const wsic::model::Lever& {
    const auto it = std::find_if(s.levers.begin(), s.levers.end(), [&](const auto& l) { return l.id == id; });
    REQUIRE(it != s.levers.end());
    return *it;
  };
  CHECK(lever("gp_engagement_effort").cost_per_year == 0.45);
  CHECK(lever("gp_engagement_effort").paid_from == wsic::model::Lever::Pot::kLocal);
  CHECK(lever("transactional_investment").cost_once == 1.0);
  CHECK(lever("transactional_investment").paid_from == wsic::model::Lever::Pot::kCentral);
  CHECK_FALSE(lever("central_share").costed());
  CHECK(s.local_support_reference == 10.56);
  CHECK(s.codesign_support_reference == 3.5);
  CHECK(s.promise_drift == 0.8);
  CHECK(s.promise_slack == Approx(wsic::sim::Duration::months(6).in_days()));
  // Models of care in components [NT15]: Ealing's five, the shadow budget last.
  REQUIRE(s.components.size() == 8);
  const auto& ealing = s.schemes[3];
  REQUIRE(ealing.id == "ealing");
  REQUIRE(ealing.components.size() == 5);
  CHECK(s.components[static_cast<std::size_t>(ealing.components.back())].id == "shadow_budget");
  CHECK(s.components[static_cast<std::size_t>(ealing.components.back())].needs ==
        std::vector<int>{4, 5});  // payment, contracts
}

TEST_CASE("Loader.HashIsOfTheResolvedScenarioNotItsText", "[model][loader]") {
  TempDir dir;
  const std::string text = read_text(data_dir() / "minimal.yaml");
  const std::string original = wsic::model::content_hash(*check_scenario(data_dir() / "minimal.yaml").scenario);

  // Same content: more comments, keys reordered, a flow map written as a block.
  std::string same = "# another comment\n\n" + text;
  same.replace(same.find("calendar:\n  start: 2013-06-01\n  horizon: 2019-03-31\n"),
               std::string("calendar:\n  start: 2013-06-01\n  horizon: 2019-03-31\n").size(),
               "calendar: {horizon: 2019-03-31,   start: 2013-06-01}  # reordered\n");
  const LoadResult r_same = check_scenario(dir.write("same.yaml", same));
  REQUIRE(r_same.ok());
  CHECK(wsic::model::content_hash(*r_same.scenario) == original);

  // The same number written another way is the same scenario.
  std::string respelt = text;
  respelt.replace(respelt.find("readiness: 1.9"), 14, "readiness: 1.90");
  const LoadResult r_respelt = check_scenario(dir.write("respelt.yaml", respelt));
  REQUIRE(r_respelt.ok());
  CHECK(wsic::model::content_hash(*r_respelt.scenario) == original);

  std::string changed = text;
  changed.replace(changed.find("readiness: 1.9"), 14, "readiness: 1.8");
  const LoadResult r_changed = check_scenario(dir.write("changed.yaml", changed));
  REQUIRE(r_changed.ok());
  CHECK(wsic::model::content_hash(*r_changed.scenario) != original);
}

// ---------------------------------------------------------------------------
// Overlays

TEST_CASE("Loader.OverlayChangesLeverReadinessAndAppendsBarrier", "[model][loader][overlay]") {
  const LoadResult base = check_scenario(data_dir() / "minimal.yaml");
  const LoadResult r = check_scenario(data_dir() / "overlay_valid.yaml");
  INFO(wsic::scenario::format_diagnostics(r.diagnostics));
  REQUIRE(r.ok());
  const Scenario& s = *r.scenario;
  CHECK(s.name == "overlay-valid");
  CHECK(s.source_file == (data_dir() / "overlay_valid.yaml").string());
  CHECK(wsic::model::content_hash(s) != wsic::model::content_hash(*base.scenario));
  // The description is inherited.
  CHECK(s.description == base.scenario->description);

  REQUIRE(s.levers.size() == 2);
  CHECK(s.levers[0].id == "national_ig_action");
  CHECK(s.levers[0].value == 579.0);  // 2015-01-01
  CHECK(s.levers[0].low == 365.0);    // kept from the base
  CHECK(s.levers[0].name == "National action on information governance");

  REQUIRE(s.schemes.size() == 2);
  CHECK(s.schemes[1].id == "harrow");
  CHECK(s.schemes[1].readiness == 1.4);
  CHECK(s.schemes[1].name == "Harrow");
  CHECK(s.schemes[1].populations.size() == 1);
  CHECK(s.schemes[0].readiness == 1.9);

  REQUIRE(s.barriers.size() == 3);
  CHECK(s.barriers[0].id == "national_ig");
  CHECK(s.barriers[1].id == "gp_disengagement");
  const auto& lay = s.barriers[2];
  CHECK(lay.id == "lay_frustration");
  CHECK(lay.scope == wsic::model::Barrier::Scope::kLocal);
  CHECK(lay.trigger == wsic::model::Barrier::Trigger::kWindow);
  CHECK(lay.from == 669.0);  // 2015-04-01
  CHECK(lay.to == 1034.0);   // 2016-03-31
  CHECK(lay.probability.base == 0.5);
  CHECK(lay.targets == std::vector<int>{0});
  CHECK(lay.effect == wsic::model::Barrier::Effect::kDelay);
  CHECK(std::get<wsic::sim::Fixed>(lay.duration).value() == Approx(2 * kMonth));

  // Everything else as in the base.
  CHECK(s.workstreams.size() == 3);
  CHECK(s.funding.size() == 2);
  CHECK(s.codesign_start == base.scenario->codesign_start);
}

TEST_CASE("Loader.OverlayOfOverlayRemovesAndReplaces", "[model][loader][overlay]") {
  const LoadResult r = check_scenario(data_dir() / "overlay_remove.yaml");
  INFO(wsic::scenario::format_diagnostics(r.diagnostics));
  REQUIRE(r.ok());
  const Scenario& s = *r.scenario;
  CHECK(s.name == "overlay-remove");
  REQUIRE(s.barriers.size() == 2);
  CHECK(s.barriers[0].id == "national_ig");
  CHECK(s.barriers[1].id == "lay_frustration");
  CHECK(std::get<wsic::sim::Fixed>(s.workstreams[2].work).value() == 84.0);
  CHECK(s.workstreams[2].after == std::vector<int>{1});  // kept from minimal.yaml
  CHECK(s.levers[0].value == 579.0);                     // from overlay_valid.yaml
  const auto& ig = s.barriers[0];
  CHECK(ig.effect == wsic::model::Barrier::Effect::kDelay);
  CHECK(std::get<wsic::sim::Fixed>(ig.duration).value() == Approx(3 * kMonth));
  CHECK(ig.national_action_lever == -1);
  CHECK_FALSE(ig.workaround.has_value());
  CHECK(ig.targets == std::vector<int>{1});  // kept
}

TEST_CASE("Loader.OverlayDiagnosticsPointAtTheOverlay", "[model][loader][overlay]") {
  expect_diagnostics(
      data_dir() / "overlay_bad_value.yaml",
      {{5, 31, "levers.national_ig_action.value", "expected a number or a date like 2016-04-01, got 'soon'"},
       {8, 5, "schemes[harrow].readyness", "did you mean 'readiness'?"},
       {11, 13, "barriers[nothing_here].remove", "no item with id 'nothing_here' to remove"}});
}

TEST_CASE("Loader.OverlayMustNameItself", "[model][loader][overlay]") {
  expect_diagnostics(data_dir() / "overlay_no_name.yaml", {{2, 1, "name", "an overlay must give its own name"}});
}

TEST_CASE("Loader.ExtendsMissingFile", "[model][loader][overlay]") {
  expect_diagnostics(data_dir() / "overlay_missing.yaml",
                     {{2, 10, "extends", "cannot extend 'no_such_scenario.yaml': no such file"}});
}

TEST_CASE("Loader.ExtendsItself", "[model][loader][overlay]") {
  expect_diagnostics(data_dir() / "overlay_self.yaml", {{2, 10, "extends", "a scenario cannot extend itself"}});
}

TEST_CASE("Loader.ExtendsLoop", "[model][loader][overlay]") {
  // The loop is found in the second file, whose extends: closes it.
  const LoadResult r = check_scenario(data_dir() / "overlay_loop_a.yaml");
  REQUIRE(r.diagnostics.size() == 1);
  const Diagnostic& d = r.diagnostics[0];
  CHECK(d.file == (data_dir() / "overlay_loop_b.yaml").string());
  CHECK(d.line == 2);
  CHECK(d.column == 10);
  CHECK(d.message == "extends chain loops: overlay_loop_a.yaml -> overlay_loop_b.yaml -> overlay_loop_a.yaml");
  CHECK_FALSE(r.scenario.has_value());
}

// ---------------------------------------------------------------------------
// Bad input, one file per kind of problem

TEST_CASE("Loader.UnknownKeySuggestsNearest", "[model][loader]") {
  expect_diagnostics(
      bad("unknown_key.yaml"),
      {{4, 1, "descripton", "unknown key 'descripton'; did you mean 'description'?"},
       {57, 5, "schemes[ealing].readyness", "unknown key 'readyness'; did you mean 'readiness'?"},
       {82, 7, "barriers[gp_disengagement].effect.duration", "missing required key 'duration'"},
       {84, 7, "barriers[gp_disengagement].effect.duraton", "unknown key 'duraton'; did you mean 'duration'?"}});
}

TEST_CASE("Loader.WrongTypes", "[model][loader]") {
  expect_diagnostics(
      bad("wrong_types.yaml"),
      {{7, 12, "calendar.horizon", "expected a date like 2015-04-30, got 'soon'"},
       {17, 21, "programme.central_capacity", "expected a number, got '4' (written as a string: drop the quotes"},
       {51, 25, "workstreams[it].needed_for_go_live", "expected true or false, got 'maybe'"},
       {57, 16, "schemes[ealing].readiness", "expected a number, got a list"},
       {79, 24, "barriers[gp_disengagement].trigger.max_occurrences",
        "expected a whole number from 1 to 100, got '1.5'"}});
}

TEST_CASE("Loader.MissingRequiredKeys", "[model][loader]") {
  expect_diagnostics(bad("missing_keys.yaml"),
                     {{3, 1, "plan", "missing required key 'plan'"},
                      {44, 5, "workstreams[it].kind", "missing required key 'kind'"},
                      {55, 5, "schemes[harrow].name", "missing required key 'name'"},
                      {62, 14, "barriers[national_ig].trigger.probability", "missing required key 'probability'"}});
}

TEST_CASE("Loader.DuplicateKeysAndIds", "[model][loader]") {
  expect_diagnostics(
      bad("duplicate_keys.yaml"),
      {{18, 3, "programme.central_capacity", "duplicate key 'central_capacity' (first given at line 17)"},
       {41, 5, "workstreams[care_model].name", "duplicate key 'name' (first given at line 40)"},
       {60, 9, "schemes[ealing].id", "duplicate id 'ealing' (first used at line 55)"}});
}

TEST_CASE("Loader.Durations", "[model][loader]") {
  expect_diagnostics(
      bad("durations.yaml"),
      {{14, 46, "programme.codesign_duration.min", "a duration cannot be negative, got '-1 months'"},
       {22, 18, "programme.ramp_duration", "'9' has no unit: write e.g. '9 months'"},
       {49, 11, "workstreams[it].work", "unknown unit 'wekks' in '10 wekks'"},
       {84, 43, "barriers[gp_disengagement].effect.duration.mean", "expected a duration greater than zero"}});
  const LoadResult r = check_scenario(bad("durations.yaml"));
  CHECK_THAT(r.diagnostics[2].message, Contains("did you mean 'weeks'?"));
}

TEST_CASE("Loader.NumbersOutOfRange", "[model][loader]") {
  expect_diagnostics(
      bad("ranges.yaml"),
      {{11, 63, "milestones[0].observed_live", "expected at most the number of schemes (2), got 3"},
       {19, 31, "programme.unsupported_design_penalty", "expected a number >= 1, got 0.5"},
       {21, 30, "programme.transactional_prep_effect", "expected a number in [0, 1], got 1.2"},
       {57, 16, "schemes[ealing].readiness", "expected a number > 0, got 0"},
       {66, 44, "barriers[national_ig].trigger.probability", "expected a probability in [0, 1], got 1.5"},
       {78, 25, "barriers[gp_disengagement].trigger.per_year.value", "expected a rate per year in [0, 365]"},
       {83, 15, "barriers[gp_disengagement].effect.factor", "expected a number in (0, 1], got 0"}});
}

TEST_CASE("Loader.DistributionParameters", "[model][loader]") {
  expect_diagnostics(
      bad("distributions.yaml"),
      {{14, 77, "programme.codesign_duration.max", "min (243.495 days) must be less than max"},
       {16, 56, "programme.design_duration.mode", "'mode' is not a parameter of a lognormal distribution"},
       {41, 45, "workstreams[care_model].work.mode", "must lie between min"},
       {45, 54, "workstreams[ig].work.sigma", "expected a number > 0, got 0"},
       {71, 26, "barriers[national_ig].resolution.workaround.dist",
        "unknown distribution 'gama'; did you mean 'gamma'?"}});
}

TEST_CASE("Loader.DatesInOrderAndInsideTheCalendar", "[model][loader]") {
  expect_diagnostics(
      bad("dates.yaml"),
      {{9, 16, "plan.pilot_start", "plan.pilot_start (2013-01-01) is not after calendar.start (2013-06-01)"},
       {11, 12, "milestones[0].date", "milestones[0].date (2019-04-30) is not before calendar.horizon (2019-03-31)"},
       {15, 16, "programme.designation", "is not after calendar.start"},
       {30, 10, "levers.national_ig_action.low", "must not exceed value"},
       {77, 13, "barriers[gp_disengagement].trigger.from", "expected a date like 2015-04-30, got '2014-02-30'"}});
  expect_diagnostics(
      bad("calendar_order.yaml"),
      {{7, 12, "calendar.horizon", "calendar.horizon (2012-03-31) must be after calendar.start (2013-06-01)"}});
}

TEST_CASE("Loader.UnknownReferencesSuggestNearestId", "[model][loader]") {
  expect_diagnostics(
      bad("references.yaml"),
      {{50, 13, "workstreams[it].after[0]", "no workstream 'igg'; did you mean 'ig'?"},
       {70, 24, "barriers[national_ig].resolution.national_action", "no lever 'national_ig' is defined"},
       {74, 12, "barriers[gp_disengagement].scope", "unknown scope 'ealng'"},
       {78, 38, "barriers[gp_disengagement].trigger.per_year.lever",
        "no lever 'gp_engagment_effort' is defined; did you mean 'gp_engagement_effort'?"},
       {80, 23, "barriers[gp_disengagement].targets[1]", "no workstream 'care_modle'; did you mean 'care_model'?"}});
}

TEST_CASE("Loader.WorkstreamCycleIsNamedInOrder", "[model][loader]") {
  expect_diagnostics(bad("cycle.yaml"), {{47, 13, "workstreams[ig].after",
                                          "workstream graph has a cycle: care_model -> it -> ig -> care_model"}});
}

TEST_CASE("Loader.BlockNeedsResolutionAndOnlyBlockHasOne", "[model][loader]") {
  expect_diagnostics(bad("block_resolution.yaml"),
                     {{68, 13, "barriers[national_ig].effect", "effect: block needs a resolution"},
                      {82, 17, "barriers[gp_disengagement].resolution", "resolution applies only with effect: block"}});
}

TEST_CASE("Loader.FundingYearsConsecutiveAndMoneyNotNegative", "[model][loader]") {
  expect_diagnostics(
      bad("funding.yaml"),
      {{24, 45, "funding[0].consultancy", "consultancy (4.5) is part of central (3.7)"},
       {25, 12, "funding[1].year", "funding years must be consecutive: 2015 follows 2013 (expected 2014)"},
       {25, 57, "funding[1].local", "expected money (£m) in [0, 100000] (£100bn), got -3"}});
}

TEST_CASE("Loader.LeverKindsAgree", "[model][loader]") {
  expect_diagnostics(
      bad("lever_kinds.yaml"),
      {{30, 10, "levers.national_ig_action.low", "must be all dates or all numbers: value is a date, low is a number"},
       {35, 10, "levers.gp_engagement_effort.low", "low ('1.5') must not exceed value ('1.0')"},
       {78, 38, "barriers[gp_disengagement].trigger.per_year.lever", "lever 'national_ig_action' is a date"}});
}

TEST_CASE("Loader.CostsSlipsAndWorkaroundPacesAreChecked", "[model][loader]") {
  expect_diagnostics(
      bad("lever_costs.yaml"),
      {{25, 28, "programme.local_support_reference", "expected money (£m) in [0, 100000] (£100bn), got -1"},
       {26, 18, "programme.promise_drift", "expected a number in [0, 1], got 1.5"},
       {36, 16, "levers.national_ig_action.paid_from", "a date lever has no cost"},
       {42, 20, "levers.gp_engagement_effort.cost_per_year", "a cost needs the pot it comes out of"},
       {47, 16, "levers.lay_engagement_effort.paid_from", "unknown paid_from 'regional': expected central or local"},
       {50, 11, "levers.leadership_continuity.slip", "only a date lever slips"},
       {94, 24, "barriers[national_payment].resolution.workaround_pace", "add workaround (a distribution)"}});
}

TEST_CASE("Loader.LeverChangesAreInDateOrderWithinTheLeversRange", "[model][loader]") {
  expect_diagnostics(
      bad("lever_changes.yaml"),
      {{10, 16, "levers.central_share.changes[1].from",
        "changes must be in date order: 2014-09-01 is not after the change before it (2014-10-01)"},
       {11, 35, "levers.central_share.changes[2].value",
        "a change's value must lie within the lever's low and high (0.3 to 0.7)"},
       {13, 14, "levers.promised_go_live.changes", "only a number lever changes over time"},
       {15, 22, "levers.gp_engagement_effort.changes[0].from", "is not before calendar.horizon (2019-03-31)"},
       {15, 45, "levers.gp_engagement_effort.changes[1].from", "missing required key 'from'"},
       {15, 57, "levers.gp_engagement_effort.changes[2].value", "missing required key 'value'"},
       {15, 76, "levers.gp_engagement_effort.changes[2].valu", "unknown key 'valu'; did you mean 'value'?"},
       {17, 14, "levers.lay_engagement_effort.changes", "expected a list of {from, value}"}});
}

TEST_CASE("Loader.LeverChangesAreReadAsDaysAndLimitedInNumber", "[model][loader][limits]") {
  TempDir dir;
  const auto write = [&](int changes) {
    std::string text = "extends: " + (fs::current_path() / "scenarios" / "baseline.yaml").string() +
                       "\nname: changes\nlevers:\n  gp_engagement_effort:\n    changes:\n";
    for (int i = 0; i < changes; ++i) {
      text += "      - {from: ";
      const std::chrono::sys_days day =
          std::chrono::sys_days(*wsic::sim::parse_iso_date("2014-01-01")) + std::chrono::days(i);
      text += wsic::sim::format_iso_date(std::chrono::year_month_day(day));
      text += ", value: ";
      text += i % 2 == 0 ? "1.5" : "0.5";
      text += "}\n";
    }
    return dir.write("changes.yaml", text);
  };
  const Scenario sc = wsic::scenario::load_scenario(write(2));
  const auto& levers = sc.levers;
  const auto it =
      std::find_if(levers.begin(), levers.end(), [](const auto& l) { return l.id == "gp_engagement_effort"; });
  REQUIRE(it != levers.end());
  REQUIRE(it->changes.size() == 2);
  // The calendar starts on 2013-06-01: 2014-01-01 is day 214.
  CHECK(it->changes[0].day == 214.0);
  CHECK(it->changes[1].day == 215.0);
  CHECK(it->changes[0].value == 1.5);
  CHECK(it->changes[1].value == 0.5);
  CHECK(wsic::scenario::check_scenario(write(static_cast<int>(wsic::model::limits::kLeverChanges))).scenario);
  const LoadResult past =
      wsic::scenario::check_scenario(write(static_cast<int>(wsic::model::limits::kLeverChanges) + 1));
  REQUIRE(past.diagnostics.size() == 1);
  CHECK(past.diagnostics[0].line == 6 + static_cast<int>(wsic::model::limits::kLeverChanges));
  CHECK(past.diagnostics[0].key_path == "levers.gp_engagement_effort.changes[100]");
  CHECK_THAT(past.diagnostics[0].message, Contains("at most 100"));
}

TEST_CASE("Loader.ComponentsNeedKnownWorkstreamsAndSchemesKnownComponents", "[model][loader]") {
  expect_diagnostics(bad("components.yaml"),
                     {{56, 25, "components[mdt].needs[1]", "no workstream 'igg'; did you mean 'ig'?"},
                      {59, 12, "components[plan].needs", "expected at least 1 item, got an empty list"},
                      {65, 23, "schemes[ealing].components[1]", "no component 'mdtt'; did you mean 'mdt'?"},
                      {65, 29, "schemes[ealing].components[2]", "component 'mdt' is listed twice"}});
}

TEST_CASE("Loader.KeysOfAnotherTypeAndUnknownTypes", "[model][loader]") {
  expect_diagnostics(
      bad("trigger_effect_keys.yaml"),
      {{66, 49, "barriers[national_ig].trigger.per_year", "'per_year' does not apply to a trigger of type on_start"},
       {82, 13, "barriers[gp_disengagement].effect.type", "unknown effect type 'slowdwn'"}});
}

TEST_CASE("Loader.WindowsSlipSharesRemoveAndScaledForms", "[model][loader]") {
  expect_diagnostics(
      bad("misc.yaml"),
      {{18, 86, "programme.central_capacity.power", "power applies only with form: power"},
       {33, 26, "levers.central_share.value", "is a share: expected a number in [0, 1], got 1.5"},
       {61, 13, "schemes[harrow].remove", "remove: true only applies in an overlay"},
       {69, 51, "barriers[national_ig].trigger.to", "the window must end after it starts"},
       {79, 13, "barriers[gp_disengagement].trigger.type",
        "a slip trigger counts from the lever promised_go_live, which is not defined"},
       {80, 18, "barriers[gp_disengagement].trigger.threshold", "expected a duration greater than zero"}});
}

TEST_CASE("Loader.SyntaxError", "[model][loader]") {
  expect_diagnostics(bad("syntax.yaml"), {{5, 5, "", "YAML syntax error"}});
}

TEST_CASE("Loader.EmptyFile", "[model][loader]") {
  expect_diagnostics(bad("empty.yaml"), {{0, 0, "", "the file is empty: a scenario needs at least name, calendar"}});
}

TEST_CASE("Loader.SecondDocumentIsAnError", "[model][loader]") {
  expect_diagnostics(bad("two_documents.yaml"), {{5, 1, "", "a second YAML document starts here"}});
}

TEST_CASE("Loader.TextWithNoValueIsNotCalledEmpty", "[model][loader]") {
  expect_diagnostics(bad("stray_start.yaml"), {{2, 1, "", "no YAML value could be read from here"}});
}

TEST_CASE("Loader.NotAMap", "[model][loader]") {
  expect_diagnostics(bad("not_a_map.yaml"), {{3, 1, "", "a scenario is a map of keys"}});
}

TEST_CASE("Loader.MissingFile", "[model][loader]") {
  expect_diagnostics(data_dir() / "no_such_file.yaml", {{0, 0, "", "no such file"}});
}

TEST_CASE("Loader.LoadScenarioThrowsWithEveryDiagnostic", "[model][loader]") {
  try {
    (void)wsic::scenario::load_scenario(bad("ranges.yaml"));
    FAIL("load_scenario did not throw");
  } catch (const wsic::scenario::ScenarioError& e) {
    CHECK(e.diagnostics().size() == 7);
    const std::string what = e.what();
    CHECK(std::count(what.begin(), what.end(), '\n') == 6);
    CHECK_THAT(what, Contains(bad("ranges.yaml").string() + ":19:31: error: programme.unsupported_design_penalty: "
                                                            "expected a number >= 1, got 0.5"));
  }
}

TEST_CASE("Loader.MaxErrorsSuppressesTheRest", "[model][loader]") {
  LoadOptions options;
  options.max_errors = 2;
  const LoadResult r = check_scenario(bad("ranges.yaml"), options);
  REQUIRE(r.diagnostics.size() == 3);
  CHECK(r.diagnostics[0].line == 11);
  CHECK(r.diagnostics[1].line == 19);
  CHECK(r.diagnostics[2].line == 0);
  CHECK(r.diagnostics[2].message == "5 more problems not shown (at most 2 are reported)");
}

TEST_CASE("Diagnostic.FormatIsCompilerStyle", "[model][loader]") {
  const Diagnostic d{"a.yaml", 3, 7, "barriers[x].trigger", "bad"};
  CHECK(d.format() == "a.yaml:3:7: error: barriers[x].trigger: bad");
  CHECK(Diagnostic{"a.yaml", 0, 0, "", "empty"}.format() == "a.yaml: error: empty");
}

// ---------------------------------------------------------------------------
// Hostile input: generated here, refused quickly and cheaply.

TEST_CASE("Loader.RefusesVeryLargeFile", "[model][loader][limits]") {
  TempDir dir;
  const fs::path file = dir.write("large.yaml", std::string((4u << 20) + 1, '#'));
  const LoadResult r = timed_check(file);
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].line == 0);
  CHECK_THAT(r.diagnostics[0].message, Contains("4194305 bytes, more than the limit of 4194304"));
}

TEST_CASE("Loader.RefusesDeepFlowNesting", "[model][loader][limits]") {
  TempDir dir;
  std::string text = "name: ";  // built by appends: GCC 12 misreads "..." + std::string(n, c) as out of bounds
  text.append(200000, '[').append("\n");
  const fs::path file = dir.write("deep.yaml", text);
  const LoadResult r = timed_check(file);
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].line == 1);
  CHECK(r.diagnostics[0].column == 70);  // the 64th '[' after "name: " (depth 1 + 64)
  CHECK_THAT(r.diagnostics[0].message, Contains("nested more than 64 levels deep"));
}

TEST_CASE("Loader.RefusesDeepBlockNesting", "[model][loader][limits]") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 300; ++i) text += std::string(static_cast<std::size_t>(i), ' ') + "k:\n";
  const LoadResult r = timed_check(dir.write("deep_block.yaml", text));
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].line == 65);
  CHECK(r.diagnostics[0].column == 65);
  CHECK_THAT(r.diagnostics[0].message, Contains("nested more than 64 levels deep"));
}

TEST_CASE("Loader.RefusesAliasBomb", "[model][loader][limits]") {
  TempDir dir;
  // Nine levels of nine aliases each: 9^9 (387 million) nodes when expanded.
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int k = 0; k < 9; ++k) text += std::string(k == 0 ? "*" : ", *") + static_cast<char>(c - 1);
    text += "]\n";
  }
  const LoadResult r = timed_check(dir.write("bomb.yaml", text));
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].line > 0);
  CHECK_THAT(r.diagnostics[0].message, Contains("expands to more than 200000 nodes"));
}

TEST_CASE("Loader.RefusesTooManyValuesBeforeParsing", "[model][loader][limits]") {
  TempDir dir;
  // Under the size limit, but two million scalars: yaml-cpp alone would take
  // seconds and a gigabyte to build it.
  std::string text = "name: [";
  for (int i = 0; i < 1999999; ++i) text += "x,";
  text += "x]\n";
  const LoadResult r = timed_check(dir.write("many.yaml", text));
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].line == 1);
  CHECK(r.diagnostics[0].column == 7 + 2 * 199999);  // the comma where the count passes 200000
  CHECK_THAT(r.diagnostics[0].message, Contains("more than 200000 values"));
}

TEST_CASE("Loader.RefusesRecursiveAlias", "[model][loader][limits]") {
  TempDir dir;
  const LoadResult r = timed_check(dir.write("recursive.yaml", "a: &x [1, *x]\n"));
  REQUIRE(r.diagnostics.size() == 1);
  CHECK_THAT(r.diagnostics[0].message, Contains("nested more than 64 levels deep"));
}

TEST_CASE("Loader.RefusesBinaryFile", "[model][loader][limits]") {
  TempDir dir;
  const LoadResult r = timed_check(dir.write("binary.yaml", std::string("name: x\nab\0\x01\x02", 13)));
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].line == 2);
  CHECK(r.diagnostics[0].column == 3);
  CHECK_THAT(r.diagnostics[0].message, Contains("NUL byte"));
}

TEST_CASE("Loader.RefusesInvalidUtf8", "[model][loader][limits]") {
  TempDir dir;
  // A valid two-byte character (é), then a Latin-1 é: column counts characters.
  const LoadResult r = timed_check(dir.write("latin1.yaml", "name: x\ndescription: caf\xc3\xa9 caf\xe9\n"));
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].line == 2);
  CHECK(r.diagnostics[0].column == 22);
  CHECK_THAT(r.diagnostics[0].message, Contains("invalid UTF-8 (byte 0xE9)"));
}

TEST_CASE("Loader.HugeIdNearAMisspeltReferenceIsRefusedCheaply", "[model][loader][limits]") {
  // A scheme id of 3.5 million letters, and a barrier whose scope misspells
  // it: the id is refused, and looking for a suggestion does not compare the
  // scope with it character by character (which took gigabytes).
  TempDir dir;
  const std::string huge(3'500'000, 'a');
  std::string text = read_text(data_dir() / "minimal.yaml");
  text.replace(text.find("  - id: harrow"), 14, "  - id: " + huge);
  text.replace(text.find("    scope: ealing"), 17, "    scope: " + huge.substr(0, 60) + "b");
  const LoadResult r = check_scenario(dir.write("huge_id.yaml", text));
  INFO(wsic::scenario::format_diagnostics(r.diagnostics).substr(0, 2000));
  // Peak memory of this test process (each test runs in its own): the text,
  // its parse and a few copies, not an n x m table of distances.
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  INFO("peak resident set " << usage.ru_maxrss / 1024 << " MB");
  CHECK(usage.ru_maxrss < 400L * 1024);
  REQUIRE(r.diagnostics.size() == 2);
  CHECK_THAT(r.diagnostics[0].message, Contains("expected an id (at most 64 lower-case letters"));
  CHECK_THAT(r.diagnostics[1].message, Contains("unknown scope"));
}

TEST_CASE("Diagnostic.FormatEscapesControlCharactersAndBadBytes", "[model][loader]") {
  // Whatever a file holds, a diagnostic printed to a terminal cannot carry an
  // escape sequence or bytes that are not UTF-8.
  const Diagnostic d{"a\x1b[2J.yaml", 3, 4, "levers.x\x1b[31m", "unknown key 'k\x07\xc2\x9b\x85' (caf\xc3\xa9)"};
  CHECK(d.format() ==
        "a\\u001B[2J.yaml:3:4: error: levers.x\\u001B[31m: unknown key 'k\\u0007\\u009B\\x85' (caf\xc3\xa9)");
}

TEST_CASE("Loader.RemoveTakesEveryFormOfTrueAndFalseKeeps", "[model][loader][overlay]") {
  // remove: True and TRUE remove, as true does (they were dropped without a
  // word); remove: false keeps the item (and is not an error).
  TempDir dir;
  fs::copy_file(data_dir() / "minimal.yaml", dir.path() / "minimal.yaml");
  for (const char* yes : {"true", "True", "TRUE"}) {
    INFO(yes);
    const fs::path file =
        dir.write(std::string("remove_") + yes + ".yaml",
                  std::string("extends: minimal.yaml\nname: removed\nbarriers:\n  - {id: gp_disengagement, remove: ") +
                      yes + "}\n");
    const LoadResult r = check_scenario(file);
    INFO(wsic::scenario::format_diagnostics(r.diagnostics));
    REQUIRE(r.ok());
    REQUIRE(r.scenario->barriers.size() == 1);
    CHECK(r.scenario->barriers[0].id == "national_ig");
  }
  const LoadResult kept = check_scenario(dir.write(
      "keep.yaml",
      "extends: minimal.yaml\nname: kept\nbarriers:\n  - {id: gp_disengagement, remove: false, name: Kept}\n"));
  INFO(wsic::scenario::format_diagnostics(kept.diagnostics));
  REQUIRE(kept.ok());
  REQUIRE(kept.scenario->barriers.size() == 2);
  CHECK(kept.scenario->barriers[1].name == "Kept");
}

TEST_CASE("Loader.SourceCacheKeepsTheFilesAsFirstRead", "[model][loader]") {
  TempDir dir;
  const std::string base = read_text("scenarios/baseline.yaml");
  const fs::path b = dir.write("baseline.yaml", base);
  const fs::path o = dir.write("o.yaml", "extends: baseline.yaml\nname: o\nlevers:\n  central_share: {value: 0.4}\n");
  wsic::scenario::SourceCache cache;
  LoadOptions opt;
  opt.sources = &cache;
  const auto first = wsic::scenario::load_scenario(o, opt);
  CHECK(first.levers[2].value == 0.4);
  CHECK(cache.get(b).has_value());
  // Edited on disk: a load through the cache still sees the first text, parsed
  // or not, with overrides checked as ever.
  dir.write("o.yaml", "extends: baseline.yaml\nname: o\nlevers:\n  central_share: {value: 0.6}\n");
  const auto again = wsic::scenario::load_scenario(o, opt, {{"levers.gp_engagement_effort.value", "1.5"}});
  CHECK(again.levers[2].value == 0.4);
  CHECK(again.levers[6].value == 1.5);
  const auto bad = wsic::scenario::check_scenario(o, opt, {{"levers.central_share.value", "0.9"}});
  REQUIRE(!bad.ok());
  CHECK(bad.diagnostics.front().file == "--set");
  // The same file loaded on its own (first in its chain) is its own parse.
  const auto alone = wsic::scenario::load_scenario(b, opt);
  CHECK(alone.levers[2].value == 0.5);
  // A replaced text is read afresh; a text given only to the cache loads by its name.
  cache.put(o, "extends: baseline.yaml\nname: o\nlevers:\n  central_share: {value: 0.35}\n");
  CHECK(wsic::scenario::load_scenario(o, opt).levers[2].value == 0.35);
  cache.put(dir.path() / "virtual.yaml", "extends: baseline.yaml\nname: v\n");
  CHECK(wsic::scenario::load_scenario(dir.path() / "virtual.yaml", opt).name == "v");
  // Without the cache, the disk's text.
  CHECK(wsic::scenario::load_scenario(o).levers[2].value == 0.6);
  // A cached file too big for the limit is refused as one on disk would be.
  LoadOptions tight = opt;
  tight.max_file_bytes = 100;
  CHECK(!wsic::scenario::check_scenario(o, tight).ok());
}
