// wsic-bench: throughput benchmarks of the engine. Each mode prints its
// figure as the last line, `name=value`, so scripts can pick it up.
//
//   wsic-bench phold --lps 1024 --events-per-lp 16 --events 20000000 --remote 0.9 --lookahead 0.1
//   wsic-bench mm1 --customers 1000000 --lambda 0.9 --mu 1.0   [--plain: as a plain event loop]
//   wsic-bench queue            (hold model on each pending-event structure)
//   wsic-bench settings --scenario scenarios/baseline.yaml --replications 20000

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wsic/model/model.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/scenario/parameters.hpp"
#include "wsic/sim/error.hpp"
#include "wsic/sim/event_queue.hpp"
#include "wsic/sim/process.hpp"
#include "wsic/sim/random.hpp"
#include "wsic/sim/resource.hpp"
#include "wsic/sim/simulation.hpp"
#include "yardsticks.hpp"

namespace {
using namespace wsic::sim;
using wsic::bench::BinaryHeapQueue;
using wsic::bench::QuaternaryHeapQueue;
using wsic::bench::VectorBucketQueue;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---- PHOLD ---------------------------------------------------------------------

struct Phold {
  Rng rng{42, 0, "phold"};
  Exponential delay{1.0};
  std::uint64_t lps;
  double remote;
  double lookahead;
  std::vector<std::uint64_t> count;

  static void handle(Simulation& sim, void* ctx, std::uint64_t lp) {
    auto& p = *static_cast<Phold*>(ctx);
    ++p.count[lp];
    const std::uint64_t dst = p.rng.uniform01() < p.remote ? p.rng.below(p.lps) : lp;
    sim.schedule_after(Duration::days(p.lookahead + p.delay(p.rng)), &Phold::handle, ctx, dst);
  }
};

int run_phold(std::uint64_t lps, std::uint64_t per_lp, std::uint64_t events, double remote, double lookahead) {
  Simulation sim;
  Phold p{.lps = lps, .remote = remote, .lookahead = lookahead, .count = std::vector<std::uint64_t>(lps)};
  for (std::uint64_t lp = 0; lp < lps; ++lp) {
    for (std::uint64_t k = 0; k < per_lp; ++k) {
      sim.schedule_at(Time::from_days(p.delay(p.rng)), &Phold::handle, &p, lp);
    }
  }
  const auto t0 = Clock::now();
  for (std::uint64_t n = 0; n < events; ++n) sim.step();
  const double s = seconds_since(t0);
  std::printf("events=%llu seconds=%.3f simtime=%.1f pending=%zu\n", static_cast<unsigned long long>(events), s,
              sim.now().in_days(), sim.pending_events());
  std::printf("events_per_s=%.0f\n", static_cast<double>(events) / s);
  return 0;
}

// ---- M/M/1 with coroutine processes ---------------------------------------------

struct WaitTally {
  double sum = 0.0;
  std::uint64_t n = 0;
};

Process customer(Simulation& sim, Resource& server, Rng& rng, const Exponential& service, WaitTally& tally) {
  const Time arrived = sim.now();
  Lease lease = co_await server.request();
  tally.sum += (sim.now() - arrived).in_days();
  ++tally.n;
  co_await sim.timeout(Duration::days(service(rng)));
}

Process source(Simulation& sim, Resource& server, std::uint64_t n, Rng& arrivals, Rng& services, const Exponential& gap,
               const Exponential& service, WaitTally& tally) {
  for (std::uint64_t i = 0; i < n; ++i) {
    co_await sim.timeout(Duration::days(gap(arrivals)));
    sim.start(customer(sim, server, services, service, tally));
  }
}

int run_mm1(std::uint64_t customers, double lambda, double mu) {
  Simulation sim;
  Resource& server = sim.make<Resource>(1);
  WaitTally tally;
  Rng arrivals(42, 0, "arrivals");
  Rng services(42, 0, "services");
  const Exponential gap{lambda};
  const Exponential service{mu};
  const auto t0 = Clock::now();
  sim.start(source(sim, server, customers, arrivals, services, gap, service, tally));
  sim.run();
  const double s = seconds_since(t0);
  const double theory = lambda / (mu * (mu - lambda));
  std::printf("customers=%llu seconds=%.3f events=%llu\n", static_cast<unsigned long long>(tally.n), s,
              static_cast<unsigned long long>(sim.events_run()));
  std::printf("mean_wait=%.4f theory=%.4f (M/M/1 Wq = lambda / (mu (mu - lambda)))\n",
              tally.sum / static_cast<double>(tally.n), theory);
  std::printf("customers_per_s=%.0f\n", static_cast<double>(tally.n) / s);
  return 0;
}

// The same M/M/1 as a plain event loop: a std::priority_queue of arrivals
// and departures, a count of the waiting, the same random streams and draws
// in the same order, so the same waits. The yardstick for the process
// layer: what a hand-written loop does on this machine that minute.
int run_mm1_plain(std::uint64_t customers, double lambda, double mu) {
  struct Event {
    double time;
    bool arrival;
    bool operator>(const Event& o) const { return time > o.time; }
  };
  Rng arrivals(42, 0, "arrivals");
  Rng services(42, 0, "services");
  const Exponential gap{lambda};
  const Exponential service{mu};
  WaitTally tally;
  const auto t0 = Clock::now();
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events;
  std::queue<double> waiting;  // arrival times
  bool busy = false;
  std::uint64_t arrived = 1, run = 0;
  events.push({gap(arrivals), true});
  while (!events.empty()) {
    const Event e = events.top();
    events.pop();
    ++run;
    if (e.arrival) {
      if (arrived < customers) {
        events.push({e.time + gap(arrivals), true});
        ++arrived;
      }
      if (busy) {
        waiting.push(e.time);
        continue;
      }
      busy = true;
      ++tally.n;  // waits 0
      events.push({e.time + service(services), false});
    } else if (!waiting.empty()) {
      tally.sum += e.time - waiting.front();
      ++tally.n;
      waiting.pop();
      events.push({e.time + service(services), false});
    } else {
      busy = false;
    }
  }
  const double s = seconds_since(t0);
  std::printf("customers=%llu seconds=%.3f events=%llu\n", static_cast<unsigned long long>(tally.n), s,
              static_cast<unsigned long long>(run));
  std::printf("mean_wait=%.4f theory=%.4f (M/M/1 Wq = lambda / (mu (mu - lambda)))\n",
              tally.sum / static_cast<double>(tally.n), lambda / (mu * (mu - lambda)));
  std::printf("customers_per_s=%.0f\n", static_cast<double>(tally.n) / s);
  return 0;
}

// ---- the hold model on each pending-event structure --------------------------------

template <class Q>
double hold_ns(std::size_t pending, std::uint64_t ops) {
  Q q;
  Rng rng(7, 0, "hold");
  const Exponential gap{1.0};
  std::uint64_t seq = 1;
  for (std::size_t i = 0; i < pending; ++i) {
    q.push(QueueEntry{gap(rng), seq++});
  }
  // Warm up so the structure reaches its steady state before timing.
  for (std::uint64_t i = 0; i < ops / 4; ++i) {
    const QueueEntry e = q.pop();
    q.push(QueueEntry{e.time + gap(rng), seq++});
  }
  const auto t0 = Clock::now();
  for (std::uint64_t i = 0; i < ops; ++i) {
    const QueueEntry e = q.pop();
    q.push(QueueEntry{e.time + gap(rng), seq++});
  }
  return seconds_since(t0) * 1e9 / static_cast<double>(ops);
}

int run_queue(std::uint64_t ops) {
  std::printf("hold model: pop the next event, push it back at t + Exp(1); ns per hold (lower is better)\n");
  std::printf("%10s %12s %12s %12s %12s\n", "pending", "binary", "4-ary", "calendar", "calendar");
  std::printf("%10s %12s %12s %12s %12s\n", "", "heap", "heap", "vectors", "pooled");
  double worst_ratio = 1e300;
  for (std::size_t n : {std::size_t{1} << 10, std::size_t{1} << 14, std::size_t{1} << 18}) {
    const double b = hold_ns<BinaryHeapQueue>(n, ops);
    const double q = hold_ns<QuaternaryHeapQueue>(n, ops);
    const double v = hold_ns<VectorBucketQueue>(n, ops);
    const double c = hold_ns<BucketQueue>(n, ops);
    std::printf("%10zu %12.1f %12.1f %12.1f %12.1f\n", n, b, q, v, c);
    worst_ratio = std::min(worst_ratio, b / c);
  }
  std::printf("bucket_vs_binary_worst_speedup=%.2f\n", worst_ratio);
  return 0;
}

// ---- the cost of new parameter values between replications -----------------------

// The target: changing parameter values between replications costs less than
// a tenth of a replication. Sweeps, sensitivity analyses and the lab change a
// few numbers and run again; the Model is built once and its Settings are
// changed in place, then refreshed, so no Model is rebuilt per change.

// Parameters moved before every replication: levers (money, effort), a
// scheme's pace, a workstream's work, a barrier's resolution.
constexpr std::string_view kSettingsPaths[] = {
    "levers.central_share.value",
    "levers.gp_engagement_effort.value",
    "levers.transactional_investment.value",
    "schemes.ealing.readiness",
    "workstreams.ig.work.mode",
    "barriers.national_ig.resolution.workaround.median",
};

// A parameter and the two values it alternates between: 5% below and above
// its value in the file, kept within a lever's low and high.
struct Moved {
  std::size_t index;
  double value[2];
};

// The lever a "levers.<id>.value" path names, or nullptr.
const wsic::model::Lever* lever_at(const wsic::model::Scenario& sc, std::string_view path) {
  constexpr std::string_view prefix = "levers.";
  if (!path.starts_with(prefix)) return nullptr;
  path.remove_prefix(prefix.size());
  const std::string_view id = path.substr(0, path.find('.'));
  for (const auto& lever : sc.levers) {
    if (lever.id == id) return &lever;
  }
  return nullptr;
}

// Resolves kSettingsPaths once, as a sweep would: from then on a change is a
// setter call on a number already located. Both values of each are tried on
// a copy of `base` here, so none throws while timed.
std::vector<Moved> resolve_moved(const wsic::scenario::ParameterSpace& space, const wsic::model::Scenario& base,
                                 const std::string& file) {
  std::vector<Moved> moved;
  wsic::model::Scenario probe = base;
  for (const std::string_view path : kSettingsPaths) {
    const auto i = space.find(path);
    if (!i) throw wsic::Error(file + " has no parameter " + std::string(path));
    const double v = space.get(base, *i);
    double lo = v * 0.95, hi = v * 1.05;
    if (const wsic::model::Lever* lever = lever_at(base, path)) {
      lo = std::clamp(lo, lever->low, lever->high);
      hi = std::clamp(hi, lever->low, lever->high);
    }
    space.set(probe, *i, lo);
    space.set(probe, *i, hi);
    moved.push_back(Moved{*i, {lo, hi}});
  }
  return moved;
}

double ns_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::nano>(b - a).count();
}

// Throws wsic::Error for a scenario that does not load or lacks one of the
// paths, or whose values would leave it invalid when moved by 5%.
int run_settings(const std::string& file, std::uint64_t replications, std::uint64_t rebuilds, std::uint64_t seed) {
  const wsic::model::Scenario base = wsic::scenario::load_scenario(file);
  const wsic::model::Model model(base);
  const wsic::scenario::ParameterSpace space(base);

  const std::vector<Moved> moved = resolve_moved(space, base, file);

  wsic::model::Settings settings = model.settings();
  wsic::model::ReplicationOutcome out;
  // Go-live days summed over schemes and replications: deterministic, and
  // shows that the changes reach the replications.
  double go_live_days = 0.0;
  const auto add_go_lives = [&] {
    for (const auto& so : out.schemes) go_live_days += std::isfinite(so.go_live) ? so.go_live : 0.0;
  };
  // Warm up: the first replications size the outcome and the model's buffers.
  for (std::uint64_t i = 0; i < 100; ++i) model.simulate(settings, seed, i, out);

  // Replications with no change at all, timed as one loop.
  const auto plain_start = Clock::now();
  for (std::uint64_t i = 0; i < replications; ++i) {
    model.simulate(settings, seed, i, out);
    add_go_lives();
  }
  const double plain_ns = ns_between(plain_start, Clock::now());
  const double go_live_plain = std::exchange(go_live_days, 0.0);

  // The same replications, each after every parameter has moved to its other
  // value; the change and the replication timed apart.
  double change_ns = 0.0, replication_ns = 0.0;
  for (std::uint64_t i = 0; i < replications; ++i) {
    const auto t0 = Clock::now();
    for (const Moved& m : moved) space.set(settings.values, m.index, m.value[i % 2]);
    model.refresh(settings);
    const auto t1 = Clock::now();
    model.simulate(settings, seed, i, out);
    const auto t2 = Clock::now();
    add_go_lives();
    change_ns += ns_between(t0, t1);
    replication_ns += ns_between(t1, t2);
  }
  const double go_live_changed = go_live_days;

  // For contrast: the same change made by building a Model from a changed
  // copy of the scenario (copy, set, build).
  double rebuild_ns = 0.0;
  for (std::uint64_t i = 0; i < rebuilds; ++i) {
    const auto t0 = Clock::now();
    wsic::model::Scenario changed = base;
    for (const Moved& m : moved) space.set(changed, m.index, m.value[i % 2]);
    const wsic::model::Model rebuilt(std::move(changed));
    rebuild_ns += ns_between(t0, Clock::now());
  }

  const double n = static_cast<double>(replications);
  std::printf("scenario=%s parameters=%zu replications=%llu rebuilds=%llu seed=%llu\n", file.c_str(), moved.size(),
              static_cast<unsigned long long>(replications), static_cast<unsigned long long>(rebuilds),
              static_cast<unsigned long long>(seed));
  std::printf("go_live_days_sum unchanged=%.6g changed=%.6g\n", go_live_plain, go_live_changed);
  std::printf("replication_unchanged_ns=%.0f\n", plain_ns / n);
  std::printf("model_rebuild_ns=%.0f\n", rebuilds > 0 ? rebuild_ns / static_cast<double>(rebuilds) : 0.0);
  std::printf("change_ns=%.0f\n", change_ns / n);
  std::printf("replication_ns=%.0f\n", replication_ns / n);
  std::printf("change_over_replication=%.4f\n", change_ns / replication_ns);
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wsic-bench: engine throughput benchmarks"};
  app.require_subcommand(1);

  std::uint64_t lps = 1024, per_lp = 16, events = 20'000'000;
  double remote = 0.9, lookahead = 0.1;
  auto* phold = app.add_subcommand("phold", "PHOLD through the event queue; prints events_per_s");
  phold->add_option("--lps", lps, "logical processes")->check(CLI::PositiveNumber);
  phold->add_option("--events-per-lp", per_lp, "initial events per LP")->check(CLI::PositiveNumber);
  phold->add_option("--events", events, "events to run")->check(CLI::PositiveNumber);
  phold->add_option("--remote", remote, "probability an event goes to a random LP")->check(CLI::Range(0.0, 1.0));
  phold->add_option("--lookahead", lookahead, "minimum delay added to Exp(1)")->check(CLI::NonNegativeNumber);

  std::uint64_t customers = 1'000'000;
  double lambda = 0.9, mu = 1.0;
  bool plain = false;
  auto* mm1 = app.add_subcommand("mm1", "M/M/1 with coroutine processes; prints customers_per_s");
  mm1->add_flag("--plain", plain, "the same model as a plain event loop (std::priority_queue), the yardstick");
  mm1->add_option("--customers", customers, "customers to serve")->check(CLI::PositiveNumber);
  mm1->add_option("--lambda", lambda, "arrival rate")->check(CLI::PositiveNumber);
  mm1->add_option("--mu", mu, "service rate (> lambda)")->check(CLI::PositiveNumber);

  std::uint64_t ops = 4'000'000;
  auto* queue = app.add_subcommand(
      "queue", "hold model on the binary heap, 4-ary heap and the calendar queue (vector and pooled buckets)");
  queue->add_option("--ops", ops, "hold operations per structure and size")->check(CLI::PositiveNumber);

  std::string scenario_file = "scenarios/baseline.yaml";
  std::uint64_t replications = 20'000, rebuilds = 2'000, seed = 42;
  auto* settings = app.add_subcommand(
      "settings",
      "cost of new parameter values before each replication (set + refresh) against the replication itself");
  settings->add_option("--scenario", scenario_file, "scenario file")->check(CLI::ExistingFile);
  settings->add_option("--replications", replications, "replications in each timed loop")->check(CLI::PositiveNumber);
  settings->add_option("--rebuilds", rebuilds, "Models built from a changed scenario, for contrast");
  settings->add_option("--seed", seed, "master seed");

  CLI11_PARSE(app, argc, argv);
  if (*phold) return run_phold(lps, per_lp, events, remote, lookahead);
  if (*mm1) {
    if (!(lambda < mu)) {
      std::fprintf(stderr, "wsic-bench mm1: --lambda (%g) must be below --mu (%g) for a stable queue\n", lambda, mu);
      return 2;
    }
    return plain ? run_mm1_plain(customers, lambda, mu) : run_mm1(customers, lambda, mu);
  }
  if (*queue) return run_queue(ops);
  if (*settings) {
    try {
      return run_settings(scenario_file, replications, rebuilds, seed);
    } catch (const wsic::Error& e) {
      std::fprintf(stderr, "wsic-bench settings: %s\n", e.what());
      return 1;
    }
  }
  return 2;
}
