// The wsic programs driven through their command line, as a user would.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/parser.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support.hpp"
#include "wsic/sim/time.hpp"

namespace fs = std::filesystem;
using namespace wsic::test;

TEST_CASE("Cli.GoldenBaselineSummary", "[cli][golden]") {
  // The baseline's predictions at a fixed seed: any change to the model or
  // the scenario shows up here and must be explained (regenerate with
  // tools/update-golden).
  const fs::path out = fresh_dir("golden");
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n 2000 --seed 7 --analysis-replications 0 -q -o " +
              out.string()) == 0);
  const std::string got = slurp(out / "summary.json");
  const std::string want = slurp("tests/golden/baseline-summary.json");
  REQUIRE_FALSE(want.empty());
  if (got != want) {
    run("diff -u tests/golden/baseline-summary.json " + (out / "summary.json").string() + " | head -40");
  }
  REQUIRE(got == want);
  fs::remove_all(out);
}

TEST_CASE("Cli.GoldenBaselineAnalyses", "[cli][golden]") {
  // Barrier attribution and lever sensitivity at a fixed seed: the tornado
  // tables, every bar and scheme (regenerate with tools/update-golden).
  const fs::path out = fresh_dir("golden-analyses");
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n 2000 --seed 7 --analysis-replications 500 -q -o " +
              out.string()) == 0);
  for (const auto& [mine, golden] :
       {std::pair<const char*, const char*>{"chart_barrier_tornado.csv", "tests/golden/baseline-barrier-tornado.csv"},
        {"chart_lever_tornado.csv", "tests/golden/baseline-lever-tornado.csv"}}) {
    INFO(mine);
    const std::string want = slurp(golden);
    REQUIRE_FALSE(want.empty());
    const std::string got = slurp(out / mine);
    if (got != want) run("diff -u " + std::string(golden) + " " + (out / mine).string() + " | head -20");
    REQUIRE(got == want);
  }
  fs::remove_all(out);
}

TEST_CASE("Cli.SameSeedSameBytesWhateverTheThreads", "[cli][determinism]") {
  const fs::path one = fresh_dir("t1"), two = fresh_dir("t2");
  const std::string args =
      " run scenarios/baseline.yaml -n 3000 --seed 11 --analysis-replications 300 -q --per-replication -o ";
  REQUIRE(run(wsic_bin() + args + one.string() + " --threads 1") == 0);
  REQUIRE(run(wsic_bin() + args + two.string() + " --threads 2") == 0);
  for (const char* f : {"summary.json", "schemes.csv", "milestones.csv", "criticality.csv", "per_replication.csv",
                        "report_data.json"}) {
    INFO(f);
    const std::string a = slurp(one / f);
    REQUIRE_FALSE(a.empty());
    // report_data.json carries the run time and thread count; compare the rest.
    if (std::string(f) == "report_data.json") continue;
    REQUIRE(a == slurp(two / f));
  }
  fs::remove_all(one);
  fs::remove_all(two);
}

TEST_CASE("Cli.PerReplicationRowsAddUpToTheSummary", "[cli][rows]") {
  // The rows are the replications the summary counts: go-lives, barrier
  // strikes and critical paths counted from them give the summary's tables
  // (to the 6 decimals those print).
  const fs::path out = fresh_dir("rows-add-up");
  const int n = 1000;
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n " + std::to_string(n) +
              " --seed 5 --analysis-replications 0 -q --per-replication -o " + out.string()) == 0);
  const auto rows = parse_csv(slurp(out / "per_replication.csv"));
  REQUIRE(rows.front() == std::vector<std::string>{"replication", "scheme_id", "design_start", "design_end", "go_live",
                                                   "full_model", "full_coverage", "barrier_strikes", "critical_path",
                                                   "run_id"});
  std::map<std::string, int> live;                            // scheme -> replications live
  std::map<std::string, int> full;                            // scheme -> replications on the full model
  std::map<std::string, std::vector<std::string>> full_days;  // scheme -> its full-model dates
  std::size_t later = 0;                                      // rows with the full model after the pilot
  std::map<std::pair<std::string, std::string>, int> crit;    // (scheme, workstream) -> on the critical path
  double strikes = 0;
  std::size_t with_path = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    REQUIRE(r.size() == 10);  // the last is run_id
    strikes += std::stod(r[7]);
    if (!r[5].empty()) {
      ++full[r[1]];
      CHECK(!r[4].empty());  // the full model only after the pilot
      CHECK(r[4] <= r[5]);   // ISO dates compare as text
      if (r[4] < r[5]) ++later;
      full_days[r[1]].push_back(r[5]);
    }
    if (r[4].empty()) {
      CHECK(r[8].empty());  // no critical path without a go-live
      continue;
    }
    ++live[r[1]];
    if (!r[8].empty()) ++with_path;
    std::istringstream path(r[8]);
    for (std::string w; std::getline(path, w, ';');) ++crit[{r[1], w}];
  }
  CHECK(with_path > 0);
  const auto schemes = parse_csv(slurp(out / "schemes.csv"));
  int checked = 0;
  for (const auto& r : schemes) {
    if (r.size() < 7 || (r[2] != "go_live" && r[2] != "full_model")) continue;
    INFO(r[2] << " of " << r[0]);
    CHECK(std::abs((r[2] == "go_live" ? live : full)[r[0]] / double(n) - std::stod(r[6])) < 1e-6);
    if (r[2] == "full_model" && full[r[0]] == n) {
      // Every replication reached it: the P50 is the 500th of the sorted dates.
      auto days = full_days[r[0]];
      std::sort(days.begin(), days.end());
      CHECK(days[n / 2 - 1] == r[4]);
    }
    ++checked;
  }
  CHECK(checked == 18);
  CHECK(later > 0);  // some schemes pilot before their full model
  double summary_strikes = 0;
  const auto barriers = parse_csv(slurp(out / "barriers.csv"));
  for (std::size_t i = 1; i < barriers.size(); ++i) summary_strikes += std::stod(barriers[i][1]);
  CHECK(summary_strikes > 1.0);
  CHECK(std::abs(strikes / n - summary_strikes) < 1e-6 * static_cast<double>(barriers.size()));
  const auto criticality = parse_csv(slurp(out / "criticality.csv"));
  for (std::size_t i = 1; i < criticality.size(); ++i) {
    const auto& r = criticality[i];
    INFO("criticality of " << r[1] << " in " << r[0]);
    const int l = live[r[0]];
    CHECK(std::abs((l ? crit[{r[0], r[1]}] / double(l) : 0.0) - std::stod(r[2])) < 1e-6);
  }
  fs::remove_all(out);
}

TEST_CASE("Cli.DifferentSeedsDiffer", "[cli][determinism]") {
  const fs::path a = fresh_dir("s1"), b = fresh_dir("s2");
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n 500 --seed 1 --analysis-replications 0 -q -o " +
              a.string()) == 0);
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n 500 --seed 2 --analysis-replications 0 -q -o " +
              b.string()) == 0);
  REQUIRE(slurp(a / "schemes.csv") != slurp(b / "schemes.csv"));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST_CASE("Cli.RefusesToOverwriteResultsWithoutForce", "[cli][output]") {
  const fs::path out = fresh_dir("force");
  const std::string cmd =
      wsic_bin() + " run scenarios/baseline.yaml -n 100 --analysis-replications 0 -q -o " + out.string();
  REQUIRE(run(cmd) == 0);
  const std::string before = slurp(out / "summary.json");
  REQUIRE(run(cmd + " --seed 3 2>/dev/null") == 2);
  REQUIRE(slurp(out / "summary.json") == before);  // untouched
  REQUIRE(run(cmd + " --seed 3 --force") == 0);
  REQUIRE(slurp(out / "summary.json") != before);
  fs::remove_all(out);
}

namespace {
/// Checks that every shift, change, interval and probability in a
/// paired_differences.csv is exactly zero (only the schemes' P50/P80 shifts
/// have no interval: empty cells); returns its rows without the header.
std::size_t require_all_zero(const fs::path& csv) {
  const auto rows = parse_csv(slurp(csv));
  REQUIRE(!rows.empty());
  const auto& head = rows.front();
  REQUIRE(head[5] == "p50_shift_days");
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const bool programme = rows[r][1] == "first_live" || rows[r][1] == "all_live";
    int zeros = 0;
    for (std::size_t c = 5; c + 1 < head.size(); ++c) {  // the last column is run_id
      INFO(rows[r][0] << " " << rows[r][1] << " " << head[c]);
      if (!programme && head[c].find("shift_ci") != std::string::npos) {
        REQUIRE(rows[r][c].empty());
        continue;
      }
      REQUIRE(!rows[r][c].empty());
      REQUIRE(std::stod(rows[r][c]) == 0.0);
      ++zeros;
    }
    REQUIRE(zeros == (programme ? 16 : 12));
  }
  return rows.size() - 1;
}
}  // namespace

TEST_CASE("Cli.EveryFileNamesItsRun", "[cli]") {
  // Every CSV of a run ends with a run_id column holding the id of run.json
  // and summary.json, in every row; the id is the job's: the same with
  // another thread count or the scenario named by another path, another
  // with another seed.
  const fs::path a = fresh_dir("run-id-a"), b = fresh_dir("run-id-b"), c = fresh_dir("run-id-c");
  const std::string job = " -n 300 --analysis-replications 100 --per-replication -q -o ";
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml --threads 2" + job + a.string()) == 0);
  REQUIRE(run(wsic_bin() + " run " + fs::absolute("scenarios/baseline.yaml").string() + " --threads 1" + job +
              b.string()) == 0);
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml --seed 8" + job + c.string()) == 0);
  const auto id_of = [](const fs::path& dir) {
    const auto run_json = nlohmann::json::parse(slurp(dir / "run.json"));
    const auto summary = nlohmann::json::parse(slurp(dir / "summary.json"));
    REQUIRE(run_json["run_id"] == summary["run_id"]);
    return run_json["run_id"].get<std::string>();
  };
  const std::string id = id_of(a);
  CHECK(id.size() == 16);
  CHECK(id_of(b) == id);
  CHECK(id_of(c) != id);
  int files = 0;
  for (const auto& e : fs::directory_iterator(a)) {
    if (e.path().extension() != ".csv") continue;
    ++files;
    const auto rows = parse_csv(slurp(e.path()));
    INFO(e.path().filename().string());
    REQUIRE(rows.size() > 1);
    CHECK(rows.front().back() == "run_id");
    for (std::size_t i = 1; i < rows.size(); ++i) REQUIRE(rows[i].back() == id);
  }
  CHECK(files >= 14);  // the tidy tables, the charts' tables and the rows
  fs::remove_all(a);
  fs::remove_all(b);
  fs::remove_all(c);
}

TEST_CASE("Cli.CompareWithItselfIsExactlyZero", "[cli][compare]") {
  const fs::path out = fresh_dir("self");
  REQUIRE(run(wsic_bin() + " compare scenarios/baseline.yaml scenarios/baseline.yaml -n 400 -q -o " + out.string()) ==
          0);
  REQUIRE(require_all_zero(out / "paired_differences.csv") == 11);  // nine schemes, first live, all live
  fs::remove_all(out);
}

TEST_CASE("Cli.CompareAnswersInDates", "[cli][compare]") {
  // compare gives each scenario's own dates, and they are that scenario's
  // forecast: the base's equal a plain run of it with the same seed (common
  // random numbers: the same replications). The answer for all schemes live
  // quotes both medians and their difference in days.
  const fs::path cmp = fresh_dir("dates-compare"), base = fresh_dir("dates-base");
  REQUIRE(run(wsic_bin() +
              " compare scenarios/baseline.yaml scenarios/early-national-action.yaml -n 600 --seed 9 -q -o " +
              cmp.string()) == 0);
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n 600 --seed 9 --analysis-replications 0 -q -o " +
              base.string()) == 0);
  const auto dates = parse_csv(slurp(cmp / "dates.csv"));
  REQUIRE(dates.front() == std::vector<std::string>{"scenario", "series_id", "series_name", "p10", "p50", "p80", "p90",
                                                    "probability_within_horizon", "run_id"});
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> by;  // (scenario, series) -> row
  for (std::size_t i = 1; i < dates.size(); ++i) by[{dates[i][0], dates[i][1]}] = dates[i];
  CHECK(by.size() == 22);  // two scenarios, nine schemes and two programme series
  int matched = 0;
  for (const auto& r : parse_csv(slurp(base / "schemes.csv"))) {
    std::string series;
    if (r[2] == "go_live") series = r[0];
    if (r[2] == "first_live" || r[2] == "all_live") series = r[2];
    if (series.empty()) continue;
    INFO(series);
    const auto& d = by.at({"baseline", series});
    CHECK(d[3] == r[3]);  // P10
    CHECK(d[4] == r[4]);  // P50
    CHECK(d[6] == r[5]);  // P90
    CHECK(d[7] == r[6]);
    ++matched;
  }
  CHECK(matched == 11);
  const auto day = [](const std::string& iso) {
    const auto d = wsic::sim::parse_iso_date(iso);
    REQUIRE(d.has_value());
    return std::chrono::sys_days(*d).time_since_epoch().count();
  };
  const std::string b50 = by.at({"baseline", "all_live"})[4], w50 = by.at({"early-national-action", "all_live"})[4];
  const long earlier = day(b50) - day(w50);
  REQUIRE(earlier > 0);
  const auto j = nlohmann::json::parse(slurp(cmp / "comparison.json"));
  REQUIRE(j["answers"].size() == 1);
  const std::string answer = j["answers"][0];
  // The interval is the paired bootstrap's, as paired_differences.csv gives it.
  const auto pd = parse_csv(slurp(cmp / "paired_differences.csv"));
  REQUIRE(pd.back()[1] == "all_live");
  CHECK(pd.back()[5] == std::to_string(-earlier));
  CHECK(answer == "All schemes live: median " + w50 + " in early-national-action against " + b50 + " in baseline, " +
                      std::to_string(earlier) + " days earlier (95% simulation-error interval " + pd.back()[6] +
                      " to " + pd.back()[7] + " days); " + answer.substr(answer.find("earlier in")));
  CHECK(std::stol(pd.back()[6]) <= -earlier);
  CHECK(std::stol(pd.back()[7]) >= -earlier);
  CHECK(j["dates"]["early-national-action"]["all_live"]["quantiles"]["p50"] == w50);

  // The report answers in the same words, puts both scenarios' dates side
  // by side, and says that its detailed results are the base's alone.
  const std::string html = slurp(cmp / "report.html");
  CHECK(html.find(answer) != std::string::npos);
  CHECK(html.find("Key results: the base scenario, baseline") != std::string::npos);
  const auto table = html.find("The programme's dates in each scenario");
  REQUIRE(table != std::string::npos);
  const std::string dates_html = html.substr(table, html.find("</table>", table) - table);
  CHECK(dates_html.find(w50) != std::string::npos);
  CHECK(dates_html.find(b50) != std::string::npos);
  // Each scenario's all-live S-curve first reaches 50% on the first of the
  // month on or after its own median date.
  const auto curves = parse_csv(slurp(cmp / "chart_comparison_s_curves.csv"));
  for (const auto& [scenario, median] : {std::pair{std::string("baseline"), b50}, {"early-national-action", w50}}) {
    std::string first, before;
    for (std::size_t i = 1; i < curves.size(); ++i) {
      if (curves[i][0] != scenario || curves[i][1] != "all_live") continue;
      if (std::stod(curves[i][4]) >= 0.5) {
        first = curves[i][3];
        break;
      }
      before = curves[i][3];
    }
    INFO(scenario << ": median " << median << ", first month at 50% " << first << ", the month before " << before);
    REQUIRE(!first.empty());
    CHECK(day(first) >= day(median));
    CHECK(day(first) - day(median) < 31);
    CHECK((before.empty() || day(before) < day(median)));
  }
  fs::remove_all(cmp);
  fs::remove_all(base);
}

TEST_CASE("Cli.CompareShowsWhatEachScenarioBoughtAndWhatItCost", "[cli][compare]") {
  // A lesson's two answers side by side: comparison.json's trade_offs are
  // each scenario's own summary figures (co-design, the schemes live when the
  // evidence counted them, money in and after the funded years), and the
  // later promise is kept more often.
  const fs::path out = fresh_dir("tradeoffs");
  REQUIRE(run(wsic_bin() + " compare scenarios/lessons/promise/a-promise-april-2014.yaml " +
              "scenarios/lessons/promise/b-promise-april-2015.yaml -n 600 -q -o " + out.string()) == 0);
  const auto j = nlohmann::json::parse(slurp(out / "comparison.json"));
  REQUIRE(j["trade_offs"].size() == 2);
  for (std::size_t k = 0; k < 2; ++k) {
    const auto& t = j["trade_offs"][k];
    const auto& s = j["summaries"][k];
    INFO(t.dump());
    CHECK(t["scenario"] == s["scenario"]["name"]);
    CHECK(t["codesign_end_p50"] == s["codesign_end"]["p50"]);
    CHECK(t["counted_at"] == "2015-04-30");
    for (const auto& m : s["milestones"]) {
      if (m["date"] == "2015-04-30") CHECK(t["schemes_live_at_count_mean"].get<double>() == m["schemes_live_mean"]);
    }
    double in = 0, after = 0;
    for (const auto& y : s["spend"]) (y["funded_central_m"].is_null() ? after : in) += y["spent_total_m"].get<double>();
    CHECK(t["spent_in_funded_years_gbp_m"].get<double>() == Approx(in).epsilon(1e-9));
    CHECK(t["needed_after_funded_years_gbp_m"].get<double>() == Approx(after).epsilon(1e-9));
    CHECK(t["funded_gbp_m"].get<double>() == Approx(24.9));
    // Live by a promise made before the count is at most live at the count.
    CHECK(t["share_live_by_promise"].get<double>() * 9 <= t["schemes_live_at_count_mean"].get<double>());
    // What it did for people: covered when the funding ended (1 April after
    // the last funded year) as the summary has that month, and every scheme
    // on its full model as the summary's P50.
    CHECK(t["end_of_funding"] == "2016-04-01");
    CHECK(t["population"] == s["people_covered"]["population"]);
    bool found = false;
    for (const auto& m : s["people_covered"]["by_month"]) {
      if (m["month"] != "2016-04-01") continue;
      found = true;
      CHECK(t["people_covered_at_end_of_funding_mean"] == m["mean"]);
    }
    CHECK(found);
    CHECK(t["people_covered_at_end_of_funding_mean"].get<double>() > 0.0);
    CHECK(t["all_full_model_p50"] == s["programme"]["all_full_model"]["p50"]);
  }
  CHECK(j["trade_offs"][1]["share_live_by_promise"].get<double>() >
        j["trade_offs"][0]["share_live_by_promise"].get<double>());
  fs::remove_all(out);
}

TEST_CASE("Cli.CompareSetsEveryScenarioAndChecksThePath", "[cli][compare]") {
  // --set on compare applies to the base and every what-if alike: a
  // comparison of a scenario with itself stays exactly zero, while its
  // identity is the changed scenario's, not the file's.
  const fs::path out = fresh_dir("self-set");
  const fs::path plain = fresh_dir("self-plain");
  const std::string both = " compare scenarios/baseline.yaml scenarios/baseline.yaml -n 300 -q -o ";
  REQUIRE(run(wsic_bin() + both + out.string() + " --set schemes.brent.readiness=2.5") == 0);
  REQUIRE(run(wsic_bin() + both + plain.string()) == 0);
  CHECK(require_all_zero(out / "paired_differences.csv") == 11);
  const auto hashes = [](const std::string& json) {
    std::vector<std::string> h;
    for (auto at = json.find("\"content_hash\""); at != std::string::npos; at = json.find("\"content_hash\"", at + 1))
      h.push_back(json.substr(at, 36));
    return h;
  };
  const auto set_hashes = hashes(slurp(out / "comparison.json"));
  const auto plain_hashes = hashes(slurp(plain / "comparison.json"));
  REQUIRE(set_hashes.size() >= 2);
  CHECK(set_hashes.front() == set_hashes[1]);
  CHECK(set_hashes.front() != plain_hashes.front());
  const fs::path err = fresh_dir("self-set-err.txt");
  REQUIRE(run(wsic_bin() + both + out.string() + " --force --set schemes.brnt.readiness=2 2> " + err.string()) == 2);
  CHECK(slurp(err).find(
            "--set:1:9: error: schemes.brnt.readiness: no scheme 'brnt' in the scenario; did you mean 'brent'?") !=
        std::string::npos);
  fs::remove_all(out);
  fs::remove_all(plain);
  fs::remove(err);
}

TEST_CASE("Cli.CompareOnOneTimeAxis", "[cli][compare]") {
  // What-ifs that only move calendar.start (earlier, later) are the same
  // programme in every date: every shift is exactly zero, not the move.
  const fs::path out = fresh_dir("epoch");
  REQUIRE(run(wsic_bin() +
              " compare scenarios/baseline.yaml tests/data/scenarios/baseline_earlier_start.yaml "
              "tests/data/scenarios/baseline_later_start.yaml -n 400 -q -o " +
              out.string()) == 0);
  REQUIRE(require_all_zero(out / "paired_differences.csv") == 22);  // two what-ifs: nine schemes, first live, all live
  REQUIRE(slurp(out / "comparison.json").find("\"start\": \"2013-01-01\"") != std::string::npos);
  fs::remove_all(out);
}

TEST_CASE("Cli.CompareEarlyNationalActionIsEarlier", "[cli][compare]") {
  const fs::path out = fresh_dir("early");
  REQUIRE(run(wsic_bin() + " compare scenarios/baseline.yaml scenarios/early-national-action.yaml -n 400 -q -o " +
              out.string()) == 0);
  const auto json = nlohmann::json::parse(slurp(out / "comparison.json"));
  REQUIRE(json["whatifs"].size() == 1);
  const auto& rows = json["whatifs"][0]["rows"];
  REQUIRE(rows.size() == 11);  // nine schemes, first live, all live
  int earlier_somewhere = 0;
  for (const auto& row : rows) {
    INFO(row.dump());
    REQUIRE(row["pairs"] == 400);
    // Common random numbers: earlier national action never makes a scheme,
    // or the programme, later (Crn.EarlierNationalActionNeverMakesASchemeLater).
    REQUIRE(row["probability_later"] == 0.0);
    REQUIRE(row["p90_change"].get<double>() <= 0.0);
    REQUIRE(row["mean_change_both_live"].get<double>() <= 0.0);
    REQUIRE(row["p50_shift"].get<double>() <= 0.0);
    const double earlier = row["probability_earlier"].get<double>();
    REQUIRE(earlier >= 0.0);
    REQUIRE(earlier <= 1.0);
    if (earlier > 0.5) ++earlier_somewhere;
  }
  // And it does bring schemes forward: all nine live is earlier in most futures.
  const auto& all = rows.back();
  REQUIRE(all["id"] == "all_live");
  REQUIRE(all["probability_earlier"].get<double>() > 0.5);
  REQUIRE(all["p50_shift"].get<double>() < 0.0);
  REQUIRE(all["p50_shift_ci"][1].get<double>() < 0.0);
  REQUIRE(all["median_change_ci"][1].get<double>() < 0.0);
  REQUIRE(all["mean_change_both_live_ci"][1].get<double>() < 0.0);
  REQUIRE(earlier_somewhere >= 5);
  REQUIRE(fs::exists(out / "report.html"));
  fs::remove_all(out);
}

TEST_CASE("Cli.GzipRowsAreThePlainRowsCompressed", "[cli][compare]") {
  // --gzip writes per_replication.csv.gz instead of per_replication.csv, for
  // run and compare, and zcat gives back exactly the plain file; without
  // --per-replication it is refused.
  for (const std::string& cmd : {std::string(" run scenarios/baseline.yaml --analysis-replications 0"),
                                 std::string(" compare scenarios/baseline.yaml scenarios/local-first.yaml")}) {
    INFO(cmd);
    const fs::path plain = fresh_dir("gz-plain"), packed = fresh_dir("gz-packed");
    const std::string args = cmd + " -n 700 --per-replication -q -o ";
    REQUIRE(run(wsic_bin() + args + plain.string()) == 0);
    REQUIRE(run(wsic_bin() + args + packed.string() + " --gzip") == 0);
    CHECK_FALSE(fs::exists(packed / "per_replication.csv"));
    const std::string gz = slurp(packed / "per_replication.csv.gz");
    REQUIRE(gz.size() > 2);
    CHECK(static_cast<unsigned char>(gz[0]) == 0x1f);  // gzip's magic number
    CHECK(static_cast<unsigned char>(gz[1]) == 0x8b);
    const std::string want = slurp(plain / "per_replication.csv");
    CHECK(gz.size() * 4 < want.size());
    const fs::path unpacked = fresh_dir("gz-unpacked.csv");
    REQUIRE(run("zcat " + (packed / "per_replication.csv.gz").string() + " > " + unpacked.string()) == 0);
    CHECK(slurp(unpacked) == want);
    fs::remove_all(plain);
    fs::remove_all(packed);
    fs::remove(unpacked);
  }
  const fs::path err = fresh_dir("gz-err.txt"), none = fresh_dir("gz-none");
  CHECK(run(wsic_bin() + " run scenarios/baseline.yaml -n 10 --gzip -q -o " + none.string() + " 2> " + err.string()) ==
        2);
  CHECK(slurp(err).find("--gzip requires --per-replication") != std::string::npos);
  fs::remove(err);
  fs::remove_all(none);
}

TEST_CASE("Cli.ComparePerReplicationRowsHaveAScenarioColumn", "[cli][compare]") {
  const fs::path out = fresh_dir("compare-rows");
  REQUIRE(run(wsic_bin() +
              " compare scenarios/baseline.yaml scenarios/local-first.yaml -n 300 --per-replication -q -o " +
              out.string()) == 0);
  std::istringstream lines(slurp(out / "per_replication.csv"));
  std::string line;
  std::getline(lines, line);
  REQUIRE(line ==
          "scenario,replication,scheme_id,design_start,design_end,go_live,full_model,full_coverage,barrier_strikes,"
          "critical_path,run_id");
  std::map<std::string, int> per_scenario;
  std::string last_key;
  while (std::getline(lines, line)) {
    const std::string scenario = line.substr(0, line.find(','));
    ++per_scenario[scenario];
    // Replication by replication, the base's rows then the what-if's.
    const std::string rest = line.substr(line.find(',') + 1);
    const std::uint64_t index = std::stoull(rest.substr(0, rest.find(',')));
    const std::string key = std::to_string(1'000'000 + index) + (scenario == "baseline" ? "a" : "b");
    REQUIRE(key >= last_key);
    last_key = key;
  }
  CHECK(per_scenario.size() == 2);
  CHECK(per_scenario["baseline"] == 300 * 9);
  CHECK(per_scenario["local-first"] == 300 * 9);
  CHECK_FALSE(fs::exists(out / ".per_replication.csv.partial"));
  fs::remove_all(out);
}

TEST_CASE("Cli.ValidateReportsAndExitCodes", "[cli][validate]") {
  REQUIRE(run(wsic_bin() + " validate scenarios/baseline.yaml scenarios/local-first.yaml > /dev/null") == 0);
  const fs::path bad = fresh_dir("bad.yaml");
  std::ofstream(bad) << "name: x\ncalendar: {start: 2013-06-01, horizon: 2019-03-31}\nbogus: 1\n";
  REQUIRE(run(wsic_bin() + " validate " + bad.string() + " 2>/dev/null") == 2);
  REQUIRE(run(wsic_bin() + " run " + bad.string() + " 2>/dev/null") == 2);
  REQUIRE(run(wsic_bin() + " run 2>/dev/null") == 2);  // usage
  fs::remove(bad);
}

TEST_CASE("Cli.KilledRunResumesToTheSameBytes", "[cli][checkpoint]") {
  const fs::path whole = fresh_dir("whole"), killed = fresh_dir("killed");
  const std::string args =
      " run scenarios/baseline.yaml -n 60000 --seed 5 --analysis-replications 0 -q --per-replication";
  REQUIRE(run(wsic_bin() + args + " -o " + whole.string()) == 0);

  const pid_t pid = spawn(wsic_bin() + args + " --checkpoint 0.05 -o " + killed.string());
  REQUIRE(wait_for_progress(killed, 2, 60.0));  // further than the first checkpoints
  ::kill(pid, SIGKILL);
  REQUIRE(wait_exit(pid) == 128 + SIGKILL);
  // Killed mid-way: no results, only the checkpoint (and the partial rows).
  REQUIRE_FALSE(fs::exists(killed / "summary.json"));
  REQUIRE_FALSE(fs::exists(killed / "per_replication.csv"));

  REQUIRE(run(wsic_bin() + " run -q --resume " + killed.string()) == 0);
  REQUIRE(slurp(killed / "summary.json") == slurp(whole / "summary.json"));
  REQUIRE(slurp(killed / "per_replication.csv") == slurp(whole / "per_replication.csv"));
  REQUIRE(slurp(killed / "schemes.csv") == slurp(whole / "schemes.csv"));
  REQUIRE_FALSE(fs::exists(killed / "checkpoint.wsic"));
  // Nothing half-written left behind.
  for (const auto& e : fs::directory_iterator(killed)) {
    INFO(e.path());
    REQUIRE(e.path().filename().string().find("tmp") == std::string::npos);
  }
  fs::remove_all(whole);
  fs::remove_all(killed);
}

TEST_CASE("Cli.InterruptStopsPromptlyAndWritesNothing", "[cli][checkpoint]") {
  const fs::path out = fresh_dir("sigint");
  const fs::path err = fresh_dir("sigint-err.txt");
  const pid_t pid =
      spawn(wsic_bin() + " run scenarios/baseline.yaml -n 5000000 -q -o " + out.string() + " 2> " + err.string());
  ::usleep(700'000);
  const auto t0 = std::chrono::steady_clock::now();
  ::kill(pid, SIGINT);
  REQUIRE(wait_exit(pid) == 130);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO("stopped " << seconds << " s after SIGINT");
  REQUIRE(seconds < 5.0);  // a hang guard, not a benchmark
  REQUIRE_FALSE(fs::exists(out / "summary.json"));
  const std::string msg = slurp(err);
  REQUIRE(msg.find("interrupted during the batch, after") != std::string::npos);
  fs::remove_all(out);
  fs::remove(err);
}

TEST_CASE("Cli.ResumeRefusesAChangedScenario", "[cli][checkpoint]") {
  const fs::path dir = fresh_dir("changed");
  fs::create_directories(dir);
  const fs::path sc = dir / "scenario.yaml";
  fs::copy_file("scenarios/baseline.yaml", sc);
  const fs::path out = dir / "out";
  const pid_t pid = spawn(wsic_bin() + " run " + sc.string() +
                          " -n 5000000 -q --analysis-replications 0 --checkpoint 0.05 -o " + out.string());
  REQUIRE(wait_for_file(out / "checkpoint.wsic", 30.0));
  ::kill(pid, SIGKILL);
  wait_exit(pid);
  // A valid edit: the scenario still loads, but it is not the one checkpointed.
  std::string text = slurp(sc);
  const auto at = text.find("readiness: 3.0");
  REQUIRE(at != std::string::npos);
  text.replace(at, 14, "readiness: 2.9");
  std::ofstream(sc, std::ios::trunc) << text;
  REQUIRE(run(wsic_bin() + " validate " + sc.string() + " > /dev/null") == 0);
  const fs::path err = dir / "err.txt";
  REQUIRE(run(wsic_bin() + " run -q --resume " + out.string() + " 2> " + err.string()) == 2);
  REQUIRE(slurp(err).find("has changed since the checkpoint") != std::string::npos);
  REQUIRE(run(wsic_bin() + " run -q --resume " + (dir / "nowhere").string() + " 2>/dev/null") == 2);
  fs::remove_all(dir);
}

TEST_CASE("Cli.RealReportIsWellFormedAndSelfContained", "[cli][report]") {
  const fs::path out = fresh_dir("report");
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n 1000 --analysis-replications 200 -q -o " + out.string()) ==
          0);
  int svgs = 0;
  for (const auto& e : fs::directory_iterator(out)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".svg" && name != "report.html") continue;
    INFO(name);
    const std::string text = slurp(e.path());
    xmlDocPtr doc = xmlReadMemory(text.data(), static_cast<int>(text.size()), name.c_str(), nullptr,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    REQUIRE(doc != nullptr);
    xmlFreeDoc(doc);
    // Nothing to fetch: the only URLs are the XML namespace names.
    std::string scrubbed = text;
    for (const char* ns : {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xhtml"}) {
      for (auto at = scrubbed.find(ns); at != std::string::npos; at = scrubbed.find(ns))
        scrubbed.erase(at, std::strlen(ns));
    }
    REQUIRE(scrubbed.find("http") == std::string::npos);
    REQUIRE(scrubbed.find("<script") == std::string::npos);
    if (e.path().extension() == ".svg") ++svgs;
  }
  // S-curves, fan, people, Gantt, both tornadoes, criticality, spend, workstream graph.
  REQUIRE(svgs == 9);
  const std::string html = slurp(out / "report.html");
  for (const char* section : {"Objectives", "Model logic", "Experimentation", "Implementation", "20131001"}) {
    INFO(section);
    REQUIRE(html.find(section) != std::string::npos);
  }
  fs::remove_all(out);
}
