// Not a unit test: the compiler is the test (see tests/CMakeLists.txt). Built
// as it is, every awaitable is awaited and this compiles cleanly; built with
// -DWSIC_DROP_<name>, one of them is made and dropped without co_await, which
// must not compile under -Werror=unused-result.

#include "wsic/sim/process.hpp"
#include "wsic/sim/resource.hpp"

namespace wsic::sim {

Process child(Simulation& sim) { co_await sim.timeout(Duration::days(1)); }
Task<int> step(Simulation& sim) {
  co_await sim.timeout(Duration::days(1));
  co_return 1;
}

Process awaits_everything(Simulation& sim, Signal& s, Resource& r, Container& c, ProcessId other) {
#if defined(WSIC_DROP_timeout)
  sim.timeout(Duration::days(1));
#elif defined(WSIC_DROP_until)
  sim.until(Time::from_days(1));
#elif defined(WSIC_DROP_signal)
  s.operator co_await();
#elif defined(WSIC_DROP_wait_until)
  wait_until(s, [] { return true; });
#elif defined(WSIC_DROP_any_of)
  any_of(s, s);
#elif defined(WSIC_DROP_all_of)
  all_of(s);
#elif defined(WSIC_DROP_join)
  join(sim, other);
#elif defined(WSIC_DROP_request)
  r.request();
#elif defined(WSIC_DROP_get)
  c.get(1.0);
#elif defined(WSIC_DROP_process)
  child(sim);
#elif defined(WSIC_DROP_task)
  step(sim);
#elif defined(WSIC_DROP_wait_for)
  wait_for(s, Duration::days(1));
#endif
  co_await sim.timeout(Duration::days(1));
  co_await sim.until(Time::from_days(2));
  co_await s;
  co_await wait_until(s, [] { return true; });
  co_await any_of(s, s);
  co_await wait_for(s, Duration::days(1));
  co_await all_of(s);
  co_await join(sim, other);
  const Lease lease = co_await r.request();
  co_await c.get(1.0);
  sim.start(child(sim));
  co_await step(sim);
}

}  // namespace wsic::sim
