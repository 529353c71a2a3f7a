// wsic-mpi: `wsic run` and `wsic compare` across the ranks of an MPI job.
//
//   mpirun -np N wsic-mpi run SCENARIO [run options]
//   mpirun -np N wsic-mpi compare BASE WHATIF... [compare options]
//
// Rank r computes part r+1 of N (the same share of every batch that
// `--part r+1/N` would) with its own threads; rank 0 collects the parts in
// rank order, merges them along the batch's own tree, exactly as
// `wsic merge` does, and writes the results: the same bytes as one process.
// A failure on any rank stops every rank with that rank's message and exit
// code; nothing is written.
#include <mpi.h>

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "wsic/cli/args.hpp"
#include "wsic/scenario/loader.hpp"

namespace {
std::atomic<bool> g_cancel{false};

extern "C" void on_signal(int sig) {
  if (g_cancel.exchange(true)) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

// A rank that fails tells the others, which stop at their next safe point
// (as on Ctrl-C) instead of finishing their parts for nothing.
constexpr int kTagStop = 3;

// Waits, on its own thread, for another rank's stop message while this rank
// works, and raises the cancel flag when one comes. MPI is called from the
// watcher and the main thread, never at once (MPI_THREAD_SERIALIZED).
class PeerWatch {
 public:
  explicit PeerWatch(bool enabled) {
    if (!enabled) return;
    MPI_Irecv(&message_, 1, MPI_INT, MPI_ANY_SOURCE, kTagStop, MPI_COMM_WORLD, &request_);
    thread_ = std::thread([this] { watch(); });
  }
  PeerWatch(const PeerWatch&) = delete;
  PeerWatch& operator=(const PeerWatch&) = delete;
  ~PeerWatch() { stop(); }

  /// Ends the watch (the main thread may call MPI again afterwards).
  void stop() {
    if (!thread_.joinable()) return;
    done_ = true;
    thread_.join();
    if (!stopped_) {
      MPI_Cancel(&request_);
      MPI_Wait(&request_, MPI_STATUS_IGNORE);
    }
  }
  /// True when another rank's failure stopped this one.
  bool stopped() const noexcept { return stopped_; }

  /// This rank failed: every other rank is told to stop.
  static void tell_others(int rank, int size) {
    int one = 1;
    for (int r = 0; r < size; ++r) {
      if (r != rank) MPI_Send(&one, 1, MPI_INT, r, kTagStop, MPI_COMM_WORLD);
    }
  }

 private:
  void watch() {
    while (!done_) {
      int got = 0;
      MPI_Test(&request_, &got, MPI_STATUS_IGNORE);
      if (got) {
        stopped_ = true;
        g_cancel = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  int message_ = 0;
  MPI_Request request_ = MPI_REQUEST_NULL;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::atomic<bool> stopped_{false};
};

// MPI counts are ints: large parts travel in pieces of at most 1 GiB.
constexpr std::uint64_t kChunk = std::uint64_t{1} << 30;
constexpr int kTagSize = 1, kTagBytes = 2;

void send_bytes(const std::string& bytes, int to) {
  std::uint64_t size = bytes.size();
  MPI_Send(&size, 1, MPI_UINT64_T, to, kTagSize, MPI_COMM_WORLD);
  for (std::uint64_t at = 0; at < size; at += kChunk) {
    const int n = static_cast<int>(std::min(kChunk, size - at));
    MPI_Send(bytes.data() + at, n, MPI_CHAR, to, kTagBytes, MPI_COMM_WORLD);
  }
}

std::string receive_bytes(int from) {
  std::uint64_t size = 0;
  MPI_Recv(&size, 1, MPI_UINT64_T, from, kTagSize, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  std::string bytes(size, '\0');
  for (std::uint64_t at = 0; at < size; at += kChunk) {
    const int n = static_cast<int>(std::min(kChunk, size - at));
    MPI_Recv(bytes.data() + at, n, MPI_CHAR, from, kTagBytes, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
  return bytes;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The worst exit code of all ranks, known to every rank.
int agree(int code) {
  int worst = 0;
  MPI_Allreduce(&code, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return worst;
}

// Sends std::cerr to `to` (unless null) until restored or destroyed.
class CerrTo {
 public:
  explicit CerrTo(std::streambuf* to) : saved_(std::cerr.rdbuf()) {
    if (to) std::cerr.rdbuf(to);
  }
  CerrTo(const CerrTo&) = delete;
  CerrTo& operator=(const CerrTo&) = delete;
  ~CerrTo() { restore(); }
  void restore() const { std::cerr.rdbuf(saved_); }

 private:
  std::streambuf* saved_;
};

// Rank 0 looks at the output folder before any work: results already there
// (and no --force) would otherwise be found only after the whole batch.
int check_output_folder(const std::optional<std::filesystem::path>& out, const std::string& fallback,
                        const char* marker, bool force) {
  const std::filesystem::path dir = out ? *out : std::filesystem::path("results") / fallback;
  std::error_code ec;
  if (!force && std::filesystem::exists(dir / marker, ec)) {
    std::cerr << "wsic-mpi: " << dir.string() << " already holds results (" << marker
              << "); pass --force to replace them, or choose another folder with -o\n";
    return wsic::cli::kExitBadInput;
  }
  return wsic::cli::kExitOk;
}

std::string scenario_name(const std::filesystem::path& file, const std::vector<std::string>& sets) {
  return wsic::scenario::load_scenario(file, {}, wsic::cli::parse_overrides(sets)).name;
}

int finish(int code) {
  MPI_Finalize();
  return code;
}

/// This rank's share of the job, and what the ranks agree on afterwards.
struct Rank {
  int rank = 0;
  int size = 1;
  bool can_watch = false;   // MPI allows the peer watch's thread
  std::ostringstream held;  // what this rank said, shown only if it matters
  std::string part;         // this rank's finished part
  wsic::cli::MergeOptions merge;
  std::filesystem::path checkpoints;  // rank 0: the ranks' checkpoint folder, if any
  bool stopped = false;               // another rank's failure stopped this one

  wsic::cli::PartSink keep() {
    return [this](std::string header, const std::filesystem::path& rows) {
      part = std::move(header);
      if (!rows.empty()) part += slurp(rows);
    };
  }
};

/// Makes `o` (run's or compare's options) compute this rank's part, handed
/// to `r.part`, and keeps what the merge on rank 0 needs.
template <class Options>
void share_out(Options& o, Rank& r) {
  r.merge.out = o.out;
  r.merge.force = o.force;
  r.merge.quiet = o.quiet;
  r.merge.progress = o.progress && r.rank == 0;
  o.part_index = static_cast<std::uint64_t>(r.rank) + 1;
  o.part_count = static_cast<std::uint64_t>(r.size);
  o.part_sink = r.keep();
  o.quiet = true;
  o.progress = r.rank == 0 && o.progress;
}

/// Rank 0 looks at the output folder before any work (`folder` names the
/// default one and may throw: the command itself reports a bad scenario);
/// every rank gets its verdict.
template <class Folder>
int check_before_work(const Rank& r, const char* marker, bool force, Folder&& folder) {
  int early = wsic::cli::kExitOk;
  if (r.rank == 0) {
    try {
      early = check_output_folder(r.merge.out, folder(), marker, force);
    } catch (const std::exception&) {
      // The scenario's own problems are reported by the command itself.
    }
  }
  MPI_Bcast(&early, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return early;
}

/// Runs this rank's part while watching for another rank's failure; tells
/// the others when this one fails.
template <class Work>
int compute(Rank& r, Work&& work) {
  PeerWatch watch(r.can_watch && r.size > 1);
  int code = wsic::cli::kExitOk;
  try {
    code = work();
  } catch (const std::exception& e) {
    std::cerr << "wsic-mpi: " << e.what() << '\n';
    code = wsic::cli::kExitFailure;
  }
  watch.stop();
  r.stopped = watch.stopped();
  if (code != wsic::cli::kExitOk && !r.stopped) PeerWatch::tell_others(r.rank, r.size);
  return code;
}

/// Runs the command on this rank; returns its exit code.
int run_share(Rank& r, wsic::cli::RunCommand& run, wsic::cli::CompareCommand& compare) {
  using namespace wsic::cli;
  if (*run.app) {
    for (const char* alone : {"--part", "--resume"}) {
      if (run.app->count(alone) > 0) {
        std::cerr << "wsic-mpi: " << alone << " cannot be given: the ranks share the run out\n";
        return kExitBadInput;
      }
    }
    if (const auto bad = complete_run(run, &g_cancel)) return *bad;
    RunOptions& o = run.options;
    share_out(o, r);
    const int early = check_before_work(r, "summary.json", o.force, [&] {
      const std::string name = scenario_name(o.scenario, o.overrides);
      r.checkpoints = (o.out ? *o.out : std::filesystem::path("results") / name) / kMpiParts;
      return name;
    });
    if (early != kExitOk) return early;
    return compute(r, [&] { return run_command(o); });
  }
  if (compare.app->count("--part") > 0) {
    std::cerr << "wsic-mpi: --part cannot be given: the ranks share the comparison out\n";
    return kExitBadInput;
  }
  if (const auto bad = complete_compare(compare, &g_cancel)) return *bad;
  CompareOptions& o = compare.options;
  share_out(o, r);
  const int early = check_before_work(r, "comparison.json", o.force, [&] {
    std::vector<std::string> names;
    for (const auto& f : o.scenarios) names.push_back(scenario_name(f, o.overrides));
    return compare_folder_name(names);
  });
  if (early != kExitOk) return early;
  return compute(r, [&] { return compare_command(o); });
}

/// Every rank learns whether any failed, and the failure is told once: by
/// rank 0 when it failed itself, else by the rank that did. Returns the
/// worst exit code of the ranks' own failures.
int settle(const Rank& r, int code) {
  // A rank stopped by another's failure did not fail itself.
  const int own = r.stopped ? wsic::cli::kExitOk : code;
  const int worst = agree(own);
  int first_own = own;
  MPI_Bcast(&first_own, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (worst == wsic::cli::kExitOk) return worst;
  if (own != wsic::cli::kExitOk && (r.rank == 0 || first_own == wsic::cli::kExitOk)) {
    // One write: std::cerr is unbuffered, and mpirun forwards each rank's
    // output as it comes, so a message written in pieces can be split by
    // another rank's line.
    const std::string told = (r.rank == 0 ? std::string() : "rank " + std::to_string(r.rank) + ": ") + r.held.str();
    std::cerr.write(told.data(), static_cast<std::streamsize>(told.size()));
    std::cerr.flush();
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (r.rank == 0 && own == wsic::cli::kExitOk) {
    const std::string told =
        "wsic-mpi: another rank failed (exit " + std::to_string(worst) + "); no results were written\n";
    std::cerr.write(told.data(), static_cast<std::streamsize>(told.size()));  // one write, as above
  }
  return worst;
}

/// Rank 0 receives the parts in rank order and merges them as `wsic merge`
/// does; the other ranks send theirs.
int gather_and_merge(Rank& r) {
  if (r.rank != 0) {
    send_bytes(r.part, 0);
    return wsic::cli::kExitOk;
  }
  std::vector<wsic::cli::PartInput> inputs;
  inputs.push_back(wsic::cli::PartInput::from_bytes("rank 0", std::move(r.part)));
  for (int k = 1; k < r.size; ++k) {
    inputs.push_back(wsic::cli::PartInput::from_bytes("rank " + std::to_string(k), receive_bytes(k)));
  }
  const int merged = wsic::cli::merge_parts(inputs, r.merge);
  if (merged == wsic::cli::kExitOk && !r.checkpoints.empty()) {
    // Every rank removed its own checkpoint when its part was done.
    std::error_code ec;
    std::filesystem::remove(r.checkpoints, ec);
  }
  return merged;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace wsic::cli;
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  Rank r;
  MPI_Comm_rank(MPI_COMM_WORLD, &r.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &r.size);
  r.can_watch = provided >= MPI_THREAD_SERIALIZED;
  r.merge.cancel = &g_cancel;

  CLI::App app{
      "wsic-mpi: wsic run or compare across the ranks of an MPI job (mpirun -np N wsic-mpi run SCENARIO ...); "
      "the results are the bytes one process would write"};
  app.set_version_flag("--version", wsic::experiment::version());
  app.require_subcommand(1);
  const unsigned cores = wsic::experiment::effective_threads(0);
  RunCommand run;
  add_run(app, run, cores);
  CompareCommand compare;
  add_compare(app, compare, cores);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parses the same line; one says what is wrong.
    const int code = r.rank == 0 ? app.exit(e) : e.get_exit_code();
    return finish(code == 0 ? 0 : kExitBadInput);
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  int code = kExitOk;
  {
    // Every rank loads the same scenario and checks the same options: what a
    // rank says is held, and shown by settle() only where it matters.
    const CerrTo held(r.held.rdbuf());
    try {
      code = run_share(r, run, compare);
    } catch (const std::exception& e) {
      std::cerr << "wsic-mpi: " << e.what() << '\n';
      code = kExitFailure;
    }
  }
  const int worst = settle(r, code);
  if (worst != kExitOk) return finish(worst);
  return finish(gather_and_merge(r));
}
