#include "wsic/sim/simulation.hpp"

#include <catch2/catch.hpp>
#include <compare>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

using wsic::sim::Duration;
using wsic::sim::EventId;
using wsic::sim::Simulation;
using wsic::sim::Time;

TEST_CASE("Simulation.TiesRunInInsertionOrder", "[sim][simulation]") {
  Simulation sim;
  std::vector<int> order;
  for (int i = 0; i < 50; ++i) sim.schedule_at(Time::from_days(3.0), [&order, i] { order.push_back(i); });
  sim.run();
  REQUIRE(order.size() == 50);
  for (int i = 0; i < 50; ++i) REQUIRE(order[static_cast<std::size_t>(i)] == i);
  REQUIRE(sim.now() == Time::from_days(3.0));
}

TEST_CASE("Simulation.PriorityBreaksTiesBeforeSequence", "[sim][simulation]") {
  Simulation sim;
  std::string order;
  sim.schedule_at(
      Time::from_days(1), [&] { order += 'c'; }, 5);
  sim.schedule_at(
      Time::from_days(1), [&] { order += 'a'; }, -5);
  sim.schedule_at(
      Time::from_days(1), [&] { order += 'b'; }, 0);
  sim.schedule_at(
      Time::from_days(0.5), [&] { order += '0'; }, 100);
  sim.run();
  REQUIRE(order == "0abc");
}

TEST_CASE("Simulation.TimeOrderAcrossScheduleAfter", "[sim][simulation]") {
  Simulation sim;
  std::vector<double> seen;
  sim.schedule_at(Time::from_days(2), [&] {
    seen.push_back(sim.now().in_days());
    sim.schedule_after(Duration::days(1), [&] { seen.push_back(sim.now().in_days()); });
  });
  sim.schedule_at(Time::from_days(2.5), [&] { seen.push_back(sim.now().in_days()); });
  sim.run();
  REQUIRE(seen == std::vector<double>{2.0, 2.5, 3.0});
  REQUIRE(sim.events_run() == 3);
}

TEST_CASE("Simulation.CancelledEventDoesNotRun", "[sim][simulation]") {
  Simulation sim;
  int ran = 0;
  const EventId a = sim.schedule_at(Time::from_days(1), [&] { ran += 1; });
  const EventId b = sim.schedule_at(Time::from_days(2), [&] { ran += 10; });
  // A large callable lives on the heap; cancelling must free it.
  std::vector<int> big(100, 1);
  const EventId c = sim.schedule_at(Time::from_days(3), [&ran, big] { ran += big[0] * 100; });
  REQUIRE(sim.pending_events() == 3);
  REQUIRE(sim.cancel(a));
  REQUIRE_FALSE(sim.cancel(a));  // already cancelled
  REQUIRE(sim.cancel(c));
  REQUIRE(sim.pending_events() == 1);
  sim.run();
  REQUIRE(ran == 10);
  REQUIRE_FALSE(sim.cancel(b));  // already ran
  REQUIRE_FALSE(sim.is_pending(b));
}

TEST_CASE("Simulation.StaleIdCancelsNothing", "[sim][simulation]") {
  Simulation sim;
  int ran = 0;
  const EventId a = sim.schedule_at(Time::from_days(1), [&] { ran += 1; });
  sim.schedule_at(Time::from_days(1), [&] { ran += 100; });
  sim.run();
  const EventId b = sim.schedule_at(Time::from_days(2), [&] { ran += 10; });
  REQUIRE_FALSE(sim.is_pending(a));
  REQUIRE_FALSE(sim.cancel(a));
  REQUIRE(sim.is_pending(b));
  sim.run();
  REQUIRE(ran == 111);
  REQUIRE(sim.pending_events() == 0);
}

TEST_CASE("Simulation.CancelledSimultaneousEventLeavesOthers", "[sim][simulation]") {
  Simulation sim;
  std::string order;
  sim.schedule_at(Time::from_days(1), [&] { order += 'a'; });
  const EventId b = sim.schedule_at(Time::from_days(1), [&] { order += 'b'; });
  sim.schedule_at(Time::from_days(1), [&] { order += 'c'; });
  sim.schedule_at(Time::from_days(0.5), [&] { REQUIRE(sim.cancel(b)); });
  sim.run();
  REQUIRE(order == "ac");
}

TEST_CASE("Simulation.SchedulingInThePastThrows", "[sim][simulation]") {
  Simulation sim;
  sim.schedule_at(Time::from_days(5), [] {});
  sim.run();
  REQUIRE_THROWS_AS(sim.schedule_at(Time::from_days(4), [] {}), wsic::Error);
  REQUIRE_THROWS_WITH(sim.schedule_at(Time::from_days(std::nan("")), [] {}),
                      Catch::Contains("can only be scheduled now or later"));
}

TEST_CASE("Simulation.RunUntilStopsAtBoundary", "[sim][simulation]") {
  Simulation sim;
  std::vector<double> seen;
  for (double t : {1.0, 2.0, 3.0, 4.0})
    sim.schedule_at(Time::from_days(t), [&] { seen.push_back(sim.now().in_days()); });
  sim.run_until(Time::from_days(3.0));
  REQUIRE(seen == std::vector<double>{1.0, 2.0, 3.0});
  REQUIRE(sim.now() == Time::from_days(3.0));
  sim.run_until(Time::from_days(3.5));
  REQUIRE(sim.now() == Time::from_days(3.5));
  REQUIRE(sim.pending_events() == 1);
}

TEST_CASE("Simulation.StopEndsRun", "[sim][simulation]") {
  Simulation sim;
  int ran = 0;
  for (int i = 1; i <= 10; ++i) {
    sim.schedule_at(Time::from_days(i), [&, i] {
      ++ran;
      if (i == 4) sim.stop();
    });
  }
  sim.run();
  REQUIRE(ran == 4);
  sim.run();
  REQUIRE(ran == 10);
}

TEST_CASE("Simulation.PlainHandlerCarriesContextAndArgument", "[sim][simulation]") {
  Simulation sim;
  std::uint64_t total = 0;
  auto handler = [](Simulation&, void* ctx, std::uint64_t arg) { *static_cast<std::uint64_t*>(ctx) += arg; };
  sim.schedule_at(Time::from_days(1), handler, &total, 40);
  sim.schedule_after(Duration::days(2), handler, &total, 2);
  sim.run();
  REQUIRE(total == 42);
}

TEST_CASE("Time.CalendarRoundTrip", "[sim][time]") {
  using namespace std::chrono;
  const auto epoch = wsic::sim::parse_iso_date("2013-10-01");
  REQUIRE(epoch);
  const wsic::sim::Calendar cal(*epoch);
  const auto d = wsic::sim::parse_iso_date("2015-04-30");
  REQUIRE(d);
  const Time t = cal.to_time(*d);
  REQUIRE(t.in_days() == 576.0);
  REQUIRE(wsic::sim::format_iso_date(cal.to_date(t + Duration::days(0.99))) == "2015-04-30");
  REQUIRE(wsic::sim::format_iso_date(cal.to_date(t + Duration::days(1.0))) == "2015-05-01");
  REQUIRE_FALSE(wsic::sim::parse_iso_date("2015-02-29"));
  REQUIRE_FALSE(wsic::sim::parse_iso_date("2015-2-1"));
  REQUIRE_FALSE(wsic::sim::parse_iso_date("2015-04-3x"));
  REQUIRE(Duration::months(12).in_days() == Approx(365.2425));
}

namespace {
// Drives a simulation with random events and checks that they run in the
// total order (time, priority, order scheduled), against an ordered set.
// Many events are due at the current instant, with up to seven priorities
// (more than the engine's lanes for "now"), and some are cancelled.
struct OrderDriver {
  struct Planned {
    double time;
    int prio;
    std::uint64_t n;  // the order in which it was scheduled
    auto operator<=>(const Planned&) const = default;
  };
  OrderDriver(Simulation& s, std::uint64_t seed) : sim(s), state(seed) {}
  Simulation& sim;
  std::uint64_t state;
  std::set<Planned> pending;
  std::vector<std::pair<Planned, EventId>> ids;
  std::vector<std::uint64_t> ran;
  std::uint64_t next_n = 0;
  std::uint64_t budget = 20000;

  std::uint64_t draw() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  void schedule(double t, int prio) {
    const Planned p{t, prio, next_n++};
    ids.emplace_back(p, sim.schedule_at(Time::from_days(t), &OrderDriver::handle, this, p.n, prio));
    pending.insert(p);
  }
  static void handle(Simulation& sim, void* ctx, std::uint64_t n) {
    auto& d = *static_cast<OrderDriver*>(ctx);
    REQUIRE_FALSE(d.pending.empty());
    const Planned first = *d.pending.begin();
    REQUIRE(first.n == n);
    REQUIRE(first.time == sim.now().in_days());
    d.pending.erase(d.pending.begin());
    d.ran.push_back(n);
    const std::uint64_t kids = d.budget > 0 ? d.draw() % 4 : 0;
    for (std::uint64_t k = 0; k < kids && d.budget > 0; ++k, --d.budget) {
      const std::uint64_t r = d.draw();
      const int prio = static_cast<int>(r % 7) * 10 - 30;
      const double t = r % 10 < 6 ? sim.now().in_days() : sim.now().in_days() + static_cast<double>(r % 5);
      d.schedule(t, prio);
    }
    if (d.draw() % 8 == 0 && !d.ids.empty()) {  // cancel one scheduled event, pending or not
      const auto& [p, id] = d.ids[d.draw() % d.ids.size()];
      const bool was_pending = d.pending.count(p) != 0;
      INFO("event " << p.n << " at " << p.time << " prio " << p.prio << " now " << sim.now().in_days() << " ran "
                    << d.ran.size());
      REQUIRE(sim.is_pending(id) == was_pending);
      REQUIRE(sim.cancel(id) == was_pending);
      d.pending.erase(p);
    }
  }
  std::vector<std::uint64_t> run() {
    for (int i = 0; i < 50; ++i) schedule(static_cast<double>(draw() % 3), static_cast<int>(draw() % 3) - 1);
    sim.run();
    REQUIRE(pending.empty());
    REQUIRE(sim.pending_events() == 0);
    return ran;
  }
};
}  // namespace

TEST_CASE("Simulation.ManyEventsDueNowRunInTotalOrder", "[sim][simulation]") {
  for (std::uint64_t seed : {1, 2, 3, 4}) {
    Simulation sim;
    OrderDriver d(sim, seed);
    const std::vector<std::uint64_t> ran = d.run();
    REQUIRE(ran.size() > 10000);
    INFO("seed " << seed);
    CHECK(sim.events_run() == ran.size());
  }
}

TEST_CASE("Simulation.RunUntilDoesNotRunPastItsEndAfterACancelledEvent", "[sim][simulation]") {
  Simulation sim;
  std::string order;
  sim.schedule_at(Time::from_days(5), [&] { order += 'a'; });
  const EventId b = sim.schedule_at(Time::from_days(7), [&] { order += 'b'; });
  sim.schedule_at(Time::from_days(12), [&] { order += 'c'; });
  REQUIRE(sim.cancel(b));
  sim.run_until(Time::from_days(10));
  CHECK(order == "a");
  CHECK(sim.now() == Time::from_days(10));
  CHECK(sim.pending_events() == 1);
  sim.run();
  CHECK(order == "ac");

  // An event due now (left by stop()) is not run by a run_until that ends
  // before now.
  sim.schedule_at(Time::from_days(20), [&] {
    order += 'x';
    sim.schedule_at(sim.now(), [&] { order += 'y'; });
    sim.stop();
  });
  sim.run();
  sim.run_until(Time::from_days(15));
  CHECK(order == "acx");
  sim.run();
  CHECK(order == "acxy");
}

TEST_CASE("Simulation.ResetGivesANewSimulation", "[sim][simulation]") {
  struct Flag {
    Flag(Simulation::Passkey, Simulation&, bool& gone) : gone_(gone) {}
    ~Flag() { gone_ = true; }
    bool& gone_;
  };
  Simulation sim;
  bool owned_gone = false;
  sim.make<Flag>(owned_gone);
  std::vector<int> big(100, 1);
  int ran = 0;
  sim.schedule_at(Time::from_days(1), [&ran, big] { ran += big[0]; });
  sim.schedule_at(Time::from_days(9), [&ran, big] { ran += 100 * big[0]; });
  sim.run_until(Time::from_days(2));
  REQUIRE(ran == 1);
  sim.reset();  // the event at day 9 and its heap callable go (ASan checks the callable is freed)
  CHECK(owned_gone);
  CHECK(sim.now() == Time::zero());
  CHECK(sim.events_run() == 0);
  CHECK(sim.pending_events() == 0);
  sim.run();
  CHECK(ran == 1);

  // The same random run on a fresh and on a reused simulation: the same order.
  Simulation fresh;
  OrderDriver a(fresh, 9);
  OrderDriver b(sim, 9);
  CHECK(a.run() == b.run());
  sim.reset();
  OrderDriver c(sim, 9);
  CHECK(c.run() == a.ran);
}

TEST_CASE("Simulation.KeySetAgreesWithAnOrderedSetThroughInsertsAndErases", "[sim][simulation]") {
  // The cancelled events' key set against std::set: random keys in a small
  // range (so runs of colliding keys form, wrap round the table and are
  // broken by erases), and keys shaped like event keys (a priority above a
  // sequence number), grown past several table sizes and cleared.
  wsic::sim::detail::KeySet keys;
  std::set<std::uint64_t> ref;
  std::uint64_t x = 12345;
  const auto next = [&x] {  // splitmix64
    x += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  for (const std::uint64_t range : {40ULL, 1000ULL, 1ULL << 40}) {
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 20000; ++i) {
        const std::uint64_t key = 1 + next() % range + (range > 1000 ? (std::uint64_t{32768} << 48) : 0);
        if (next() % 3 != 0) {
          if (!ref.contains(key)) {
            keys.insert(key);
            ref.insert(key);
          }
        } else {
          keys.erase(key);
          ref.erase(key);
        }
        REQUIRE(keys.size() == ref.size());
        const std::uint64_t probe = 1 + next() % range + (range > 1000 ? (std::uint64_t{32768} << 48) : 0);
        REQUIRE(keys.contains(probe) == ref.contains(probe));
      }
      for (const std::uint64_t key : ref) REQUIRE(keys.contains(key));
      keys.clear();
      ref.clear();
      REQUIRE(keys.empty());
      REQUIRE_FALSE(keys.contains(1));
    }
  }
}

TEST_CASE("Simulation.AnEventAtMinusZeroRunsAsOneAtZero", "[sim][simulation]") {
  // At day 0, -0.0 passes for now; the queue orders times by their bits,
  // so the simulation must hand it +0.0. Four priorities take the lanes of
  // events due now; the rest go through the small heap, half of them at
  // -0.0, in a scrambled order: all due at once, they run by priority.
  Simulation sim;
  std::vector<int> order;
  const auto note = [&order](int p) { return [&order, p] { order.push_back(p); }; };
  for (int p = 0; p < 4; ++p) sim.schedule_at(Time::from_days(0.0), note(p), p);
  std::vector<int> expected{0, 1, 2, 3};
  for (int i = 0; i < 60; ++i) {
    const int p = 10 + (i * 37) % 60;  // every priority 10..69 once
    sim.schedule_at(Time::from_days(i % 2 == 0 ? -0.0 : 0.0), note(p), p);
  }
  for (int p = 10; p < 70; ++p) expected.push_back(p);
  sim.run();
  CHECK(order == expected);
}
