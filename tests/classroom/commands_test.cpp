// `wsic class`: a class kept in a file, driven from the command line. Teams
// deciding at the same moment each keep their decisions.
#include "wsic/classroom/commands.hpp"

#include "wsic/classroom/session.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support.hpp"

namespace fs = std::filesystem;
using namespace wsic::test;

namespace {
/// The value after "LABEL: " in `text`.
std::string field(const std::string& text, const std::string& label) {
  const auto at = text.find(label + ": ");
  REQUIRE(at != std::string::npos);
  const auto from = at + label.size() + 2;
  return text.substr(from, text.find('\n', from) - from);
}
}  // namespace

TEST_CASE("ClassCommand.AClassRunsFromTheCommandLineAndLosesNoSubmission", "[classroom][cli]") {
  const fs::path dir = fresh_dir("class-cli");
  fs::create_directories(dir);
  const std::string file = (dir / "class.json").string();
  const std::string w = wsic_bin() + " class ";
  REQUIRE(run(w + "new " + file +
              " --lesson scenarios/lessons/central-or-local/a-strong-centre.yaml --round 2013-10-01 "
              "--round 2014-04-01 --round 2014-10-01 > " +
              (dir / "new.txt").string()) == 0);
  const std::string made = slurp(dir / "new.txt");
  const std::string code = field(made, "join code"), teacher = field(made, "teacher token");
  CHECK(run(w + "new " + file + " --lesson scenarios/baseline.yaml --round 2014-01-01 2> /dev/null") == 2);  // exists
  constexpr int kTeams = 8;
  std::vector<std::string> tokens;
  for (int i = 0; i < kTeams; ++i) {
    const fs::path out = dir / ("join" + std::to_string(i) + ".txt");
    REQUIRE(run(w + "join " + file + " --code " + code + " --name 'Team " + std::to_string(i) + "' > " +
                out.string()) == 0);
    tokens.push_back(field(slurp(out), "team token"));
  }
  CHECK(run(w + "join " + file + " --code WRONG1 --name X 2> /dev/null") == 2);
  // Every team decides at once: each process locks, reads, changes and writes
  // the file, so none overwrites another's decision.
  std::string all = "(";
  for (int i = 0; i < kTeams; ++i) {
    all += w + "decide " + file + " --token " + tokens[static_cast<std::size_t>(i)] + " central_share=0." +
           std::to_string(3 + i % 4) + " > /dev/null & ";
  }
  all += "wait)";
  REQUIRE(run(all) == 0);
  const auto saved = nlohmann::json::parse(slurp(file));
  REQUIRE(saved["teams"].size() == kTeams);
  for (const auto& t : saved["teams"]) CHECK(t["submitted"][0] == true);
  REQUIRE(run(w + "close " + file + " --token " + teacher + " > " + (dir / "close.txt").string()) == 0);
  const std::string closed = slurp(dir / "close.txt");
  CHECK(closed.find("round 1 closed") != std::string::npos);
  CHECK(closed.find("team-8 (Team 7), round 1:") != std::string::npos);
  CHECK(run(w + "close " + file + " --token " + tokens[0] + " 2> /dev/null") == 2);  // not the teacher
  // A team's history, exported, is a scenario wsic accepts and runs.
  REQUIRE(run(w + "export " + file + " --team team-2 > " + (dir / "team2.yaml").string()) == 0);
  CHECK(slurp(dir / "team2.yaml").find("value: 0.4") != std::string::npos);
  CHECK(run(wsic_bin() + " validate " + (dir / "team2.yaml").string() + " > /dev/null") == 0);
  CHECK(run(w + "story " + file + " --team team-9 2> /dev/null") == 2);
  CHECK(run(w + "story " + file + " --team team-1 > /dev/null") == 0);
  fs::remove_all(dir);
}

TEST_CASE("ClassCommand.TheDebriefAgreesWithWsicRunOfEachTeamsScenario", "[classroom][cli]") {
  // Two teams, different schedules; the debrief's figures for each are those
  // of `wsic run` of its exported scenario with the class's seed.
  const fs::path dir = fresh_dir("class-debrief");
  fs::create_directories(dir);
  const std::string file = (dir / "class.json").string();
  const std::string w = wsic_bin() + " class ";
  REQUIRE(run(w + "new " + file +
              " --lesson scenarios/lessons/central-or-local/a-strong-centre.yaml --round 2013-10-01 --round "
              "2014-10-01 --seed 77 --story 5 > " +
              (dir / "new.txt").string()) == 0);
  const std::string made = slurp(dir / "new.txt");
  const std::string code = field(made, "join code"), teacher = field(made, "teacher token");
  std::vector<std::string> tokens;
  for (const char* name : {"Alpha", "Beta"}) {
    REQUIRE(run(w + "join " + file + " --code " + code + " --name " + name + " > " + (dir / "j.txt").string()) == 0);
    tokens.push_back(field(slurp(dir / "j.txt"), "team token"));
  }
  REQUIRE(run(w + "decide " + file + " --token " + tokens[0] + " central_share=0.35 > /dev/null") == 0);
  REQUIRE(run(w + "close " + file + " --token " + teacher + " > /dev/null") == 0);
  REQUIRE(run(w + "decide " + file + " --token " + tokens[1] +
              " central_share=0.7 gp_engagement_effort=2 > /dev/null") == 0);
  REQUIRE(run(w + "close " + file + " --token " + teacher + " > /dev/null") == 0);
  REQUIRE(run(w + "debrief " + file + " -n 1000 -o " + (dir / "out").string() + " > /dev/null") == 0);
  const auto debrief = nlohmann::json::parse(slurp(dir / "out" / "debrief.json"));
  REQUIRE(debrief["teams"].size() == 2);
  CHECK(debrief["teams"][1]["decision_changes"] == 2);
  for (int t = 0; t < 2; ++t) {
    const auto& team = debrief["teams"][static_cast<std::size_t>(t)];
    const std::string id = team["id"];
    const fs::path results = dir / ("run-" + id);
    REQUIRE(run(wsic_bin() + " run " + (dir / "out" / (id + ".yaml")).string() + " -n 1000 --seed 77 " +
                "--analysis-replications 0 -q -o " + results.string()) == 0);
    const auto summary = nlohmann::json::parse(slurp(results / "summary.json"));
    INFO(id);
    CHECK(team["all_live_p50"] == summary["programme"]["all_live"]["p50"]);
    CHECK(team["all_live_p90"] == summary["programme"]["all_live"]["p90"]);
    for (const auto& m : summary["people_covered"]["by_month"]) {
      if (m["month"] == "2016-04-01")
        CHECK(team["people_covered_at_end_of_funding_mean"].get<double>() == Approx(m["mean"].get<double>()));
    }
    double spent = 0.0;
    for (const auto& y : summary["spend"])
      if (y["funded_central_m"].is_number()) spent += y["spent_total_m"].get<double>();
    CHECK(team["spent_in_funded_years_mean"].get<double>() == Approx(spent).epsilon(1e-9));
  }
  CHECK(debrief["teams"][0]["all_live_p50"] != debrief["teams"][1]["all_live_p50"]);
  fs::remove_all(dir);
}

TEST_CASE("ClassCommand.AClassInUseIsRefusedNotWaitedForForever", "[classroom][cli]") {
  const fs::path dir = fresh_dir("class-lock");
  fs::create_directories(dir);
  const fs::path file = dir / "class.json";
  {
    const wsic::classroom::FileLock held(file);  // as a class server holds it while it serves
    try {
      const wsic::classroom::FileLock second(file, 0.2);
      FAIL("a second lock was granted");
    } catch (const wsic::classroom::Refused& e) {
      CHECK(e.status() == 409);
      CHECK(std::string(e.what()).find("in use") != std::string::npos);
    }
  }
  const wsic::classroom::FileLock after(file, 0.0);  // released with its holder
  fs::remove_all(dir);
}

TEST_CASE("ClassCommand.AClassServerRefusesWhatItCannotServeAtOnce", "[classroom][cli]") {
  // Each of these ends at once with exit code 2 and a message; none starts
  // a server.
  const fs::path dir = fresh_dir("class-serve");
  fs::create_directories(dir);
  const std::string file = (dir / "class.json").string(), err = (dir / "err.txt").string();
  const std::string lab = wsic_bin() + " lab ";
  CHECK(run(lab + "--round 2014-04-01 2> " + err) == 2);  // a class's option without --class
  CHECK(slurp(err).find("--class") != std::string::npos);
  {
    std::ofstream f(file);
    f << "not a class";
  }
  CHECK(run(lab + "--class " + file + " 2> " + err) == 2);
  CHECK(slurp(err).find("not a saved class") != std::string::npos);
  REQUIRE(run(wsic_bin() + " class new " + file +
              " --lesson scenarios/lessons/central-or-local/a-strong-centre.yaml --round 2013-10-01 --force > "
              "/dev/null") == 0);
  CHECK(run(lab + "--class " + file + " --round 2014-04-01 2> " + err) == 2);  // its rounds are its own
  CHECK(slurp(err).find("is a class already") != std::string::npos);
  {
    const wsic::classroom::FileLock held(file);  // as another server would
    CHECK(run(lab + "--class " + file + " 2> " + err) == 2);
    CHECK(slurp(err).find("in use") != std::string::npos);
  }
  CHECK(run(lab + "--class " + (dir / "new.json").string() + " scenarios/baseline.yaml --round 2030-01-01 2> " + err) ==
        2);  // past the lesson's calendar
  CHECK(slurp(err).find("calendar") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "new.json"));
  fs::remove_all(dir);
}
