#include <catch2/catch.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "wsic/sim/process.hpp"
#include "wsic/sim/resource.hpp"

using wsic::sim::Discipline;
using wsic::sim::Duration;
using wsic::sim::Interrupt;
using wsic::sim::Lease;
using wsic::sim::Process;
using wsic::sim::ProcessId;
using wsic::sim::Resource;
using wsic::sim::Signal;
using wsic::sim::Simulation;
using wsic::sim::Task;
using wsic::sim::Time;

namespace {
using Log = std::vector<std::string>;

std::string at(const Simulation& sim, const std::string& what) {
  return what + "@" + std::to_string(static_cast<int>(sim.now().in_days()));
}

Task<int> add_later(Simulation& sim, int a, int b) {
  co_await sim.timeout(Duration::days(2));
  co_return a + b;
}

// A move-only result comes out whole.
Task<std::unique_ptr<std::string>> make_name(Simulation& sim) {
  co_await sim.timeout(Duration::days(1));
  co_return std::make_unique<std::string>("tri-borough");
}

Process uses_values(Simulation& sim, Log& log) {
  const int sum = co_await add_later(sim, 3, 4);
  log.push_back(at(sim, "sum " + std::to_string(sum)));
  const std::unique_ptr<std::string> name = co_await make_name(sim);
  log.push_back(at(sim, *name));
}

Task<void> fails_after(Simulation& sim, double days) {
  co_await sim.timeout(Duration::days(days));
  throw std::runtime_error("design rejected");
}

Process fails_uncaught(Simulation& sim) { co_await fails_after(sim, 1); }

Process recovers(Simulation& sim, Log& log) {
  try {
    co_await fails_after(sim, 5);
    log.push_back("not reached");
  } catch (const std::runtime_error& e) {
    log.push_back(at(sim, e.what()));
  }
  co_await sim.timeout(Duration::days(1));
  log.push_back(at(sim, "carried on"));
}

// Three Tasks deep, each waiting before and after the one it awaits.
Task<int> level3(Simulation& sim, Log& log, ProcessId outer) {
  log.push_back(at(sim, "3 in"));
  co_await sim.timeout(Duration::days(5));
  log.push_back(at(sim, sim.current_process() == outer ? "3 out, same process" : "3 out, other process"));
  co_return 3;
}
Task<int> level2(Simulation& sim, Log& log, ProcessId outer) {
  log.push_back(at(sim, "2 in"));
  co_await sim.timeout(Duration::days(3));
  const int inner = co_await level3(sim, log, outer);
  co_await sim.timeout(Duration::days(1));
  log.push_back(at(sim, "2 out"));
  co_return inner + 2;
}
Task<int> level1(Simulation& sim, Log& log, ProcessId outer) {
  log.push_back(at(sim, "1 in"));
  co_await sim.timeout(Duration::days(2));
  const int inner = co_await level2(sim, log, outer);
  co_await sim.timeout(Duration::days(1));
  log.push_back(at(sim, "1 out"));
  co_return inner + 1;
}
Process three_deep(Simulation& sim, Log& log) {
  const int total = co_await level1(sim, log, sim.current_process());
  log.push_back(at(sim, "total " + std::to_string(total)));
}
Process ticker(Simulation& sim, Log& log) {
  for (int day = 4; day <= 12; day += 4) {
    co_await sim.until(Time::from_days(day));
    log.push_back(at(sim, "tick"));
  }
}

// Waits 100 days two Tasks down; `catch_inside` decides whether the
// innermost Task handles an interrupt itself.
Task<std::string> long_wait(Simulation& sim, bool catch_inside) {
  if (!catch_inside) {
    co_await sim.timeout(Duration::days(100));
    co_return "finished";
  }
  std::string outcome = "finished";
  try {
    co_await sim.timeout(Duration::days(100));
  } catch (const Interrupt& i) {
    outcome = at(sim, "interrupted inside, cause " + std::to_string(i.cause()));
  }
  co_await sim.timeout(Duration::days(1));  // no co_await inside a handler
  co_return outcome;
}
Task<std::string> middle(Simulation& sim, bool catch_inside) {
  std::string r = co_await long_wait(sim, catch_inside);
  co_return r + ", middle ran on";
}
Process interrupted(Simulation& sim, Log& log, bool catch_inside, bool catch_outside) {
  if (!catch_outside) {
    log.push_back(co_await middle(sim, catch_inside));
    co_return;
  }
  try {
    log.push_back(co_await middle(sim, catch_inside));
  } catch (const Interrupt& i) {
    log.push_back(at(sim, "interrupted outside, cause " + std::to_string(i.cause())));
  }
}
Process interrupter(Simulation& sim, ProcessId target, double day, std::uint64_t cause) {
  co_await sim.until(Time::from_days(day));
  REQUIRE(sim.interrupt(target, cause));
}
Process join_then_log(Simulation& sim, ProcessId target, Log& log) {
  co_await wsic::sim::join(sim, target);
  log.push_back(at(sim, "joined"));
}

// Records when it is destroyed, to see the order frames go in.
struct Probe {
  Log* log;
  std::string name;
  ~Probe() { log->push_back(name + " destroyed"); }
};
Task<void> holds_lease(Simulation&, Resource& team, Signal& never, Log& log) {
  const Probe probe{&log, "inner task"};
  Lease lease = co_await team.request();
  co_await never;
}
Task<void> outer_task(Simulation& sim, Resource& team, Signal& never, Log& log) {
  const Probe probe{&log, "outer task"};
  co_await holds_lease(sim, team, never, log);
}
Process stuck(Simulation& sim, Resource& team, Signal& never, Log& log) {
  const Probe probe{&log, "process"};
  co_await outer_task(sim, team, never, log);
}

Task<Lease> acquire(Simulation& sim, Resource& team) {
  Lease lease = co_await team.request();
  co_await sim.timeout(Duration::days(1));  // setting up
  co_return lease;
}
Process worker(Simulation& sim, Resource& team, Log& log, const std::string& name) {
  const Lease lease = co_await acquire(sim, team);
  log.push_back(at(sim, name + " holds"));
  co_await sim.timeout(Duration::days(3));
  log.push_back(at(sim, name + " done"));
}

Task<int> at_once(Simulation&, int i) { co_return i; }
Process many_at_once(Simulation& sim, long& sum) {
  for (int i = 0; i < 200'000; ++i) sum += co_await at_once(sim, i);
}

Task<void> starts_late(Simulation& sim, Log& log) {
  log.push_back(at(sim, "task started"));
  co_return;
}
Process awaits_later(Simulation& sim, Log& log) {
  Task<void> t = starts_late(sim, log);
  co_await sim.timeout(Duration::days(2));
  log.push_back(at(sim, "about to await"));
  co_await std::move(t);
}
}  // namespace

TEST_CASE("Task.ReturnsItsValue", "[sim][task]") {
  Simulation sim;
  Log log;
  sim.start(uses_values(sim, log));
  sim.run();
  REQUIRE(log == Log{"sum 7@2", "tri-borough@3"});
  REQUIRE(sim.live_processes() == 0);
}

TEST_CASE("Task.ExceptionPropagatesToTheAwaitAndCanBeCaught", "[sim][task]") {
  Simulation sim;
  Log log;
  sim.start(recovers(sim, log));
  sim.run();
  REQUIRE(log == Log{"design rejected@5", "carried on@6"});
}

TEST_CASE("Task.UncaughtExceptionPropagatesFromRun", "[sim][task]") {
  Simulation sim;
  sim.start(fails_uncaught(sim));
  REQUIRE_THROWS_WITH(sim.run(), "design rejected");
  REQUIRE(sim.live_processes() == 0);
}

TEST_CASE("Task.NestedThreeDeepAdvanceTheClock", "[sim][task]") {
  Simulation sim;
  Log log;
  sim.start(three_deep(sim, log));
  sim.start(ticker(sim, log));
  sim.run();
  // 1 in at 0, +2: 2 in at 2, +3: 3 in at 5, +5: 3 out at 10, +1: 2 out at
  // 11, +1: 1 out at 12. The ticker interleaves: a Task's waits are the
  // process's waits, in the same event order (the last tick was scheduled
  // on day 8, before the wake-up for day 12 on day 11, so it runs first).
  REQUIRE(log == Log{"1 in@0", "2 in@2", "tick@4", "3 in@5", "tick@8", "3 out, same process@10", "2 out@11", "tick@12",
                     "1 out@12", "total 6@12"});
}

TEST_CASE("Task.StartsWhenAwaitedNotWhenCalled", "[sim][task]") {
  Simulation sim;
  Log log;
  sim.start(awaits_later(sim, log));
  sim.run();
  REQUIRE(log == Log{"about to await@2", "task started@2"});
}

TEST_CASE("Task.InterruptSurfacesInsideTheInnermostTask", "[sim][task]") {
  Simulation sim;
  Log log;
  const ProcessId p = sim.start(interrupted(sim, log, /*catch_inside=*/true, /*catch_outside=*/true));
  sim.start(interrupter(sim, p, 4.0, 7));
  sim.run();
  REQUIRE(log == Log{"interrupted inside, cause 7@4, middle ran on"});
  REQUIRE(sim.now() == Time::from_days(5.0));  // the 100-day wait was withdrawn
}

TEST_CASE("Task.UncaughtInterruptUnwindsThroughTasks", "[sim][task]") {
  SECTION("caught by the process") {
    Simulation sim;
    Log log;
    const ProcessId p = sim.start(interrupted(sim, log, false, true));
    sim.start(interrupter(sim, p, 4.0, 9));
    sim.run();
    REQUIRE(log == Log{"interrupted outside, cause 9@4"});
    REQUIRE(sim.now() == Time::from_days(4.0));
  }
  SECTION("caught by nobody: the process ends there") {
    Simulation sim;
    Log log;
    const ProcessId p = sim.start(interrupted(sim, log, false, false));
    sim.start(interrupter(sim, p, 4.0, 9));
    sim.start(join_then_log(sim, p, log));
    sim.run();
    REQUIRE(log == Log{"joined@4"});
    REQUIRE_FALSE(sim.is_alive(p));
    REQUIRE(sim.live_processes() == 0);
    REQUIRE(sim.now() == Time::from_days(4.0));
  }
}

TEST_CASE("Task.WaitsForAResourceAndHandsTheLeaseBack", "[sim][task]") {
  Simulation sim;
  Log log;
  Resource& team = sim.make<Resource>(1, Discipline::kFifo);
  const std::string a = "a", b = "b";
  sim.start(worker(sim, team, log, a));
  sim.start(worker(sim, team, log, b));
  sim.run();
  // a holds from 0, set up by 1, done at 4; b is granted at 4, set up by 5.
  REQUIRE(log == Log{"a holds@1", "a done@4", "b holds@5", "b done@8"});
  REQUIRE(team.in_use() == 0);
}

TEST_CASE("Task.ManyThatFinishAtOnceDoNotGrowTheStack", "[sim][task]") {
  Simulation sim;
  long sum = 0;
  sim.start(many_at_once(sim, sum));
  sim.run();
  REQUIRE(sum == 200'000L * 199'999L / 2);
  REQUIRE(sim.now() == Time::zero());
}

TEST_CASE("Task.SimulationDestroyedWhileATaskIsSuspended", "[sim][task]") {
  // Two Tasks deep, holding a lease and waiting on a signal that never
  // fires. The sanitizers check nothing leaks or is used after it is freed.
  Log log;
  {
    Simulation sim;
    Resource& team = sim.make<Resource>(1, Discipline::kFifo);
    Signal never(sim);
    sim.start(stuck(sim, team, never, log));
    sim.run();
    REQUIRE(team.in_use() == 1);
    REQUIRE(sim.live_processes() == 1);
    REQUIRE(log.empty());
  }
  REQUIRE(log == Log{"inner task destroyed", "outer task destroyed", "process destroyed"});
}
