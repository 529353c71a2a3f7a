// The story of one future, in words: in order, each line where its event
// happened, strikes told only when they held something up.
#include "wsic/report/story.hpp"

#include <catch2/catch.hpp>

#include "wsic/scenario/loader.hpp"

using namespace wsic;

TEST_CASE("Story.TellsEachPilotOnItsDayAndEveryStrikeThatHeldWorkUp", "[report][story]") {
  const model::Scenario sc = scenario::load_scenario("scenarios/baseline.yaml");
  const model::Model m(sc);
  model::ReplicationOutcome o;
  model::Trace t;
  m.simulate(m.settings(), 20131001, 3, o, &t);
  const auto lines = report::story(sc, o, t, -model::kNever, model::kNever);
  REQUIRE_FALSE(lines.empty());
  CHECK(std::is_sorted(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.day < b.day; }));
  std::size_t pilots = 0, strikes = 0;
  for (const report::StoryLine& l : lines) {
    if (l.kind == "pilot") {
      ++pilots;
      REQUIRE(l.scheme >= 0);
      CHECK(l.day == o.schemes[static_cast<std::size_t>(l.scheme)].go_live);
      CHECK(l.text.find(sc.schemes[static_cast<std::size_t>(l.scheme)].name) == 0);
    }
    if (l.kind == "strike") ++strikes;
  }
  std::size_t live = 0;
  for (const auto& s : o.schemes) live += s.go_live != model::kNever ? 1 : 0;
  CHECK(pilots == live);
  // Strikes on work already done are not told, nor are the same national
  // effects twice: fewer lines than strikes, but some.
  CHECK(strikes > 0);
  CHECK(strikes <= t.strikes.size());
  // A window of days tells only what happened in it.
  const double from = 400, to = 600;
  for (const report::StoryLine& l : report::story(sc, o, t, from, to)) {
    CHECK(l.day >= from);
    CHECK(l.day < to);
  }
}

TEST_CASE("Story.ABlockSaysWhatEndsIt", "[report][story]") {
  // The baseline's national IG block on one scheme, ended by national action
  // or by a local workaround: the story names which, and the date.
  const model::Scenario sc = scenario::load_scenario("scenarios/baseline.yaml");
  const model::Model m(sc);
  int by_action = 0, by_workaround = 0;
  for (std::uint64_t i = 0; i < 40; ++i) {
    model::ReplicationOutcome o;
    model::Trace t;
    m.simulate(m.settings(), 1, i, o, &t);
    for (const report::StoryLine& l : report::story(sc, o, t, -model::kNever, model::kNever)) {
      if (l.text.find("holds up") == std::string::npos) continue;
      if (l.text.find("until national action") != std::string::npos) ++by_action;
      if (l.text.find("until a local workaround on 20") != std::string::npos) ++by_workaround;
    }
  }
  CHECK(by_action > 0);
  CHECK(by_workaround > 0);
}

TEST_CASE("Story.TellsADecisionChangingOnItsDate", "[report][story]") {
  const model::Scenario sc = scenario::load_scenario("scenarios/rebalance-after-design.yaml");
  const model::Model m(sc);
  model::ReplicationOutcome o;
  model::Trace t;
  m.simulate(m.settings(), 1, 0, o, &t);
  const double jan_2015 = sim::Calendar(sc.calendar_start).to_time(*sim::parse_iso_date("2015-01-01")).in_days();
  const auto lines = report::story(sc, o, t, jan_2015, jan_2015 + 1);
  const auto it = std::find_if(lines.begin(), lines.end(), [](const auto& l) { return l.kind == "change"; });
  REQUIRE(it != lines.end());
  CHECK(it->text == "Central share of support money is now 0.3 (it was 0.65).");
  CHECK(it->day == jan_2015);
}
