#pragma once
// Checks a pending-event set against an ordered set, with the mix of
// patterns a simulation produces. Shared by the engine's queue tests and the
// benchmark's yardstick tests, so every structure meets the same driver.

#include <catch2/catch.hpp>
#include <cstdint>
#include <set>

#include "wsic/sim/event_queue.hpp"

namespace wsic::test {
using wsic::sim::QueueEntry;

// A tiny deterministic generator: this test is about ordering, not randomness.
struct SplitMix {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

struct Ref {
  bool operator()(const QueueEntry& a, const QueueEntry& b) const { return wsic::sim::precedes(a, b); }
};

// Drives a queue with a mix of the patterns a simulation produces: the hold
// model, bursts of simultaneous events with mixed priorities, far-future
// events, and draining; checks every pop against an ordered set.
template <class Q>
void check_against_reference(std::uint64_t seed) {
  Q q;
  std::set<QueueEntry, Ref> ref;
  SplitMix rng{seed};
  std::uint64_t seq = 1;
  double now = 0.0;
  auto push = [&](double t, std::uint64_t prio) {
    const QueueEntry e{t, (prio << 48) | seq++};
    q.push(e);
    ref.insert(e);
  };
  for (int i = 0; i < 2000; ++i) push(rng.unit() * 10.0, 1);
  for (int round = 0; round < 60000; ++round) {
    const auto kind = rng.next() % 100;
    if (kind < 70 && !ref.empty()) {  // hold: pop one, push one later
      const QueueEntry got = q.pop();
      REQUIRE(got.key == ref.begin()->key);
      ref.erase(ref.begin());
      now = got.time;
      push(now + 0.01 + rng.unit(), 1);
    } else if (kind < 80) {  // a burst of simultaneous events, priorities mixed
      const int n = static_cast<int>(rng.next() % 20);
      for (int k = 0; k < n; ++k) push(now, rng.next() % 3);
    } else if (kind < 85) {  // far future
      push(now + 1000.0 * rng.unit(), 1);
    } else if (!ref.empty()) {  // pop without refilling
      const QueueEntry got = q.pop();
      REQUIRE(got.key == ref.begin()->key);
      ref.erase(ref.begin());
      now = got.time;
    }
    REQUIRE(q.size() == ref.size());
  }
  while (!ref.empty()) {
    const QueueEntry got = q.pop();
    REQUIRE(got.key == ref.begin()->key);
    ref.erase(ref.begin());
  }
  REQUIRE(q.empty());
}
}  // namespace wsic::test
