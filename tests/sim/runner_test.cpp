#include "wsic/sim/runner.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "wsic/sim/random.hpp"
#include "wsic/sim/stats.hpp"

using wsic::sim::BlockReducer;
using wsic::sim::Rng;
using wsic::sim::RunnerOptions;
using wsic::sim::RunningStats;

namespace {
// A floating-point accumulator whose merge is not associative: any change in
// the merge tree shows in its bits.
struct Acc {
  RunningStats stats;
  std::vector<std::uint64_t> seen;  // replication indices, in merge order
  void merge(const Acc& o) {
    stats.merge(o.stats);
    seen.insert(seen.end(), o.seen.begin(), o.seen.end());
  }
};

std::uint64_t bits(double d) {
  std::uint64_t b = 0;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

Acc run(std::uint64_t n, unsigned threads, std::uint64_t block = 16) {
  RunnerOptions opt;
  opt.threads = threads;
  opt.block_size = block;
  return wsic::sim::run_replications<Acc>(
      n, opt, [] { return Acc{}; },
      [](std::uint64_t i, Acc& a) {
        Rng rng(2024, i, "runner-test");
        const wsic::sim::Exponential e{1.0};
        for (int k = 0; k < 10; ++k) a.stats.add(e(rng) * 1e3 + 1e-7 * static_cast<double>(k));
        a.seen.push_back(i);
      });
}
}  // namespace

TEST_CASE("Runner.SameBitsAtOneAndTwoThreads", "[sim][runner]") {
  const Acc one = run(1000, 1), two = run(1000, 2);
  REQUIRE(one.stats.count() == 10000);
  REQUIRE(bits(one.stats.mean()) == bits(two.stats.mean()));
  REQUIRE(bits(one.stats.variance()) == bits(two.stats.variance()));
  // Merged in replication order whatever the scheduling.
  REQUIRE(one.seen == two.seen);
  for (std::uint64_t i = 0; i < one.seen.size(); ++i) REQUIRE(one.seen[i] == i);
}

TEST_CASE("Runner.DifferentReplicationsDrawDifferentStreams", "[sim][runner]") {
  Rng a(2024, 0, "runner-test"), b(2024, 1, "runner-test"), c(2025, 0, "runner-test");
  const auto x = a(), y = b(), z = c();
  REQUIRE(x != y);
  REQUIRE(x != z);
  REQUIRE(run(500, 2).stats.mean() != run(501, 2).stats.mean());
}

TEST_CASE("Runner.SplitIntoAlignedRangesMergesToTheSameBits", "[sim][runner]") {
  // As a batch split across processes would be: two halves of 2^k blocks
  // each, reduced separately, then their partials fed to one reducer.
  const Acc whole = run(64 * 16, 2);
  RunnerOptions opt;
  opt.block_size = 16;
  auto replicate = [](std::uint64_t i, Acc& a) {
    Rng rng(2024, i, "runner-test");
    const wsic::sim::Exponential e{1.0};
    for (int k = 0; k < 10; ++k) a.stats.add(e(rng) * 1e3 + 1e-7 * static_cast<double>(k));
    a.seen.push_back(i);
  };
  BlockReducer<Acc> first;
  wsic::sim::run_blocks<Acc>(
      32 * 16, opt, [] { return Acc{}; }, replicate, first);
  // The second process runs blocks 32..63: replications 512..1023.
  BlockReducer<Acc> second;
  for (std::uint64_t b = 32; b < 64; ++b) {
    Acc acc;
    for (std::uint64_t i = b * 16; i < (b + 1) * 16; ++i) replicate(i, acc);
    second.push(std::move(acc));
  }
  REQUIRE(first.partials().size() == 1);
  REQUIRE(second.partials().size() == 1);
  auto nodes = first.partials();
  nodes.push_back(second.partials().front());
  auto combined = BlockReducer<Acc>::from_partials(nodes);
  // 32 + 32 blocks: the two subtrees are siblings in the whole run's tree.
  Acc merged = combined.result(Acc{});
  REQUIRE(bits(merged.stats.mean()) == bits(whole.stats.mean()));
  REQUIRE(bits(merged.stats.variance()) == bits(whole.stats.variance()));
}

TEST_CASE("Runner.CancellationStopsAndSaysHowFar", "[sim][runner]") {
  std::atomic<bool> cancel{false};
  RunnerOptions opt;
  opt.threads = 2;
  opt.block_size = 8;
  opt.cancel = &cancel;
  std::atomic<std::uint64_t> done{0};
  try {
    wsic::sim::run_replications<Acc>(
        1'000'000, opt, [] { return Acc{}; },
        [&](std::uint64_t, Acc&) {
          if (done.fetch_add(1) == 500) cancel.store(true);
        });
    FAIL("a cancelled run must throw");
  } catch (const wsic::sim::Cancelled& c) {
    REQUIRE(c.total() == 1'000'000);
    REQUIRE(c.done() < 2000);
    REQUIRE(c.done() % 8 == 0);  // whole blocks only
  }
  REQUIRE(done.load() < 5000);
}

TEST_CASE("Runner.FailedReplicationIsReportedWithItsIndex", "[sim][runner]") {
  RunnerOptions opt;
  opt.threads = 2;
  opt.block_size = 4;
  REQUIRE_THROWS_WITH((wsic::sim::run_replications<Acc>(
                          100, opt, [] { return Acc{}; },
                          [](std::uint64_t i, Acc&) {
                            if (i == 37) throw std::runtime_error("bad parameter");
                          })),
                      "replication 37 failed: bad parameter");
}

TEST_CASE("Runner.ProgressIsReportedOnTheCallingThread", "[sim][runner]") {
  RunnerOptions opt;
  opt.threads = 2;
  opt.block_size = 10;
  std::vector<std::uint64_t> seen;
  opt.progress = [&](const wsic::sim::Progress& p) { seen.push_back(p.done); };
  run_replications<Acc>(
      1000, opt, [] { return Acc{}; }, [](std::uint64_t, Acc&) {});
  REQUIRE_FALSE(seen.empty());
  REQUIRE(seen.back() == 1000);
  REQUIRE(std::is_sorted(seen.begin(), seen.end()));
}
