// A class: teams join with a code, decide round by round, a team that misses
// a round keeps its decisions, and each team's history is a scenario that
// `wsic run` reproduces. Every bad request is refused with its status.
#include "wsic/classroom/session.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "support.hpp"
#include "wsic/scenario/loader.hpp"

namespace fs = std::filesystem;
using namespace wsic;
using classroom::Refused;
using classroom::Session;

namespace {
classroom::ClassOptions options() {
  classroom::ClassOptions o;
  o.lesson = "scenarios/lessons/central-or-local/a-strong-centre.yaml";
  o.rounds = {"2013-10-01", "2014-04-01", "2014-10-01", "2015-04-01"};
  o.story = 3;
  return o;
}

int status_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Refused& e) {
    return e.status();
  }
  return 0;
}

std::size_t decision(const Session& s, const std::string& id) {
  for (std::size_t d = 0; d < s.decisions().size(); ++d)
    if (s.lesson().levers[static_cast<std::size_t>(s.decisions()[d])].id == id) return d;
  FAIL("no decision " << id);
  return 0;
}
}  // namespace

TEST_CASE("Class.TeamsJoinWithTheCodeAndGetTokensOfTheirOwn", "[classroom]") {
  Session s(options());
  CHECK(s.join_code().size() == 6);
  CHECK(s.teacher_token().size() == 32);
  const Session other(options());
  CHECK(other.join_code() != s.join_code());  // 32^6 codes: a clash is a one-in-a-billion event
  CHECK(other.teacher_token() != s.teacher_token());
  std::set<std::string> tokens{s.teacher_token()};
  for (int i = 0; i < 5; ++i) tokens.insert(s.join(s.join_code(), "Team " + std::to_string(i)).token);
  CHECK(tokens.size() == 6);
  CHECK(s.teams()[4].id == "team-5");
  CHECK(status_of([&] { s.join("WRONG1", "Late"); }) == 403);
  CHECK(status_of([&] { s.join(s.join_code(), "Team 0"); }) == 400);  // taken
  CHECK(status_of([&] { s.join(s.join_code(), ""); }) == 400);
  CHECK(status_of([&] { s.join(s.join_code(), std::string(41, 'x')); }) == 400);
  CHECK(status_of([&] { s.join(s.join_code(), "bell\a"); }) == 400);
  CHECK(status_of([&] { s.join(s.join_code(), std::string(40, 'x')); }) == 0);
  CHECK(status_of([&] { s.team_by_token(s.teacher_token()); }) == 403);
}

TEST_CASE("Class.ATeamThatMissesARoundKeepsItsDecisions", "[classroom]") {
  Session s(options());
  const std::string a = s.join(s.join_code(), "Alpha").token;
  const std::string b = s.join(s.join_code(), "Beta").token;
  const std::size_t share = decision(s, "central_share");
  const double lesson_share = s.lesson().levers[static_cast<std::size_t>(s.decisions()[share])].value;
  s.submit(a, 0, {{"central_share", 0.4}});
  s.submit(b, 0, {{"central_share", 0.6}});
  s.close_round(s.teacher_token());
  s.submit(a, 1, {{"central_share", 0.35}});  // Beta misses round 2
  s.close_round(s.teacher_token());
  const classroom::Team& alpha = s.teams()[0];
  const classroom::Team& beta = s.teams()[1];
  CHECK(alpha.values[1][share] == 0.35);
  CHECK(beta.values[1][share] == 0.6);
  CHECK(beta.submitted == std::vector<bool>{true, false, false});
  CHECK(lesson_share != 0.6);
  // Alpha's history: 0.4 from the start, 0.35 from the second round's date;
  // Beta's: 0.6 throughout; a decision never moved keeps the lesson's value.
  const model::Scenario sa = s.team_scenario(alpha), sb = s.team_scenario(beta);
  const model::Lever& la = sa.levers[static_cast<std::size_t>(s.decisions()[share])];
  REQUIRE(la.changes.size() == 1);
  CHECK(la.value == 0.4);
  CHECK(la.changes[0].value == 0.35);
  CHECK(la.changes[0].day == s.round_day(1));
  CHECK(sb.levers[static_cast<std::size_t>(s.decisions()[share])].changes.empty());
  const std::size_t gp = decision(s, "gp_engagement_effort");
  CHECK(sa.levers[static_cast<std::size_t>(s.decisions()[gp])].value ==
        s.lesson().levers[static_cast<std::size_t>(s.decisions()[gp])].value);
}

TEST_CASE("Class.EveryBadSubmissionIsRefusedWithItsStatus", "[classroom]") {
  Session s(options());
  const std::string a = s.join(s.join_code(), "Alpha").token;
  const std::string b = s.join(s.join_code(), "Beta").token;
  CHECK(status_of([&] { s.submit("0123", 0, {{"central_share", 0.4}}); }) == 403);
  CHECK(status_of([&] { s.submit(s.teacher_token(), 0, {{"central_share", 0.4}}); }) == 403);
  CHECK(status_of([&] { s.submit(a, 1, {{"central_share", 0.4}}); }) == 409);  // not open yet
  CHECK(status_of([&] { s.submit(a, 0, {{"no_such_lever", 0.4}}); }) == 400);
  CHECK(status_of([&] { s.submit(a, 0, {{"national_ig_action", 0.4}}); }) == 400);  // an uncertainty
  CHECK(status_of([&] { s.submit(a, 0, {{"central_share", 0.95}}); }) == 400);      // above its high
  CHECK(status_of([&] { s.submit(a, 0, {{"central_share", "0.4"}}); }) == 400);
  CHECK(status_of([&] { s.submit(a, 0, nlohmann::json::array({1, 2})); }) == 400);
  CHECK(status_of([&] { s.close_round(a); }) == 403);
  // Nothing refused changed anything.
  CHECK(s.teams()[0].submitted == std::vector<bool>{false});
  CHECK(s.teams()[0].values == s.teams()[1].values);
  s.submit(b, 0, {{"central_share", 0.45}});
  for (int r = 0; r < 4; ++r) s.close_round(s.teacher_token());
  CHECK(s.current_round() == s.rounds());
  CHECK(status_of([&] { s.submit(b, 3, {{"central_share", 0.45}}); }) == 409);
  CHECK(status_of([&] { s.close_round(s.teacher_token()); }) == 409);
  CHECK(status_of([&] { s.join(s.join_code(), "Late"); }) == 409);
}

TEST_CASE("Class.ATeamsHistoryIsAScenarioWsicRunReproduces", "[classroom]") {
  Session s(options());
  const std::string a = s.join(s.join_code(), "Alpha").token;
  s.submit(a, 0, {{"central_share", 0.6}, {"gp_engagement_effort", 1.5}});
  s.close_round(s.teacher_token());
  s.submit(a, 1, {{"central_share", 1.0 / 3.0}});  // every digit must reach the file
  s.close_round(s.teacher_token());
  s.submit(a, 2, {{"gp_engagement_effort", 0.75}});
  s.close_round(s.teacher_token());
  const classroom::Team& alpha = s.teams()[0];
  const fs::path dir = test::fresh_dir("class-overlay");
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "alpha.yaml");
    f << s.team_overlay(alpha);
  }
  const model::Scenario from_file = scenario::load_scenario(dir / "alpha.yaml");
  const model::Scenario in_memory = s.team_scenario(alpha);
  CHECK(model::content_hash(from_file) == model::content_hash(in_memory));
  CHECK(model::content_hash(in_memory) != model::content_hash(s.lesson()));
  // Its outcomes: the same as the file's, future by future.
  const model::Model mf(from_file), mm(in_memory);
  for (std::uint64_t i = 0; i < 20; ++i) {
    model::ReplicationOutcome x, y;
    mf.simulate(5, i, x);
    mm.simulate(5, i, y);
    for (std::size_t k = 0; k < x.schemes.size(); ++k) CHECK(x.schemes[k].go_live == y.schemes[k].go_live);
  }
  fs::remove_all(dir);
}

TEST_CASE("Class.ARoundIsToldOnTheStoryFuture", "[classroom]") {
  Session s(options());
  const std::string a = s.join(s.join_code(), "Alpha").token;
  s.close_round(s.teacher_token());
  s.close_round(s.teacher_token());
  const classroom::Team& alpha = s.teams()[0];
  // Round 2 (April to October 2014): the lines all fall in it, and they are
  // the story of the same future `wsic story` tells for the team's scenario.
  const classroom::RoundResult r = s.round_result(alpha, 1);
  REQUIRE_FALSE(r.lines.empty());
  for (const auto& l : r.lines) {
    CHECK(l.day >= s.round_day(1));
    CHECK(l.day < s.round_day(2));
  }
  const model::Scenario sc = s.team_scenario(alpha);
  const model::Model m(sc);
  model::ReplicationOutcome o;
  model::Trace t;
  m.simulate(m.settings(), 20131001, 3, o, &t);
  const auto told = report::story(sc, o, t, s.round_day(1), s.round_day(2));
  REQUIRE(told.size() == r.lines.size());
  for (std::size_t i = 0; i < told.size(); ++i) CHECK(told[i].text == r.lines[i].text);
  int live = 0;
  for (const auto& so : o.schemes) live += so.go_live < s.round_day(2) ? 1 : 0;
  CHECK(r.live_at_end == live);
  // The schemes that started piloting in each round, on its dates: together,
  // every scheme piloting by the end of the last round told.
  std::size_t started = 0;
  for (std::size_t round = 0; round < 2; ++round) {
    const classroom::RoundResult x = s.round_result(alpha, round);
    CHECK(std::is_sorted(x.pilots.begin(), x.pilots.end()));
    for (const double day : x.pilots) {
      CHECK(day >= s.round_day(round));
      CHECK(day < s.round_day(round + 1));
    }
    started += x.pilots.size();
  }
  CHECK(started == static_cast<std::size_t>(r.live_at_end));
  CHECK(status_of([&] { s.round_result(alpha, 4); }) == 404);
  (void)a;
}

TEST_CASE("Class.ASavedClassResumesWhereItStopped", "[classroom]") {
  Session s(options());
  const std::string a = s.join(s.join_code(), "Alpha").token;
  s.join(s.join_code(), "Beta");
  s.submit(a, 0, {{"central_share", 0.4}});
  s.close_round(s.teacher_token());
  const fs::path dir = test::fresh_dir("class-save");
  fs::create_directories(dir);
  s.save(dir / "class.json");
  Session back = Session::load(dir / "class.json");
  CHECK(back.to_json() == s.to_json());
  // The resumed class goes on: Alpha's token still works, the round is the same.
  back.submit(a, 1, {{"central_share", 0.3}});
  CHECK(back.current_round() == 1);
  CHECK(back.join_code() == s.join_code());
  // Only whole files: no temporary left beside it.
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 1);
  // A damaged or foreign file is refused, not half-loaded.
  {
    std::ofstream f(dir / "bad.json");
    f << R"({"format": "wsic-class", "version": 1, "lesson": "scenarios/baseline.yaml"})";
  }
  CHECK(status_of([&] { Session::load(dir / "bad.json"); }) == 400);
  {
    std::ofstream f(dir / "text.json");
    f << "not json";
  }
  CHECK(status_of([&] { Session::load(dir / "text.json"); }) == 400);
  fs::resize_file(dir / "text.json", std::uintmax_t{17} << 20);  // too large to be a class: not read
  CHECK(status_of([&] { Session::load(dir / "text.json"); }) == 400);
  CHECK(status_of([&] { Session::load(dir / "missing.json"); }) == 400);
  nlohmann::json j = s.to_json();
  j["teams"][0]["values"][0].push_back(1.0);  // a decision the lesson does not have
  CHECK(status_of([&] { Session::from_json(j); }) == 400);
  // A file edited by hand is refused where it would run something the class
  // could not have made.
  const auto refused = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json k = s.to_json();
    edit(k);
    return status_of([&] { Session::from_json(k); }) == 400;
  };
  CHECK_FALSE(refused([](nlohmann::json&) {}));                                    // as saved: accepted
  CHECK(refused([](nlohmann::json& k) { k["teams"][0]["values"][0][0] = 5.0; }));  // central share 5
  CHECK(refused([](nlohmann::json& k) { k["teams"][0]["values"][1][0] = -0.1; }));
  CHECK(refused([](nlohmann::json& k) { k["teams"][1]["name"] = "Alpha"; }));
  CHECK(refused([](nlohmann::json& k) { k["teams"][1]["name"] = "a\nb"; }));
  CHECK(refused([](nlohmann::json& k) { k["teams"][1]["token"] = k["teams"][0]["token"]; }));
  CHECK(refused([](nlohmann::json& k) { k["teams"][1]["token"] = ""; }));
  CHECK(refused([](nlohmann::json& k) { k["teams"][1]["token"] = k["teacher_token"]; }));
  CHECK(refused([](nlohmann::json& k) { k["teams"][1]["id"] = "team-1"; }));
  CHECK(refused([](nlohmann::json& k) { k["teacher_token"] = "x"; }));
  CHECK(refused([](nlohmann::json& k) { k["join_code"] = "abc"; }));
  CHECK(refused([](nlohmann::json& k) { k["teams"][0]["forecast"] = {9000.0, 9001.0}; }));  // past the horizon
  CHECK(refused([](nlohmann::json& k) { k["teams"][0]["forecast"] = {900.0, 800.0}; }));    // P90 before P50
  CHECK(refused([](nlohmann::json& k) { k["deadline"] = -1.0; }));
  CHECK(refused([](nlohmann::json& k) { k["shocks"] = {{{"kind", "gp"}, {"round", 3}}}; }));  // not yet
  CHECK(refused([](nlohmann::json& k) { k["shocks"] = {{{"kind", "flood"}, {"round", 0}}}; }));
  fs::remove_all(dir);
}

TEST_CASE("Class.RoundsAreCheckedAgainstTheLesson", "[classroom]") {
  classroom::ClassOptions o = options();
  o.rounds = {"2014-04-01", "2014-03-01"};
  CHECK(status_of([&] { Session{o}; }) == 400);
  o.rounds = {"2012-04-01"};  // before the calendar
  CHECK(status_of([&] { Session{o}; }) == 400);
  o.rounds = {"2014-13-01"};
  CHECK(status_of([&] { Session{o}; }) == 400);
  o.rounds = {};
  CHECK(status_of([&] { Session{o}; }) == 400);
}

TEST_CASE("Class.ForecastsAreCheckedKeptAndScoredAgainstTheFutures", "[classroom]") {
  Session s(options());
  const std::string a = s.join(s.join_code(), "Alpha").token;
  const std::string b = s.join(s.join_code(), "Beta").token;
  CHECK(status_of([&] { s.predict(a, "2016-13-01", "2017-01-01"); }) == 400);
  CHECK(status_of([&] { s.predict(a, "2017-01-01", "2016-01-01"); }) == 400);  // P90 before P50
  CHECK(status_of([&] { s.predict(a, "2016-01-01", "2030-01-01"); }) == 400);  // past the horizon
  CHECK(status_of([&] { s.predict(s.teacher_token(), "2016-01-01", "2017-01-01"); }) == 403);
  CHECK_FALSE(s.teams()[0].forecast());
  // Alpha forecasts its own P50 across the futures, Beta the day before
  // its: by the quantile's definition, every scheme pilots by a P50 in at
  // least half the futures, and by the day before in fewer.
  const classroom::Debrief plain = s.debrief(500);
  const auto date = [&](int day) { return model::iso_day(s.lesson(), day); };
  s.predict(a, date(plain.teams[0].all_live_p50), date(plain.teams[0].all_live_p90));
  s.predict(b, date(plain.teams[1].all_live_p50 - 1), date(plain.teams[1].all_live_p90 - 1));
  CHECK(s.teams()[0].forecast());
  const classroom::Debrief scored = s.debrief(500);
  CHECK(scored.teams[0].by_forecast_p50 >= 0.5);
  CHECK(scored.teams[0].by_forecast_p90 >= 0.9);
  CHECK(scored.teams[1].by_forecast_p50 < 0.5);
  CHECK(scored.teams[1].by_forecast_p90 < 0.9);
  CHECK(s.debrief_csv(scored).find(date(plain.teams[0].all_live_p50)) != std::string::npos);
  CHECK(s.debrief_text(scored).find("Forecasts of when every scheme would be piloting") != std::string::npos);
  // Kept with the class, and closed with it.
  const Session back = Session::from_json(s.to_json());
  CHECK(back.to_json() == s.to_json());
  REQUIRE(back.teams()[1].forecast());
  CHECK(back.teams()[1].forecast_p50 == plain.teams[1].all_live_p50 - 1);
  for (std::size_t r = 0; r < s.rounds(); ++r) s.close_round(s.teacher_token());
  CHECK(status_of([&] { s.predict(a, "2016-01-01", "2017-01-01"); }) == 409);
}

TEST_CASE("Class.TheBestPlayIsAheadOfEveryTeamAndRegretsAddUp", "[classroom]") {
  classroom::ClassOptions o = options();
  o.rounds = {"2013-10-01", "2014-10-01"};
  Session s(o);
  const std::string a = s.join(s.join_code(), "Alpha").token;
  const std::string b = s.join(s.join_code(), "Beta").token;
  s.submit(a, 0, {{"central_share", 0.3}});
  s.submit(b, 0, {{"central_share", 0.7}, {"lay_engagement_effort", 2.0}});
  s.close_round(s.teacher_token());
  s.submit(b, 1, {{"central_share", 0.3}});
  s.close_round(s.teacher_token());
  constexpr std::uint64_t kFutures = 300;
  const classroom::Debrief d = s.debrief(kFutures, 2, nullptr, true);
  REQUIRE(d.best);
  const classroom::BestPlay& best = *d.best;
  CHECK(best.evaluations > 2);
  // Its figure is its schedule's, on the same futures.
  classroom::Team as_played;
  as_played.id = "best";
  as_played.values = best.values;
  CHECK(s.mean_all_live(s.team_scenario(as_played), kFutures, 1) == best.mean_all_live);
  for (std::size_t r = 0; r < best.values.size(); ++r) {
    for (std::size_t k = 0; k < s.decisions().size(); ++k) {
      const model::Lever& lever = s.lesson().levers[static_cast<std::size_t>(s.decisions()[k])];
      CHECK(best.values[r][k] >= lever.low);
      CHECK(best.values[r][k] <= lever.high);
    }
  }
  for (std::size_t t = 0; t < 2; ++t) {
    const classroom::TeamDebrief& row = d.teams[t];
    CHECK(row.mean_all_live == s.mean_all_live(s.team_scenario(s.teams()[t]), kFutures, 1));
    CHECK(row.regret == row.mean_all_live - best.mean_all_live);
    CHECK(row.regret >= 0.0);
    CHECK(row.regret_by_round.size() == 2);
  }
  const std::string text = s.debrief_text(d);
  CHECK(text.find("The best play found") != std::string::npos);
  CHECK(s.debrief_json(d)["best_play"]["rounds"].size() == 2);
}

TEST_CASE("Class.AShockStrikesEveryTeamFromItsRoundOnEveryFuture", "[classroom]") {
  Session s(options());
  const std::string a = s.join(s.join_code(), "Alpha").token;
  s.join(s.join_code(), "Beta");
  s.close_round(s.teacher_token());
  const Session before = s;
  CHECK(status_of([&] { s.inject(a, "leadership"); }) == 403);
  CHECK(status_of([&] { s.inject(s.teacher_token(), "earthquake"); }) == 400);
  s.inject(s.teacher_token(), "leadership");
  CHECK(status_of([&] { s.inject(s.teacher_token(), "leadership"); }) == 409);  // once a round
  REQUIRE(s.shocks().size() == 1);
  CHECK(s.shocks()[0].round == 1);
  // The world has the shock as a barrier in the month from the round's date;
  // the lesson itself is unchanged.
  REQUIRE(s.world().barriers.size() == s.lesson().barriers.size() + 1);
  const model::Barrier& shock = s.world().barriers.back();
  CHECK(shock.id == "shock_r2_leadership");
  CHECK(model::content_hash(before.world()) == model::content_hash(s.lesson()));
  // Round 2 on the story future tells it, for both teams.
  for (const classroom::Team& t : s.teams()) {
    bool told = false;
    for (const report::StoryLine& l : s.round_result(t, 1).lines)
      told = told || l.text.find("The programme's leaders leave") != std::string::npos;
    CHECK(told);
  }
  // Across futures it costs time: the mean all-live date is later, beyond
  // three standard errors of the paired difference.
  const std::uint64_t n = 400;
  const model::Scenario with = s.team_scenario(s.teams()[0]);
  const model::Scenario without = before.team_scenario(before.teams()[0]);
  const model::Model mw(with), mo(without);
  double sum = 0.0, sum2 = 0.0;
  for (std::uint64_t i = 0; i < n; ++i) {
    model::ReplicationOutcome x, y;
    mw.simulate(11, i, x);
    mo.simulate(11, i, y);
    double lx = 0.0, ly = 0.0;
    for (std::size_t k = 0; k < x.schemes.size(); ++k) {
      lx = std::max(lx, x.schemes[k].go_live);
      ly = std::max(ly, y.schemes[k].go_live);
    }
    sum += lx - ly;
    sum2 += (lx - ly) * (lx - ly);
  }
  const double mean = sum / n;
  const double se = std::sqrt((sum2 / n - mean * mean) / (n - 1));
  CHECK(mean > 3.0 * se);
  // A team's file carries the shock: `wsic run` reads the same scenario.
  const fs::path dir = test::fresh_dir("class-shock");
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "alpha.yaml");
    f << s.team_overlay(s.teams()[0]);
  }
  CHECK(model::content_hash(scenario::load_scenario(dir / "alpha.yaml")) == model::content_hash(with));
  // And a saved class keeps it.
  s.save(dir / "class.json");
  const Session back = Session::load(dir / "class.json");
  REQUIRE(back.shocks().size() == 1);
  CHECK(model::content_hash(back.world()) == model::content_hash(s.world()));
  fs::remove_all(dir);
  // Every kind fits the lesson; none once the class is over.
  for (const classroom::ShockKind& k : classroom::shock_kinds())
    if (k.id != "leadership") s.inject(s.teacher_token(), k.id);
  CHECK(s.world().barriers.size() == s.lesson().barriers.size() + classroom::shock_kinds().size());
  while (s.current_round() < s.rounds()) s.close_round(s.teacher_token());
  CHECK(status_of([&] { s.inject(s.teacher_token(), "gp"); }) == 409);
}

TEST_CASE("Class.ARoundClosesWhenItsTimerRunsOut", "[classroom]") {
  Session s(options());
  const std::string a = s.join(s.join_code(), "Alpha").token;
  CHECK(s.deadline() == 0.0);
  CHECK_FALSE(s.close_if_due(1e12));  // no timer: only the teacher closes
  CHECK(status_of([&] { s.set_timer(a, 60, 1000.0); }) == 403);
  CHECK(status_of([&] { s.set_timer(s.teacher_token(), classroom::kMaxRoundSeconds + 1, 1000.0); }) == 400);
  s.set_timer(s.teacher_token(), 60, 1000.0);
  CHECK(s.deadline() == 1060.0);
  s.submit(a, 0, {{"central_share", 0.4}});
  CHECK_FALSE(s.close_if_due(1059.9));
  CHECK(s.current_round() == 0);
  CHECK(s.close_if_due(1060.0));
  CHECK(s.current_round() == 1);
  CHECK(s.deadline() == 1120.0);  // the next round's time starts when this one closed
  // Alpha did not submit round 2 in time: it keeps round 1's decisions.
  CHECK(s.close_if_due(1200.0));
  CHECK(s.teams()[0].values[2] == s.teams()[0].values[0]);
  CHECK_FALSE(s.teams()[0].submitted[1]);
  // The teacher's close restarts the timer too; the last round's close ends it.
  s.close_round(s.teacher_token(), 1300.0);
  CHECK(s.deadline() == 1360.0);
  CHECK(s.close_if_due(1360.0));
  CHECK(s.current_round() == s.rounds());
  CHECK(s.deadline() == 0.0);
  CHECK_FALSE(s.close_if_due(1e12));
  // A saved class keeps its timer.
  const Session back = Session::from_json(s.to_json());
  CHECK(back.round_seconds() == 60);
}

TEST_CASE("Class.WhatATeamDecidesLaterDoesNotChangeARoundItHasRead", "[classroom]") {
  Session s(options());
  const std::string a = s.join(s.join_code(), "Alpha").token;
  s.close_round(s.teacher_token());
  s.close_round(s.teacher_token());
  // Round 2 (April to October 2014) as read when it closed ...
  const classroom::RoundResult read = s.round_result(s.teams()[0], 1);
  // ... and after round 3's decisions, which move money within the funding
  // year round 2 is part of (2014/15): the round is told with the decisions
  // made by then.
  s.submit(a, 2, {{"central_share", 0.3}, {"transactional_investment", 0.8}, {"gp_engagement_effort", 2.0}});
  const classroom::RoundResult again = s.round_result(s.teams()[0], 1);
  CHECK(again.live_at_end == read.live_at_end);
  REQUIRE(again.lines.size() == read.lines.size());
  for (std::size_t i = 0; i < read.lines.size(); ++i) CHECK(again.lines[i].text == read.lines[i].text);
}
