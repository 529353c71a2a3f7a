// wsic-mpi under mpirun: a batch and a comparison shared among 3 ranks (more
// than this machine's cores, so ranks and threads interleave) write the
// bytes one process writes; a bad input stops every rank with one message.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "support.hpp"

namespace fs = std::filesystem;
using namespace wsic::test;

namespace {
std::string mpirun(int ranks) {
  return "mpirun --allow-run-as-root --oversubscribe -np " + std::to_string(ranks) + " " +
         (build_dir() / "bin" / "wsic-mpi").string();
}

void require_same(const fs::path& a, const fs::path& b, const std::vector<std::string>& files) {
  for (const std::string& f : files) {
    INFO(f);
    const std::string want = slurp(a / f);
    REQUIRE_FALSE(want.empty());
    REQUIRE(slurp(b / f) == want);
  }
}
}  // namespace

TEST_CASE("Mpi.RunOnThreeRanksWritesTheBytesOfOneProcess", "[mpi]") {
  const fs::path one = fresh_dir("mpi-one"), ranks = fresh_dir("mpi-ranks");
  const std::string args =
      " run scenarios/baseline.yaml -n 2500 --seed 3 --analysis-replications 512 --per-replication -q -o ";
  REQUIRE(run(wsic_bin() + args + one.string()) == 0);
  REQUIRE(run(mpirun(3) + args + ranks.string() + " --threads 1") == 0);
  require_same(one, ranks,
               {"summary.json", "schemes.csv", "milestones.csv", "criticality.csv", "spend.csv", "barriers.csv",
                "per_replication.csv", "chart_barrier_tornado.csv", "chart_lever_tornado.csv", "chart_s_curves.svg"});
  fs::remove_all(one);
  fs::remove_all(ranks);
}

TEST_CASE("Mpi.CompareOnThreeRanksWritesTheBytesOfOneProcess", "[mpi]") {
  const fs::path one = fresh_dir("mpi-cmp-one"), ranks = fresh_dir("mpi-cmp-ranks");
  const std::string args =
      " compare scenarios/baseline.yaml scenarios/early-national-action.yaml -n 2000 --seed 4 -q -o ";
  REQUIRE(run(wsic_bin() + args + one.string()) == 0);
  REQUIRE(run(mpirun(3) + args + ranks.string()) == 0);
  require_same(one, ranks, {"comparison.json", "paired_differences.csv", "chart_comparison.csv"});
  fs::remove_all(one);
  fs::remove_all(ranks);
}

TEST_CASE("Mpi.BadInputStopsEveryRankWithOneMessage", "[mpi]") {
  const fs::path err = fresh_dir("mpi-err.txt");
  const fs::path out = fresh_dir("mpi-bad");
  REQUIRE(run(mpirun(3) + " run tests/data/does-not-exist.yaml -n 100 -q -o " + out.string() + " 2>" + err.string()) ==
          2);
  const std::string said = slurp(err);
  const auto first = said.find("does-not-exist.yaml");
  REQUIRE(first != std::string::npos);
  CHECK(said.find("does-not-exist.yaml", first + 1) == std::string::npos);  // once, not once per rank
  CHECK_FALSE(fs::exists(out / "summary.json"));
  REQUIRE(run(mpirun(2) + " run scenarios/baseline.yaml --part 1/2 -q 2>" + err.string()) == 2);
  CHECK_THAT(slurp(err), Catch::Contains("--part cannot be given"));
  fs::remove(err);
}

TEST_CASE("Mpi.InterruptedRunContinuesFromTheRanksCheckpoints", "[mpi][checkpoint]") {
  // Ctrl-C reaches every rank through mpirun; each saves its part's
  // progress. The same command again continues, and the results are those
  // of one uninterrupted process.
  const fs::path one = fresh_dir("mpi-ck-one"), ranks = fresh_dir("mpi-ck-ranks");
  const std::string args =
      " run scenarios/baseline.yaml -n 40000 --seed 8 --analysis-replications 0 --per-replication -q --threads 1 -o ";
  REQUIRE(run(wsic_bin() + args + one.string()) == 0);
  const std::string cmd = mpirun(2) + args + ranks.string() + " --checkpoint 0.05";
  const pid_t pid = spawn(cmd + " 2>/dev/null");
  REQUIRE(wait_for_file(ranks / ".mpi-parts" / ".part-2-of-2.wsicpart.checkpoint", 60));
  ::usleep(100'000);
  ::kill(pid, SIGINT);
  const int code = wait_exit(pid);
  if (code != 0) {
    // mpirun reports a rank's failure as its own exit code (1).
    REQUIRE(fs::exists(ranks / ".mpi-parts"));
    REQUIRE_FALSE(fs::exists(ranks / "summary.json"));
    REQUIRE(run(cmd) == 0);
  }
  require_same(one, ranks, {"summary.json", "schemes.csv", "per_replication.csv", "spend.csv"});
  CHECK_FALSE(fs::exists(ranks / ".mpi-parts"));
  fs::remove_all(one);
  fs::remove_all(ranks);
}

TEST_CASE("Mpi.FailureOnOneRankStopsEveryRankPromptly", "[mpi]") {
  // Rank 1 cannot write its rows (its temporary folder does not exist) and
  // fails at once; rank 0, with a batch of minutes ahead of it, is told and
  // stops at its next block. One message says what failed, and where.
  const fs::path out = fresh_dir("mpi-fail");
  const fs::path err = fresh_dir("mpi-fail-err.txt");
  const std::string args =
      " run scenarios/baseline.yaml -n 5000000 --analysis-replications 0 --per-replication "
      "--threads 1 -q -o " +
      out.string();
  const std::string exe = (build_dir() / "bin" / "wsic-mpi").string();
  const auto t0 = std::chrono::steady_clock::now();
  const int code = run("mpirun --allow-run-as-root --oversubscribe -np 1 " + exe + args +
                       " : -np 1 env TMPDIR=/nonexistent-wsic-tmp " + exe + args + " 2>" + err.string());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(code != 0);
  const std::string said = slurp(err);
  CHECK_THAT(said, Catch::Contains("rank 1: wsic run:"));
  CHECK_THAT(said, Catch::Contains("TMPDIR=/nonexistent-wsic-tmp"));
  CHECK_THAT(said, Catch::Contains("another rank failed"));
  CHECK_FALSE(fs::exists(out / "summary.json"));
  // The whole batch is minutes of work for rank 0 alone: it did not do it.
  CHECK(seconds < 60.0);
  fs::remove_all(out);
  fs::remove(err);
}
