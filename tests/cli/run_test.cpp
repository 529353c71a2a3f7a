// `wsic run` when things go wrong: values out of range, folders that cannot
// be used, two runs at once, a full disk, Ctrl-C in any phase.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support.hpp"
#include "wsic/cli/run.hpp"

namespace fs = std::filesystem;
using namespace wsic::test;

namespace {
bool has_temporary_or_partial(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp-") != std::string::npos || name.find(".partial") != std::string::npos) return true;
  }
  return false;
}
}  // namespace

TEST_CASE("Run.CommandLineValuesOutOfRangeAreRefused", "[cli][run]") {
  const fs::path out = fresh_dir("badopts");
  const fs::path err = fresh_dir("badopts-err.txt");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--seed -1", "--seed: expected a whole number from 0 to 18446744073709551615, got '-1'"},
      {"--seed 18446744073709551616", "--seed: expected a whole number"},
      {"-n 18446744073709551615", "--replications: expected a whole number from 1 to 1000000000000"},
      {"-n 0", "--replications: expected a whole number from 1"},
      {"-n 1e6", "--replications: expected a whole number"},
      {"--analysis-replications -1", "--analysis-replications: expected a whole number from 0"},
      {"--checkpoint nan", "--checkpoint: expected a number of seconds"},
      {"--checkpoint -1", "--checkpoint: expected a number of seconds"},
      {"--checkpoint inf", "--checkpoint: expected a number of seconds"},
      {"--threads 100000", "--threads: expected a whole number from 0 to"},
      {"--threads -1", "--threads: expected a whole number"},
      {"--milestone 2015-02-30", "--milestone 2015-02-30: expected an ISO date"},
      {"--milestone 2030-01-01", "--milestone 2030-01-01: outside the scenario's calendar"},
      {"--set schemes.ealing.readiness", "--set: expected PATH=VALUE"},
      {"--set =1", "--set: expected PATH=VALUE"},
      {"--set schemes.ealing.readiness=fast", "--set:1:26: error: schemes[ealing].readiness: expected a number"},
      {"--set schemes.ealng.readiness=2", "no scheme 'ealng' in the scenario; did you mean 'ealing'?"},
  };
  for (const auto& [args, message] : cases) {
    INFO(args);
    REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -q -o " + out.string() + " " + args + " 2> " +
                err.string()) == 2);
    const std::string said = slurp(err);
    INFO(said);
    CHECK(said.find(message) != std::string::npos);
    CHECK_FALSE(fs::exists(out / "summary.json"));
  }
  // With --resume, the run's own options cannot change.
  REQUIRE(run(wsic_bin() + " run --resume " + out.string() + " --seed 3 2> " + err.string()) == 2);
  CHECK(slurp(err).find("--seed cannot be given with --resume") != std::string::npos);
  REQUIRE(run(wsic_bin() + " run --resume " + out.string() + " --set levers.central_share.value=0.3 2> " +
              err.string()) == 2);
  CHECK(slurp(err).find("--set cannot be given with --resume") != std::string::npos);
  fs::remove_all(out);
  fs::remove(err);
}

TEST_CASE("Run.FolderThatCannotBeWrittenIsRefusedBeforeTheBatch", "[cli][run]") {
  // A trillion replications: had the batch started, this would not return.
  const fs::path err = fresh_dir("ro-err.txt");
  for (const char* dir : {"/proc/wsic-results", "/proc/self/wsic", "/dev/null/results"}) {
    INFO(dir);
    REQUIRE(run("timeout 60 " + wsic_bin() + " run scenarios/baseline.yaml -n 1000000000000 -q -o " + dir + " 2> " +
                err.string()) == 2);
    const std::string said = slurp(err);
    INFO(said);
    CHECK(said.find(std::string("cannot use ") + dir + " as the output folder") != std::string::npos);
  }
  fs::remove(err);
}

TEST_CASE("Run.SecondRunIntoTheSameFolderIsRefused", "[cli][run]") {
  const fs::path out = fresh_dir("twice");
  const fs::path err = fresh_dir("twice-err.txt");
  const pid_t first = spawn(wsic_bin() + " run scenarios/baseline.yaml -n 100000000 -q --seed 1 -o " + out.string());
  REQUIRE(wait_for_file(out / ".wsic.lock", 30.0));
  ::usleep(300'000);  // the first run holds the folder
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n 100 -q --force --seed 2 -o " + out.string() + " 2> " +
              err.string()) == 2);
  CHECK(slurp(err).find("another wsic is writing to") != std::string::npos);
  ::kill(first, SIGKILL);
  wait_exit(first);
  // Once the first is gone, the folder is free again.
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n 300 -q --analysis-replications 0 -o " + out.string()) == 0);
  fs::remove_all(out);
  fs::remove(err);
}

TEST_CASE("Run.ReplacedResultsNeverLookCompleteHalfWay", "[cli][run]") {
  // --force into a folder with results: the old summary.json (the mark of a
  // complete set) goes first, so a run stopped half way leaves no folder
  // that mixes two runs and looks finished. Temporary files of a killed run
  // are cleared.
  const fs::path out = fresh_dir("replace");
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n 300 -q --analysis-replications 0 -o " + out.string()) == 0);
  std::ofstream(out / ".schemes.csv.tmp-AbC123") << "left by a killed run";
  const pid_t second =
      spawn(wsic_bin() + " run scenarios/baseline.yaml -n 100000000 -q --force --seed 9 -o " + out.string());
  ::usleep(800'000);
  ::kill(second, SIGINT);
  REQUIRE(wait_exit(second) == 130);
  CHECK_FALSE(fs::exists(out / "summary.json"));
  CHECK_FALSE(fs::exists(out / ".schemes.csv.tmp-AbC123"));
  fs::remove_all(out);
}

TEST_CASE("Run.CtrlCBeforeOrWhileLoadingIsHonoured", "[cli][run]") {
  // Ctrl-C already pressed when the command starts (or while the scenario
  // loads): it stops before any work, exit 130, nothing written.
  const fs::path out = fresh_dir("early-cancel");
  std::atomic<bool> cancel{true};
  wsic::cli::RunOptions opt;
  opt.scenario = "scenarios/baseline.yaml";
  opt.out = out;
  opt.quiet = true;
  opt.progress = false;
  opt.cancel = &cancel;
  CHECK(wsic::cli::run_command(opt) == wsic::cli::kExitInterrupted);
  CHECK_FALSE(fs::exists(out / "summary.json"));
  CHECK_FALSE(fs::exists(out / "schemes.csv"));
  fs::remove_all(out);
}

namespace {
// Runs `cmd` with the size of any file it writes limited to `kib` KiB (the
// kernel then refuses writes past it with EFBIG, as a full disk does with
// ENOSPC); SIGXFSZ is ignored so the program sees the error.
int run_with_file_limit(const std::string& cmd, int kib) {
  return run("sh -c \"trap '' XFSZ; ulimit -f " + std::to_string(kib * 2) + "; exec " + cmd + "\"");
}
}  // namespace

TEST_CASE("Run.FullDiskNamesTheFileAndLeavesNothingBehind", "[cli][run]") {
  const fs::path out = fresh_dir("full");
  const fs::path err = fresh_dir("full-err.txt");
  const std::string args =
      " run scenarios/baseline.yaml -n 25000 --seed 4 --analysis-replications 0 -q --per-replication";
  REQUIRE(run_with_file_limit(wsic_bin() + args + " -o " + out.string() + " 2> " + err.string(), 8192) == 1);
  const std::string said = slurp(err);
  INFO(said);
  CHECK(said.find("cannot write " + (out / ".per_replication.csv.partial").string() + ": File too large") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(out / "summary.json"));
  CHECK_FALSE(fs::exists(out / "per_replication.csv"));
  CHECK_FALSE(has_temporary_or_partial(out));  // the partial rows no longer fill the disk

  // With checkpoints, the rows are cut back to the last checkpoint: once there
  // is room again, the run resumes to the bytes of an uninterrupted run.
  const fs::path resumed = fresh_dir("full-resumed"), whole = fresh_dir("full-whole");
  REQUIRE(run_with_file_limit(wsic_bin() + args + " --checkpoint 0.01 -o " + resumed.string() + " 2> " + err.string(),
                              8192) == 1);
  INFO(slurp(err));
  CHECK(slurp(err).find("wsic run --resume") != std::string::npos);
  REQUIRE(fs::exists(resumed / "checkpoint.wsic"));
  CHECK(fs::file_size(resumed / ".per_replication.csv.partial") < 8192u * 1024u);
  REQUIRE(run(wsic_bin() + " run -q --resume " + resumed.string()) == 0);
  REQUIRE(run(wsic_bin() + args + " -o " + whole.string()) == 0);
  for (const char* f : {"summary.json", "per_replication.csv", "schemes.csv", "milestones.csv"}) {
    INFO(f);
    CHECK(slurp(resumed / f) == slurp(whole / f));
  }
  CHECK_FALSE(has_temporary_or_partial(resumed));
  fs::remove_all(out);
  fs::remove_all(resumed);
  fs::remove_all(whole);
  fs::remove(err);
}

TEST_CASE("Run.InterruptedInTheAnalysesOrAfterTheRowsAreRenamedResumes", "[cli][run][checkpoint]") {
  // Ctrl-C during the analyses of a run with --per-replication and
  // --checkpoint: the batch is done and saved, so the run resumes from the
  // analyses. Then the moment between renaming the rows and writing
  // summary.json (a kill there left a run that could not resume): simulated
  // by renaming the rows as the run would, and resumed too.
  const fs::path whole = fresh_dir("analyses-whole"), dir = fresh_dir("analyses");
  const fs::path err = fresh_dir("analyses-err.txt");
  const std::string args =
      " run scenarios/baseline.yaml -n 5000 --seed 6 --analysis-replications 2000 -q --per-replication";
  REQUIRE(run(wsic_bin() + args + " -o " + whole.string()) == 0);
  const pid_t pid = spawn(wsic_bin() + args + " --checkpoint 0.02 -o " + dir.string() + " 2> " + err.string());
  REQUIRE(wait_for_progress(dir, 20, 120.0));  // all 20 blocks merged: the analyses have begun
  ::kill(pid, SIGINT);
  REQUIRE(wait_exit(pid) == 130);
  INFO(slurp(err));
  CHECK(slurp(err).find("the analyses, after 5000 of 5000 replications; progress is saved") != std::string::npos);
  REQUIRE(fs::exists(dir / ".per_replication.csv.partial"));
  fs::rename(dir / ".per_replication.csv.partial", dir / "per_replication.csv");
  REQUIRE(run(wsic_bin() + " run -q --resume " + dir.string()) == 0);
  for (const char* f :
       {"summary.json", "per_replication.csv", "schemes.csv", "criticality.csv", "chart_lever_tornado.csv"}) {
    INFO(f);
    CHECK(slurp(dir / f) == slurp(whole / f));
  }
  CHECK_FALSE(has_temporary_or_partial(dir));
  CHECK_FALSE(fs::exists(dir / "checkpoint.wsic"));
  fs::remove_all(whole);
  fs::remove_all(dir);
  fs::remove(err);
}

TEST_CASE("Run.SetGivesTheRunAnOverlayWouldGiveAndItsIdentity", "[cli][run]") {
  // --set changes the scenario as an overlay file saying the same would:
  // the same results, the same content hash; and the hash is not the plain
  // baseline's, so results of the two can never be mistaken for each other.
  const fs::path dir = fresh_dir("set-vs-overlay");
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "ealing_ready.yaml");
    f << "extends: " << fs::absolute("scenarios/baseline.yaml").string() << "\n"
      << "name: baseline\nschemes:\n  - id: ealing\n    readiness: 2.2\n"
      << "levers:\n  central_share: {value: 0.3}\n";
  }
  const std::string common = " -n 600 --seed 5 --analysis-replications 0 -q --threads 2 -o ";
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml" + common + (dir / "set").string() +
              " --set schemes.ealing.readiness=2.2 --set levers.central_share.value=0.3") == 0);
  REQUIRE(run(wsic_bin() + " run " + (dir / "ealing_ready.yaml").string() + common + (dir / "overlay").string()) == 0);
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml" + common + (dir / "plain").string()) == 0);
  const auto without_file = [](std::string s) {
    const auto at = s.find("\"file\":");
    REQUIRE(at != std::string::npos);
    s.erase(at, s.find('\n', at) - at);
    return s;
  };
  const std::string set = slurp(dir / "set" / "summary.json");
  CHECK(without_file(set) == without_file(slurp(dir / "overlay" / "summary.json")));
  const std::string plain = slurp(dir / "plain" / "summary.json");
  const auto hash = [](const std::string& s) { return s.substr(s.find("\"content_hash\""), 40); };
  CHECK(hash(set) != hash(plain));
  CHECK(without_file(set) != without_file(plain));
  fs::remove_all(dir);
}

TEST_CASE("Run.ADecisionThatChangesOverTimeGivesTheSameBytesOnAnyThreads", "[cli][run][changes]") {
  // A schedule of decisions is a scenario like any other: the same seed gives
  // the same files on one thread and on two, its report lists the changes,
  // and its identity is not that of the same lever held at its first value.
  const fs::path dir = fresh_dir("changes-run");
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "held.yaml");
    f << "extends: " << fs::absolute("scenarios/rebalance-after-design.yaml").string() << "\n"
      << "name: rebalance-after-design\nlevers:\n  central_share:\n    changes: []\n";
  }
  const std::string common = " -n 3000 --seed 11 --analysis-replications 0 -q -o ";
  const std::string file = " run scenarios/rebalance-after-design.yaml";
  REQUIRE(run(wsic_bin() + file + common + (dir / "one").string() + " --threads 1") == 0);
  REQUIRE(run(wsic_bin() + file + common + (dir / "two").string() + " --threads 2") == 0);
  REQUIRE(run(wsic_bin() + " run " + (dir / "held.yaml").string() + common + (dir / "held").string()) == 0);
  for (const char* name : {"summary.json", "schemes.csv", "spend.csv", "milestones.csv"}) {
    INFO(name);
    CHECK(slurp(dir / "one" / name) == slurp(dir / "two" / name));
  }
  const std::string data = slurp(dir / "one" / "report_data.json");
  CHECK(data.find(R"("changes": [)") != std::string::npos);
  CHECK(data.find(R"("from": "2015-01-01")") != std::string::npos);
  const auto hash = [](const std::string& s) { return s.substr(s.find("\"content_hash\""), 40); };
  const std::string held = slurp(dir / "held" / "summary.json");
  CHECK(hash(slurp(dir / "one" / "summary.json")) != hash(held));
  CHECK(slurp(dir / "one" / "schemes.csv") != slurp(dir / "held" / "schemes.csv"));
  fs::remove_all(dir);
}
