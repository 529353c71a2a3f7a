// The research commands end to end: wsic sweep and wsic sensitivity write
// their files, the same bytes at any thread count, in SALib's shapes, and
// refuse bad input with its place.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support.hpp"

namespace fs = std::filesystem;
using namespace wsic::test;

namespace {

/// Every file of a folder: name -> content.
std::map<std::string, std::string> files_of(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out[e.path().filename().string()] = slurp(e.path());
  return out;
}

/// The rows of `csv` whose column `column` holds `value`.
std::vector<std::vector<std::string>> rows_where(const std::vector<std::vector<std::string>>& csv,
                                                 const std::string& column, const std::string& value) {
  std::size_t c = 0;
  while (c < csv.front().size() && csv.front()[c] != column) ++c;
  REQUIRE(c < csv.front().size());
  std::vector<std::vector<std::string>> out;
  for (std::size_t r = 1; r < csv.size(); ++r) {
    if (csv[r][c] == value) out.push_back(csv[r]);
  }
  return out;
}

std::size_t column_of(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (header[c] == name) return c;
  }
  FAIL("no column " << name);
  return 0;
}

}  // namespace

TEST_CASE("Research.SweepIsTheRunAtEachPointTheSameAtAnyThreadCount", "[cli][research]") {
  const fs::path out = fresh_dir("sweep");
  const std::string cmd = wsic_bin() +
                          " sweep scenarios/baseline.yaml --vary levers.central_share.value=0.3:0.5:3 -n 300 --seed 4"
                          " -q --threads ";
  REQUIRE(run(cmd + "1 -o " + (out / "one").string()) == 0);
  REQUIRE(run(cmd + "2 -o " + (out / "two").string()) == 0);
  const auto one = files_of(out / "one");
  REQUIRE(one == files_of(out / "two"));
  for (const char* f : {"sweep.csv", "sweep.json", "report.html", "chart_sweep_lines.svg", "chart_sweep_lines.csv"}) {
    INFO(f);
    CHECK(one.count(f) == 1);
  }

  // The point at the scenario's own value (0.5) is the run of the scenario:
  // the same replications, so the same dates to the day.
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n 300 --seed 4 --analysis-replications 0 -q -o " +
              (out / "run").string()) == 0);
  const auto summary = nlohmann::json::parse(slurp(out / "run" / "summary.json"));
  const auto csv = parse_csv(one.at("sweep.csv"));
  const auto at_half = rows_where(csv, "levers.central_share.value", "0.5");
  std::size_t measure = column_of(csv.front(), "measure"), p50 = column_of(csv.front(), "p50"),
              p90 = column_of(csv.front(), "p90");
  bool seen = false;
  for (const auto& row : at_half) {
    if (row[measure] != "all_live") continue;
    seen = true;
    CHECK(row[p50] == summary["programme"]["all_live"]["p50"].get<std::string>());
    CHECK(row[p90] == summary["programme"]["all_live"]["p90"].get<std::string>());
  }
  CHECK(seen);
  // Three points, each with the programme's three dates, nine schemes and the milestones.
  const auto json = nlohmann::json::parse(one.at("sweep.json"));
  REQUIRE(json["points"].size() == 3);
  const std::size_t per_point = json["points"][0]["measures"].size();
  CHECK(per_point == 3 + 9 + summary["milestones"].size());
  CHECK(csv.size() == 1 + 3 * per_point);
  CHECK(json["run_id"] == csv[1].back());
  fs::remove_all(out);
}

TEST_CASE("Research.SweepGridOfTwo", "[cli][research]") {
  const fs::path out = fresh_dir("sweep2");
  REQUIRE(run(wsic_bin() +
              " sweep scenarios/baseline.yaml --vary levers.central_share.value=0.3,0.7"
              " --vary 'workstreams.ig.work.mode=3 months:5 months:3' -n 100 -q -o " +
              out.string()) == 0);
  const auto json = nlohmann::json::parse(slurp(out / "sweep.json"));
  REQUIRE(json["points"].size() == 6);
  // The last axis moves fastest; the range's ends are exact in days.
  CHECK(json["points"][0]["at"]["levers.central_share.value"] == 0.3);
  CHECK(json["points"][2]["at"]["workstreams.ig.work.mode"].get<double>() == Approx(5 * 365.2425 / 12));
  CHECK(json["points"][3]["at"]["levers.central_share.value"] == 0.7);
  CHECK(fs::exists(out / "chart_sweep_heatmap.svg"));
  const auto heat = parse_csv(slurp(out / "chart_sweep_heatmap.csv"));
  CHECK(heat.size() == 1 + 6);
  fs::remove_all(out);
}

TEST_CASE("Research.SweepRefusesBadAxesWithTheirPlace", "[cli][research]") {
  const fs::path out = fresh_dir("sweepbad");
  fs::create_directories(out);
  const fs::path err = out / "err.txt";
  const std::string cmd = wsic_bin() + " sweep scenarios/baseline.yaml -n 10 -q -o " + (out / "r").string();
  CHECK(run(cmd + " --vary levers.central_shar.value=0.3:0.7:3 2> " + err.string()) == 2);
  CHECK_THAT(slurp(err),
             Catch::Contains("--vary:1:1: error:") && Catch::Contains("did you mean 'levers.central_share.value'"));
  CHECK(run(cmd + " --vary levers.central_share.value=0.3:0.7:x 2> " + err.string()) == 2);
  CHECK_THAT(slurp(err), Catch::Contains("--vary:1:36: error:") && Catch::Contains("STEPS"));
  // A value the format refuses is placed at the axis, with the value.
  CHECK(run(cmd + " --vary 'workstreams.ig.work.mode=2 months,9 months' 2> " + err.string()) == 2);
  CHECK_THAT(slurp(err), Catch::Contains("--vary:1:") && Catch::Contains("(at the value 9 months)"));
  CHECK(run(cmd + " --vary a=1 --vary b=2 --vary c=3 2> " + err.string()) == 2);
  CHECK_FALSE(fs::exists(out / "r" / "sweep.json"));
  fs::remove_all(out);
}

TEST_CASE("Research.SensitivityWritesSalibShapesTheSameAtAnyThreadCount", "[cli][research]") {
  const fs::path out = fresh_dir("sensitivity");
  const std::string cmd = wsic_bin() +
                          " sensitivity scenarios/baseline.yaml --param levers.central_share.value=0.3:0.7"
                          " --param 'barriers.national_ig.resolution.workaround.median=2 months:8 months'"
                          " --param schemes.ealing.readiness=1.1:1.5 -N 16 -n 20 --second-order -q --threads ";
  REQUIRE(run(cmd + "1 -o " + (out / "one").string()) == 0);
  REQUIRE(run(cmd + "2 -o " + (out / "two").string()) == 0);
  const auto one = files_of(out / "one");
  REQUIRE(one == files_of(out / "two"));

  const auto json = nlohmann::json::parse(one.at("sensitivity.json"));
  REQUIRE(json["problem"]["num_vars"] == 3);
  CHECK(json["problem"]["names"][1] == "barriers.national_ig.resolution.workaround.median");
  CHECK(json["problem"]["dists"][0] == "unif");
  CHECK(json["rows"] == 16 * (2 * 3 + 2));
  const std::size_t measures = json["measures"].size();
  for (const auto& [id, m] : json["measures"].items()) {
    INFO(id);
    for (const char* key : {"S1", "S1_conf", "ST", "ST_conf"}) CHECK(m[key].size() == 3);
    REQUIRE(m["S2"].size() == 3);
    CHECK(m["S2"][0].size() == 3);
    CHECK(m["S2"][1][0].is_null());  // SALib's S2 is NaN below the diagonal
  }
  const auto indices = parse_csv(one.at("sobol_indices.csv"));
  CHECK(indices.front() ==
        std::vector<std::string>{"measure", "parameter", "S1", "S1_conf", "ST", "ST_conf", "run_id"});
  CHECK(indices.size() == 1 + measures * 3);
  const auto second = parse_csv(one.at("sobol_second_order.csv"));
  CHECK(second.size() == 1 + measures * 3);
  // The sample in SALib's row order with every measure, for SALib's analyze.
  const auto samples = parse_csv(one.at("sobol_samples.csv"));
  CHECK(samples.size() == 1 + 16 * 8);
  CHECK(samples.front().size() == 1 + 3 + measures + 1);
  // The headline measure's indices in the CSV are the JSON's.
  const auto s1 = json["measures"]["all_live_p50"]["S1"][0].get<double>();
  CHECK(std::stod(indices[1][2]) == Approx(s1).margin(5e-5));
  fs::remove_all(out);
}

TEST_CASE("Research.SensitivityRefusesBadProblemsWithTheirPlace", "[cli][research]") {
  const fs::path out = fresh_dir("sensbad");
  fs::create_directories(out);
  const fs::path err = out / "err.txt", problem = out / "problem.yaml";
  {
    std::ofstream f(problem);
    f << "parameters:\n  - path: levers.central_share.value\n    range: [0.3, 0.7]\n"
         "  - path: schemes.ealing.readines\n    range: [1, 2]\n";
  }
  const std::string cmd = wsic_bin() + " sensitivity scenarios/baseline.yaml -N 4 -n 5 -q -o " + (out / "r").string();
  CHECK(run(cmd + " --problem " + problem.string() + " 2> " + err.string()) == 2);
  CHECK_THAT(slurp(err), Catch::Contains(problem.string() + ":4:11: error:") &&
                             Catch::Contains("did you mean 'schemes.ealing.readiness'"));
  CHECK(run(cmd + " --problem " + problem.string() + " --param a=1:2 2> " + err.string()) == 2);
  CHECK(run(cmd + " 2> " + err.string()) == 2);
  CHECK(run(cmd + " --param levers.central_share.value=0.3:1.5 2> " + err.string()) == 2);
  CHECK_THAT(slurp(err), Catch::Contains("--param:1:"));
  CHECK_FALSE(fs::exists(out / "r" / "sensitivity.json"));
  fs::remove_all(out);
}

TEST_CASE("Research.PrecisionRunIsTheRunOfThatMany", "[cli][research]") {
  const fs::path out = fresh_dir("precision");
  fs::create_directories(out);
  const fs::path err = out / "err.txt";
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml --precision 12 --precision-of all_live_p50 --seed 3" +
              " --analysis-replications 0 -q -o " + (out / "p").string() + " 2> " + err.string()) == 0);
  const std::string said = slurp(err);
  const std::string lead = "--precision 12 days of all_live_p50: ";
  const auto at = said.find(lead);
  REQUIRE(at != std::string::npos);
  const std::uint64_t n = std::stoull(said.substr(at + lead.size()));
  CHECK(n % 256 == 0);
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n " + std::to_string(n) +
              " --seed 3 --analysis-replications 0 -q -o " + (out / "n").string()) == 0);
  CHECK(slurp(out / "p" / "summary.json") == slurp(out / "n" / "summary.json"));
  CHECK(slurp(out / "p" / "schemes.csv") == slurp(out / "n" / "schemes.csv"));

  const std::string base = wsic_bin() + " run scenarios/baseline.yaml -q -o " + (out / "x").string();
  CHECK(run(base + " --precision 5 --part 1/2 2> " + err.string()) == 2);
  CHECK(run(base + " --precision 5 --precision-of all_live_p101 2> " + err.string()) == 2);
  CHECK_THAT(slurp(err), Catch::Contains("--precision-of all_live_p101"));
  CHECK(run(base + " --precision-of all_live_p50 2> " + err.string()) == 2);
  CHECK(run(base + " --precision 0 2> " + err.string()) == 2);
  fs::remove_all(out);
}

TEST_CASE("Research.CalibrateWritesItsFilesTheSameAtAnyThreadCount", "[cli][research]") {
  const fs::path out = fresh_dir("calibrate");
  fs::create_directories(out);
  const fs::path targets = out / "targets.yaml";
  {
    std::ofstream f(targets);
    f << "parameters:\n"
         "  - {path: schemes.ealing.readiness, range: [0.5, 4]}\n"
         "  - {path: workstreams.ig.work.mode, range: [2 months, 5 months]}\n"
         "targets:\n"
         "  - {type: live_count, date: 2015-04-30, observed: 2, label: two live}\n"
         "  - {type: schemes_live, date: 2015-04-30, schemes: [ealing, hillingdon]}\n"
         "  - {type: date, of: codesign_end, observed: 2014-02-28, scale: 30 days}\n"
         "  - {type: spend, year: 2013, observed: 6.4, scale: 1}\n"
         "population: 100\n"
         "generations: 3\n";
  }
  const std::string cmd = wsic_bin() + " calibrate scenarios/baseline.yaml --targets " + targets.string() +
                          " --predictive 200 --seed 5 -q --threads ";
  REQUIRE(run(cmd + "1 -o " + (out / "one").string()) == 0);
  REQUIRE(run(cmd + "2 -o " + (out / "two").string()) == 0);
  const auto one = files_of(out / "one");
  REQUIRE(one == files_of(out / "two"));
  for (const char* f : {"posterior.csv", "generations.csv", "posterior_predictive.csv", "calibration.json",
                        "report.html", "chart_posterior_pairs.svg", "calibrated.yaml"}) {
    INFO(f);
    CHECK(one.count(f) == 1);
  }
  const auto json = nlohmann::json::parse(one.at("calibration.json"));
  CHECK(json["generations"].size() == 3);
  CHECK(json["in_sample"] == true);
  CHECK(parse_csv(one.at("posterior.csv")).size() == 1 + 100);
  CHECK(parse_csv(one.at("posterior_predictive.csv")).size() == 1 + 4);

  // The calibrated scenario runs, and is the scenario with the posterior
  // medians set: the same results as --set with them.
  fs::copy_file(out / "one" / "calibrated.yaml", out / "calibrated.yaml");
  const double ealing = json["parameters"][0]["p50"].get<double>();
  const double mode = json["parameters"][1]["p50"].get<double>();
  REQUIRE(run(wsic_bin() + " run " + (out / "one" / "calibrated.yaml").string() +
              " -n 300 --analysis-replications 0 -q -o " + (out / "a").string()) == 0);
  char set[200];
  std::snprintf(set, sizeof set, " --set schemes.ealing.readiness=%.17g --set 'workstreams.ig.work.mode=%.17g days'",
                ealing, mode);
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n 300 --analysis-replications 0 -q" + set + " -o " +
              (out / "b").string()) == 0);
  // The same dates (the run ids differ: the overlay is another scenario file with another name).
  const auto without_run_id = [](const fs::path& p) {
    auto rows = parse_csv(slurp(p));
    for (auto& row : rows) row.pop_back();
    return rows;
  };
  CHECK(without_run_id(out / "a" / "schemes.csv") == without_run_id(out / "b" / "schemes.csv"));
  fs::remove_all(out);
}

TEST_CASE("Research.CalibrateRefusesBadTargetsWithTheirPlace", "[cli][research]") {
  const fs::path out = fresh_dir("calbad");
  fs::create_directories(out);
  const fs::path targets = out / "targets.yaml", err = out / "err.txt";
  {
    std::ofstream f(targets);
    f << "parameters:\n"
         "  - {path: schemes.ealing.readiness, range: [0.5, 4]}\n"
         "targets:\n"
         "  - {type: schemes_live, date: 2015-04-30, schemes: [ealing, hilingdon]}\n"
         "  - {type: live_count, date: 2031-01-01, observed: 2}\n"
         "  - {type: spend, year: 2012, observed: 1.9}\n";
  }
  CHECK(run(wsic_bin() + " calibrate scenarios/baseline.yaml -q --targets " + targets.string() + " -o " +
            (out / "r").string() + " 2> " + err.string()) == 2);
  CHECK_THAT(slurp(err),
             Catch::Contains(targets.string() + ":4:5: error:") && Catch::Contains("did you mean 'hillingdon'") &&
                 Catch::Contains(targets.string() + ":5:5: error:") && Catch::Contains("outside") &&
                 Catch::Contains(targets.string() + ":6:5: error:") && Catch::Contains("no funding year 2012"));
  CHECK_FALSE(fs::exists(out / "r" / "calibration.json"));
  // The file's shape is checked first, every problem of it at once.
  {
    std::ofstream f(targets);
    f << "parameters:\n"
         "  - {path: schemes.ealing.readiness, range: [0.5, 4]}\n"
         "targets:\n"
         "  - {type: spend, year: 2013, of: salaries, observed: 1.9}\n"
         "  - {type: count, date: 2015-04-30}\n"
         "  - {type: live_count, date: 2015-04-30, observed: 2, color: red}\n";
  }
  CHECK(run(wsic_bin() + " calibrate scenarios/baseline.yaml -q --targets " + targets.string() + " -o " +
            (out / "r").string() + " 2> " + err.string()) == 2);
  CHECK_THAT(slurp(err), Catch::Contains(targets.string() + ":4:35: error:") && Catch::Contains("central_team") &&
                             Catch::Contains(targets.string() + ":5:12: error:") &&
                             Catch::Contains("live_count, schemes_live, date or spend") &&
                             Catch::Contains(targets.string() + ":6:55: error:") && Catch::Contains("'color'"));
  fs::remove_all(out);
}
