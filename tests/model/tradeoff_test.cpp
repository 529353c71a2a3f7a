// Every decision of the baseline has a cost side: moved across its range,
// it makes at least one reported outcome better and at least one worse.
// Low and high run on common random numbers, so each outcome's change is
// judged by the paired differences, at three standard errors.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "wsic/model/model.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/sim/time.hpp"

using namespace wsic::model;
using wsic::scenario::load_scenario;

namespace {
constexpr std::uint64_t kReplications = 2000;
constexpr std::uint64_t kSeed = 20131001;

/// A reported outcome, oriented so that smaller is better.
struct Measure {
  const char* name;
  double (*of)(const Scenario&, const ReplicationOutcome&);
};

double when(const Scenario& sc, double day) { return std::min(day, sc.horizon_day + 1.0); }

std::vector<double> go_lives(const Scenario& sc, const ReplicationOutcome& r) {
  std::vector<double> g;
  for (const SchemeOutcome& s : r.schemes) g.push_back(when(sc, s.go_live));
  std::sort(g.begin(), g.end());
  return g;
}

double evaluation_end(const Scenario& sc) {
  return wsic::sim::Calendar(sc.calendar_start).to_time(*wsic::sim::parse_iso_date("2015-04-30")).in_days();
}

const std::array<Measure, 9> kMeasures{{
    {"co-design end (day)", [](const Scenario& sc, const ReplicationOutcome& r) { return when(sc, r.codesign_end); }},
    {"first scheme live (day)", [](const Scenario& sc, const ReplicationOutcome& r) { return go_lives(sc, r)[0]; }},
    {"majority live (day)",
     [](const Scenario& sc, const ReplicationOutcome& r) { return go_lives(sc, r)[r.schemes.size() / 2]; }},
    {"all live (day)", [](const Scenario& sc, const ReplicationOutcome& r) { return go_lives(sc, r).back(); }},
    {"schemes not live at 2015-04-30",
     [](const Scenario& sc, const ReplicationOutcome& r) {
       double n = 0;
       for (const SchemeOutcome& s : r.schemes) n += std::floor(s.go_live) <= evaluation_end(sc) ? 0.0 : 1.0;
       return n;
     }},
    {"all covered (day)",
     [](const Scenario& sc, const ReplicationOutcome& r) {
       double last = 0;
       for (const SchemeOutcome& s : r.schemes) last = std::max(last, when(sc, s.full_coverage));
       return last;
     }},
    {"schemes not live by the promised date",
     [](const Scenario& sc, const ReplicationOutcome& r) {
       if (sc.lever_promised_go_live < 0) return 0.0;
       const double promised = sc.levers[static_cast<std::size_t>(sc.lever_promised_go_live)].value;
       double n = 0;
       for (const SchemeOutcome& s : r.schemes) n += std::floor(s.go_live) <= promised ? 0.0 : 1.0;
       return n;
     }},
    {"barrier strikes",
     [](const Scenario&, const ReplicationOutcome& r) {
       double n = 0;
       for (const auto h : r.barrier_hits) n += h;
       return n;
     }},
    {"money needed after the funded years (GBP m)",
     [](const Scenario& sc, const ReplicationOutcome& r) {
       const std::size_t cats = r.spend.size() / spend_rows(sc);
       double m = 0;
       for (std::size_t k = 0; k < cats; ++k) m += r.spend[sc.funding.size() * cats + k];
       return m;
     }},
}};

struct Change {
  double mean = 0, se = 0;
};

/// Each measure's paired change from `low` to `high`: mean and standard error.
std::array<Change, kMeasures.size()> paired_change(const Model& m, const Settings& low, const Settings& high) {
  std::array<double, kMeasures.size()> sum{}, sum2{};
  ReplicationOutcome a, b;
  for (std::uint64_t i = 0; i < kReplications; ++i) {
    m.simulate(low, kSeed, i, a);
    m.simulate(high, kSeed, i, b);
    for (std::size_t k = 0; k < kMeasures.size(); ++k) {
      const double d = kMeasures[k].of(high.values, b) - kMeasures[k].of(low.values, a);
      sum[k] += d;
      sum2[k] += d * d;
    }
  }
  std::array<Change, kMeasures.size()> out;
  const auto n = static_cast<double>(kReplications);
  for (std::size_t k = 0; k < kMeasures.size(); ++k) {
    const double mean = sum[k] / n;
    const double var = std::max(0.0, (sum2[k] - n * mean * mean) / (n - 1));
    out[k] = {mean, std::sqrt(var / n)};
  }
  return out;
}

/// Whether the changes hold something better and something worse, beyond
/// three standard errors each, with a line per measure for the message.
struct Sides {
  bool better = false, worse = false;
  std::string report;
};
Sides sides(const std::array<Change, kMeasures.size()>& change) {
  Sides s;
  std::ostringstream report;
  for (std::size_t k = 0; k < kMeasures.size(); ++k) {
    const Change& c = change[k];
    const bool b = c.mean < -3.0 * c.se;
    const bool w = c.mean > 3.0 * c.se;
    s.better = s.better || b;
    s.worse = s.worse || w;
    report << "\n  " << kMeasures[k].name << ": " << c.mean << " +/- " << c.se << (b ? " better" : "")
           << (w ? " worse" : "");
  }
  s.report = report.str();
  return s;
}

Settings with_lever(const Model& m, std::size_t lever, double value) {
  Scenario values = m.scenario();
  values.levers[lever].value = value;
  return m.settings_for(std::move(values));
}
}  // namespace

TEST_CASE("Tradeoff.EveryDecisionMakesSomethingBetterAndSomethingWorse", "[model][tradeoff]") {
  const Model m(load_scenario("scenarios/baseline.yaml"));
  const Scenario& sc = m.scenario();
  std::size_t decisions = 0;
  for (std::size_t l = 0; l < sc.levers.size(); ++l) {
    const Lever& lever = sc.levers[l];
    if (lever.role != Lever::Role::kDecision) continue;
    ++decisions;
    const Sides s = sides(paired_change(m, with_lever(m, l, lever.low), with_lever(m, l, lever.high)));
    INFO("decision " << lever.id << ", low to high:" << s.report);
    CHECK(s.better);
    CHECK(s.worse);
  }
  // The baseline's six decisions: the money split, transactional work early,
  // systems leadership, GP and lay engagement, the promised date.
  CHECK(decisions == 6);
}

TEST_CASE("Tradeoff.BaselineSpendIsTheEvidencesMoneyTable", "[model][tradeoff][money]") {
  // [NT15]'s table: £6.4m, £8.5m and £10.0m by year; consultancy £3.5m and
  // £4.4m in the first two. Spend is what was spent, per replication, so the
  // check is on the mean; funded money is spent while there is work for it,
  // so a year is below its funding only where the work is done.
  const Model m(load_scenario("scenarios/baseline.yaml"));
  const Scenario& sc = m.scenario();
  REQUIRE(sc.funding.size() == 3);
  const std::size_t cats = spend_categories(sc).size();
  std::vector<double> total(3, 0.0), consultancy(3, 0.0);
  ReplicationOutcome r;
  for (std::uint64_t i = 0; i < kReplications; ++i) {
    m.simulate(kSeed, i, r);
    for (std::size_t y = 0; y < 3; ++y) {
      for (std::size_t k = 0; k < cats; ++k) total[y] += r.spend[y * cats + k] / kReplications;
      consultancy[y] += r.spend[y * cats + 1] / kReplications;
    }
  }
  const double table[3] = {6.4, 8.5, 10.0};
  for (std::size_t y = 0; y < 3; ++y) {
    INFO("funding year " << sc.funding[y].year << ": spent " << total[y]);
    CHECK(std::round(total[y] * 10.0) / 10.0 == Approx(table[y]));  // within rounding to £0.1m
  }
  CHECK(consultancy[0] == Approx(3.5));
  CHECK(consultancy[1] == Approx(4.4));
}

TEST_CASE("Tradeoff.EachLessonShowsBothSides", "[model][tradeoff][lessons]") {
  // A lesson is a folder of two overlays of the baseline, option a and
  // option b: going from a to b must make something better and something
  // worse, as `wsic compare` of the two shows.
  namespace fs = std::filesystem;
  std::vector<fs::path> lessons;
  for (const auto& e : fs::directory_iterator("scenarios/lessons")) {
    if (e.is_directory()) lessons.push_back(e.path());
  }
  std::sort(lessons.begin(), lessons.end());
  REQUIRE(lessons.size() >= 3);
  for (const fs::path& lesson : lessons) {
    std::vector<fs::path> options;
    for (const auto& e : fs::directory_iterator(lesson)) {
      if (e.path().extension() == ".yaml") options.push_back(e.path());
    }
    std::sort(options.begin(), options.end());
    INFO("lesson " << lesson.filename().string());
    REQUIRE(options.size() == 2);
    const Model m(load_scenario(options[0]));
    const Settings b = m.settings_for(load_scenario(options[1]));
    const Sides s = sides(paired_change(m, m.settings(), b));
    INFO(options[0].filename().string() << " to " << options[1].filename().string() << ":" << s.report);
    CHECK(s.better);
    CHECK(s.worse);
  }
}
