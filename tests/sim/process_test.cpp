#include "wsic/sim/process.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using wsic::sim::Duration;
using wsic::sim::Interrupt;
using wsic::sim::Process;
using wsic::sim::ProcessId;
using wsic::sim::Signal;
using wsic::sim::Simulation;
using wsic::sim::Time;

namespace {
Process sleeper(Simulation& sim, double days, std::vector<double>& log) {
  co_await sim.timeout(Duration::days(days));
  log.push_back(sim.now().in_days());
}

Process waiter(Simulation& sim, Signal& s, std::vector<double>& log) {
  co_await s;
  log.push_back(sim.now().in_days());
}

Process trigger_later(Simulation& sim, Signal& s, double days) {
  co_await sim.timeout(Duration::days(days));
  s.trigger();
}

// A workstream that takes 10 days of work; an interrupt (a barrier) costs
// it the time lost plus a 3-day restart, then it carries on.
Process resilient(Simulation& sim, std::vector<std::string>& log) {
  double remaining = 10.0;
  while (remaining > 0.0) {
    const Time started = sim.now();
    bool hit = false;
    try {
      co_await sim.timeout(Duration::days(remaining));
      remaining = 0.0;
    } catch (const Interrupt& i) {
      remaining -= (sim.now() - started).in_days();
      log.push_back("interrupted by " + std::to_string(i.cause()) + " at " +
                    std::to_string(static_cast<int>(sim.now().in_days())));
      hit = true;
    }
    if (hit) co_await sim.timeout(Duration::days(3));  // no co_await inside a handler
  }
  log.push_back("done at " + std::to_string(static_cast<int>(sim.now().in_days())));
}

Process fragile(Simulation& sim, bool& finished) {
  co_await sim.timeout(Duration::days(100));
  finished = true;
}

Process interrupter(Simulation& sim, ProcessId target, double at, std::uint64_t cause, bool& accepted) {
  co_await sim.timeout(Duration::days(at));
  accepted = sim.interrupt(target, cause);
}

Process join_then_log(Simulation& sim, ProcessId target, std::vector<double>& log) {
  co_await wsic::sim::join(sim, target);
  log.push_back(sim.now().in_days());
}

Process any_all(Simulation& sim, Signal& a, Signal& b, std::vector<double>& log) {
  const std::size_t first = co_await wsic::sim::any_of(a, b);
  log.push_back(static_cast<double>(first));
  log.push_back(sim.now().in_days());
  co_await wsic::sim::all_of(a, b);
  log.push_back(sim.now().in_days());
}

Process thrower(Simulation& sim) {
  co_await sim.timeout(Duration::days(1));
  throw std::runtime_error("model bug");
}

Process until_budget(Simulation& sim, Signal& changed, const int& budget, std::vector<double>& log) {
  co_await wsic::sim::wait_until(changed, [&] { return budget >= 3; });
  log.push_back(sim.now().in_days());
}

// Waits for `s` for up to `days`, logs which came first, then sleeps
// `then_days` more: a stale wake-up would cut that sleep short.
Process signal_or_timeout(Simulation& sim, Signal& s, double days, std::vector<std::string>& log,
                          double then_days = 0.0) {
  const bool fired = co_await wsic::sim::wait_for(s, Duration::days(days));
  log.push_back(std::string(fired ? "fired" : "timed out") + " at " +
                std::to_string(static_cast<int>(sim.now().in_days())));
  if (then_days > 0.0) {
    co_await sim.timeout(Duration::days(then_days));
    log.push_back("slept until " + std::to_string(static_cast<int>(sim.now().in_days())));
  }
}

// Waits for `s` for up to 10 days, then for `other`: whichever of the two
// lost the first wait must not wake it during the second.
Process then_waits_for_other(Simulation& sim, Signal& s, Signal& other, std::vector<std::string>& log) {
  const bool fired = co_await wsic::sim::wait_for(s, Duration::days(10));
  log.push_back(std::string(fired ? "fired" : "timed out") + " at " +
                std::to_string(static_cast<int>(sim.now().in_days())));
  co_await other;
  log.push_back("other at " + std::to_string(static_cast<int>(sim.now().in_days())));
}

Process already_fired(Simulation& sim, Signal& s, std::vector<std::string>& log) {
  const std::uint64_t before = sim.events_run();
  const bool fired = co_await wsic::sim::wait_for(s, Duration::days(10));
  log.push_back(std::string(fired ? "fired" : "timed out") +
                ", events run meanwhile: " + std::to_string(sim.events_run() - before));
}

Process wait_for_interrupted(Simulation& sim, Signal& s, std::vector<std::string>& log) {
  bool hit = false;
  try {
    (void)co_await wsic::sim::wait_for(s, Duration::days(100));
    log.push_back("not reached");
  } catch (const Interrupt& i) {
    log.push_back("interrupted by " + std::to_string(i.cause()) + " at " +
                  std::to_string(static_cast<int>(sim.now().in_days())));
    hit = true;
  }
  if (hit) co_await sim.timeout(Duration::days(50));  // no co_await inside a handler
  log.push_back("slept until " + std::to_string(static_cast<int>(sim.now().in_days())));
}
}  // namespace

TEST_CASE("Process.TimeoutAdvancesClock", "[sim][process]") {
  Simulation sim;
  std::vector<double> log;
  sim.start(sleeper(sim, 2.5, log));
  sim.start(sleeper(sim, 1.0, log));
  sim.run();
  REQUIRE(log == std::vector<double>{1.0, 2.5});
  REQUIRE(sim.live_processes() == 0);
}

TEST_CASE("Process.WaitsForSignalAndLatchedSignalPassesAtOnce", "[sim][process]") {
  Simulation sim;
  Signal s(sim);
  std::vector<double> log;
  sim.start(waiter(sim, s, log));
  sim.start(waiter(sim, s, log));
  sim.start(trigger_later(sim, s, 4.0));
  sim.run();
  REQUIRE(log == std::vector<double>{4.0, 4.0});
  sim.schedule_at(Time::from_days(6), [&] { sim.start(waiter(sim, s, log)); });
  sim.run();
  REQUIRE(log == std::vector<double>{4.0, 4.0, 6.0});
}

TEST_CASE("Process.SignalTriggerAt", "[sim][process]") {
  Simulation sim;
  Signal s(sim);
  std::vector<double> log;
  sim.start(waiter(sim, s, log));
  s.trigger_at(Time::from_days(9));
  s.trigger_at(Time::from_days(7));  // replaces the earlier one
  sim.run();
  REQUIRE(log == std::vector<double>{7.0});
}

TEST_CASE("Process.InterruptResumesWithCauseAndCanCarryOn", "[sim][process]") {
  Simulation sim;
  std::vector<std::string> log;
  bool accepted = false;
  const ProcessId p = sim.start(resilient(sim, log));
  sim.start(interrupter(sim, p, 4.0, 7, accepted));
  sim.run();
  REQUIRE(accepted);
  // 4 days done, 3 days restart, 6 days left: done at 13.
  REQUIRE(log == std::vector<std::string>{"interrupted by 7 at 4", "done at 13"});
}

TEST_CASE("Process.UncaughtInterruptEndsOnlyThatProcess", "[sim][process]") {
  Simulation sim;
  bool finished = false;
  bool accepted = false;
  std::vector<double> log;
  const ProcessId p = sim.start(fragile(sim, finished));
  sim.start(interrupter(sim, p, 5.0, 1, accepted));
  sim.start(join_then_log(sim, p, log));
  sim.run();
  REQUIRE(accepted);
  REQUIRE_FALSE(finished);
  REQUIRE_FALSE(sim.is_alive(p));
  REQUIRE(log == std::vector<double>{5.0});    // the joiner saw it end at 5
  REQUIRE(sim.now() == Time::from_days(5.0));  // its 100-day timeout was withdrawn
}

TEST_CASE("Process.InterruptOfEndedProcessIsRefused", "[sim][process]") {
  Simulation sim;
  std::vector<double> log;
  bool accepted = true;
  const ProcessId p = sim.start(sleeper(sim, 1.0, log));
  sim.start(interrupter(sim, p, 2.0, 1, accepted));
  sim.run();
  REQUIRE_FALSE(accepted);
  REQUIRE(log == std::vector<double>{1.0});
}

TEST_CASE("Process.InterruptWithdrawsSignalWait", "[sim][process]") {
  Simulation sim;
  Signal s(sim);
  std::vector<double> log;
  bool accepted = false;
  const ProcessId p = sim.start(waiter(sim, s, log));
  sim.start(interrupter(sim, p, 1.0, 3, accepted));
  sim.run();
  REQUIRE(accepted);
  REQUIRE(s.waiting() == 0);
  s.trigger();
  sim.run();
  REQUIRE(log.empty());
}

TEST_CASE("Process.AnyOfAndAllOf", "[sim][process]") {
  Simulation sim;
  Signal a(sim), b(sim);
  std::vector<double> log;
  sim.start(any_all(sim, a, b, log));
  b.trigger_at(Time::from_days(2));
  a.trigger_at(Time::from_days(5));
  sim.run();
  REQUIRE(log == std::vector<double>{1.0, 2.0, 5.0});
  REQUIRE(a.waiting() == 0);
  REQUIRE(b.waiting() == 0);
}

TEST_CASE("Process.WaitUntilRechecksOnNotify", "[sim][process]") {
  Simulation sim;
  Signal changed(sim);
  int budget = 0;
  std::vector<double> log;
  sim.start(until_budget(sim, changed, budget, log));
  for (int day = 1; day <= 5; ++day) {
    sim.schedule_at(Time::from_days(day), [&] {
      ++budget;
      changed.notify();
    });
  }
  sim.run();
  REQUIRE(log == std::vector<double>{3.0});
  REQUIRE_FALSE(changed.triggered());
}

TEST_CASE("Process.ExceptionInModelCodePropagatesFromRun", "[sim][process]") {
  Simulation sim;
  sim.start(thrower(sim));
  REQUIRE_THROWS_WITH(sim.run(), "model bug");
  REQUIRE(sim.live_processes() == 0);
}

TEST_CASE("Process.UnfinishedProcessesAreFreedWithSimulation", "[sim][process]") {
  std::vector<double> log;
  {
    Simulation sim;
    Signal never(sim);
    for (int i = 0; i < 100; ++i) sim.start(waiter(sim, never, log));
    sim.run();
    REQUIRE(sim.live_processes() == 100);
  }  // sanitizers check the frames are freed
  REQUIRE(log.empty());
}

TEST_CASE("Process.WaitForSignalFiresFirst", "[sim][process]") {
  Simulation sim;
  Signal s(sim), other(sim);
  std::vector<std::string> log;
  sim.start(then_waits_for_other(sim, s, other, log));
  s.trigger_at(Time::from_days(2));
  sim.run_until(Time::from_days(3));
  REQUIRE(log == std::vector<std::string>{"fired at 2"});
  REQUIRE(s.waiting() == 0);
  REQUIRE(sim.pending_events() == 0);  // the day-10 timer is cancelled
  other.trigger_at(Time::from_days(22));
  sim.run();
  // Had the timer survived, it would have woken the process on day 10.
  REQUIRE(log == std::vector<std::string>{"fired at 2", "other at 22"});
}

TEST_CASE("Process.WaitForTimesOutFirst", "[sim][process]") {
  Simulation sim;
  Signal s(sim), other(sim);
  std::vector<std::string> log;
  sim.start(then_waits_for_other(sim, s, other, log));
  s.trigger_at(Time::from_days(12));
  other.trigger_at(Time::from_days(15));
  sim.run_until(Time::from_days(11));
  REQUIRE(log == std::vector<std::string>{"timed out at 10"});
  REQUIRE(s.waiting() == 0);  // left the signal's waiters at the timeout
  sim.run();
  // The signal firing on day 12 did not wake it while it waited for `other`.
  REQUIRE(log == std::vector<std::string>{"timed out at 10", "other at 15"});
  REQUIRE(s.triggered());
}

TEST_CASE("Process.WaitForTieGoesToTheSignal", "[sim][process]") {
  // The deadline is judged at the end of its instant, so a signal fired at
  // that instant wins, whether its trigger was scheduled before the wait
  // began or after.
  for (const bool trigger_first : {true, false}) {
    Simulation sim;
    Signal s(sim);
    std::vector<std::string> log;
    if (trigger_first) s.trigger_at(Time::from_days(5));
    sim.start(signal_or_timeout(sim, s, 5.0, log, 1.0));
    if (!trigger_first) sim.schedule_at(Time::from_days(1), [&] { s.trigger_at(Time::from_days(5)); });
    sim.run();
    INFO("trigger scheduled " << (trigger_first ? "before" : "after") << " the wait began");
    REQUIRE(log == std::vector<std::string>{"fired at 5", "slept until 6"});
    REQUIRE(sim.pending_events() == 0);
  }
}

TEST_CASE("Process.WaitForZeroDurationSeesTriggersOfTheSameInstant", "[sim][process]") {
  Simulation sim;
  Signal s(sim), never(sim);
  std::vector<std::string> log;
  sim.start(signal_or_timeout(sim, s, 0.0, log));
  sim.start(signal_or_timeout(sim, never, 0.0, log));
  sim.schedule_at(Time::zero(), [&] { s.trigger(); });  // later in the same instant
  sim.run();
  REQUIRE(log == std::vector<std::string>{"fired at 0", "timed out at 0"});
}

TEST_CASE("Process.WaitForAlreadyTriggeredReturnsAtOnce", "[sim][process]") {
  Simulation sim;
  Signal s(sim);
  s.trigger();
  std::vector<std::string> log;
  sim.start(already_fired(sim, s, log));
  sim.run();
  REQUIRE(log == std::vector<std::string>{"fired, events run meanwhile: 0"});
  REQUIRE(sim.now() == Time::zero());
}

TEST_CASE("Process.WaitForWithoutDeadlineWaitsOnlyForTheSignal", "[sim][process]") {
  Simulation sim;
  Signal s(sim);
  std::vector<std::string> log;
  const ProcessId p = sim.start(signal_or_timeout(sim, s, std::numeric_limits<double>::infinity(), log));
  sim.run();
  REQUIRE(log.empty());
  REQUIRE(sim.now() == Time::zero());  // no timer at infinity to run the clock out to
  REQUIRE(sim.is_alive(p));
  sim.schedule_at(Time::from_days(3), [&] { s.trigger(); });
  sim.run();
  REQUIRE(log == std::vector<std::string>{"fired at 3"});
}

TEST_CASE("Process.WaitForInterruptWithdrawsBoth", "[sim][process]") {
  Simulation sim;
  Signal s(sim);
  std::vector<std::string> log;
  bool accepted = false;
  const ProcessId p = sim.start(wait_for_interrupted(sim, s, log));
  sim.start(interrupter(sim, p, 4.0, 5, accepted));
  s.trigger_at(Time::from_days(30));
  sim.run();
  REQUIRE(accepted);
  REQUIRE(s.waiting() == 0);
  // Neither the signal on day 30 nor the timer on day 100 woke the 50-day sleep.
  REQUIRE(log == std::vector<std::string>{"interrupted by 5 at 4", "slept until 54"});
  REQUIRE(sim.now() == Time::from_days(54));
}

TEST_CASE("Process.WaitForNegativeDurationThrows", "[sim][process]") {
  Simulation sim;
  Signal s(sim);
  std::vector<std::string> log;
  sim.start(signal_or_timeout(sim, s, -1.0, log));
  REQUIRE_THROWS_AS(sim.run(), wsic::Error);
  REQUIRE(s.waiting() == 0);
  REQUIRE(sim.live_processes() == 0);
}

// ---- a timeout whose wake-up is the next event carries on without the queue ----

namespace {
struct Happening {
  double time;
  int who;
  int step;
  std::uint64_t events_run;
  bool operator==(const Happening&) const = default;
};

// Several processes sleep durations from a small set (so wake-ups often tie
// with each other and with plain events), start children, trigger and wait
// for a signal, and schedule plain events now and later: a sleep is
// sometimes the next event and sometimes not, by time or, at a tie, by key.
struct Busy {
  explicit Busy(Simulation& s) : sim(s) {}
  Simulation& sim;
  Signal signal{sim};
  std::vector<Happening> log;
  std::uint64_t state = 12345;

  Simulation& simulation() noexcept { return sim; }  // frames from its pool
  int draw(int n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((state >> 33) % static_cast<std::uint64_t>(n));
  }
  void note(int who, int step) { log.push_back({sim.now().in_days(), who, step, sim.events_run()}); }

  static void plain(Simulation& sim, void* ctx, std::uint64_t who) {
    auto& b = *static_cast<Busy*>(ctx);
    b.log.push_back({sim.now().in_days(), -static_cast<int>(who), 0, sim.events_run()});
  }

  Process worker(Simulation&, int who, int steps) {
    static constexpr double kSleeps[] = {0.0, 0.5, 1.0, 1.0, 2.0, 3.5};
    for (int k = 0; k < steps; ++k) {
      co_await sim.timeout(Duration::days(kSleeps[draw(6)]));
      note(who, k);
      switch (draw(8)) {
        case 0:
          if (who < 40) sim.start(worker(sim, who + 10, 3));
          break;
        case 1:
          sim.schedule_after(Duration::days(kSleeps[draw(6)]), &Busy::plain, this, static_cast<std::uint64_t>(who));
          break;
        case 2:
          sim.schedule_at(sim.now(), &Busy::plain, this, static_cast<std::uint64_t>(who));
          break;
        case 3:
          signal.notify();
          break;
        case 4:
          if (co_await wsic::sim::wait_for(signal, Duration::days(kSleeps[draw(6)]))) note(who, 100 + k);
          break;
        default:
          break;
      }
    }
    note(who, 1000);
  }
};

std::vector<Happening> busy_run(int how) {
  Simulation sim;
  Busy busy{sim};
  for (int who = 1; who <= 4; ++who) sim.start(busy.worker(sim, who, 40));
  if (how == 0) {
    while (sim.step()) {  // one event at a time: never carried on
    }
  } else if (how == 1) {
    sim.run();
  } else {
    for (double end = 0.25; sim.pending_events() > 0; end += 0.75) sim.run_until(Time::from_days(end));
  }
  busy.log.push_back({0.0, 0, -1, sim.events_run()});  // (run_until leaves the clock at its end)
  return busy.log;
}

Process ticker(Simulation& sim, std::vector<double>& log, bool stop_at_three = false) {
  for (int k = 1; k <= 10; ++k) {
    co_await sim.timeout(Duration::days(1));
    log.push_back(sim.now().in_days());
    if (stop_at_three && k == 3) sim.stop();
  }
}
}  // namespace

TEST_CASE("Process.SleepsThatAreTheNextEventRunAsSteppingRunsThem", "[sim][process]") {
  // Stepping never lets a process carry on past its sleep, so it is the
  // order of the queue itself; run() and run_until() in slices must match
  // it event for event, with the same counts of events run.
  const std::vector<Happening> stepped = busy_run(0);
  REQUIRE(stepped.size() > 200);
  CHECK(busy_run(1) == stepped);
  CHECK(busy_run(2) == stepped);
}

TEST_CASE("Process.ALoneSleeperStopsAtTheEndOfRunUntil", "[sim][process]") {
  Simulation sim;
  std::vector<double> log;
  sim.start(ticker(sim, log));
  sim.run_until(Time::from_days(5.5));
  CHECK(log == std::vector<double>{1, 2, 3, 4, 5});
  CHECK(sim.now().in_days() == 5.5);
  CHECK(sim.pending_events() == 1);
  sim.run_until(Time::from_days(7.0));  // a wake-up due exactly at the end runs
  CHECK(log == std::vector<double>{1, 2, 3, 4, 5, 6, 7});
  CHECK(sim.events_run() == 8);  // the start and seven wake-ups
}

TEST_CASE("Process.AStepRunsOneWakeUpEvenWhenNothingElseIsPending", "[sim][process]") {
  Simulation sim;
  std::vector<double> log;
  sim.start(ticker(sim, log));
  REQUIRE(sim.step());  // the start
  REQUIRE(sim.step());  // the first wake-up, then it sleeps again
  CHECK(log == std::vector<double>{1});
  CHECK(sim.now().in_days() == 1.0);
  CHECK(sim.pending_events() == 1);
}

TEST_CASE("Process.AStoppedRunDoesNotCarryASleeperOn", "[sim][process]") {
  Simulation sim;
  std::vector<double> log;
  sim.start(ticker(sim, log, true));
  sim.run();
  CHECK(log == std::vector<double>{1, 2, 3});
  CHECK(sim.now().in_days() == 3.0);
  sim.run();
  CHECK(log.size() == 10);
  CHECK(sim.now().in_days() == 10.0);
}

TEST_CASE("Process.AStepInsideARunRunsOneWakeUp", "[sim][process]") {
  // A step taken by an event of a run runs one event, as a step on its
  // own does: the run's licence to carry sleepers on does not reach it.
  Simulation sim;
  std::vector<double> log;
  sim.start(ticker(sim, log));
  std::size_t after_step = 0;
  sim.schedule_at(Time::from_days(0.5), [&] {
    sim.step();
    after_step = log.size();
  });
  sim.run();
  CHECK(after_step == 1);
  CHECK(log.size() == 10);
}

TEST_CASE("Process.JoinHearsAProcessThatReturns", "[sim][process]") {
  // The usual end (no exception, no interrupt) with someone waiting for it;
  // then its slot is reused by a process nobody waits for, whose end must
  // wake nobody.
  Simulation sim;
  std::vector<double> log, joined;
  const ProcessId p = sim.start(sleeper(sim, 3.0, log));
  sim.start(join_then_log(sim, p, joined));
  sim.run();
  CHECK(log == std::vector<double>{3.0});
  CHECK(joined == std::vector<double>{3.0});
  const ProcessId q1 = sim.start(sleeper(sim, 2.0, log));
  const ProcessId q2 = sim.start(sleeper(sim, 4.0, log));
  CHECK((q1.slot == p.slot || q2.slot == p.slot));
  sim.run();
  CHECK(log == std::vector<double>{3.0, 5.0, 7.0});
  CHECK(joined == std::vector<double>{3.0});
  CHECK(sim.live_processes() == 0);
}
