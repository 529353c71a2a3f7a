#include "wsic/scenario/problem.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "wsic/scenario/loader.hpp"
#include "wsic/scenario/parameters.hpp"
#include "wsic/sim/error.hpp"

using wsic::model::Scenario;
using wsic::scenario::Diagnostic;
using wsic::scenario::load_problem;
using wsic::scenario::Override;
using wsic::scenario::ParameterSpace;
using wsic::scenario::parse_param;
using wsic::scenario::Problem;
using wsic::scenario::ProblemEntry;
using wsic::scenario::resolve_problem;
using wsic::scenario::ResolvedParameter;
using wsic::scenario::ScenarioError;
using wsic::scenario::Unit;
namespace fs = std::filesystem;

namespace {

const char* kBaseline = "scenarios/baseline.yaml";
constexpr double kMonth = 365.2425 / 12;

// A folder for this file's problem files, made once per process (as
// tests/support.hpp's fresh_dir, which needs the experiment library that
// these tests do not link).
const fs::path& dir() {
  static const fs::path d = [] {
    fs::path p = fs::temp_directory_path() / ("wsic-test-problem-" + std::to_string(::getpid()));
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
  }();
  static const struct Cleanup {
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  } cleanup;
  return d;
}

fs::path write(const std::string& name, const std::string& text) {
  const fs::path p = dir() / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

// Every diagnostic load_problem throws for `text`, formatted (the file's
// folder left out); empty if it loads.
std::vector<std::string> problem_errors(const std::string& name, const std::string& text) {
  const fs::path p = write(name, text);
  std::vector<std::string> out;
  try {
    load_problem(p);
  } catch (const ScenarioError& e) {
    for (const Diagnostic& d : e.diagnostics()) {
      std::string s = d.format();
      const std::string prefix = (dir() / "").string();
      if (s.rfind(prefix, 0) == 0) s.erase(0, prefix.size());
      out.push_back(s);
    }
  }
  return out;
}

// The one diagnostic of `text` (fails unless there is exactly one).
std::string problem_error(const std::string& name, const std::string& text) {
  const auto errors = problem_errors(name, text);
  INFO(text);
  REQUIRE(errors.size() == 1);
  return errors.front();
}

std::string param_error(const std::string& text, int n) {
  try {
    parse_param(text, n);
  } catch (const ScenarioError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    return e.diagnostics().front().format();
  }
  FAIL("parse_param accepted " << text);
  return {};
}

// The problem file `text` resolved against the baseline.
std::vector<ResolvedParameter> resolve(const std::string& name, const std::string& text) {
  static const ParameterSpace space(wsic::scenario::load_scenario(kBaseline));
  return resolve_problem(load_problem(write(name, text)), kBaseline, {}, space);
}

// Every diagnostic resolving `text` throws, formatted (folder left out).
std::vector<std::string> resolve_errors(const std::string& name, const std::string& text) {
  std::vector<std::string> out;
  try {
    resolve(name, text);
  } catch (const ScenarioError& e) {
    for (const Diagnostic& d : e.diagnostics()) {
      std::string s = d.format();
      const std::string prefix = (dir() / "").string();
      if (s.rfind(prefix, 0) == 0) s.erase(0, prefix.size());
      out.push_back(s);
    }
  }
  return out;
}

std::string resolve_error(const std::string& name, const std::string& text) {
  const auto errors = resolve_errors(name, text);
  INFO(text);
  REQUIRE(errors.size() == 1);
  return errors.front();
}

}  // namespace

TEST_CASE("Problem.LoadsUniformTriangularAndNormal", "[scenario][problem]") {
  const fs::path p = write("good.yaml",
                           "parameters:\n"
                           "  - path: levers.central_share.value      # uniform by default\n"
                           "    range: [0.3, 0.7]\n"
                           "  - path: workstreams.ig.work.mode\n"
                           "    dist: triangular\n"
                           "    range: [3 months, 9 months]\n"
                           "    mode: 4 months\n"
                           "  - path: schemes.ealing.readiness\n"
                           "    dist: normal\n"
                           "    mean: 1.5\n"
                           "    sd: 0.2\n"
                           "  - {path: plan.pilot_start, dist: uniform, range: [2014-01-01, 2014-06-01]}\n");
  const Problem problem = load_problem(p);
  CHECK(problem.file == p.string());
  REQUIRE(problem.entries.size() == 4);
  const ProblemEntry& u = problem.entries[0];
  CHECK(u.path == "levers.central_share.value");
  CHECK(u.dist == "uniform");
  CHECK(u.line == 2);
  CHECK(u.column == 11);
  CHECK(u.low.text == "0.3");
  CHECK(u.low.line == 3);
  CHECK(u.low.column == 13);
  CHECK(u.high.text == "0.7");
  CHECK(u.high.line == 3);
  CHECK(u.high.column == 18);
  CHECK(u.mode.text.empty());
  CHECK(u.mean.text.empty());
  CHECK(u.sd.text.empty());

  const ProblemEntry& t = problem.entries[1];
  CHECK(t.path == "workstreams.ig.work.mode");
  CHECK(t.dist == "triangular");
  CHECK(t.line == 4);
  CHECK(t.low.text == "3 months");
  CHECK(t.high.text == "9 months");
  CHECK(t.high.column == 23);
  CHECK(t.mode.text == "4 months");
  CHECK(t.mode.line == 7);
  CHECK(t.mode.column == 11);

  const ProblemEntry& n = problem.entries[2];
  CHECK(n.path == "schemes.ealing.readiness");
  CHECK(n.dist == "normal");
  CHECK(n.mean.text == "1.5");
  CHECK(n.mean.line == 10);
  CHECK(n.mean.column == 11);
  CHECK(n.sd.text == "0.2");
  CHECK(n.sd.line == 11);
  CHECK(n.sd.column == 9);
  CHECK(n.low.text.empty());

  const ProblemEntry& f = problem.entries[3];
  CHECK(f.path == "plan.pilot_start");
  CHECK(f.line == 12);
  CHECK(f.column == 12);
  CHECK(f.low.text == "2014-01-01");
  CHECK(f.high.text == "2014-06-01");
  CHECK(f.high.column == 65);
}

TEST_CASE("Problem.ShapeErrorsAtTheirPlace", "[scenario][problem]") {
  // An unknown key, at the key.
  CHECK(problem_error("unknown.yaml",
                      "parameters:\n"
                      "  - path: levers.central_share.value\n"
                      "    range: [0.3, 0.7]\n"
                      "    rnage: [0.3, 0.7]\n") ==
        "unknown.yaml:4:5: error: parameters[0]: unknown key 'rnage'; expected path, dist, range, mode, mean or sd");
  // No path, at the entry.
  CHECK(problem_error("nopath.yaml",
                      "parameters:\n"
                      "  - range: [0.3, 0.7]\n")
            .rfind("nopath.yaml:2:5: error: parameters[0].path: path: is missing", 0) == 0);
  CHECK(problem_error("emptypath.yaml",
                      "parameters:\n"
                      "  - {path: '', range: [1, 2]}\n")
            .rfind("emptypath.yaml:2:5: error: parameters[0].path: path: is missing", 0) == 0);
  // A bad dist, at its value.
  CHECK(problem_error("dist.yaml",
                      "parameters:\n"
                      "  - path: schemes.ealing.readiness\n"
                      "    dist: beta\n"
                      "    range: [1, 2]\n") ==
        "dist.yaml:3:11: error: parameters[0].dist: expected uniform, triangular or normal");
  CHECK(problem_error("dist2.yaml", "parameters:\n  - {path: a.b, dist: [normal], range: [1, 2]}\n") ==
        "dist2.yaml:2:23: error: parameters[0].dist: expected uniform, triangular or normal");
  // A range that is not two values, at the range.
  CHECK(problem_error("range3.yaml",
                      "parameters:\n"
                      "  - path: schemes.ealing.readiness\n"
                      "    range: [1, 2, 3]\n") ==
        "range3.yaml:3:12: error: parameters[0].range: expected [LOW, HIGH], two values");
  CHECK(problem_error("range1.yaml",
                      "parameters:\n"
                      "  - path: schemes.ealing.readiness\n"
                      "    range: 1\n") ==
        "range1.yaml:3:12: error: parameters[0].range: expected [LOW, HIGH], two values");
  CHECK(problem_error("norange.yaml",
                      "parameters:\n"
                      "  - path: schemes.ealing.readiness\n") ==
        "norange.yaml:2:5: error: parameters[0]: range: is missing: give [LOW, HIGH]");
  CHECK(problem_error("rangemap.yaml",
                      "parameters:\n"
                      "  - path: schemes.ealing.readiness\n"
                      "    range: [1, {a: 2}]\n")
            .rfind("rangemap.yaml:3:16: error: parameters[0].range[1]: expected a value", 0) == 0);
  // A mode for a uniform, at the mode's value.
  CHECK(problem_error("mode.yaml",
                      "parameters:\n"
                      "  - path: schemes.ealing.readiness\n"
                      "    range: [1, 2]\n"
                      "    mode: 1.5\n") == "mode.yaml:4:11: error: parameters[0].mode: uniform takes no mode:");
  // A triangular with no mode, at the entry.
  CHECK(problem_error("nomode.yaml",
                      "parameters:\n"
                      "  - path: schemes.ealing.readiness\n"
                      "    dist: triangular\n"
                      "    range: [1, 2]\n") == "nomode.yaml:2:5: error: parameters[0]: triangular needs mode:");
  // A normal with no sd, at the entry; with a range, at the range.
  CHECK(problem_error("nosd.yaml",
                      "parameters:\n"
                      "  - path: schemes.ealing.readiness\n"
                      "    dist: normal\n"
                      "    mean: 1.5\n") == "nosd.yaml:2:5: error: parameters[0]: normal needs sd:");
  CHECK(problem_error("normalrange.yaml",
                      "parameters:\n"
                      "  - path: schemes.ealing.readiness\n"
                      "    dist: normal\n"
                      "    mean: 1.5\n"
                      "    sd: 0.2\n"
                      "    range: [1, 2]\n") ==
        "normalrange.yaml:6:12: error: parameters[0].range: normal takes no range:");
  // An entry that is not a map, at the entry.
  CHECK(problem_error("notmap.yaml",
                      "parameters:\n"
                      "  - levers.central_share.value\n")
            .rfind("notmap.yaml:2:5: error: parameters[0]: expected a map", 0) == 0);
  // An empty list, at the list.
  CHECK(problem_error("empty.yaml", "parameters: []\n") ==
        "empty.yaml:1:13: error: parameters: expected a list of at least one parameter");
  CHECK(problem_error("notlist.yaml", "parameters: {path: a.b}\n") ==
        "notlist.yaml:1:13: error: parameters: expected a list of at least one parameter");
  // Not a map with parameters:, at the start; another key, at the key.
  CHECK(problem_error("top.yaml", "- path: a.b\n") ==
        "top.yaml:1:1: error: expected a map with parameters: (a list of the parameters to vary)");
  CHECK(problem_error("blank.yaml", "") ==
        "blank.yaml:1:1: error: expected a map with parameters: (a list of the parameters to vary)");
  CHECK(problem_error("extra.yaml",
                      "parameters:\n"
                      "  - {path: a.b, range: [1, 2]}\n"
                      "seed: 3\n") == "extra.yaml:3:1: error: unknown key; the file holds parameters: only");
  // Invalid YAML, where the parser stopped.
  CHECK(problem_error("invalid.yaml", "parameters:\n  - {path: a.b, range: [1, 2]\n")
            .rfind("invalid.yaml:3:1: error: not valid YAML: ", 0) == 0);
}

TEST_CASE("Problem.EmptyValuesAreReportedAtTheirKey", "[scenario][problem]") {
  // A key with nothing after it is placed at the key, as the scenario
  // loader places "readiness:" ("expected a number, got nothing"), not at
  // the start of the next line (past the end of the file for the last key).
  CHECK_THAT(problem_error("nolist.yaml", "parameters:\n"), Catch::StartsWith("nolist.yaml:1:"));
  CHECK_THAT(problem_error("norangevalue.yaml",
                           "parameters:\n"
                           "  - path: schemes.ealing.readiness\n"
                           "    range:\n"),
             Catch::StartsWith("norangevalue.yaml:3:"));
  CHECK_THAT(problem_error("nosdvalue.yaml",
                           "parameters:\n"
                           "  - path: schemes.ealing.readiness\n"
                           "    dist: normal\n"
                           "    mean: 1.5\n"
                           "    sd:\n"
                           "  - path: schemes.brent.readiness\n"
                           "    range: [1, 2]\n"),
             Catch::StartsWith("nosdvalue.yaml:5:"));
}

TEST_CASE("Problem.DuplicateKeysAreRefused", "[scenario][problem]") {
  // The scenario format refuses a key given twice ("duplicate key 'k'
  // (first given at line N): give each key once"); a problem file must not
  // keep the first path and drop the second without a word.
  const auto errors = problem_errors("duplicate.yaml",
                                     "parameters:\n"
                                     "  - path: schemes.ealing.readiness\n"
                                     "    range: [1, 2]\n"
                                     "    path: schemes.brent.readiness\n");
  INFO("nothing reported: the entry was read with the first path, schemes.ealing.readiness");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].rfind("duplicate.yaml:4:5: error: ", 0) == 0);
  CHECK_THAT(errors[0], Catch::Contains("path"));
}

TEST_CASE("Problem.AtMost64Parameters", "[scenario][problem]") {
  const auto list = [](int n) {
    std::string s = "parameters:\n";
    for (int k = 0; k < n; ++k) s += "  - {path: schemes.ealing.readiness, range: [1, 2]}\n";
    return s;
  };
  const fs::path p64 = write("p64.yaml", list(64));
  CHECK(load_problem(p64).entries.size() == 64);
  CHECK(problem_error("p65.yaml", list(65)) == "p65.yaml:2:3: error: parameters: 65 parameters: at most 64");
}

TEST_CASE("Problem.MissingOrUnreadableFile", "[scenario][problem]") {
  const fs::path missing = dir() / "no-such-problem.yaml";
  try {
    load_problem(missing);
    FAIL("a missing file was read");
  } catch (const ScenarioError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    const Diagnostic& d = e.diagnostics().front();
    CHECK(d.file == missing.string());
    CHECK(d.line == 0);
    CHECK(d.column == 0);
    CHECK(d.format().rfind(missing.string() + ": error: cannot read the ", 0) == 0);
  }
  // A folder is not a file.
  fs::create_directories(dir() / "folder.yaml");
  CHECK_THROWS_WITH(load_problem(dir() / "folder.yaml"), Catch::Contains("cannot read the"));
  // Nor is a file past the size limit read.
  CHECK_THROWS_WITH(load_problem(write("big.yaml", "# " + std::string(2u << 20, 'x') + "\n")),
                    Catch::Contains("at most 1048576 are read"));
}

TEST_CASE("Problem.SeveralErrorsAtOnce", "[scenario][problem]") {
  const auto errors = problem_errors("several.yaml",
                                     "parameters:\n"
                                     "  - path: schemes.ealing.readiness\n"
                                     "    range: [1, 2, 3]\n"
                                     "  - range: [1, 2]\n"
                                     "    colour: red\n"
                                     "  - path: schemes.brent.readiness\n"
                                     "    dist: normal\n"
                                     "    mean: 1\n");
  REQUIRE(errors.size() == 4);
  CHECK(errors[0] == "several.yaml:3:12: error: parameters[0].range: expected [LOW, HIGH], two values");
  CHECK(errors[1].rfind("several.yaml:5:5: error: parameters[1]: unknown key 'colour'", 0) == 0);
  CHECK(errors[2].rfind("several.yaml:4:5: error: parameters[1].path: path: is missing", 0) == 0);
  CHECK(errors[3] == "several.yaml:6:5: error: parameters[2]: normal needs sd:");
}

TEST_CASE("Problem.ParseParam", "[scenario][problem]") {
  const ProblemEntry e = parse_param("levers.central_share.value=0.3:0.7", 2);
  CHECK(e.path == "levers.central_share.value");
  CHECK(e.dist == "uniform");
  CHECK(e.line == 2);
  CHECK(e.column == 1);
  CHECK(e.low.text == "0.3");
  CHECK(e.low.line == 2);
  CHECK(e.low.column == 28);
  CHECK(e.high.text == "0.7");
  CHECK(e.high.line == 2);
  CHECK(e.high.column == 32);
  const ProblemEntry d = parse_param("workstreams.ig.work.mode=3 months:5 months", 1);
  CHECK(d.low.text == "3 months");
  CHECK(d.high.text == "5 months");
  const ProblemEntry iso = parse_param("plan.pilot_start=2014-01-01:2014-06-01", 1);
  CHECK(iso.low.text == "2014-01-01");
  CHECK(iso.high.text == "2014-06-01");
  CHECK(iso.high.column == 29);

  CHECK(param_error("abc", 1).rfind("--param:1:1: error: expected PATH=LOW:HIGH", 0) == 0);
  CHECK(param_error("=1:2", 3).rfind("--param:3:1: error: expected PATH=LOW:HIGH", 0) == 0);
  CHECK(param_error("a=1", 2).rfind("--param:2:3: error: expected LOW:HIGH after '='", 0) == 0);
  CHECK(param_error("a=1:2:3", 1).rfind("--param:1:3: error: expected LOW:HIGH after '='", 0) == 0);
  CHECK(param_error("abc=:2", 4) == "--param:4:5: error: LOW is missing");
  CHECK(param_error("abc=1:", 5) == "--param:5:7: error: HIGH is missing");
  CHECK(param_error("abc=1.5:", 5) == "--param:5:9: error: HIGH is missing");
}

TEST_CASE("Problem.ResolvesValuesInTheParameterUnits", "[scenario][problem]") {
  const auto r = resolve("resolve.yaml",
                         "parameters:\n"
                         "  - path: barriers.national_ig.resolution.workaround.median\n"
                         "    range: [2 months, 6 months]\n"
                         "  - path: programme.designation\n"
                         "    range: [2014-02-01, 2014-04-01]\n"
                         "  - path: levers.central_share.value\n"
                         "    dist: triangular\n"
                         "    range: [0.3, 0.7]\n"
                         "    mode: 0.4\n"
                         "  - path: schemes.ealing.readiness\n"
                         "    dist: normal\n"
                         "    mean: 2.5\n"
                         "    sd: 0.2\n"
                         "  - path: levers.national_ig_action.value\n"
                         "    dist: normal\n"
                         "    mean: 2016-04-01\n"
                         "    sd: 2 weeks\n"
                         "  - path: workstreams.it.work.max\n"
                         "    dist: normal\n"
                         "    mean: 6 months\n"
                         "    sd: 3 days\n");
  const ParameterSpace space(wsic::scenario::load_scenario(kBaseline));
  REQUIRE(r.size() == 6);
  CHECK(r[0].path == "barriers.national_ig.resolution.workaround.median");
  CHECK(r[0].index == *space.find(r[0].path));
  CHECK(r[0].dist == "uniform");
  CHECK(r[0].low == Approx(2 * kMonth).epsilon(1e-14));
  CHECK(r[0].high == Approx(6 * kMonth).epsilon(1e-14));
  // Days since the calendar starts (2013-06-01).
  CHECK(space.parameters()[r[1].index].unit == Unit::kDay);
  CHECK(r[1].low == 245);
  CHECK(r[1].high == 304);
  CHECK(r[2].dist == "triangular");
  CHECK(r[2].low == 0.3);
  CHECK(r[2].high == 0.7);
  CHECK(r[2].mode == 0.4);
  CHECK(r[3].dist == "normal");
  CHECK(r[3].mean == 2.5);
  CHECK(r[3].sd == 0.2);
  // The reach of the sample: six standard deviations either side
  // (experiment::SensitivityParameter::kNormalReach).
  CHECK(r[3].low == Approx(2.5 - 6 * 0.2));
  CHECK(r[3].high == Approx(2.5 + 6 * 0.2));
  CHECK(r[4].mean == 1035);  // 2016-04-01
  CHECK(r[4].sd == 14);
  CHECK(r[5].mean == Approx(6 * kMonth).epsilon(1e-14));
  CHECK(r[5].sd == 3);

  // A --param resolves the same way, and --set values apply first.
  Problem p;
  p.file = "--param";
  p.entries.push_back(parse_param("workstreams.ig.work.mode=2.5 months:4 months", 1));
  const auto q = resolve_problem(p, kBaseline, {Override{"workstreams.ig.work.max", "5 months"}}, space);
  REQUIRE(q.size() == 1);
  CHECK(q[0].low == Approx(2.5 * kMonth).epsilon(1e-14));
  CHECK(q[0].high == Approx(4 * kMonth).epsilon(1e-14));
  //                                                      col 37: v
  p.entries[0] = parse_param("workstreams.ig.work.mode=2.5 months:5.5 months", 1);
  CHECK_THROWS_WITH(resolve_problem(p, kBaseline, {Override{"workstreams.ig.work.max", "5 months"}}, space),
                    Catch::StartsWith("--param:1:37: error: workstreams.ig.work.mode = 5.5 months: ") &&
                        Catch::Contains("max (152.184375 days)"));
  CHECK(resolve_problem(p, kBaseline, {}, space).size() == 1);
}

TEST_CASE("Problem.ResolveRefusesBadPathsAndRanges", "[scenario][problem]") {
  // An unknown path, with the nearest.
  CHECK(resolve_error("unknown-path.yaml",
                      "parameters:\n"
                      "  - path: schemes.ealng.readiness\n"
                      "    range: [1, 2]\n") ==
        "unknown-path.yaml:2:11: error: 'schemes.ealng.readiness' names no number of the scenario; did you mean "
        "'schemes.ealing.readiness'?");
  // The same number twice, at the second (also under its other name).
  CHECK(resolve_error("twice.yaml",
                      "parameters:\n"
                      "  - {path: schemes.ealing.readiness, range: [1, 2]}\n"
                      "  - {path: schemes.ealing.readiness, range: [2, 3]}\n") ==
        "twice.yaml:3:12: error: 'schemes.ealing.readiness' is given twice");
  CHECK(resolve_error("twice2.yaml",
                      "parameters:\n"
                      "  - {path: barriers.change_fatigue.trigger.per_year, range: [0.1, 0.3]}\n"
                      "  - {path: barriers.change_fatigue.trigger.per_year.value, range: [0.1, 0.3]}\n") ==
        "twice2.yaml:3:12: error: 'barriers.change_fatigue.trigger.per_year.value' is given twice");
  // LOW not below HIGH, at HIGH.
  CHECK(resolve_error("order.yaml",
                      "parameters:\n"
                      "  - path: schemes.ealing.readiness\n"
                      "    range: [2, 1]\n") == "order.yaml:3:16: error: HIGH (1) must be above LOW (2)");
  CHECK(resolve_error("equal.yaml",
                      "parameters:\n"
                      "  - path: workstreams.ig.work.mode\n"
                      "    range: [3 months, 3 months]\n") ==
        "equal.yaml:3:23: error: HIGH (3 months) must be above LOW (3 months)");
  // A mode outside the range, at the mode.
  CHECK(resolve_error("mode.yaml",
                      "parameters:\n"
                      "  - path: levers.central_share.value\n"
                      "    dist: triangular\n"
                      "    range: [0.4, 0.6]\n"
                      "    mode: 0.35\n") == "mode.yaml:5:11: error: the mode (0.35) must lie within the range");
  // A whole number, at the path.
  CHECK_THAT(resolve_error("count.yaml",
                           "parameters:\n"
                           "  - path: milestones.3.observed_live\n"
                           "    range: [1, 3]\n"),
             Catch::StartsWith("count.yaml:2:11: error: 'milestones.3.observed_live' is a whole number"));
  // A non-positive sd, at the sd.
  CHECK(resolve_error("sd.yaml",
                      "parameters:\n"
                      "  - path: schemes.ealing.readiness\n"
                      "    dist: normal\n"
                      "    mean: 2.5\n"
                      "    sd: -1\n") == "sd.yaml:5:9: error: sd must be a positive number, got '-1'");
  CHECK(resolve_error("sd0.yaml",
                      "parameters:\n"
                      "  - path: schemes.ealing.readiness\n"
                      "    dist: normal\n"
                      "    mean: 2.5\n"
                      "    sd: 0\n") == "sd0.yaml:5:9: error: sd must be a positive number, got '0'");
  CHECK(resolve_error("sd2.yaml",
                      "parameters:\n"
                      "  - path: workstreams.it.work.max\n"
                      "    dist: normal\n"
                      "    mean: 6 months\n"
                      "    sd: 3\n") == "sd2.yaml:5:9: error: sd must be a positive duration, got '3'");
}

TEST_CASE("Problem.ResolveChecksValuesAsTheFileWould", "[scenario][problem]") {
  // A value the format refuses, at the value, in the loader's words.
  const std::string share = resolve_error("share.yaml",
                                          "parameters:\n"
                                          "  - path: levers.central_share.value\n"
                                          "    range: [0.5, 1.5]\n");
  CHECK(share.rfind("share.yaml:3:18: error: levers.central_share.value = 1.5: ", 0) == 0);
  const std::string negative = resolve_error("negative.yaml",
                                             "parameters:\n"
                                             "  - path: workstreams.ig.work.min\n"
                                             "    range: [-1 month, 2 months]\n");
  CHECK(negative.rfind("negative.yaml:3:13: error: workstreams.ig.work.min = -1 month: ", 0) == 0);
  CHECK_THAT(negative, Catch::Contains("negative"));
  CHECK_THAT(resolve_error("words.yaml",
                           "parameters:\n"
                           "  - path: schemes.ealing.readiness\n"
                           "    range: [1, lots]\n"),
             Catch::StartsWith("words.yaml:3:16: error: schemes.ealing.readiness = lots: "));
  // Both ends wrong: both reported.
  const auto both = resolve_errors("both.yaml",
                                   "parameters:\n"
                                   "  - path: schemes.ealing.readiness\n"
                                   "    range: [-1, -2]\n");
  REQUIRE(both.size() == 2);
  CHECK(both[0].rfind("both.yaml:3:13: error: ", 0) == 0);
  CHECK(both[1].rfind("both.yaml:3:17: error: ", 0) == 0);
  // A normal whose three-sd range leaves the format's: at the path.
  CHECK_THAT(resolve_error("wide.yaml",
                           "parameters:\n"
                           "  - path: schemes.ealing.readiness\n"
                           "    dist: normal\n"
                           "    mean: 0.5\n"
                           "    sd: 0.2\n"),
             Catch::StartsWith("wide.yaml:2:11: error: at schemes.ealing.readiness = -0.7"));
}

TEST_CASE("Problem.PairsAreCheckedAtTheCornersOfTheirRanges", "[scenario][problem]") {
  // The baseline's ig work: PERT min 2 months, mode 3 months, max 6 months.
  // min up to 2.5 months and mode down to 2.2 months: each end is fine with
  // the other number as the file gives it, but min 2.5 with mode 2.2 is not.
  const std::string overlapping =
      "parameters:\n"
      "  - path: workstreams.ig.work.min\n"
      "    range: [1 month, 2.5 months]\n"
      "  - path: workstreams.ig.work.mode\n"
      "    range: [2.2 months, 4 months]\n";
  const auto errors = resolve_errors("overlap.yaml", overlapping);
  REQUIRE(errors.size() == 1);
  INFO(errors[0]);
  CHECK(errors[0].rfind("overlap.yaml:4:11: error: with workstreams.ig.work.min = ", 0) == 0);
  CHECK_THAT(errors[0], Catch::Contains("and workstreams.ig.work.mode = ") &&
                            Catch::Contains("these two ranges cannot be sampled together"));
  // Each alone is fine.
  CHECK(resolve("min-alone.yaml",
                "parameters:\n"
                "  - path: workstreams.ig.work.min\n"
                "    range: [1 month, 2.5 months]\n")
            .size() == 1);
  CHECK(resolve("mode-alone.yaml",
                "parameters:\n"
                "  - path: workstreams.ig.work.mode\n"
                "    range: [2.2 months, 4 months]\n")
            .size() == 1);
  // Ranges that do not overlap are accepted, with the other parameters of
  // the problem around them.
  const auto ok = resolve("apart.yaml",
                          "parameters:\n"
                          "  - path: schemes.ealing.readiness\n"
                          "    range: [2, 4]\n"
                          "  - path: workstreams.ig.work.min\n"
                          "    range: [1 month, 2 months]\n"
                          "  - path: workstreams.ig.work.mode\n"
                          "    range: [2.5 months, 4 months]\n");
  REQUIRE(ok.size() == 3);
  CHECK(ok[1].high == Approx(2 * kMonth).epsilon(1e-14));
  CHECK(ok[2].low == Approx(2.5 * kMonth).epsilon(1e-14));
  // A lever's value against its own low: the value's range reaches below
  // the low's.
  const auto lever = resolve_errors("lever.yaml",
                                    "parameters:\n"
                                    "  - path: levers.central_share.low\n"
                                    "    range: [0.2, 0.45]\n"
                                    "  - path: levers.central_share.value\n"
                                    "    range: [0.4, 0.6]\n");
  REQUIRE(lever.size() == 1);
  CHECK_THAT(lever[0],
             Catch::Contains("levers.central_share.low = 0.45") && Catch::Contains("levers.central_share.value = 0.4"));
}

TEST_CASE("Problem.ParameterTextReadsBackThroughSet", "[scenario][problem]") {
  const Scenario sc = wsic::scenario::load_scenario(kBaseline);
  const ParameterSpace space(sc);
  // Numbers, durations, dates and counts of the baseline at their own
  // values, written and read back with --set.
  const std::vector<std::pair<const char*, Unit>> cases = {
      {"levers.central_share.value", Unit::kNumber},
      {"schemes.ealing.readiness", Unit::kNumber},
      {"barriers.change_fatigue.trigger.per_year", Unit::kNumber},
      {"barriers.national_ig.resolution.workaround.sigma", Unit::kNumber},
      {"workstreams.ig.work.lambda", Unit::kNumber},
      {"funding.2014.local", Unit::kNumber},
      {"programme.central_capacity", Unit::kNumber},
      {"workstreams.ig.work.min", Unit::kDays},
      {"workstreams.ig.work.mode", Unit::kDays},
      {"workstreams.it.work.min", Unit::kDays},
      {"programme.codesign_duration.min", Unit::kDays},  // 4.5 months
      {"programme.ramp_duration.max", Unit::kDays},
      {"barriers.national_ig.resolution.workaround.median", Unit::kDays},
      {"plan.pilot_start", Unit::kDay},
      {"programme.designation", Unit::kDay},
      {"programme.codesign_start", Unit::kDay},
      {"levers.national_ig_action.value", Unit::kDay},
      {"levers.promised_go_live.high", Unit::kDay},
      {"barriers.change_fatigue.trigger.from", Unit::kDay},
      {"milestones.3.observed_live", Unit::kCount},
      {"barriers.change_fatigue.trigger.max_occurrences", Unit::kCount},
      {"schemes.ealing.populations.0.size", Unit::kCount},
  };
  std::size_t units[4] = {0, 0, 0, 0};
  for (const auto& [path, unit] : cases) {
    const std::size_t i = *space.find(path);
    REQUIRE(space.parameters()[i].unit == unit);
    const double v = space.get(sc, i);
    const std::string text = space.text(sc, i, v);
    INFO(path << " = " << text);
    const auto loaded = wsic::scenario::check_scenario(kBaseline, {}, {Override{path, text}});
    INFO(wsic::scenario::format_diagnostics(loaded.diagnostics));
    REQUIRE(loaded.ok());
    CHECK(space.get(*loaded.scenario, i) == v);
    ++units[static_cast<int>(unit)];
  }
  CHECK(units[static_cast<int>(Unit::kNumber)] > 0);
  CHECK(units[static_cast<int>(Unit::kDays)] > 0);
  CHECK(units[static_cast<int>(Unit::kDay)] > 0);
  CHECK(units[static_cast<int>(Unit::kCount)] > 0);

  // As the file writes them.
  const auto at = [&](const char* path) { return *space.find(path); };
  CHECK(space.text(sc, at("levers.central_share.value"), 0.35) == "0.35");
  CHECK(space.text(sc, at("workstreams.ig.work.mode"), 120) == "120 days");
  CHECK(space.text(sc, at("workstreams.ig.work.mode"), 2.5) == "2.5 days");
  CHECK(space.text(sc, at("plan.pilot_start"), 214) == "2014-01-01");
  CHECK(space.text(sc, at("plan.pilot_start"), 213.6) == "2014-01-01");  // the nearest day
  CHECK(space.text(sc, at("plan.pilot_start"), 214.4) == "2014-01-01");
  CHECK(space.text(sc, at("levers.national_ig_action.value"), 1035) == "2016-04-01");
  CHECK(space.text(sc, at("milestones.3.observed_live"), 3) == "3");
}

namespace {

// `value` of `path` written by ParameterSpace::text, read back with --set.
void check_text_reads_back(const char* path, double value) {
  static const Scenario sc = wsic::scenario::load_scenario(kBaseline);
  static const ParameterSpace space(sc);
  const std::size_t i = *space.find(path);
  const std::string text = space.text(sc, i, value);
  INFO(path << " = " << text);
  const auto loaded = wsic::scenario::check_scenario(kBaseline, {}, {Override{path, text}});
  INFO(wsic::scenario::format_diagnostics(loaded.diagnostics));
  REQUIRE(loaded.ok());
  CHECK(space.get(*loaded.scenario, i) == value);
}

}  // namespace

TEST_CASE("Problem.ParameterTextReadsBackForOtherValues", "[scenario][problem]") {
  // Not only the baseline's own values: any value reads back as the same
  // number, also one the shortest form writes with an exponent. (Numbers
  // set by a distribution's min, mode or max keep the number as given; a
  // lognormal's median goes through log and exp, so it is not used here.)
  check_text_reads_back("levers.central_share.value", 0.1 + 0.2);  // 0.30000000000000004
  check_text_reads_back("schemes.ealing.readiness", 2.123456789);
  check_text_reads_back("levers.transactional_investment.value", 1e-05);
  check_text_reads_back("programme.ramp_duration.min", 14 * kMonth);  // 426.11625000000004 days
  check_text_reads_back("workstreams.ig.work.mode", 200.0 / 3);
  check_text_reads_back("plan.pilot_start", 300);
}

TEST_CASE("Problem.ParameterTextOfATinyDurationReadsBack", "[scenario][problem]") {
  // The shortest form of 1e-05 days is "1e-05 days", which the scenario
  // format does not read ("unknown unit 'e-05 days'"): text must write
  // durations without an exponent ("0.00001 days").
  check_text_reads_back("workstreams.ig.work.min", 1e-05);
  check_text_reads_back("workstreams.ig.work.min", 2.5e-05);
}
