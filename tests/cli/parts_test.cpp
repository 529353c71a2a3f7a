// `wsic run/compare --part i/k` and `wsic merge`: any split of a job merges
// to the bytes one process writes, and parts that do not make up one job are
// refused with a message that says what to do.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support.hpp"

namespace fs = std::filesystem;
using namespace wsic::test;

namespace {
// Every file of a result folder that carries no wall time or thread count.
std::vector<std::string> deterministic_files(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name == "run.json" || name == "report_data.json" || name == "report.html" || name.front() == '.') continue;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

void require_same_results(const fs::path& whole, const fs::path& merged, std::size_t at_least) {
  const auto names = deterministic_files(whole);
  REQUIRE(names.size() >= at_least);
  REQUIRE(deterministic_files(merged) == names);
  for (const std::string& name : names) {
    INFO(name);
    const std::string want = slurp(whole / name);
    REQUIRE_FALSE(want.empty());
    REQUIRE(slurp(merged / name) == want);
  }
}

std::string parts_of(const fs::path& dir, std::uint64_t k) {
  const std::string count = std::to_string(k);
  std::string list;
  for (std::uint64_t i = 1; i <= k; ++i) {
    std::string index = std::to_string(i);
    index.insert(0, count.size() - index.size(), '0');
    list += ' ';
    list += (dir / ("part-" + index + "-of-" + count + ".wsicpart")).string();
  }
  return list;
}
}  // namespace

TEST_CASE("Parts.RunSplitAnyWayMergesToTheSameBytes", "[cli][parts]") {
  // 1300 replications are 6 blocks: 8 parts leave some empty. The analyses'
  // 29 batches of 600 (3 blocks each) are split the same way.
  struct Case {
    std::uint64_t seed;
    const char* extra;
    std::size_t files;
  };
  for (const Case c :
       {Case{5, " --analysis-replications 600 --per-replication", 24}, Case{20131001, " --analysis-replications 0", 10},
        // gzip members, block by block: the parts' rows concatenate to the whole run's bytes
        Case{11, " --analysis-replications 0 --per-replication --gzip", 11}}) {
    CAPTURE(c.seed);
    const std::string args =
        " run scenarios/baseline.yaml -n 1300 -q --seed " + std::to_string(c.seed) + std::string(c.extra);
    const fs::path whole = fresh_dir("parts-whole");
    REQUIRE(run(wsic_bin() + args + " -o " + whole.string()) == 0);
    for (const std::uint64_t k : {1, 2, 3, 5, 8}) {
      CAPTURE(k);
      const fs::path parts = fresh_dir("parts-" + std::to_string(k));
      const fs::path merged = fresh_dir("parts-merged");
      for (std::uint64_t i = 1; i <= k; ++i) {
        const std::string threads = i % 2 ? " --threads 1" : " --threads 2";
        REQUIRE(run(wsic_bin() + args + threads + " --part " + std::to_string(i) + "/" + std::to_string(k) + " -o " +
                    parts.string() + " > /dev/null") == 0);
      }
      REQUIRE(run(wsic_bin() + " merge -q -o " + merged.string() + parts_of(parts, k)) == 0);
      require_same_results(whole, merged, c.files);
      fs::remove_all(parts);
      fs::remove_all(merged);
    }
    fs::remove_all(whole);
  }
}

TEST_CASE("Parts.CompareSplitMergesToTheSameBytes", "[cli][parts]") {
  for (const char* rows : {"", " --gzip"}) {
    CAPTURE(rows);
    const std::string args =
        " compare scenarios/baseline.yaml scenarios/early-national-action.yaml scenarios/local-first.yaml -n 1500 "
        "--seed 9 -q --per-replication" +
        std::string(rows);
    const fs::path whole = fresh_dir("cparts-whole");
    REQUIRE(run(wsic_bin() + args + " -o " + whole.string()) == 0);
    for (const std::uint64_t k : {2, 5}) {
      CAPTURE(k);
      const fs::path parts = fresh_dir("cparts");
      const fs::path merged = fresh_dir("cparts-merged");
      for (std::uint64_t i = 1; i <= k; ++i) {
        REQUIRE(run(wsic_bin() + args + " --part " + std::to_string(i) + "/" + std::to_string(k) + " -o " +
                    parts.string() + " > /dev/null") == 0);
      }
      REQUIRE(run(wsic_bin() + " merge -q -o " + merged.string() + parts_of(parts, k)) == 0);
      require_same_results(whole, merged, 4);
      REQUIRE(fs::exists(merged / (*rows ? "per_replication.csv.gz" : "per_replication.csv")));
      REQUIRE(slurp(merged / "comparison.json") == slurp(whole / "comparison.json"));
      fs::remove_all(parts);
      fs::remove_all(merged);
    }
    fs::remove_all(whole);
  }
}

TEST_CASE("Parts.MissingDuplicateForeignOrDamagedPartsAreRefused", "[cli][parts]") {
  const fs::path parts = fresh_dir("bad-parts");
  const fs::path other = fresh_dir("bad-parts-other");
  const fs::path out = fresh_dir("bad-parts-out");
  const fs::path err = fresh_dir("bad-parts-err.txt");
  const std::string args = " run scenarios/baseline.yaml -n 1000 -q --analysis-replications 0 --per-replication";
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(run(wsic_bin() + args + " --part " + std::to_string(i) + "/3 -o " + parts.string() + " >/dev/null") == 0);
  }
  REQUIRE(run(wsic_bin() + args + " --seed 2 --part 2/3 -o " + other.string() + " >/dev/null") == 0);
  const std::string p1 = (parts / "part-1-of-3.wsicpart").string();
  const std::string p2 = (parts / "part-2-of-3.wsicpart").string();
  const std::string p3 = (parts / "part-3-of-3.wsicpart").string();
  const auto merge_fails = [&](const std::string& files, const std::string& message) {
    INFO(files);
    REQUIRE(run(wsic_bin() + " merge -q -o " + out.string() + " " + files + " 2>" + err.string()) == 2);
    CHECK_THAT(slurp(err), Catch::Contains(message));
    // Nothing is written: no results, no half-written rows.
    CHECK_FALSE(fs::exists(out / "summary.json"));
    CHECK_FALSE(fs::exists(out / "per_replication.csv"));
  };
  merge_fails(p1 + " " + p3, "1 of the 3 parts is missing (part 2)");
  merge_fails(p1 + " " + p2 + " " + p2 + " " + p3, "part 2 of 3 is given twice");
  merge_fails(p1 + " " + (other / "part-2-of-3.wsicpart").string() + " " + p3, "different jobs (seed");
  {
    // A part of another split of the same job.
    const fs::path halves = fresh_dir("bad-parts-halves");
    REQUIRE(run(wsic_bin() + args + " --part 1/2 -o " + halves.string() + " >/dev/null") == 0);
    merge_fails(p1 + " " + p2 + " " + p3 + " " + (halves / "part-1-of-2.wsicpart").string(), "split one way only");
    fs::remove_all(halves);
  }
  const auto tampered = [&](std::uint64_t offset_from_end, const std::string& message) {
    const fs::path bad = parts / "tampered.wsicpart";
    fs::copy_file(p2, bad, fs::copy_options::overwrite_existing);
    std::fstream f(bad, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    const auto size = static_cast<std::uint64_t>(f.tellg());
    f.seekp(static_cast<std::streamoff>(size - offset_from_end));
    f.put('#');
    f.close();
    merge_fails(p1 + " " + bad.string() + " " + p3, message);
  };
  tampered(10, "per-replication rows are damaged");  // in the rows
  {
    // In the header: the start of the file.
    const fs::path bad = parts / "tampered.wsicpart";
    fs::copy_file(p2, bad, fs::copy_options::overwrite_existing);
    std::fstream f(bad, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('#');
    f.close();
    merge_fails(p1 + " " + bad.string() + " " + p3, "the part is damaged");
  }
  {
    const fs::path cut = parts / "cut.wsicpart";
    fs::copy_file(p2, cut, fs::copy_options::overwrite_existing);
    fs::resize_file(cut, fs::file_size(cut) - 100);
    merge_fails(p1 + " " + cut.string() + " " + p3, "per-replication rows are damaged");
  }
  merge_fails(p1 + " scenarios/baseline.yaml " + p3, "not a wsic part file");
  merge_fails(p1 + " " + (parts / "nonexistent.wsicpart").string(), "cannot be read");
  // The three together merge.
  REQUIRE(run(wsic_bin() + " merge -q -o " + out.string() + " " + p3 + " " + p1 + " " + p2) == 0);
  REQUIRE(fs::exists(out / "per_replication.csv"));
  fs::remove_all(parts);
  fs::remove_all(other);
  fs::remove_all(out);
  fs::remove(err);
}

TEST_CASE("Parts.ChangedScenarioOrReusedPartFileIsRefused", "[cli][parts]") {
  const fs::path dir = fresh_dir("parts-scenario");
  fs::create_directories(dir);
  const fs::path scenario = dir / "mine.yaml";
  fs::copy_file("scenarios/baseline.yaml", scenario);
  const fs::path parts = dir / "parts";
  const fs::path err = dir / "err.txt";
  const std::string args = " run " + scenario.string() + " -n 600 -q --analysis-replications 0";
  REQUIRE(run(wsic_bin() + args + " --part 1/1 -o " + parts.string() + " >/dev/null") == 0);
  // The same part again finds it done; another job's part is not written
  // over it without --force.
  REQUIRE(run(wsic_bin() + args + " --part 1/1 -o " + parts.string() + " -q") == 0);
  REQUIRE(run(wsic_bin() + args + " --seed 3 --part 1/1 -o " + parts.string() + " 2>" + err.string()) == 2);
  CHECK_THAT(slurp(err), Catch::Contains("already exists; pass --force"));
  REQUIRE(run(wsic_bin() + args + " --part 1/1 --force -o " + parts.string() + " >/dev/null") == 0);
  // A part resumes by running its command again, not with --resume.
  REQUIRE(run(wsic_bin() + " run --resume " + parts.string() + " --part 1/2 2>" + err.string()) == 2);
  CHECK_THAT(slurp(err), Catch::Contains("--resume cannot be given with --part"));
  // The scenario changes between the parts and the merge.
  {
    std::ofstream f(scenario, std::ios::app);
    f << "\n# a comment changes nothing\n";
  }
  REQUIRE(run(wsic_bin() + " merge -q -o " + (dir / "a").string() + " " + (parts / "part-1-of-1.wsicpart").string()) ==
          0);
  std::string text = slurp(scenario);
  text.replace(text.find("readiness:"), std::string("readiness:").size(), "readiness: 1.01 #");
  {
    std::ofstream f(scenario, std::ios::trunc);
    f << text;
  }
  REQUIRE(run(wsic_bin() + " merge -q -o " + (dir / "b").string() + " " + (parts / "part-1-of-1.wsicpart").string() +
              " 2>" + err.string()) == 2);
  CHECK_THAT(slurp(err), Catch::Contains("has changed since"));
  fs::remove(scenario);
  REQUIRE(run(wsic_bin() + " merge -q -o " + (dir / "c").string() + " " + (parts / "part-1-of-1.wsicpart").string() +
              " 2>" + err.string()) == 2);
  CHECK_THAT(slurp(err), Catch::Contains("the merge needs that scenario as it was"));
  fs::remove_all(dir);
}

TEST_CASE("Parts.KilledPartContinuesFromItsCheckpointToTheSameBytes", "[cli][parts][checkpoint]") {
  // A part killed outright (as a preempted job-array task is) and run again
  // with the same command continues from its checkpoint; merged with the
  // other part, the results are those of one uninterrupted process.
  const std::string args =
      " run scenarios/baseline.yaml -n 30000 --seed 21 --analysis-replications 0 --per-replication -q --threads 1";
  const fs::path whole = fresh_dir("ckpt-whole"), parts = fresh_dir("ckpt-parts"), merged = fresh_dir("ckpt-merged");
  REQUIRE(run(wsic_bin() + args + " -o " + whole.string()) == 0);
  // Without -q: it says where it continues from, or that it is done.
  std::string loud = args;
  loud.erase(loud.find(" -q"), 3);
  const std::string part1 = wsic_bin() + loud + " --part 1/2 --checkpoint 0.05 -o " + parts.string();
  const pid_t pid = spawn(part1 + " 2>/dev/null");
  const fs::path ckpt = parts / ".part-1-of-2.wsicpart.checkpoint";
  REQUIRE(wait_for_file(ckpt, 60));
  ::usleep(150'000);
  ::kill(pid, SIGKILL);
  REQUIRE(wait_exit(pid) == 128 + SIGKILL);
  const bool finished_before_the_kill = fs::exists(parts / "part-1-of-2.wsicpart");
  if (!finished_before_the_kill) REQUIRE(fs::exists(ckpt));
  const fs::path err = parts / "err.txt";
  REQUIRE(run(part1 + " 2>" + err.string()) == 0);
  if (!finished_before_the_kill) CHECK_THAT(slurp(err), Catch::Contains("from its checkpoint"));
  CHECK_FALSE(fs::exists(ckpt));  // done: the checkpoint and its rows are gone
  CHECK_FALSE(fs::exists(parts / ".part-1-of-2.wsicpart.rows"));
  // Run again, the finished part is left as it is.
  REQUIRE(run(part1 + " > " + err.string()) == 0);
  CHECK_THAT(slurp(err), Catch::Contains("already done"));
  REQUIRE(run(wsic_bin() + args + " --part 2/2 -o " + parts.string() + " >/dev/null") == 0);
  REQUIRE(run(wsic_bin() + " merge -q -o " + merged.string() + parts_of(parts, 2)) == 0);
  require_same_results(whole, merged, 10);
  fs::remove_all(whole);
  fs::remove_all(parts);
  fs::remove_all(merged);
}

TEST_CASE("Parts.CheckpointOfAnotherJobIsRefusedUnlessForced", "[cli][parts][checkpoint]") {
  const fs::path parts = fresh_dir("ckpt-foreign");
  const fs::path err = fresh_dir("ckpt-foreign-err.txt");
  const std::string args = " run scenarios/baseline.yaml -n 20000 --analysis-replications 0 -q --threads 1";
  const pid_t pid = spawn(wsic_bin() + args + " --seed 1 --part 1/2 --checkpoint 0.05 -o " + parts.string());
  const fs::path ckpt = parts / ".part-1-of-2.wsicpart.checkpoint";
  REQUIRE(wait_for_file(ckpt, 60));
  ::kill(pid, SIGINT);  // Ctrl-C: the checkpoint is saved, exit 130
  const int code = wait_exit(pid);
  if (code == 0) return;  // finished before the interrupt: nothing left to test
  REQUIRE(code == 130);
  REQUIRE(fs::exists(ckpt));
  REQUIRE(run(wsic_bin() + args + " --seed 2 --part 1/2 --checkpoint 0.05 -o " + parts.string() + " 2>" +
              err.string()) == 2);
  CHECK_THAT(slurp(err), Catch::Contains("another job (seed 1 vs 2)"));
  CHECK_THAT(slurp(err), Catch::Contains("--force"));
  REQUIRE(run(wsic_bin() + args + " --seed 2 --part 1/2 --checkpoint 0.05 --force -o " + parts.string()) == 0);
  CHECK(fs::exists(parts / "part-1-of-2.wsicpart"));
  fs::remove_all(parts);
  fs::remove(err);
}
