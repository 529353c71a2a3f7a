#include "wsic/lab/lab.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "support.hpp"
#include "wsic/experiment/compare.hpp"
#include "wsic/report/comparison.hpp"
#include "wsic/report/report.hpp"
#include "wsic/report/report_data.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/scenario/parameters.hpp"

using namespace wsic;
using nlohmann::json;

namespace {
lab::LabOptions small() {
  lab::LabOptions o;
  o.seed = 7;
  o.replications = 200;
  o.threads = 2;
  return o;
}
const char* kBaseline = "scenarios/baseline.yaml";
}  // namespace

TEST_CASE("Lab.DescribesDecisionsAndUncertaintiesApart", "[lab]") {
  const lab::Lab l(kBaseline, small());
  const auto d = l.describe();
  std::set<std::string> decisions, uncertainties;
  for (const auto& g : d["decisions"])
    for (const auto& c : g["controls"]) decisions.insert(c["id"].get<std::string>());
  for (const auto& g : d["uncertainties"])
    for (const auto& c : g["controls"]) uncertainties.insert(c["id"].get<std::string>());
  CHECK(decisions.count("central_share") == 1);
  CHECK(decisions.count("promised_go_live") == 1);
  CHECK(uncertainties.count("national_ig_action") == 1);
  CHECK(uncertainties.count("leadership_continuity") == 1);
  CHECK(uncertainties.count("national_governance_action") == 1);
  CHECK(decisions.size() + uncertainties.size() == 10);
  // A control carries what the page shows: the value as the file writes it, the range, the sources.
  for (const auto& g : d["decisions"]) {
    for (const auto& c : g["controls"]) {
      if (c["id"] == "central_share") {
        CHECK(c["value"] == "0.5");
        CHECK(c["low"] == "0.3");
        CHECK(c["high"] == "0.7");
        CHECK(c["sources"] == json::array({"NT15"}));
        CHECK(g["name"] == "Money");
      }
      if (c["id"] == "promised_go_live") CHECK(c["value"] == "2014-04-01");
    }
  }
  REQUIRE(d["observed"].size() == 1);
  CHECK(d["observed"][0]["live"] == 2);
}

TEST_CASE("Lab.RunPairsAgainstTheScenarioAsACompareDoes", "[lab]") {
  // The lab keeps the scenario's own run and pairs each change with it; the
  // figures must be those of Comparison::run, which runs both afresh.
  const lab::Lab l(kBaseline, small());
  const std::vector<lab::Setting> settings{{"central_share", "0.62"}, {"national_ig_action", "2015-01-01"}};
  const auto r = l.run(settings, 300, nullptr);
  std::vector<scenario::Override> ov{{"levers.central_share.value", "0.62"},
                                     {"levers.national_ig_action.value", "2015-01-01"}};
  const auto base = scenario::load_scenario(kBaseline);
  const auto whatif = scenario::load_scenario(kBaseline, {}, ov);
  const experiment::Comparison cmp({base, whatif});
  experiment::BatchSpec spec;
  spec.seed = 7;
  spec.replications = 300;
  spec.threads = 2;
  const auto total = cmp.run(spec);
  const auto& series = cmp.series();
  const auto all = static_cast<std::size_t>(
      std::find_if(series.begin(), series.end(), [](const auto& s) { return s.base_index == -2; }) - series.begin());
  const auto s = total.diffs[0].summary(all);
  const auto& f = r["figures"]["shift_all_live"];
  CHECK(f["pairs"] == s.pairs);
  CHECK(f["p50_days"].get<double>() == s.p50);
  CHECK(f["mean_days"].get<double>() == s.mean);
  CHECK(f["p_earlier"].get<double>() == s.probability_earlier);
  CHECK(r["figures"]["all_live"]["p50"] == model::iso_day(whatif, total.outcomes[1].all_live.quantile(0.5)));
  CHECK(r["figures"]["base_all_live"]["p50"] == model::iso_day(base, total.outcomes[0].all_live.quantile(0.5)));
  // The headline says which way the median moved, as the pairs say.
  const std::string headline = r["headline"];
  INFO(headline);
  if (s.p50 <= -7) CHECK(headline.find("earlier than the scenario as written") != std::string::npos);
  if (s.p50 >= 7) CHECK(headline.find("later than the scenario as written") != std::string::npos);
  if (std::abs(s.p50) < 7) CHECK(headline.find("about the same as the scenario as written") != std::string::npos);
  CHECK(headline.starts_with("All nine live: median "));
  // The charts are the report's.
  std::set<std::string> names;
  for (const auto& c : r["charts"]) {
    names.insert(c["name"].get<std::string>());
    CHECK(c["skipped"] == "");
    CHECK(c["svg"].get<std::string>().starts_with("<svg"));
  }
  CHECK(names == std::set<std::string>(lab::lab_charts().begin(), lab::lab_charts().end()));
  // ... the run's charts drawn from the data the lab builds (only what they
  // read), the same as from the whole report data of the same run. (The
  // comparison's charts name the lab's what-if as the lab names it.)
  const report::CompareTables tables = report::compare_tables(cmp.scenarios(), series, total);
  nlohmann::ordered_json data = report::run_report_data(whatif, total.outcomes[1], report::RunFacts{}, {}, {});
  data["kind"] = "compare";
  data["comparison"] =
      report::comparison_report_data(cmp.scenarios(), total, tables.answers, tables.dates, tables.whatifs);
  const auto want = report::render_charts(json(data), lab::lab_charts());
  REQUIRE(want.size() == r["charts"].size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO(want[i].name);
    CHECK(r["charts"][i]["name"] == want[i].name);
    if (!want[i].name.starts_with("comparison")) CHECK(r["charts"][i]["svg"] == want[i].svg);
  }
  CHECK_THROWS_AS(report::chart_report_data(whatif, total.outcomes[1], {"gantt"}), std::invalid_argument);
}

TEST_CASE("Lab.RefusesSettingsAsTheLoaderDoes", "[lab]") {
  const lab::Lab l(kBaseline, small());
  const auto refused = [&](std::vector<lab::Setting> s) -> json {
    try {
      (void)l.run(s, 10, nullptr);
    } catch (const lab::BadRequest& e) {
      return e.problems();
    }
    return nullptr;
  };
  // Above the lever's high end: the loader's message, placed at the lever.
  const json high = refused({{"central_share", "0.9"}});
  REQUIRE(high.is_array());
  REQUIRE(!high.empty());
  CHECK(high[0]["lever"] == "central_share");
  CHECK(high[0]["message"].get<std::string>().find("high") != std::string::npos);
  CHECK(refused({{"central_share", "lots"}}).is_array());
  CHECK(refused({{"promised_go_live", "2015-02-30"}}).is_array());
  CHECK(refused({{"no_such_lever", "1"}})[0]["lever"] == "no_such_lever");
  CHECK(refused({{"central_share", "0.6"}}).is_null());
}

TEST_CASE("Lab.ParsesRequestsStrictly", "[lab]") {
  CHECK(lab::Lab::parse_settings(json::parse(R"({"central_share": "0.6", "gp_engagement_effort": 1.5})")).size() == 2);
  CHECK(lab::Lab::parse_settings(json()).empty());
  CHECK_THROWS_AS(lab::Lab::parse_settings(json::parse(R"({"central_share": null})")), lab::BadRequest);
  CHECK_THROWS_AS(lab::Lab::parse_settings(json::parse(R"("central_share")")), lab::BadRequest);
  CHECK_THROWS_AS(lab::Lab::parse_settings(json::parse(
                      R"({"x": "0123456789012345678901234567890123456789012345678901234567890123456789"})")),
                  lab::BadRequest);
  const lab::Lab l(kBaseline, small());
  CHECK(l.parse_replications(json()) == 200);
  CHECK(l.parse_replications(json(5000)) == 5000);
  CHECK_THROWS_AS(l.parse_replications(json(0)), lab::BadRequest);
  CHECK_THROWS_AS(l.parse_replications(json(-3)), lab::BadRequest);
  CHECK_THROWS_AS(l.parse_replications(json(1.5)), lab::BadRequest);
  CHECK_THROWS_AS(l.parse_replications(json(lab::kMaxLabReplications + 1)), lab::BadRequest);
}

TEST_CASE("Lab.SavedOverlayLoadsAsTheSettings", "[lab]") {
  const lab::Lab l(kBaseline, small());
  const auto [name, text] = l.save({{"central_share", "0.62"}, {"promised_go_live", "2015-04-01"}}, 2000);
  CHECK(name == "baseline-lab.yaml");
  CHECK(text.find("-n 2000 --seed 7") != std::string::npos);
  const std::filesystem::path dir = wsic::test::fresh_dir("lab-save");
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / name) << text; }
  const auto saved = scenario::load_scenario(dir / name);
  const auto expected = scenario::load_scenario(
      kBaseline, {}, {{"levers.central_share.value", "0.62"}, {"levers.promised_go_live.value", "2015-04-01"}});
  const scenario::ParameterSpace space(expected);
  for (std::size_t i = 0; i < space.parameters().size(); ++i) {
    INFO(space.parameters()[i].path);
    CHECK(space.get(saved, i) == space.get(expected, i));
  }
  CHECK(saved.name == "baseline-lab");
}

TEST_CASE("Lab.OpensAnUploadOrSaysWhereItIsWrong", "[lab]") {
  lab::Lab l(kBaseline, small());
  // An overlay extends files next to the scenario the lab started with.
  l.open("whatif.yaml", "extends: baseline.yaml\nname: whatif\nlevers:\n  central_share: {value: 0.4}\n");
  const auto d = l.describe();
  CHECK(d["scenario"]["name"] == "whatif");
  CHECK(d["scenario"]["uploaded"] == true);
  try {
    l.open("broken.yaml", "extends: baseline.yaml\nname: broken\nlevers:\n  central_share: {value: 2}\n");
    FAIL("a broken upload was opened");
  } catch (const lab::BadRequest& e) {
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0]["line"] == 4);
    CHECK(e.problems()[0]["message"].get<std::string>().starts_with("broken.yaml:4:"));
  }
  CHECK(l.describe()["scenario"]["name"] == "whatif");  // unchanged
  CHECK_THROWS_AS(l.open("../etc/passwd.yaml", "name: x\n"), lab::BadRequest);
  CHECK_THROWS_AS(l.open("a/b.yaml", "name: x\n"), lab::BadRequest);
  CHECK_THROWS_AS(l.open("x.txt", "name: x\n"), lab::BadRequest);
  CHECK_THROWS_AS(l.open("big.yaml", std::string(2u << 20, ' ')), lab::BadRequest);
}

TEST_CASE("Lab.AControlShowsTheChangesItsLeverMakes", "[lab]") {
  // A lever whose value changes over time: its control sets the first value
  // and lists the changes, which a run keeps.
  const lab::Lab l("scenarios/rebalance-after-design.yaml", small());
  const auto d = l.describe();
  int seen = 0;
  for (const auto& g : d["decisions"]) {
    for (const auto& c : g["controls"]) {
      if (c["id"] == "central_share") {
        ++seen;
        CHECK(c["value"] == "0.65");
        CHECK(c["changes"] == json::array({{{"from", "2015-01-01"}, {"value", "0.3"}}}));
      } else {
        CHECK(c["changes"].empty());
      }
    }
  }
  CHECK(seen == 1);
}
