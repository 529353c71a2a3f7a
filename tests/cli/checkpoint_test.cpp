// Checkpoints under attack: a resumed run either equals the uninterrupted
// run byte for byte or does not start, whatever happened to the checkpoint
// and whenever the run was killed.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "support.hpp"
#include "wsic/experiment/checkpoint.hpp"
#include "wsic/sim/random.hpp"

namespace fs = std::filesystem;
using namespace wsic::test;
using wsic::experiment::Checkpoint;

namespace {
const std::string kArgs =
    " run scenarios/baseline.yaml -n 20000 --seed 5 --analysis-replications 100 -q --per-replication";

// The files of a run's results that depend on nothing but the run (the
// report and run.json carry the wall time).
const std::vector<std::string> kDeterministic = {"summary.json",   "per_replication.csv",   "schemes.csv",
                                                 "milestones.csv", "milestone_schemes.csv", "barriers.csv",
                                                 "spend.csv",      "criticality.csv"};

void require_same_results(const fs::path& a, const fs::path& b) {
  for (const std::string& f : kDeterministic) {
    INFO(f);
    REQUIRE(fs::exists(a / f));
    REQUIRE(slurp(a / f) == slurp(b / f));
  }
  for (const auto& e : fs::directory_iterator(a)) {
    const std::string name = e.path().filename().string();
    INFO(name);
    CHECK(name.find(".tmp-") == std::string::npos);
    CHECK(name.find(".partial") == std::string::npos);
    CHECK(name != "checkpoint.wsic");
  }
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// An uninterrupted run, made once for the tests of this file.
const fs::path& whole_run() {
  static const fs::path whole = [] {
    const fs::path d = fresh_dir("ckpt-whole");
    REQUIRE(run(wsic_bin() + kArgs + " -o " + d.string()) == 0);
    return d;
  }();
  return whole;
}
using Tamper = std::function<void(const fs::path&)>;
using Tampers = std::vector<std::pair<std::string, Tamper>>;

Tamper on_file(std::function<std::string(std::string)> f) {
  return [f](const fs::path& dir) { write_bytes(dir / "checkpoint.wsic", f(slurp(dir / "checkpoint.wsic"))); };
}

// Damage to the file's bytes, as a disk or a careless copy would do it.
void add_damage(Tampers& tampers) {
  for (int k = 1; k <= 12; ++k) {
    tampers.emplace_back("bit flip " + std::to_string(k), on_file([k](std::string s) {
                           s[s.size() * static_cast<std::size_t>(k) / 13] ^= static_cast<char>(1 << (k % 8));
                           return s;
                         }));
  }
  tampers.emplace_back("emptied", on_file([](std::string) { return std::string(); }));
  tampers.emplace_back("cut in half", on_file([](std::string s) { return s.substr(0, s.size() / 2); }));
  tampers.emplace_back("last byte cut", on_file([](std::string s) { return s.substr(0, s.size() - 1); }));
  tampers.emplace_back("a byte added", on_file([](std::string s) { return s + "x"; }));
  tampers.emplace_back("another file's bytes", on_file([](std::string) { return slurp("scenarios/baseline.yaml"); }));
  tampers.emplace_back("replaced by a folder", [](const fs::path& dir) {
    fs::remove(dir / "checkpoint.wsic");
    fs::create_directory(dir / "checkpoint.wsic");
  });
}

// Edits made consistently, checksum and all, as a tool that understood the
// format would make them.
void add_edits(Tampers& tampers, const Checkpoint& good) {
  const auto edit = [&](std::function<void(Checkpoint&)> f) {
    return Tamper([f, good](const fs::path& dir) {
      Checkpoint c = good;
      f(c);
      write_bytes(dir / "checkpoint.wsic", wsic::experiment::encode_checkpoint(c));
    });
  };
  tampers.emplace_back("seed", edit([](Checkpoint& c) { c.run.seed += 1; }));
  tampers.emplace_back("fewer replications than done", edit([](Checkpoint& c) { c.run.replications = 256; }));
  tampers.emplace_back("a milestone added", edit([](Checkpoint& c) { c.run.milestones.push_back("2016-06-01"); }));
  tampers.emplace_back("a --set added",
                       edit([](Checkpoint& c) { c.run.overrides.push_back("schemes.brent.readiness=2"); }));
  tampers.emplace_back("another version", edit([](Checkpoint& c) { c.run.tool_version = "0.0.1"; }));
  tampers.emplace_back("another scenario", edit([](Checkpoint& c) { c.run.content_hash = "0123456789abcdef"; }));
  tampers.emplace_back("fingerprint", edit([](Checkpoint& c) { c.run.fingerprint ^= 1; }));
  tampers.emplace_back("another block size", edit([](Checkpoint& c) { c.run.block_size = 64; }));
  tampers.emplace_back("more blocks done", edit([](Checkpoint& c) { c.blocks_done += 1; }));
  tampers.emplace_back("marked complete", edit([](Checkpoint& c) { c.batch_complete = true; }));
  tampers.emplace_back("partials reordered", edit([](Checkpoint& c) {
                         if (c.partials.size() >= 2)
                           std::swap(c.partials.front(), c.partials.back());
                         else
                           c.partials.push_back(c.partials.front());
                       }));
  tampers.emplace_back("a partial dropped", edit([](Checkpoint& c) { c.partials.pop_back(); }));
  tampers.emplace_back("a partial's bytes", edit([](Checkpoint& c) { c.partials.back().second[20] ^= 1; }));
  tampers.emplace_back("rows checksum", edit([](Checkpoint& c) { c.rows.hash ^= 1; }));
  tampers.emplace_back("rows length", edit([](Checkpoint& c) { c.rows.bytes += 10; }));
  // Harmless: how often to save is not part of the result.
  tampers.emplace_back("checkpoint interval", edit([](Checkpoint& c) { c.run.checkpoint_seconds = 1.0; }));
}

// The per-replication rows the checkpoint vouches for, changed.
void add_row_changes(Tampers& tampers) {
  tampers.emplace_back("rows file cut",
                       [](const fs::path& dir) { fs::resize_file(dir / ".per_replication.csv.partial", 1000); });
  tampers.emplace_back("rows file edited", [](const fs::path& dir) {
    std::string rows = slurp(dir / ".per_replication.csv.partial");
    rows[rows.size() / 2] = rows[rows.size() / 2] == '1' ? '2' : '1';
    write_bytes(dir / ".per_replication.csv.partial", rows);
  });
  tampers.emplace_back("rows file removed",
                       [](const fs::path& dir) { fs::remove(dir / ".per_replication.csv.partial"); });
}
}  // namespace

TEST_CASE("Checkpoint.TamperedCheckpointIsRefusedOrResumesToTheSameBytes", "[cli][checkpoint]") {
  // A checkpoint saved by Ctrl-C half way through the batch.
  const fs::path base = fresh_dir("ckpt-base");
  const pid_t pid = spawn(wsic_bin() + kArgs + " --checkpoint 0.02 -o " + base.string());
  REQUIRE(wait_for_progress(base, 2, 60.0));
  ::kill(pid, SIGINT);
  REQUIRE(wait_exit(pid) == 130);
  const std::string original = slurp(base / "checkpoint.wsic");
  const Checkpoint good = wsic::experiment::decode_checkpoint(original);
  REQUIRE_FALSE(good.batch_complete);
  REQUIRE(good.blocks_done > 1);

  Tampers tampers;
  add_damage(tampers);
  add_edits(tampers, good);
  add_row_changes(tampers);
  tampers.emplace_back("untouched", [](const fs::path&) {});
  REQUIRE(tampers.size() >= 20);

  const fs::path err = fresh_dir("ckpt-err.txt");
  int refused = 0, identical = 0;
  for (const auto& [what, tamper] : tampers) {
    INFO("tamper: " << what);
    const fs::path dir = fresh_dir("ckpt-tampered");
    fs::copy(base, dir, fs::copy_options::recursive);
    tamper(dir);
    const int code = run(wsic_bin() + " run -q --resume " + dir.string() + " 2> " + err.string());
    INFO(slurp(err));
    if (code == 0) {
      require_same_results(dir, whole_run());
      ++identical;
    } else {
      REQUIRE(code == 2);
      CHECK(slurp(err).find("cannot resume") != std::string::npos);
      CHECK_FALSE(fs::exists(dir / "summary.json"));
      ++refused;
    }
    fs::remove_all(dir);
  }
  // Everything but the two harmless changes is refused.
  CHECK(identical == 2);
  CHECK(refused == static_cast<int>(tampers.size()) - 2);
  fs::remove_all(base);
  fs::remove_all(whole_run());
  fs::remove(err);
}

TEST_CASE("Checkpoint.GzipRowsResumeToTheSameBytes", "[cli][checkpoint]") {
  // --gzip writes the rows as one gzip member per block: a run stopped by
  // Ctrl-C and resumed writes the uninterrupted run's bytes, and zcat reads
  // them back to the plain run's rows.
  const std::string gz = kArgs + " --gzip";
  const fs::path whole = fresh_dir("ckpt-gz-whole"), stopped = fresh_dir("ckpt-gz-stopped");
  REQUIRE(run(wsic_bin() + gz + " -o " + whole.string()) == 0);
  const pid_t pid = spawn(wsic_bin() + gz + " --checkpoint 0.02 -o " + stopped.string());
  REQUIRE(wait_for_progress(stopped, 2, 60.0));
  ::kill(pid, SIGINT);
  REQUIRE(wait_exit(pid) == 130);
  REQUIRE(fs::exists(stopped / ".per_replication.csv.gz.partial"));
  REQUIRE(run(wsic_bin() + " run -q --resume " + stopped.string()) == 0);
  CHECK_FALSE(fs::exists(stopped / "per_replication.csv"));
  REQUIRE(slurp(stopped / "per_replication.csv.gz") == slurp(whole / "per_replication.csv.gz"));
  const fs::path plain = fresh_dir("ckpt-gz-plain-rows.csv");
  REQUIRE(run("zcat " + (stopped / "per_replication.csv.gz").string() + " > " + plain.string()) == 0);
  CHECK(slurp(plain) == slurp(whole_run() / "per_replication.csv"));
  CHECK(slurp(stopped / "summary.json") ==
        slurp(whole_run() / "summary.json"));  // the same run id: rows do not enter it
  fs::remove_all(whole);
  fs::remove_all(stopped);
  fs::remove(plain);
}

TEST_CASE("Checkpoint.KilledAtRandomMomentsResumesToTheSameBytes", "[cli][checkpoint][fault]") {
  // SIGKILL at 20 moments spread over a whole run (loading, the batch, the
  // analyses, writing the results): every time, the folder is resumable,
  // complete, or untouched (killed before it was prepared), and what comes
  // out equals the uninterrupted run.
  const fs::path& whole = whole_run();
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path timing = fresh_dir("ckpt-timing");
  REQUIRE(run(wsic_bin() + kArgs + " --checkpoint 0.02 -o " + timing.string()) == 0);
  const double full = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fs::remove_all(timing);

  wsic::sim::Rng rng(2015, 4, 30);
  int resumed = 0, complete = 0, untouched = 0;
  for (int k = 0; k < 20; ++k) {
    const double at = full * rng.uniform01();
    INFO("killed after " << at << " s of a " << full << " s run");
    const fs::path dir = fresh_dir("ckpt-killed");
    const pid_t pid = spawn(wsic_bin() + kArgs + " --checkpoint 0.02 -o " + dir.string());
    ::usleep(static_cast<useconds_t>(at * 1e6));
    ::kill(pid, SIGKILL);
    wait_exit(pid);
    if (fs::exists(dir / "checkpoint.wsic")) {
      // (summary.json may be there too, if the kill came just after it.)
      REQUIRE(run(wsic_bin() + " run -q --resume " + dir.string()) == 0);
      ++resumed;
    } else if (fs::exists(dir / "summary.json")) {
      ++complete;
    } else {
      // Killed before the folder was prepared: nothing of the run is there.
      if (fs::exists(dir)) {
        for (const auto& e : fs::directory_iterator(dir)) REQUIRE(e.path().filename() == ".wsic.lock");
      }
      REQUIRE(run(wsic_bin() + kArgs + " --checkpoint 0.02 -o " + dir.string()) == 0);
      ++untouched;
    }
    require_same_results(dir, whole);
    fs::remove_all(dir);
  }
  INFO("resumed " << resumed << ", complete " << complete << ", untouched " << untouched);
  CHECK(resumed >= 10);  // most kills land mid-run

  // SIGTERM (as a scheduler sends it) in the second half of a run, where the
  // analyses, the report and the writing are: exit 130 with the progress
  // saved, or the run had finished; either way the results come out whole.
  for (int k = 0; k < 6; ++k) {
    const double at = full * (0.5 + 0.5 * rng.uniform01());
    INFO("SIGTERM after " << at << " s of a " << full << " s run");
    const fs::path dir = fresh_dir("ckpt-term");
    const pid_t pid = spawn(wsic_bin() + kArgs + " --checkpoint 0.02 -o " + dir.string() + " 2>/dev/null");
    ::usleep(static_cast<useconds_t>(at * 1e6));
    ::kill(pid, SIGTERM);
    const int code = wait_exit(pid);
    REQUIRE((code == 0 || code == 130));
    if (code == 130) REQUIRE(run(wsic_bin() + " run -q --resume " + dir.string()) == 0);
    require_same_results(dir, whole);
    fs::remove_all(dir);
  }
  fs::remove_all(whole);
}
