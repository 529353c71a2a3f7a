#include "wsic/sim/event_queue.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>

#include "queue_check.hpp"

using wsic::sim::QueueEntry;
using wsic::test::check_against_reference;
using wsic::test::Ref;
using wsic::test::SplitMix;

TEST_CASE("EventQueue.BucketQueueMatchesOrderedSet", "[sim][queue]") {
  check_against_reference<wsic::sim::BucketQueue>(1);
  check_against_reference<wsic::sim::BucketQueue>(2);
}

TEST_CASE("EventQueue.AllSimultaneousOrderedByKey", "[sim][queue]") {
  wsic::sim::BucketQueue q;
  for (std::uint64_t k = 100; k > 0; --k) q.push(QueueEntry{5.0, k});
  for (std::uint64_t k = 1; k <= 100; ++k) REQUIRE(q.pop().key == k);
  REQUIRE(q.empty());
}

TEST_CASE("EventQueue.ClearedQueueIsReusable", "[sim][queue]") {
  // Fill past the small-queue threshold so the ring and its node pool are in
  // use, stop half way, clear, and check a second run from scratch.
  wsic::sim::BucketQueue q;
  SplitMix rng{11};
  std::uint64_t seq = 1;
  for (int i = 0; i < 5000; ++i) q.push(QueueEntry{rng.unit() * 100.0, seq++});
  for (int i = 0; i < 2500; ++i) {
    const QueueEntry e = q.pop();
    q.push(QueueEntry{e.time + rng.unit(), seq++});
  }
  q.clear();
  REQUIRE(q.empty());
  REQUIRE(q.size() == 0);
  std::set<QueueEntry, Ref> ref;
  for (int i = 0; i < 3000; ++i) {
    const QueueEntry e{rng.unit() * 50.0, seq++};
    q.push(e);
    ref.insert(e);
  }
  while (!ref.empty()) {
    REQUIRE(q.pop().key == ref.begin()->key);
    ref.erase(ref.begin());
  }
  REQUIRE(q.empty());
}

TEST_CASE("EventQueue.FewEventsThenManyKeepTheOrder", "[sim][queue]") {
  // A few pending events put the queue in its small mode (one heap takes
  // every event); hundreds more make it spread them over a ring, and a
  // drain takes it back. Every event comes out in order throughout.
  for (std::uint64_t seed : {3, 4, 5}) {
    wsic::sim::BucketQueue q;
    std::set<QueueEntry, Ref> ref;
    SplitMix rng{seed};
    std::uint64_t seq = 1;
    double now = 0.0;
    const auto push = [&](double t) {
      const QueueEntry e{t, seq++};
      q.push(e);
      ref.insert(e);
    };
    const auto pop = [&] {
      const QueueEntry e = q.pop();
      REQUIRE(e.key == ref.begin()->key);
      ref.erase(ref.begin());
      now = e.time;
    };
    for (int round = 0; round < 4; ++round) {
      for (int i = 0; i < 10; ++i) push(now + rng.unit() * 50.0);
      pop();  // the rebuild: ten events, the small mode
      for (int i = 0; i < 1000; ++i) {
        push(now + rng.unit() * 50.0);
        if (i % 3 == 0) pop();
      }
      REQUIRE(q.size() == ref.size());
      while (!ref.empty()) pop();
      REQUIRE(q.empty());
    }
  }
}

TEST_CASE("EventQueue.TheBranchFreeHeapPopAndPushLeaveTheHeapStdWould", "[sim][queue]") {
  // pop_heap_earliest and push_heap_earliest are std::pop_heap and
  // std::push_heap under Later, written out: after every operation the
  // array must be the very one std's gives (not merely a valid heap), from
  // heaps of every size up to 70, with ties in time broken by key.
  SplitMix rng{17};
  std::vector<QueueEntry> mine, theirs;
  std::uint64_t key = 1;
  for (int step = 0; step < 40000; ++step) {
    const bool push = mine.empty() || (mine.size() < 70 && rng.next() % 2 == 0);
    if (push) {
      const QueueEntry e{static_cast<double>(rng.next() % 16), key++, nullptr, nullptr, 0};
      mine.push_back(e);
      wsic::sim::detail::push_heap_earliest(mine.data(), mine.size() - 1, e);
      theirs.push_back(e);
      std::push_heap(theirs.begin(), theirs.end(), wsic::sim::detail::Later{});
    } else {
      wsic::sim::detail::pop_heap_earliest(mine.data(), mine.size());
      std::pop_heap(theirs.begin(), theirs.end(), wsic::sim::detail::Later{});
      REQUIRE(mine.back().key == theirs.back().key);
      mine.pop_back();
      theirs.pop_back();
    }
    REQUIRE(mine.size() == theirs.size());
    for (std::size_t i = 0; i < mine.size(); ++i) REQUIRE(mine[i].key == theirs[i].key);
  }
}

TEST_CASE("EventQueue.MinusZeroIsZeroAndNegativeTimesAreRefused", "[sim][queue]") {
  // The small heap compares a time's bits as an integer, which orders
  // times of +0.0 and above only: a push makes -0.0 +0.0 and refuses a
  // negative time, which would come out misplaced.
  wsic::sim::BucketQueue q;
  REQUIRE_THROWS_AS(q.push(QueueEntry{-1.0, 1}), wsic::InternalError);
  REQUIRE_THROWS_AS(q.push(QueueEntry{-1e-300, 1}), wsic::InternalError);
  REQUIRE_THROWS_AS(q.push(QueueEntry{std::numeric_limits<double>::quiet_NaN(), 1}), wsic::InternalError);
  for (std::uint64_t i = 0; i < 60; ++i) {
    const std::uint64_t key = 1 + (i * 37) % 60;  // every key 1..60 once, scrambled
    q.push(QueueEntry{key % 2 == 0 ? -0.0 : 0.0, key});
  }
  for (std::uint64_t key = 1; key <= 60; ++key) REQUIRE(q.pop().key == key);
  REQUIRE(q.empty());
}
