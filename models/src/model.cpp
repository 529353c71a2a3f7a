#include "wsic/model/model.hpp"

#include <algorithm>
#include <bit>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>
#include <cmath>
#include <iterator>
#include <optional>
#include <span>
#include <string>

#include "wsic/model/limits.hpp"
#include "wsic/model/windows.hpp"
#include "wsic/sim/process.hpp"
#include "wsic/sim/resource.hpp"
#include "wsic/sim/simulation.hpp"

namespace wsic::model {

namespace {
using sim::Duration;
using sim::Lease;
using sim::Process;
using sim::ProcessId;
using sim::Resource;
using sim::Rng;
using sim::Signal;
using sim::Simulation;
using sim::Time;

constexpr std::uint64_t kDesignMask = std::uint64_t{1} << 63;

std::uint64_t task_mask(int w) { return std::uint64_t{1} << w; }

double draw_days(const AnyDistribution& d, Rng& rng) { return std::max(0.0, sim::sample(d, rng)); }

/// Progress through `work` days of nominal work at `rate`, honouring the
/// windows for `mask`; re-planned whenever it is woken early (a new
/// barrier, support arriving, rework). `profile` is working space shared by
/// the replication (a plan is made and used within one event).
class Progressor {
 public:
  Progressor(double t, double work, double rate) : t_(t), work_(work), rate_(rate) {}
  /// When the work will be done as things stand (kNever: not while blocked for good).
  double plan(RateProfile& profile, const std::vector<Window>& windows, std::uint64_t mask, double extra_work) {
    work_ += extra_work;
    profile.build(t_, windows, mask);
    finish_ = profile.finish(work_, rate_);
    return finish_;
  }
  /// After a wake-up at `now`: true if the work is done; otherwise books the
  /// progress made so far and takes the new rate.
  bool done_at(RateProfile& profile, double now, const std::vector<Window>& windows, std::uint64_t mask,
               double new_rate) {
    if (now >= finish_) return true;
    profile.build(t_, windows, mask);
    work_ -= profile.progress(now, rate_);
    t_ = now;
    rate_ = new_rate;
    return false;
  }

 private:
  double t_, work_, rate_;
  double finish_ = kNever;
};

/// A workstream of one scheme in one replication. Not a coroutine process
/// but a small event-driven worker (begin_task, wake_task), whose events are
/// the ones a process doing the same would have, at the same instants and
/// priorities: a workstream's life is a start, a plan and a wait, re-planned
/// when woken early, so nothing is gained by a coroutine frame, a process
/// slot and a resumption for each.
struct TaskRun {
  double start = kNever;
  double end = kNever;
  int binding = -1;     // the prerequisite that finished last
  double rework = 0.0;  // work added while in progress, not yet taken up
  double base_work = 0.0;
  bool running = false;
  int prerequisites_left = 0;  // it starts when the last one is done
  Progressor job{0.0, 0.0, 1.0};
  sim::EventId wake;        // the pending wake-up while running
  std::uint32_t wakes = 0;  // wake-ups cut short so far: an older one does nothing when it comes
};

/// A disruption at a set time that needs the state of the moment: a slip
/// trigger (unless the scheme is live by then) or timed rework.
struct TimedStrike {
  int barrier = 0;
  int scheme = 0;
  double at = 0.0;
  std::uint64_t stream = 0;
  bool slip = false;
};

/// A scheme's state in one replication. Its tasks are a view into a flat
/// per-replication array (one allocation, not one per scheme).
struct SchemeRun {
  std::vector<Window> windows;
  std::optional<Signal> design_done;
  std::optional<Signal> ready_to_go_live;  // its first component is live: it pilots
  std::span<int> parts_left;               // per component of its model: needed workstreams not yet done
  int parts_live = 0;
  int first_part = -1;  // the component that went live first
  double ramp = 0.0;    // enrolling a population group, days
  std::span<TaskRun> tasks;
  ProcessId pid;
  bool designing = false;
  double supported_from = kNever;
  bool live = false;
};

/// What a thread keeps from one replication to the next, so a warm thread
/// allocates almost nothing per replication: the simulation (its frame
/// pool, event queue and process table) and the model's per-replication
/// arrays, each reset to its new size without giving back its storage.
struct Workspace {
  Simulation sim;
  RateProfile profile;  // planning work through windows
  std::vector<SchemeRun> schemes;
  std::vector<TaskRun> all_tasks;
  std::vector<int> all_parts_left;
  std::vector<double> national_draw;
  std::vector<double> times;  // a timed trigger's occurrences
  std::vector<TimedStrike> strikes;
  std::vector<double> lever_day;  // per lever: its value, after its slip
};

/// One replication's world, in a thread's Workspace.
struct Run {
  Run(const Model& model, const Settings& settings, std::uint64_t seed, std::uint64_t index, ReplicationOutcome& o,
      Workspace& ws)
      : m(model),
        st(settings),
        sc(settings.values),
        seeds(seed, index),
        out(o),
        sim(ws.sim),
        profile(ws.profile),
        all_tasks(ws.all_tasks),
        national_draw(ws.national_draw),
        times(ws.times),
        strikes(ws.strikes),
        lever_day(ws.lever_day),
        central(sim.make<Resource>(settings.central_capacity, sim::Discipline::kPriority)),
        changing(settings.periods.size() > 1) {
    const std::size_t ns = sc.schemes.size(), nw = sc.workstreams.size();
    // Signals cannot move, so this only ever grows (by a new vector); the
    // replication sees as many schemes as it has.
    if (ws.schemes.size() < ns) ws.schemes = std::vector<SchemeRun>(ns);
    schemes = std::span<SchemeRun>(ws.schemes).first(ns);
    all_tasks.assign(ns * nw, TaskRun{});
    std::size_t parts = 0;
    for (std::size_t k = 0; k < ns; ++k) parts += model.parts(static_cast<int>(k)).needs.size();
    ws.all_parts_left.assign(parts, 0);
    parts = 0;
    for (std::size_t k = 0; k < ns; ++k) {
      SchemeRun& scheme = schemes[k];
      scheme.windows.clear();  // keeps its storage
      scheme.design_done.emplace(sim);
      scheme.ready_to_go_live.emplace(sim);
      const std::size_t n = model.parts(static_cast<int>(k)).needs.size();
      scheme.parts_left = std::span<int>(ws.all_parts_left).subspan(parts, n);
      parts += n;
      scheme.parts_live = 0;
      scheme.first_part = -1;
      scheme.ramp = 0.0;
      scheme.tasks = std::span<TaskRun>(all_tasks).subspan(k * nw, nw);
      scheme.pid = {};
      scheme.designing = false;
      scheme.supported_from = kNever;
      scheme.live = false;
    }
    national_draw.assign(sc.barriers.size(), 1.0);
    strikes.clear();
    // When each date lever's action comes in this replication: its value,
    // plus its slip (a stream of its own, so nothing else's draws move).
    lever_day.resize(sc.levers.size());
    for (std::size_t l = 0; l < sc.levers.size(); ++l) {
      lever_day[l] = sc.levers[l].value;
      if (sc.levers[l].slip) {
        Rng rng = seeds.stream(model.streams().lever[l]);
        lever_day[l] += draw_days(*sc.levers[l].slip, rng);
      }
    }
  }
  /// Leaves the workspace ready for the next replication, whether this one
  /// ended or threw: the signals go first (their waiters are in process
  /// frames), then whatever is left in the simulation.
  ~Run() {
    for (SchemeRun& scheme : schemes) {
      scheme.design_done.reset();
      scheme.ready_to_go_live.reset();
    }
    sim.reset();
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  Simulation& simulation() noexcept { return sim; }
  /// The generator of the stream with key `key` (Model::Streams holds keys).
  [[gnu::always_inline]] Rng rng(std::uint64_t key) const { return seeds.stream(key); }

  const Model& m;      // structure: graph order, stream keys
  const Settings& st;  // numbers, and what follows from them
  const Scenario& sc;  // st.values
  sim::ReplicationSeed seeds;
  ReplicationOutcome& out;
  Simulation& sim;
  RateProfile& profile;  // working space for planning work through windows
  std::span<SchemeRun> schemes;
  std::vector<TaskRun>& all_tasks;
  // Per on_start barrier of national scope: the one draw that says whether
  // it strikes, against its probability when each piece of work starts.
  std::vector<double>& national_draw;
  std::vector<double>& times;
  std::vector<TimedStrike>& strikes;
  std::vector<double>& lever_day;  // per lever: when its action comes in this replication
  Resource& central;
  const bool changing;     // levers change at dates: values depend on the day
  Trace* trace = nullptr;  // what happened, when asked for
};

bool applies_to(const Barrier& b, int s) { return b.scope != Barrier::Scope::kScheme || b.scheme == s; }

/// Barrier `b`'s numbers with the levers in force on day `t` applied
/// (computed by refresh).
[[gnu::always_inline]] inline const Settings::BarrierValues& values_of(const Run& r, const Barrier& b, double t) {
  const auto i = static_cast<std::size_t>(&b - r.sc.barriers.data());
  return r.changing ? r.st.barrier_at(i, t) : r.st.barrier_values[i];
}

std::uint64_t target_mask(const Barrier& b) {
  std::uint64_t mask = b.design_phase ? kDesignMask : 0;
  for (int w : b.targets) mask |= task_mask(w);
  return mask;
}

/// The windows a barrier's effect opens at `t` (none, one, or for a block
/// with a partial workaround two: no progress until the workaround, then
/// its pace until national action); rework is handled by the caller. Draws
/// come from `rng` in a fixed order.
struct Opened {
  Window w[2];
  int n = 0;
  void add_to(std::vector<Window>& windows) const {
    for (int i = 0; i < n; ++i) windows.push_back(w[i]);
  }
};

Opened effect_windows(const Run& r, const Barrier& b, double t, Rng& rng, std::uint64_t mask) {
  Opened o;
  switch (b.effect) {
    case Barrier::Effect::kBlock: {
      const double national =
          b.national_action_lever >= 0 ? r.lever_day[static_cast<std::size_t>(b.national_action_lever)] : kNever;
      double end = national;
      if (b.workaround) end = std::min(end, t + draw_days(*b.workaround, rng));
      if (end > t) o.w[o.n++] = Window{t, end, 0.0, mask};
      const double pace = std::clamp(b.workaround_pace, 0.0, 1.0);
      if (pace < 1.0 && national > std::max(end, t)) o.w[o.n++] = Window{std::max(end, t), national, pace, mask};
      return o;
    }
    case Barrier::Effect::kDelay: {
      const double d = draw_days(b.duration, rng) * values_of(r, b, t).duration_scale;
      if (d > 0.0) o.w[o.n++] = Window{t, t + d, 0.0, mask};
      return o;
    }
    case Barrier::Effect::kSlowdown: {
      const double d = draw_days(b.duration, rng) * values_of(r, b, t).duration_scale;
      const double f = std::clamp(values_of(r, b, t).factor, 0.0, 1.0);
      if (d > 0.0 && f < 1.0) o.w[o.n++] = Window{t, t + d, f, mask};
      return o;
    }
    case Barrier::Effect::kRework:
      return o;
  }
  return o;
}

void wake_task_early(Run& r, int s, int w);

/// The trace hears what a strike did (see count_strike); out of the way of
/// the replications that keep none.
[[gnu::cold, gnu::noinline]] void trace_strike(Run& r, std::size_t bi, int s, double t, const Opened* opened,
                                               double rework) {
  Trace::Strike strike{static_cast<int>(bi), s, t, target_mask(r.sc.barriers[bi])};
  if (opened != nullptr && opened->n > 0) {
    strike.until = opened->w[0].end;
    strike.factor = opened->w[0].factor;
    if (opened->n > 1) {
      strike.pace_until = opened->w[1].end;
      strike.pace = opened->w[1].factor;
    }
  }
  strike.rework = rework;
  r.trace->strikes.push_back(strike);
}

/// Barrier `bi` struck scheme `s` on day `t` (once per workstream or design
/// phase hit), opening `opened` or adding `rework` (a share of the work);
/// the trace, when one is kept, hears what it did.
inline void count_strike(Run& r, std::size_t bi, int s, double t, const Opened* opened, double rework = 0.0) {
  ++r.out.barrier_hits[bi];
  ++r.out.schemes[static_cast<std::size_t>(s)].strikes;
  if (r.trace != nullptr) [[unlikely]]
    trace_strike(r, bi, s, t, opened, rework);
}

/// Wakes the work that a barrier striking now may have changed.
void nudge(Run& r, int s, std::uint64_t mask) {
  SchemeRun& st = r.schemes[static_cast<std::size_t>(s)];
  if ((mask & kDesignMask) && st.designing) r.sim.wake_early(st.pid);
  for (std::size_t w = 0; w < st.tasks.size(); ++w) {
    if ((mask & task_mask(static_cast<int>(w))) && st.tasks[w].running) wake_task_early(r, s, static_cast<int>(w));
  }
}

/// A barrier strikes scheme `s` at the current time (slip triggers, and
/// rework from timed triggers, which need the state of the moment).
void strike_now(Run& r, int bi, int s, Rng& rng) {
  const Barrier& b = r.sc.barriers[static_cast<std::size_t>(bi)];
  const double t = r.sim.now().in_days();
  const std::uint64_t mask = target_mask(b);
  SchemeRun& st = r.schemes[static_cast<std::size_t>(s)];
  if (b.effect == Barrier::Effect::kRework) {
    const double f = std::max(0.0, values_of(r, b, t).fraction);
    for (int w : b.targets) {
      TaskRun& tk = st.tasks[static_cast<std::size_t>(w)];
      if (tk.running) tk.rework += f * tk.base_work;
    }
  } else {
    const Opened opened = effect_windows(r, b, t, rng, mask);
    if (opened.n == 0) return;
    opened.add_to(st.windows);
    count_strike(r, static_cast<std::size_t>(bi), s, t, &opened);
    nudge(r, s, mask);
    return;
  }
  count_strike(r, static_cast<std::size_t>(bi), s, t, nullptr, std::max(0.0, values_of(r, b, t).fraction));
  nudge(r, s, mask);
}

/// The time to sleep until for a finish at `f`: past the horizon the run
/// stops, so such a wake-up never comes.
Time wake_time(const Run& r, double f) { return Time::from_days(std::min(f, r.sc.horizon_day + 1.0)); }

Process central_support(Run& r, int s) {
  SchemeRun& st = r.schemes[static_cast<std::size_t>(s)];
  Lease lease = co_await r.central.request(r.st.scheme_priority[static_cast<std::size_t>(s)]);
  // Designed without the team while waiting: hand the team straight on.
  if (!st.designing) co_return;
  st.supported_from = r.sim.now().in_days();
  r.sim.wake_early(st.pid);
  co_await *st.design_done;
}

/// Barriers with an on_start trigger that may strike when work on `mask` (one
/// workstream, or the design phase) starts at scheme `s` now. Windows go to
/// the scheme; the return value is the work they add (rework, a share of
/// `base_work`). Each barrier draws from a stream of its own for this scheme
/// and piece of work, whether it strikes first, then its effect, so a
/// what-if that changes one barrier moves no other draw.
template <class StreamOf>
double strike_on_start(Run& r, int s, std::uint64_t mask, double base_work, StreamOf stream_of) {
  SchemeRun& st = r.schemes[static_cast<std::size_t>(s)];
  const double t = r.sim.now().in_days();
  double added = 0.0;
  const int work = mask == kDesignMask ? -1 : std::countr_zero(mask);
  for (const int ib : r.m.on_start_barriers(work)) {
    const auto bi = static_cast<std::size_t>(ib);
    const Barrier& b = r.sc.barriers[bi];
    if (!applies_to(b, s)) continue;
    Rng brng = r.rng(stream_of(bi));
    const double u = brng.uniform01();
    const bool occurs =
        (b.scope == Barrier::Scope::kNational ? r.national_draw[bi] : u) < values_of(r, b, t).probability;
    if (b.effect == Barrier::Effect::kRework) {
      if (occurs) {
        const double f = std::max(0.0, values_of(r, b, t).fraction);
        added += f * base_work;
        count_strike(r, bi, s, t, nullptr, f);
      }
      continue;
    }
    // The effect's draws come after the occurrence's in a stream of this
    // barrier, scheme and piece of work alone, which nothing reads again:
    // when it does not strike they would be thrown away, so they are not
    // made (a what-if in which it strikes draws the same effect).
    if (!occurs) continue;
    const Opened opened = effect_windows(r, b, t, brng, mask);
    if (opened.n > 0) {
      opened.add_to(st.windows);
      count_strike(r, bi, s, t, &opened);
    }
  }
  return added;
}

void start_task(Run& r, int s, int w, int prio);

/// Workstream `w` of scheme `s` is done, now: the scheme hears first (it
/// may now go live), then each workstream that needed it, in topological
/// order, which starts if this was the last of its prerequisites. (The same
/// order, at the same instant and priority, as when they waited on the
/// workstream's signal: the wake-ups of a Signal's waiters.)
/// Component `c` of scheme `s`'s model of care is live, now: the first
/// makes the scheme a pilot (its process hears, if it waits), the last
/// completes its full model.
void part_live(Run& r, int s, int c, bool notify) {
  SchemeRun& st = r.schemes[static_cast<std::size_t>(s)];
  if (++st.parts_live == 1) {
    st.first_part = c;
    if (notify) st.ready_to_go_live->trigger();
  }
  if (st.parts_live == static_cast<int>(st.parts_left.size())) {
    r.out.schemes[static_cast<std::size_t>(s)].full_model = r.sim.now().in_days();
  }
}

void task_done(Run& r, int s, int w) {
  SchemeRun& st = r.schemes[static_cast<std::size_t>(s)];
  for (const int c : r.m.parts(s).needing(w)) {
    if (--st.parts_left[static_cast<std::size_t>(c)] == 0) part_live(r, s, c, true);
  }
  for (const int v : r.m.dependents(w)) {
    if (--st.tasks[static_cast<std::size_t>(v)].prerequisites_left == 0) {
      start_task(r, s, v, sim::priority::kUrgent);
    }
  }
}

// A task's events carry its Run as context and (scheme, workstream) as
// argument, a wake-up also the count of its task's wake-ups cut short when
// it was scheduled.
constexpr std::uint64_t task_arg(int s, int w, std::uint32_t wakes = 0) {
  return (std::uint64_t{wakes} << 16) | (static_cast<std::uint64_t>(s) << 8) | static_cast<unsigned>(w);
}

void begin_task(Simulation& sim, void* ctx, std::uint64_t arg);
void wake_task(Simulation& sim, void* ctx, std::uint64_t arg);

/// Starts workstream `w` of scheme `s` now, after the events already due
/// (as Simulation::start starts a process).
void start_task(Run& r, int s, int w, int prio) {
  r.sim.schedule_at(r.sim.now(), &begin_task, &r, task_arg(s, w), prio);
}

/// Plans the rest of the work through the scheme's windows and waits for
/// the finish (as a process's `until`).
void plan_task(Run& r, int s, int w) {
  TaskRun& tk = r.schemes[static_cast<std::size_t>(s)].tasks[static_cast<std::size_t>(w)];
  const double f = tk.job.plan(r.profile, r.schemes[static_cast<std::size_t>(s)].windows, task_mask(w),
                               std::exchange(tk.rework, 0.0));
  tk.wake = r.sim.schedule_at(wake_time(r, f), &wake_task, &r, task_arg(s, w, tk.wakes));
}

/// The share of transactional work done during co-design: as the decisions
/// in force when co-design ended left it.
double transactional_cut(const Run& r) {
  if (r.st.periods.size() <= 1) return r.st.transactional_cut;
  return r.st.periods[r.st.period_at(r.out.codesign_end)].transactional_cut;
}

void begin_task(Simulation&, void* ctx, std::uint64_t arg) {
  Run& r = *static_cast<Run*>(ctx);
  const auto s = static_cast<int>(arg >> 8), w = static_cast<int>(arg & 0xff);
  const Workstream& ws = r.sc.workstreams[static_cast<std::size_t>(w)];
  SchemeRun& st = r.schemes[static_cast<std::size_t>(s)];
  TaskRun& tk = st.tasks[static_cast<std::size_t>(w)];
  // Started when its last prerequisite was done (see task_done).
  if (!ws.after.empty()) {
    double last = -kNever;
    for (int p : ws.after) {
      const double e = st.tasks[static_cast<std::size_t>(p)].end;
      if (e > last) {
        last = e;
        tk.binding = p;
      }
    }
  }
  tk.start = r.sim.now().in_days();
  const Scheme& scheme = r.sc.schemes[static_cast<std::size_t>(s)];
  Rng rng = r.rng(r.m.streams().work[static_cast<std::size_t>(s)][static_cast<std::size_t>(w)]);
  // At the first period's local rate; later periods' rates are windows.
  double work = draw_days(ws.work, rng) / (scheme.readiness * r.st.local_rate);
  if (ws.kind == Workstream::Kind::kTransactional) work *= 1.0 - transactional_cut(r);
  tk.base_work = work;
  const Model::Streams& streams = r.m.streams();
  work += strike_on_start(r, s, task_mask(w), tk.base_work, [&](std::size_t bi) {
    return streams.task_key(bi, static_cast<std::size_t>(s), static_cast<std::size_t>(w));
  });
  tk.running = true;
  tk.job = Progressor(tk.start, work, 1.0);
  plan_task(r, s, w);
}

void wake_task(Simulation&, void* ctx, std::uint64_t arg) {
  Run& r = *static_cast<Run*>(ctx);
  const auto s = static_cast<int>((arg >> 8) & 0xff), w = static_cast<int>(arg & 0xff);
  SchemeRun& st = r.schemes[static_cast<std::size_t>(s)];
  TaskRun& tk = st.tasks[static_cast<std::size_t>(w)];
  if (arg >> 16 != tk.wakes) return;  // a wake-up since cut short (wake_task_early)
  tk.wake = {};
  if (!tk.job.done_at(r.profile, r.sim.now().in_days(), st.windows, task_mask(w), 1.0)) {
    plan_task(r, s, w);
    return;
  }
  tk.running = false;
  tk.end = r.sim.now().in_days();
  task_done(r, s, w);
}

/// Cuts a running task's wait short: it re-plans now, first among the
/// events due (as Simulation::wake_early does for a process). The wake-up it
/// replaces stays queued and does nothing when it comes: telling it by its
/// count is cheaper than cancelling it, and no other event moves.
void wake_task_early(Run& r, int s, int w) {
  TaskRun& tk = r.schemes[static_cast<std::size_t>(s)].tasks[static_cast<std::size_t>(w)];
  if (!tk.wake.valid() || tk.wake.time <= r.sim.now().in_days()) return;  // already due now
  ++tk.wakes;
  tk.wake = r.sim.schedule_at(r.sim.now(), &wake_task, &r, task_arg(s, w, tk.wakes), sim::priority::kUrgent);
}

Process scheme_process(Run& r, int s) {
  SchemeRun& st = r.schemes[static_cast<std::size_t>(s)];
  SchemeOutcome& out = r.out.schemes[static_cast<std::size_t>(s)];
  const Scheme& scheme = r.sc.schemes[static_cast<std::size_t>(s)];

  // Local design and planning: faster with the central team, which the
  // schemes queue for; meanwhile the scheme makes slower progress alone.
  out.design_start = r.sim.now().in_days();
  Rng rng = r.rng(r.m.streams().design[static_cast<std::size_t>(s)]);
  double design = draw_days(r.sc.design_work, rng) / scheme.readiness;
  Rng ramp_rng = r.rng(r.m.streams().ramp[static_cast<std::size_t>(s)]);
  // Enrolling people is local work: it goes at the local work rate (in
  // force at go-live; divided by it at the end).
  st.ramp = draw_days(r.sc.ramp, ramp_rng);
  const auto& design_streams = r.m.streams().barrier_design;
  design += strike_on_start(r, s, kDesignMask, design,
                            [&](std::size_t bi) { return design_streams[bi][static_cast<std::size_t>(s)]; });
  st.designing = true;
  st.pid = r.sim.current_process();
  r.sim.start(central_support(r, s));
  const double alone = 1.0 / r.sc.unsupported_design_penalty;
  auto design_rate = [&] { return st.supported_from <= r.sim.now().in_days() ? 1.0 : alone; };
  Progressor job(out.design_start, design, design_rate());
  for (;;) {
    const double f = job.plan(r.profile, st.windows, kDesignMask, 0.0);
    co_await r.sim.until(wake_time(r, f));
    if (job.done_at(r.profile, r.sim.now().in_days(), st.windows, kDesignMask, design_rate())) break;
  }
  st.designing = false;
  out.design_end = r.sim.now().in_days();
  st.design_done->trigger();

  // Implementation: every workstream as its own process, started once its
  // prerequisites are done (now, for those with none).
  for (int w : r.m.topological_order()) {
    const Workstream& ws = r.sc.workstreams[static_cast<std::size_t>(w)];
    st.tasks[static_cast<std::size_t>(w)].prerequisites_left = static_cast<int>(ws.after.size());
  }
  const Model::Parts& parts = r.m.parts(s);
  for (std::size_t c = 0; c < parts.needs.size(); ++c) {
    st.parts_left[c] = static_cast<int>(parts.needs[c].size());
    if (parts.needs[c].empty()) part_live(r, s, static_cast<int>(c), false);  // needs nothing: live at once
  }
  for (int w : r.m.topological_order()) {
    if (r.sc.workstreams[static_cast<std::size_t>(w)].after.empty()) start_task(r, s, w, sim::priority::kNormal);
  }
  if (st.parts_live == 0) co_await *st.ready_to_go_live;

  st.live = true;
  out.go_live = r.sim.now().in_days();

  // The critical path: back from the last workstream the first live
  // component needed, along the prerequisite that held each step up.
  int at = -1;
  double last = -kNever;
  for (const int w : parts.needs[static_cast<std::size_t>(st.first_part)]) {
    const auto& t = st.tasks[static_cast<std::size_t>(w)];
    if (t.end > last) {
      last = t.end;
      at = w;
    }
  }
  while (at >= 0) {
    out.critical |= task_mask(at);
    at = st.tasks[static_cast<std::size_t>(at)].binding;
  }
  out.design_critical = true;
}

void fire_strike(Simulation& sim, void* ctx, std::uint64_t i);

/// A timed strike is armed by an event at the start (where a process
/// watching for it would have started), which sets the strike's own event
/// (where that process would have slept until).
void arm_strike(Simulation& sim, void* ctx, std::uint64_t i) {
  const Run& r = *static_cast<Run*>(ctx);
  const double at = r.strikes[static_cast<std::size_t>(i)].at;
  sim.schedule_at(Time::from_days(std::max(at, sim.now().in_days())), &fire_strike, ctx, i);
}

void fire_strike(Simulation&, void* ctx, std::uint64_t i) {
  Run& r = *static_cast<Run*>(ctx);
  const TimedStrike t = r.strikes[static_cast<std::size_t>(i)];
  if (t.slip && r.schemes[static_cast<std::size_t>(t.scheme)].live) return;
  Rng rng = r.rng(t.stream);
  strike_now(r, t.barrier, t.scheme, rng);
}

void add_strike(Run& r, const TimedStrike& t) {
  r.strikes.push_back(t);
  r.sim.schedule_at(r.sim.now(), &arm_strike, &r, r.strikes.size() - 1);
}

Process programme(Run& r) {
  co_await r.sim.until(Time::from_days(r.sc.codesign_start));
  Rng rng = r.rng(r.m.streams().codesign);
  const double factor = r.st.periods[r.st.period_at(r.sim.now().in_days())].codesign_factor;
  co_await r.sim.timeout(Duration::days(draw_days(r.sc.codesign_duration, rng) * factor));
  r.out.codesign_end = r.sim.now().in_days();
  if (r.sim.now().in_days() < r.sc.designation) co_await r.sim.until(Time::from_days(r.sc.designation));
  for (std::size_t s = 0; s < r.schemes.size(); ++s) {
    r.schemes[s].pid = r.sim.start(scheme_process(r, static_cast<int>(s)));
  }
}

/// The occurrences of hazard barrier `bi` when its rate changes from period
/// to period: each unit exponential draw is used up through the periods'
/// rates (the cumulative hazard), so the times are those of a Poisson
/// process with that rate, from the same draws.
void hazard_times(const Run& r, std::size_t bi, Rng& rng, std::vector<double>& times) {
  const Barrier& b = r.sc.barriers[bi];
  const Settings& st = r.st;
  const std::size_t nb = r.sc.barriers.size();
  double t = b.from;
  std::size_t p = st.period_at(t);
  for (int k = 0; k < b.max_occurrences; ++k) {
    double mass = sim::standard_exponential(rng);
    for (;;) {
      const double rate = st.barrier_values[p * nb + bi].rate_per_day;
      const double end = p + 1 < st.period_from.size() ? st.period_from[p + 1] : kNever;
      if (rate > 0.0 && t + mass / rate <= end) {
        t += mass / rate;
        break;
      }
      if (end == kNever || end > r.sc.horizon_day) return;  // no more before the horizon
      if (rate > 0.0) mass -= (end - t) * rate;
      t = end;
      ++p;
    }
    if (t > r.sc.horizon_day) return;
    times.push_back(t);
  }
}

/// Times a timed trigger fires, drawn from `rng` in a fixed order, into
/// `times` (the Run's, reused).
void occurrences(const Run& r, const Barrier& b, Rng& rng, std::vector<double>& times) {
  times.clear();
  if (b.trigger == Barrier::Trigger::kWindow) {
    const double u = rng.uniform01();
    const double when = b.from + (b.to - b.from) * rng.uniform01();
    if (u < values_of(r, b, when).probability) times.push_back(when);
  } else if (b.trigger == Barrier::Trigger::kHazard) {
    const std::size_t bi = static_cast<std::size_t>(&b - r.sc.barriers.data());
    if (r.st.periods.size() > 1) {
      hazard_times(r, bi, rng, times);
      return;
    }
    const double rate = r.st.barrier_values[bi].rate_per_day;
    double t = b.from;
    for (int k = 0; k < b.max_occurrences; ++k) {
      const double gap = sim::standard_exponential(rng);
      if (!(rate > 0.0)) break;
      t += gap / rate;
      if (t > r.sc.horizon_day) break;
      times.push_back(t);
    }
  }
}

/// Lays out every disruption whose timing does not depend on the state of
/// the programme: window and hazard triggers, national or per scheme.
void plan_timed_barriers(Run& r) {
  const auto& streams = r.m.streams();
  for (std::size_t bi = 0; bi < r.sc.barriers.size(); ++bi) {
    const Barrier& b = r.sc.barriers[bi];
    const int ib = static_cast<int>(bi);
    if (b.trigger == Barrier::Trigger::kOnStart) {
      Rng rng = r.rng(streams.barrier_programme[bi]);
      r.national_draw[bi] = rng.uniform01();
      continue;
    }
    if (b.trigger == Barrier::Trigger::kSlip) {
      const double promised = r.st.promised_day;
      if (promised == kNever) continue;
      for (std::size_t s = 0; s < r.schemes.size(); ++s) {
        if (!applies_to(b, static_cast<int>(s))) continue;
        const double at = promised + b.threshold;
        if (at <= r.sc.horizon_day) {
          add_strike(r, TimedStrike{ib, static_cast<int>(s), at, streams.barrier_scheme[bi][s], true});
        }
      }
      continue;
    }
    const std::uint64_t mask = target_mask(b);
    auto strike_scheme = [&](int s, double t, Rng& rng, std::uint64_t stream) {
      if (b.effect == Barrier::Effect::kRework) {
        add_strike(r, TimedStrike{ib, s, t, stream, false});
        return;
      }
      const Opened opened = effect_windows(r, b, t, rng, mask);
      if (opened.n > 0) {
        opened.add_to(r.schemes[static_cast<std::size_t>(s)].windows);
        count_strike(r, bi, s, t, &opened);
      }
    };
    if (b.scope == Barrier::Scope::kNational) {
      // One occurrence for the whole programme, one effect for every scheme.
      Rng rng = r.rng(streams.barrier_programme[bi]);
      occurrences(r, b, rng, r.times);
      for (double t : r.times) {
        if (b.effect == Barrier::Effect::kRework) {
          for (std::size_t s = 0; s < r.schemes.size(); ++s) {
            add_strike(r, TimedStrike{ib, static_cast<int>(s), t, streams.barrier_programme[bi], false});
          }
          continue;
        }
        const Opened opened = effect_windows(r, b, t, rng, mask);
        if (opened.n == 0) continue;
        for (std::size_t s = 0; s < r.schemes.size(); ++s) {
          opened.add_to(r.schemes[s].windows);
          count_strike(r, bi, static_cast<int>(s), t, &opened);
        }
      }
    } else {
      for (std::size_t s = 0; s < r.schemes.size(); ++s) {
        if (!applies_to(b, static_cast<int>(s))) continue;
        Rng rng = r.rng(streams.barrier_scheme[bi][s]);
        occurrences(r, b, rng, r.times);
        for (double t : r.times) strike_scheme(static_cast<int>(s), t, rng, streams.barrier_scheme[bi][s]);
      }
    }
  }
}

double overlap(double a0, double a1, double b0, double b1) {
  return std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
}

/// What was spent: each category's money for a year, committed at its
/// start, is spent while there is work for it and handed back when there is
/// none. The programme team, consultancy and central costs work until the
/// last scheme covers its whole population; a scheme's local support and
/// local costs until it does. A one-off cost is spent in its year. After
/// the funded years, work still going on costs what it cost in the last of
/// them, pro rata: money the programme needs beyond its funding.
/// 1 April of `year`, the start of a financial year, as a day of `cal`.
inline double april_first(const sim::Calendar& cal, int year) {
  return cal.to_time(Date{std::chrono::year(year), std::chrono::April, std::chrono::day(1)}).in_days();
}

void account_spend(const Run& r) {
  const Scenario& sc = r.sc;
  const std::size_t years = sc.funding.size();
  const std::size_t rows = spend_rows(sc);
  const std::size_t cats = years ? r.st.allocation.size() / years : 0;
  r.out.spend.assign(rows * cats, 0.0);
  if (years == 0) return;
  const sim::Calendar cal(sc.calendar_start);
  const auto april = [&](int year) { return april_first(cal, year); };
  double last_covered = sc.codesign_start;
  for (const SchemeOutcome& so : r.out.schemes)
    last_covered = std::max(last_covered, std::min(so.full_coverage, sc.horizon_day));
  const double n = static_cast<double>(std::max<std::size_t>(1, r.out.schemes.size()));
  // The share of [y0, y1) with central work, and the schemes' mean share with local work.
  const auto central_active = [&](double y0, double y1) { return overlap(-kNever, last_covered, y0, y1) / (y1 - y0); };
  const auto local_active = [&](double y0, double y1) {
    double sum = 0.0;  // in id order, so no total depends on the file's order
    for (const int s : r.m.schemes_by_id()) {
      const SchemeOutcome& so = r.out.schemes[static_cast<std::size_t>(s)];
      sum += overlap(-kNever, std::min(so.full_coverage, sc.horizon_day), y0, y1) / (y1 - y0);
    }
    return sum / n;
  };
  const std::vector<Lever::Pot>& pot = r.st.spend_pot;  // in spend_categories' order
  const std::vector<double>& once = r.st.spend_once;
  for (std::size_t y = 0; y < years; ++y) {
    const double y0 = april(sc.funding[y].year), y1 = april(sc.funding[y].year + 1);
    const double c = central_active(y0, y1), l = local_active(y0, y1);
    for (std::size_t k = 0; k < cats; ++k) {
      const double amount = r.st.allocation[y * cats + k];
      const double one_off = y == 0 ? once[k] : 0.0;
      r.out.spend[y * cats + k] = one_off + (amount - one_off) * (pot[k] == Lever::Pot::kCentral ? c : l);
    }
  }
  // After the funded years, at the last year's rates (one-off costs excepted).
  const double y0 = april(sc.funding.back().year + 1);
  const double y1 = std::max(y0 + 1.0, sc.horizon_day);
  const double span = april(sc.funding.back().year + 1) - april(sc.funding.back().year);
  const double c = central_active(y0, y1) * (y1 - y0) / span, l = local_active(y0, y1) * (y1 - y0) / span;
  for (std::size_t k = 0; k < cats; ++k) {
    const double per_year = r.st.allocation[(years - 1) * cats + k] - (years == 1 ? once[k] : 0.0);
    r.out.spend[years * cats + k] = per_year * (pot[k] == Lever::Pot::kCentral ? c : l);
  }
}

/// Random stream keys, derived from names so they survive edits elsewhere.
Model::Streams named_streams(const Scenario& sc) {
  const auto key = [](const std::string& name) { return sim::stream_key(sim::stream_id(name)); };
  Model::Streams streams;
  streams.codesign = key("programme/codesign");
  for (const Lever& l : sc.levers) streams.lever.push_back(key("lever/" + l.id));
  for (const Scheme& s : sc.schemes) {
    streams.design.push_back(key("design/" + s.id));
    streams.ramp.push_back(key("ramp/" + s.id));
    std::vector<std::uint64_t> w;
    for (const Workstream& ws : sc.workstreams) w.push_back(key("work/" + s.id + "/" + ws.id));
    streams.work.push_back(std::move(w));
  }
  for (const Barrier& b : sc.barriers) {
    streams.barrier_programme.push_back(key("barrier/" + b.id));
    std::vector<std::uint64_t> per_scheme, per_design;
    for (const Scheme& s : sc.schemes) {
      per_scheme.push_back(key("barrier/" + b.id + "/" + s.id));
      per_design.push_back(key("barrier/" + b.id + "/" + s.id + "/design"));
    }
    streams.barrier_scheme.push_back(std::move(per_scheme));
    streams.barrier_design.push_back(std::move(per_design));
  }
  streams.workstreams = sc.workstreams.size();
  streams.barriers = sc.barriers.size();
  for (const Scheme& s : sc.schemes)
    for (const Workstream& ws : sc.workstreams)
      for (const Barrier& b : sc.barriers)
        streams.barrier_task.push_back(key("barrier/" + b.id + "/" + s.id + "/" + ws.id));
  return streams;
}
}  // namespace

namespace {
/// The money that buys something, summed over the funded years, £m.
struct Money {
  double central = 0.0;   ///< programme team and consultancy
  double local = 0.0;     ///< the schemes' local support
  double codesign = 0.0;  ///< team and consultancy in the first funded year
};

/// Share of a funding year's support money spent centrally, with the
/// central share (over all years) at `share` against `base` as funded.
double share_in(const FundingYear& fy, double share, double base) {
  const double total = fy.central + fy.local;
  if (total <= 0.0) return 0.0;
  const double as_funded = fy.central / total;
  if (base <= 0.0) return as_funded;
  return std::clamp(as_funded * share / base, 0.0, 1.0);
}

/// The central share the scenario's lever sets now, or as funded.
double central_share_now(const Scenario& sc, double base) {
  if (sc.lever_central_share < 0) return base;
  return std::clamp(sc.levers[static_cast<std::size_t>(sc.lever_central_share)].value, 0.0, 1.0);
}

/// Funding year `y`'s money as the decisions allocate it, with the levers'
/// values as `sc` holds them now, into `row` (spend_categories' order): the
/// central share splits the year's money, every costed lever takes its
/// cost out of its pot, and the programme team and the schemes' local
/// support get what is left (never less than nothing: costs beyond a pot
/// are overspent). Central costs come out of the team's money first, then
/// the consultancy's. What buys something is added to `m`.
void allocate_year(const Scenario& sc, std::size_t y, double central_share, double* row, Money& m) {
  const FundingYear& fy = sc.funding[y];
  const double total = fy.central + fy.local;
  const double central = total * central_share;
  const double consultancy = fy.central > 0.0 ? central * fy.consultancy / fy.central : 0.0;
  double central_costs = 0.0, local_costs = 0.0;
  std::size_t k = 3;
  for (const Lever& l : sc.levers) {
    if (!l.costed()) continue;
    const double cost = std::max(0.0, l.value * (l.cost_per_year + (y == 0 ? l.cost_once : 0.0)));
    row[k++] = cost;
    (l.paid_from == Lever::Pot::kCentral ? central_costs : local_costs) += cost;
  }
  // Consultancy as funded while the money lasts, the team the rest.
  const double available = std::max(0.0, central - central_costs);
  row[1] = std::min(consultancy, available);
  row[0] = available - row[1];
  row[2] = std::max(0.0, total - central - local_costs);
  m.central += row[0] + row[1];
  m.local += row[2];
  if (y == 0) m.codesign = row[0] + row[1];
}

std::size_t spend_categories_count(const Scenario& sc) {
  return 3 + static_cast<std::size_t>(
                 std::count_if(sc.levers.begin(), sc.levers.end(), [](const Lever& l) { return l.costed(); }));
}

/// Period `p`'s values, from the levers' values as `st.values` holds them
/// now, as if they held over every funded year. `central` and `total` are
/// the funding table's central and whole money.
void derive_period(Settings& st, std::size_t p, double central, double total) {
  const Scenario& sc = st.values;
  const std::size_t cats = spend_categories_count(sc);
  const double share = central_share_now(sc, st.base_central_share);
  Money money;
  for (std::size_t y = 0; y < sc.funding.size(); ++y) {
    allocate_year(sc, y, share_in(sc.funding[y], share, st.base_central_share), st.allocation.data() + y * cats, money);
  }
  // What the money buys, against the money the template assumes, with
  // diminishing returns; a pot emptied by costs still buys a little (5%).
  const auto ratio = [](double got, std::optional<double> reference, double as_funded) {
    const double ref = reference.value_or(as_funded);
    return ref > 0.0 ? std::max(0.05, got / ref) : 1.0;
  };
  Settings::Period& out = st.periods[p];
  // More units than schemes would never be used; the bounds also keep the
  // conversion to an integer exact.
  const double capacity =
      std::round(sc.value(sc.central_capacity) *
                 std::pow(ratio(money.central, sc.central_support_reference, central), sc.central_support_elasticity));
  out.central_capacity = static_cast<int>(
      std::clamp(std::isfinite(capacity) ? capacity : 1.0, 1.0, static_cast<double>(sc.schemes.size())));
  out.local_rate = std::max(
      0.05, std::pow(ratio(money.local, sc.local_support_reference, total - central), sc.local_support_elasticity));
  out.codesign_factor =
      std::pow(ratio(money.codesign, sc.codesign_support_reference, sc.funding.empty() ? 0.0 : sc.funding[0].central),
               -sc.codesign_support_elasticity);
  out.transactional_cut = 0.0;
  if (sc.lever_transactional_investment >= 0) {
    out.transactional_cut = std::clamp(
        sc.levers[static_cast<std::size_t>(sc.lever_transactional_investment)].value * sc.transactional_prep_effect,
        0.0, 0.95);
  }
  const std::size_t nb = sc.barriers.size();
  for (std::size_t bi = 0; bi < nb; ++bi) {
    const Barrier& b = sc.barriers[bi];
    st.barrier_values[p * nb + bi] =
        Settings::BarrierValues{sc.value(b.probability), sc.value(b.rate_per_day), sc.value(b.duration_scale),
                                sc.value(b.factor), sc.value(b.fraction)};
  }
}

/// The periods the levers' changes make (Settings::period_from), storage
/// for each period's values, the allocation's, and each lever's value
/// before any change.
void mark_periods(Settings& st) {
  const Scenario& sc = st.values;
  st.period_from.assign(1, -kNever);
  for (const Lever& l : sc.levers)
    for (const Lever::Change& c : l.changes) st.period_from.push_back(c.day);
  std::sort(st.period_from.begin() + 1, st.period_from.end());
  st.period_from.erase(std::unique(st.period_from.begin(), st.period_from.end()), st.period_from.end());
  st.periods.resize(st.period_from.size());
  st.barrier_values.resize(st.period_from.size() * sc.barriers.size());
  st.lever_base.resize(sc.levers.size());
  for (std::size_t l = 0; l < sc.levers.size(); ++l) st.lever_base[l] = sc.levers[l].value;
  st.allocation.assign(sc.funding.size() * spend_categories_count(sc), 0.0);
}

/// The money each funding year gets, with each lever's value weighted by
/// the time it is in force in that year (left in `st.values`; refresh puts
/// the values back). When nothing changes, that is the first period's
/// allocation, which derive_period made with the same values.
void allocate_by_year(Settings& st) {
  Scenario& sc = st.values;
  const std::size_t years = sc.funding.size(), cats = spend_categories_count(sc);
  const bool changing = st.periods.size() > 1;
  std::optional<sim::Calendar> cal;
  if (changing) cal.emplace(sc.calendar_start);
  st.year_central_share.resize(years);
  st.spend_pot.assign({Lever::Pot::kCentral, Lever::Pot::kCentral, Lever::Pot::kLocal});
  st.spend_once.assign(cats, 0.0);
  Money money;
  for (std::size_t y = 0; y < years; ++y) {
    if (changing) {
      const double y0 = april_first(*cal, sc.funding[y].year), y1 = april_first(*cal, sc.funding[y].year + 1);
      for (std::size_t l = 0; l < sc.levers.size(); ++l)
        sc.levers[l].value = sc.levers[l].mean_over(st.lever_base[l], y0, y1);
    }
    st.year_central_share[y] =
        share_in(sc.funding[y], central_share_now(sc, st.base_central_share), st.base_central_share);
    if (changing) allocate_year(sc, y, st.year_central_share[y], st.allocation.data() + y * cats, money);
    if (y > 0) continue;
    // Each category's pot and one-off part, for what is spent of it.
    for (const Lever& l : sc.levers) {
      if (!l.costed()) continue;
      st.spend_once[st.spend_pot.size()] = std::max(0.0, l.value * l.cost_once);
      st.spend_pot.push_back(l.paid_from);
    }
  }
}

bool same_link(const Scaled& a, const Scaled& b) { return a.lever == b.lever && a.form == b.form; }

bool same_barrier(const Barrier& a, const Barrier& b) {
  return a.id == b.id && a.scope == b.scope && a.scheme == b.scheme && a.trigger == b.trigger &&
         a.targets == b.targets && a.design_phase == b.design_phase && a.effect == b.effect &&
         a.national_action_lever == b.national_action_lever && a.workaround.has_value() == b.workaround.has_value() &&
         same_link(a.probability, b.probability) && same_link(a.rate_per_day, b.rate_per_day) &&
         same_link(a.duration_scale, b.duration_scale) && same_link(a.factor, b.factor) &&
         same_link(a.fraction, b.fraction);
}

template <class T, class Same>
bool all_same(const std::vector<T>& a, const std::vector<T>& b, Same same) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), same);
}
}  // namespace

std::vector<SpendCategory> spend_categories(const Scenario& sc) {
  std::vector<SpendCategory> out{{"central_team", "Programme team", Lever::Pot::kCentral, -1},
                                 {"consultancy", "Consultancy", Lever::Pot::kCentral, -1},
                                 {"local_support", "Local support", Lever::Pot::kLocal, -1}};
  for (std::size_t i = 0; i < sc.levers.size(); ++i) {
    const Lever& l = sc.levers[i];
    if (l.costed()) out.push_back({l.id, l.name, l.paid_from, static_cast<int>(i)});
  }
  return out;
}

bool same_structure(const Scenario& a, const Scenario& b) {
  const auto same_scheme = [](const Scheme& x, const Scheme& y) {
    return x.id == y.id && x.components == y.components && x.populations.size() == y.populations.size();
  };
  const auto same_component = [](const Component& x, const Component& y) { return x.id == y.id && x.needs == y.needs; };
  const auto same_workstream = [](const Workstream& x, const Workstream& y) {
    return x.id == y.id && x.kind == y.kind && x.after == y.after && x.needed_for_go_live == y.needed_for_go_live;
  };
  const auto same_lever = [](const Lever& x, const Lever& y) {
    return x.id == y.id && x.kind == y.kind && x.paid_from == y.paid_from;
  };
  const auto same_year = [](const FundingYear& x, const FundingYear& y) { return x.year == y.year; };
  const auto same_milestone = [](const Milestone& x, const Milestone& y) { return x.date == y.date; };
  return a.calendar_start == b.calendar_start && a.horizon == b.horizon && a.horizon_day == b.horizon_day &&
         a.lever_central_share == b.lever_central_share &&
         a.lever_transactional_investment == b.lever_transactional_investment &&
         a.lever_promised_go_live == b.lever_promised_go_live && same_link(a.central_capacity, b.central_capacity) &&
         all_same(a.schemes, b.schemes, same_scheme) && all_same(a.workstreams, b.workstreams, same_workstream) &&
         all_same(a.components, b.components, same_component) && all_same(a.barriers, b.barriers, same_barrier) &&
         all_same(a.levers, b.levers, same_lever) && all_same(a.funding, b.funding, same_year) &&
         all_same(a.milestones, b.milestones, same_milestone);
}

Model::Model(Scenario scenario) {
  settings_.values = std::move(scenario);
  const Scenario& sc = settings_.values;
  const std::size_t nw = sc.workstreams.size();
  // The loader enforces the model's limits with a position in the file; this
  // guards scenarios built in code.
  if (const std::string problem = limits::exceeded(sc); !problem.empty()) throw Error(problem);
  if (sc.schemes.empty()) throw Error("the scenario has no schemes");

  // The workstream graph, checked acyclic.
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  Graph g(nw);
  for (std::size_t w = 0; w < nw; ++w) {
    for (int p : sc.workstreams[w].after) boost::add_edge(static_cast<std::size_t>(p), w, g);
  }
  std::vector<std::size_t> reversed;
  try {
    boost::topological_sort(g, std::back_inserter(reversed));
  } catch (const boost::not_a_dag&) {
    throw Error("the workstream graph of scenario '" + sc.name + "' has a cycle");
  }
  for (auto it = reversed.rbegin(); it != reversed.rend(); ++it) topo_.push_back(static_cast<int>(*it));

  by_id_.resize(sc.schemes.size());
  for (std::size_t i = 0; i < by_id_.size(); ++i) by_id_[i] = static_cast<int>(i);
  std::sort(by_id_.begin(), by_id_.end(), [&](int a, int b) {
    return sc.schemes[static_cast<std::size_t>(a)].id < sc.schemes[static_cast<std::size_t>(b)].id;
  });
  streams_ = named_streams(sc);
  // Who waits for each workstream: one entry per mention in an `after`
  // list, in topological order.
  dependents_.assign(nw, {});
  for (const int v : topo_) {
    for (const int p : sc.workstreams[static_cast<std::size_t>(v)].after) {
      dependents_[static_cast<std::size_t>(p)].push_back(v);
    }
  }
  // The barriers each start of work asks about, in barrier order (which
  // fixes the order of their windows and draws).
  on_start_.assign(nw + 1, {});
  for (std::size_t bi = 0; bi < sc.barriers.size(); ++bi) {
    const Barrier& b = sc.barriers[bi];
    if (b.trigger != Barrier::Trigger::kOnStart) continue;
    const std::uint64_t mask = target_mask(b);
    for (std::size_t w = 0; w < nw; ++w) {
      if (mask & task_mask(static_cast<int>(w))) on_start_[w].push_back(static_cast<int>(bi));
    }
    if (mask & kDesignMask) on_start_[nw].push_back(static_cast<int>(bi));
  }
  // Each scheme's model of care, as components and the workstreams they
  // need; with none in the scenario, one needing every workstream needed
  // for go-live.
  parts_.assign(sc.schemes.size(), {});
  for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
    Parts& p = parts_[s];
    if (sc.components.empty()) {
      p.needs.emplace_back();
      for (std::size_t w = 0; w < nw; ++w)
        if (sc.workstreams[w].needed_for_go_live) p.needs.back().push_back(static_cast<int>(w));
    } else {
      std::vector<int> ids = sc.schemes[s].components;
      if (ids.empty())
        for (std::size_t c = 0; c < sc.components.size(); ++c) ids.push_back(static_cast<int>(c));
      for (const int c : ids) {
        p.components.push_back(c);
        p.needs.push_back(sc.components[static_cast<std::size_t>(c)].needs);
      }
    }
    std::vector<std::vector<int>> by_workstream(nw);
    for (std::size_t c = 0; c < p.needs.size(); ++c)
      for (const int w : p.needs[c]) by_workstream[static_cast<std::size_t>(w)].push_back(static_cast<int>(c));
    p.needing_from_.assign(1, 0);
    for (const std::vector<int>& cs : by_workstream) {
      p.needing_.insert(p.needing_.end(), cs.begin(), cs.end());
      p.needing_from_.push_back(p.needing_.size());
    }
  }
  refresh(settings_);
}

Settings Model::settings_for(Scenario values) const {
  if (!same_structure(settings_.values, values)) {
    throw Error("settings must come from scenario '" + settings_.values.name +
                "' with other numbers only: the schemes, workstreams, barriers or levers differ");
  }
  Settings s;
  s.values = std::move(values);
  refresh(s);
  return s;
}

void Model::refresh(Settings& st) const {
  Scenario& sc = st.values;  // lever values are set period by period, then put back
  // Queue order for the central team: readier schemes first, equal
  // readiness by id. Nothing depends on where a scheme stands in the file.
  // A scheme's rank is the number of schemes ahead of it: at most 64^2
  // comparisons, and no allocation once the vector has its size.
  const auto ahead = [&](std::size_t a, std::size_t b) {
    const Scheme& x = sc.schemes[a];
    const Scheme& y = sc.schemes[b];
    return x.readiness != y.readiness ? x.readiness > y.readiness : x.id < y.id;
  };
  st.scheme_priority.resize(sc.schemes.size());
  for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
    int rank = 0;
    for (std::size_t t = 0; t < sc.schemes.size(); ++t) rank += ahead(t, s) ? 1 : 0;
    st.scheme_priority[s] = rank;
  }

  // Money: the central share as funded, and as the lever sets it.
  double central = 0.0, total = 0.0;
  for (const FundingYear& fy : sc.funding) {
    central += fy.central;
    total += fy.central + fy.local;
  }
  st.base_central_share = total > 0.0 ? central / total : 0.5;
  st.central_share = central_share_now(sc, st.base_central_share);

  // What the levers in force in each period give, as if they held
  // throughout; then each funding year's money.
  mark_periods(st);
  for (std::size_t p = 0; p < st.periods.size(); ++p) {
    if (p > 0) {
      for (std::size_t l = 0; l < sc.levers.size(); ++l)
        sc.levers[l].value = sc.levers[l].value_on(st.lever_base[l], st.period_from[p]);
    }
    derive_period(st, p, central, total);
  }
  allocate_by_year(st);
  for (std::size_t l = 0; l < sc.levers.size(); ++l) sc.levers[l].value = st.lever_base[l];

  const Settings::Period& first = st.periods[0];
  st.central_capacity = first.central_capacity;
  st.local_rate = first.local_rate;
  st.codesign_factor = first.codesign_factor;
  st.transactional_cut = first.transactional_cut;
  st.promised_day = kNever;
  if (sc.lever_promised_go_live >= 0) {
    st.promised_day = sc.levers[static_cast<std::size_t>(sc.lever_promised_go_live)].value;
  }
  // A promise far off lets local work drift until it comes within reach.
  st.drift = std::clamp(sc.promise_drift, 0.0, 1.0);
  st.drift_until = st.promised_day == kNever ? -kNever : st.promised_day - sc.promise_slack;
  if (st.drift >= 1.0 || st.drift_until <= sc.designation) {
    st.drift = 1.0;
    st.drift_until = -kNever;
  }
}

double Settings::central_share_in(std::size_t year) const { return year_central_share[year]; }

namespace {
void set_capacity(Simulation&, void* ctx, std::uint64_t capacity) {
  static_cast<Run*>(ctx)->central.set_capacity(static_cast<std::int64_t>(capacity));
}

/// Decisions that change at dates: the central team's capacity changes at
/// each period's start, and local work (not design) goes at each period's
/// local rate against the first's, which the work was measured at.
void follow_changes(Run& r) {
  const Settings& st = r.st;
  for (std::size_t p = 1; p < st.periods.size(); ++p) {
    const double from = st.period_from[p];
    if (from > r.sc.horizon_day) break;
    if (st.periods[p].central_capacity != st.periods[p - 1].central_capacity) {
      r.sim.schedule_at(Time::from_days(std::max(0.0, from)), &set_capacity, &r,
                        static_cast<std::uint64_t>(st.periods[p].central_capacity));
    }
    const double factor = st.periods[p].local_rate / st.local_rate;
    if (factor == 1.0) continue;
    const double to = p + 1 < st.periods.size() ? st.period_from[p + 1] : kNever;
    for (SchemeRun& scheme : r.schemes) scheme.windows.push_back(Window{from, to, factor, ~kDesignMask});
  }
}
}  // namespace

void Model::simulate(const Settings& settings, std::uint64_t seed, std::uint64_t index, ReplicationOutcome& out,
                     Trace* trace) const {
  const Scenario& sc = settings.values;
  out.codesign_end = kNever;
  out.schemes.assign(sc.schemes.size(), SchemeOutcome{});
  out.barrier_hits.assign(sc.barriers.size(), 0);
  thread_local Workspace workspace;  // its storage is reused from one replication to the next
  Run r(*this, settings, seed, index, out, workspace);
  if (trace != nullptr) {
    trace->strikes.clear();
    r.trace = trace;
  }
  if (settings.drift < 1.0) {
    // A promise far off: every scheme's local work drifts until it is near.
    for (SchemeRun& scheme : r.schemes) {
      scheme.windows.push_back(Window{sc.designation, settings.drift_until, settings.drift, ~std::uint64_t{0}});
    }
  }
  if (settings.periods.size() > 1) follow_changes(r);
  plan_timed_barriers(r);
  r.sim.start(programme(r));
  r.sim.run_until(Time::from_days(sc.horizon_day));
  for (std::size_t s = 0; s < out.schemes.size(); ++s) {
    SchemeOutcome& so = out.schemes[s];
    if (so.go_live > sc.horizon_day) so.go_live = kNever;
    if (so.design_end > sc.horizon_day) so.design_end = kNever;
    if (so.full_model > sc.horizon_day) so.full_model = kNever;
    // Its first population group is enrolled from the pilot, the others
    // once the full model is live, each over the scheme's ramp; it covers
    // its whole population when every group is enrolled under the full model.
    so.ramp = r.schemes[s].ramp / settings.periods[settings.period_at(std::min(so.go_live, sc.horizon_day))].local_rate;
    const bool more_groups = sc.schemes[s].populations.size() > 1;
    const double full = std::max(so.go_live + so.ramp, so.full_model + (more_groups ? so.ramp : 0.0));
    so.full_coverage = full <= sc.horizon_day ? full : kNever;
  }
  account_spend(r);
  if (trace != nullptr) {
    const auto when = [&](double d) { return d <= sc.horizon_day ? d : kNever; };
    trace->work_start.assign(sc.schemes.size(), {});
    trace->work_end.assign(sc.schemes.size(), {});
    trace->central_support.assign(sc.schemes.size(), kNever);
    for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
      for (const TaskRun& tk : r.schemes[s].tasks) {
        trace->work_start[s].push_back(when(tk.start));
        trace->work_end[s].push_back(when(tk.end));
      }
      trace->central_support[s] = when(r.schemes[s].supported_from);
    }
    trace->lever_day = r.lever_day;
  }
}

}  // namespace wsic::model
