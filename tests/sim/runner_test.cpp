#include "wsic/sim/runner.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
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
  std::string tree;                 // the merge tree's shape: "(left right)", leaves by first replication
  void merge(const Acc& o) {
    stats.merge(o.stats);
    seen.insert(seen.end(), o.seen.begin(), o.seen.end());
    tree = "(" + tree + " " + o.tree + ")";
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
        if (a.seen.empty()) a.tree = std::to_string(i);
        a.seen.push_back(i);
      });
}

void replicate_into(std::uint64_t i, Acc& a) {
  Rng rng(2024, i, "runner-test");
  const wsic::sim::Exponential e{1.0};
  for (int k = 0; k < 10; ++k) a.stats.add(e(rng) * 1e3 + 1e-7 * static_cast<double>(k));
  if (a.seen.empty()) a.tree = std::to_string(i);
  a.seen.push_back(i);
}

// Runs a batch of n as k parts, each from its own reducer starting at its
// first block, and merges the parts' partials in order, as `wsic merge`
// does with part files.
Acc run_in_parts(std::uint64_t n, std::uint64_t k, unsigned threads) {
  RunnerOptions opt;
  opt.threads = threads;
  opt.block_size = 16;
  const std::uint64_t blocks = wsic::sim::block_count(n, opt.block_size);
  BlockReducer<Acc> merged;
  for (std::uint64_t i = 1; i <= k; ++i) {
    const wsic::sim::BlockRange r = wsic::sim::part_range(blocks, i, k);
    BlockReducer<Acc> part(r.first);
    wsic::sim::run_block_range<Acc>(
        n, r.end, opt, [] { return Acc{}; }, replicate_into, part, [](Acc&) {});
    REQUIRE(part.begin() == r.first);
    REQUIRE(part.end() == r.end);
    for (const auto& node : part.partials()) merged.push(node);
  }
  return merged.result(Acc{});
}
}  // namespace

TEST_CASE("Runner.PartRangesShareEveryBlockOnceInOrder", "[sim][runner]") {
  for (std::uint64_t blocks = 0; blocks <= 70; ++blocks) {
    for (std::uint64_t k = 1; k <= 20; ++k) {
      std::uint64_t at = 0;
      for (std::uint64_t i = 1; i <= k; ++i) {
        const auto r = wsic::sim::part_range(blocks, i, k);
        REQUIRE(r.first == at);
        REQUIRE(r.end >= r.first);
        // Shares differ by at most one block.
        REQUIRE(r.size() >= blocks / k);
        REQUIRE(r.size() <= blocks / k + 1);
        at = r.end;
      }
      REQUIRE(at == blocks);
    }
  }
  // No overflow at the extremes: the last part ends at the last block.
  const std::uint64_t huge = (std::uint64_t{1} << 63) + 12345;
  REQUIRE(wsic::sim::part_range(huge, 1'000'000, 1'000'000).end == huge);
  REQUIRE(wsic::sim::part_range(huge, 1, 1'000'000).end == huge / 1'000'000);
  REQUIRE(wsic::sim::part_range(huge, 500'000, 1'000'000).end == huge / 2);
}

TEST_CASE("Runner.PartsOfAnyCountMergeToTheWholeRunsTreeAndBits", "[sim][runner]") {
  // Batch sizes with 1, 14, 37 and 64 blocks (some with a short last block),
  // split into k parts for k in {1, 2, 3, 5, 8} and more parts than blocks.
  for (const std::uint64_t n : {std::uint64_t{7}, std::uint64_t{213}, std::uint64_t{592}, std::uint64_t{1024}}) {
    const Acc whole = run(n, 2);
    for (const std::uint64_t k : {1, 2, 3, 5, 8, 40}) {
      CAPTURE(n, k);
      const Acc parts = run_in_parts(n, k, k % 2 == 0 ? 1 : 2);
      REQUIRE(parts.tree == whole.tree);
      REQUIRE(parts.seen == whole.seen);
      REQUIRE(bits(parts.stats.mean()) == bits(whole.stats.mean()));
      REQUIRE(bits(parts.stats.variance()) == bits(whole.stats.variance()));
    }
  }
}

TEST_CASE("Runner.FoldingPartsLeftToRightWouldGiveOtherBits", "[sim][runner]") {
  // The reason the parts' nodes go through one reducer: four parts' totals
  // folded left to right, ((a+b)+c)+d, are not the whole run's tree.
  const std::uint64_t n = 213;
  const Acc whole = run(n, 1);
  RunnerOptions opt;
  opt.threads = 1;
  opt.block_size = 16;
  const std::uint64_t blocks = wsic::sim::block_count(n, 16);
  Acc folded;
  for (std::uint64_t i = 1; i <= 4; ++i) {
    const auto r = wsic::sim::part_range(blocks, i, 4);
    BlockReducer<Acc> part(r.first);
    wsic::sim::run_block_range<Acc>(
        n, r.end, opt, [] { return Acc{}; }, replicate_into, part, [](Acc&) {});
    const Acc total = part.result(Acc{});
    if (i == 1) {
      folded = total;
    } else {
      folded.merge(total);
    }
  }
  REQUIRE(folded.seen == whole.seen);
  REQUIRE(folded.tree != whole.tree);
}

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
