#include "wsic/sim/simulation.hpp"

#include <catch2/catch.hpp>
#include <string>
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
