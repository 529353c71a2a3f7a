#pragma once
/// The simulation: a clock, a pending-event set with a total order, and the
/// table of coroutine processes. One `Simulation` per replication; it is an
/// ordinary object with no global state, and is not thread-safe.

#include <algorithm>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "wsic/sim/error.hpp"
#include "wsic/sim/event_queue.hpp"
#include "wsic/sim/time.hpp"

namespace wsic::sim {

class Simulation;
class Process;
class Timeout;
class Until;

/// Names a scheduled event so it can be cancelled. Stale ids are harmless:
/// cancelling an event that already ran or was cancelled does nothing.
struct EventId {
  double time = 0.0;
  std::uint64_t key = 0;  ///< 0 means "no event"
  constexpr bool valid() const noexcept { return key != 0; }
};

/// Names a process. Stale ids (the process ended and its slot was reused) are
/// detected by the generation count.
struct ProcessId {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;  ///< 0 means "no process"
  constexpr bool valid() const noexcept { return generation != 0; }
  constexpr bool operator==(const ProcessId&) const = default;
};

/// Event priorities: among events at the same time, a smaller priority runs
/// first; among equal priorities, the one scheduled first runs first.
namespace priority {
inline constexpr int kUrgent = -100;  ///< wake-ups of processes that were granted or interrupted
inline constexpr int kNormal = 0;
inline constexpr int kLate = 100;
/// Runs after every other event of the same instant: a resource that orders
/// its waiters decides here between the requests made at that instant.
inline constexpr int kLast = (1 << 15) - 1;
}  // namespace priority

/// Thrown into a waiting process by `Simulation::interrupt`. A process may
/// catch it and carry on (or change course); one it does not catch simply
/// ends that process.
class Interrupt : public std::exception {
 public:
  explicit Interrupt(std::uint64_t cause) noexcept : cause_(cause) {}
  std::uint64_t cause() const noexcept { return cause_; }
  const char* what() const noexcept override { return "process interrupted"; }

 private:
  std::uint64_t cause_;
};

/// Size-classed free lists for coroutine frames: a replication creates and
/// ends thousands of short processes, and a pool makes that allocation a
/// pointer pop. Owned by one Simulation; not thread-safe.
class FramePool {
 public:
  FramePool() = default;
  FramePool(const FramePool&) = delete;
  FramePool& operator=(const FramePool&) = delete;

  static constexpr std::size_t kGranule = 64;
  static constexpr std::size_t kClasses = 32;  // frames up to 2 KiB pooled

  void* allocate(std::size_t bytes) {
    const std::size_t cls = (bytes + kGranule - 1) / kGranule;
    if (cls < kClasses) {
      if (FreeNode* n = free_[cls]) [[likely]] {
        free_[cls] = n->next;
        return n;
      }
    }
    return allocate_new(cls, bytes);
  }
  void deallocate(void* p, std::size_t bytes) noexcept {
    const std::size_t cls = (bytes + kGranule - 1) / kGranule;
    if (cls >= kClasses) [[unlikely]] {
      ::operator delete(p);
      return;
    }
    auto* n = static_cast<FreeNode*>(p);
    n->next = free_[cls];
    free_[cls] = n;
  }

 private:
  /// A frame of class `cls` from the current chunk (or a new one), or from
  /// the heap for frames too large to pool.
  void* allocate_new(std::size_t cls, std::size_t bytes);

  struct FreeNode {
    FreeNode* next;
  };
  FreeNode* free_[kClasses] = {};
  std::vector<std::unique_ptr<std::byte[]>> chunks_;
  std::byte* cursor_ = nullptr;
  std::size_t left_ = 0;
};

namespace detail {
/// A set of event keys (never 0) for the cancelled events still queued: open
/// addressing with linear probing in a power-of-two table kept at most half
/// full, deletion by backward shift (no tombstones). A replication cancels a
/// few dozen events; a node-based set spent more on each insert and erase
/// (an allocation, a hash, a node) than the rest of the cancellation.
/// Keeps its table when cleared.
class KeySet {
 public:
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  bool contains(std::uint64_t key) const noexcept {
    if (size_ == 0) return false;
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      if (slots_[i] == key) return true;
      if (slots_[i] == 0) return false;
    }
  }
  /// Adds `key` (not 0, not present).
  void insert(std::uint64_t key) {
    if (2 * (size_ + 1) > capacity_) grow();
    std::size_t i = home(key);
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = key;
    ++size_;
  }
  /// Removes `key` if present.
  void erase(std::uint64_t key) noexcept {
    if (size_ == 0) return;
    std::size_t i = home(key);
    while (slots_[i] != key) {
      if (slots_[i] == 0) return;
      i = (i + 1) & mask_;
    }
    // Backward shift: pull later keys of the run into the hole when their
    // home is not between the hole and them (cyclically).
    for (std::size_t j = (i + 1) & mask_; slots_[j] != 0; j = (j + 1) & mask_) {
      const std::size_t h = home(slots_[j]);
      if (((j - h) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = 0;
    --size_;
  }
  void clear() noexcept {
    if (size_ != 0) std::fill(slots_.get(), slots_.get() + capacity_, std::uint64_t{0});
    size_ = 0;
  }

 private:
  std::size_t home(std::uint64_t key) const noexcept {
    return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> 32) & mask_;
  }
  void grow();

  std::unique_ptr<std::uint64_t[]> slots_;
  std::size_t capacity_ = 0;  // a power of two, or 0
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};
}  // namespace detail

class Simulation {
 public:
  Simulation();
  /// Tears down in a safe order whatever the model left running: first every
  /// process frame still alive (a lease it holds goes back to a resource that
  /// still exists), then events that never ran, then the objects made with
  /// `make`.
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  /// Back to the state of a new Simulation: tears down what is left as the
  /// destructor does (process frames, events that never ran, the objects
  /// made with `make`), then sets the clock to zero. Keeps its memory (the
  /// frame pool, the event queue's and the process table's storage), so a
  /// thread that runs replication after replication on one Simulation
  /// allocates almost nothing once warm. Ids from before are all stale.
  void reset();

  /// The current simulated time.
  Time now() const noexcept { return now_; }

  /// Schedules `fn(sim, ctx, arg)` at time `t` (not before now). Throws
  /// wsic::Error for a time in the past or not a number.
  [[gnu::always_inline]] EventId schedule_at(Time t, EventFn fn, void* ctx, std::uint64_t arg = 0,
                                             int prio = priority::kNormal) {
    check_time(t);
    return enqueue(t, fn, ctx, arg, prio);
  }
  EventId schedule_after(Duration d, EventFn fn, void* ctx, std::uint64_t arg = 0, int prio = priority::kNormal) {
    return schedule_at(now_ + d, fn, ctx, arg, prio);
  }

  /// Schedules any callable `f()` at time `t`. Small trivially copyable
  /// callables (up to two pointers) travel inside the event; larger ones are
  /// kept on the heap until the event runs or is cancelled.
  template <class F>
  requires std::is_invocable_v < std::decay_t<F>
  & > EventId schedule_at(Time t, F&& f, int prio = priority::kNormal) {
    using Fn = std::decay_t<F>;
    check_time(t);
    if constexpr (sizeof(Fn) <= 16 && alignof(Fn) <= 8 && std::is_trivially_copyable_v<Fn> &&
                  std::is_trivially_destructible_v<Fn>) {
      struct Bytes {
        void* ctx = nullptr;
        std::uint64_t arg = 0;
      } bytes;
      std::memcpy(static_cast<void*>(&bytes), &f, sizeof(Fn));
      return enqueue(t, &call_inline<Fn>, bytes.ctx, bytes.arg, prio);
    } else {
      auto* holder = new HeapCallableOf<Fn>(std::forward<F>(f));
      return enqueue(t, &call_heap, static_cast<HeapCallable*>(holder), 0, prio);
    }
  }
  template <class F>
  requires std::is_invocable_v < std::decay_t<F>
  & > EventId schedule_after(Duration d, F&& f, int prio = priority::kNormal) {
    return schedule_at(now_ + d, std::forward<F>(f), prio);
  }

  /// Cancels a pending event; true if it was pending.
  bool cancel(EventId id);
  /// True while the event is scheduled and neither run nor cancelled. Exact;
  /// O(1) but for an event due at the current instant, which is looked up
  /// (among the events due then, or at worst the few hundred of a small
  /// queue).
  bool is_pending(EventId id) const noexcept {
    if (!id.valid() || id.time < last_time_) return false;
    if (cancelled_.contains(id.key)) return false;
    if (id.time > last_time_) return true;
    // Due at the instant events are being taken at: it ran, or it waits
    // still (within an instant, an event scheduled at a more urgent
    // priority runs before older ones, so its key says nothing). Look.
    return held(id);
  }
  /// Events scheduled and not yet run or cancelled.
  std::size_t pending_events() const noexcept {
    // Every event scheduled is eventually run or cancelled; counting it this
    // way keeps a counter update (and a store-forwarding stall) off the hot path.
    return static_cast<std::size_t>(seq_ - 1 - events_run_ - cancelled_total_);
  }
  /// Events run so far.
  std::uint64_t events_run() const noexcept { return events_run_; }

  /// Runs the next event; false when there is none.
  bool step() {
    const LimitScope one_event(run_limit_, -std::numeric_limits<double>::infinity());
    return step_until(std::numeric_limits<double>::infinity());
  }
  /// Runs until no events are left or `stop()` is called.
  void run();
  /// Runs every event with time <= `end`, then sets the clock to `end`
  /// (unless stopped earlier).
  void run_until(Time end);
  /// Makes `run` / `run_until` return after the current event.
  void stop() noexcept { stopped_ = true; }

  // ---- processes ----------------------------------------------------------

  /// In a process: `co_await sim.timeout(d)` waits for `d` (process.hpp).
  Timeout timeout(Duration d) noexcept;
  /// In a process: `co_await sim.until(t)` waits until time `t` (process.hpp).
  Until until(Time t) noexcept;

  /// Starts a coroutine process: its body begins at the current time, after
  /// events already scheduled for now.
  ProcessId start(Process&& process, int prio = priority::kNormal);
  /// True until the process's body has returned (or ended by an exception).
  bool is_alive(ProcessId pid) const noexcept {
    return pid.valid() && pid.slot < procs_.size() && procs_[pid.slot].generation == pid.generation;
  }
  /// The process whose body is running now (invalid outside process code).
  ProcessId current_process() const noexcept { return current_; }
  /// Interrupts a suspended process: whatever it waits for is withdrawn and
  /// it resumes now with `Interrupt(cause)` thrown at its co_await. Returns
  /// false (and does nothing) if the process is not alive, is the one
  /// running, has not started yet, or already has an interrupt pending.
  bool interrupt(ProcessId pid, std::uint64_t cause = 0);
  /// Cuts short a process's `timeout` or `until`: it resumes now, with no
  /// exception; it can tell by the clock that it woke early. The cheap way to
  /// tell a process "your plans changed": no stack unwinding. Returns false
  /// if the process is not alive, is running, or is not sleeping on a time.
  bool wake_early(ProcessId pid);
  /// Processes started and not yet ended.
  std::size_t live_processes() const noexcept { return live_procs_; }

  FramePool& frame_pool() noexcept { return pool_; }

  // ---- objects processes share ----------------------------------------------

  /// Only the simulation can make the objects that processes hold on to
  /// across waits (resources, containers): their constructors take a Passkey.
  class Passkey {
    friend class Simulation;
    Passkey() = default;
  };
  /// Makes a `T` owned by this simulation: `Resource& team =
  /// sim.make<Resource>(4, Discipline::kPriority)`. It lives until the
  /// simulation is destroyed, after every process frame, so nothing a
  /// process holds can outlive what it refers to, whatever order the model
  /// declares things in.
  template <class T, class... Args>
  T& make(Args&&... args) {
    auto owned = std::make_unique<OwnedOf<T>>(Passkey{}, *this, std::forward<Args>(args)...);
    T& ref = owned->value;
    owned_.push_back(std::move(owned));
    return ref;
  }
  /// True while the destructor is tearing the simulation down: objects given
  /// back then (a lease released by a frame being destroyed) must not wake or
  /// schedule anything.
  bool tearing_down() const noexcept { return tearing_down_; }

  // ---- the protocol between processes and what they wait for --------------
  // Awaiters use these; model code does not need them.

  /// Something a suspended process can be taken out of when interrupted.
  struct CancelHook {
    void (*fn)(void* ctx) = nullptr;
    void* ctx = nullptr;
  };
  /// Suspends the running process until `t`.
  void wake_at(Time t, int prio = priority::kNormal) {
    WSIC_ASSERT(current_.valid(), "wake_at outside a process");
    check_time(t);
    procs_[current_.slot].wake = enqueue(t, &Simulation::resume_event, nullptr, resume_arg(current_), prio);
  }
  /// Suspends the running process until `t`, as `wake_at(t)` does, unless
  /// that wake-up would be the very next event run anyway: nothing due now,
  /// nothing queued before it, within the end of the `run` or `run_until`
  /// under way (never during a `step`), and not stopped. Then the process
  /// is not suspended: the clock moves to `t`, the event counts as run, and
  /// the caller carries on (false, as an `await_suspend` that declines to
  /// suspend). The same events in the same order, one trip through the
  /// queue and the loop fewer.
  [[gnu::always_inline]] bool sleep_until(Time t) {
    WSIC_ASSERT(current_.valid(), "sleep_until outside a process");
    check_time(t);
    const std::uint64_t key = next_key(priority::kNormal);
    const QueueEntry e{t.in_days(), key, &Simulation::resume_event, nullptr, resume_arg(current_)};
    if (e.time <= run_limit_ && lanes_.empty() && !stopped_ && (queue_.empty() || precedes(e, queue_.peek()))) {
      last_time_ = e.time;
      now_ = t;
      ++events_run_;
      return false;
    }
    procs_[current_.slot].wake = EventId{e.time, key};
    push_entry(e);
    return true;
  }
  /// Suspends the running process on something external; `hook` withdraws it.
  void park(CancelHook hook) noexcept;
  /// Makes a parked process runnable now. Returns false if it is not parked.
  bool wake(ProcessId pid, int prio = priority::kUrgent);
  /// Called on resumption: if an interrupt is pending for `pid`, clears it and
  /// returns true (the awaiter then throws Interrupt with `interrupt_cause`).
  bool take_interrupt(ProcessId pid, std::uint64_t& cause) noexcept {
    if (interrupts_pending_ == 0) [[likely]]
      return false;
    if (!is_alive(pid)) return false;
    ProcessSlot& p = procs_[pid.slot];
    if (!p.interrupt_pending) return false;
    p.interrupt_pending = false;
    --interrupts_pending_;
    cause = p.interrupt_cause;
    return true;
  }
  /// The running process continues in frame `h` when next resumed: a Task
  /// (process.hpp) makes itself the process's active frame when it starts
  /// and hands back to the frame that awaited it when it ends, so a wait
  /// inside a Task suspends the whole process and resumes the Task.
  void set_active_frame(std::coroutine_handle<> h) {
    WSIC_ASSERT(current_.valid(), "a Task can only be awaited inside a running process");
    procs_[current_.slot].active = h;
  }
  /// Registers `hook` to be run when `pid` ends; returns false if it already ended.
  bool on_exit(ProcessId pid, CancelHook hook);
  /// Withdraws a hook registered with `on_exit`.
  void remove_on_exit(ProcessId pid, void* ctx) noexcept;

 private:
  struct HeapCallable {
    virtual ~HeapCallable() = default;
    virtual void call() = 0;
  };
  template <class Fn>
  struct HeapCallableOf final : HeapCallable {
    template <class G>
    explicit HeapCallableOf(G&& g) : fn(std::forward<G>(g)) {}
    void call() override { fn(); }
    Fn fn;
  };
  static void call_heap(Simulation&, void* ctx, std::uint64_t) {
    std::unique_ptr<HeapCallable> owned(static_cast<HeapCallable*>(ctx));
    owned->call();
  }
  template <class Fn>
  static void call_inline(Simulation&, void* ctx, std::uint64_t arg) {
    alignas(8) unsigned char buf[16];
    std::memcpy(buf, &ctx, 8);
    std::memcpy(buf + 8, &arg, 8);
    (*std::launder(reinterpret_cast<Fn*>(buf)))();
  }

  struct Owned {
    virtual ~Owned() = default;
  };
  template <class T>
  struct OwnedOf final : Owned {
    template <class... Args>
    explicit OwnedOf(Args&&... args) : value(std::forward<Args>(args)...) {}
    T value;
  };

  struct ProcessSlot {
    std::coroutine_handle<> handle;  // the process's own frame, which owns any Task frames
    std::coroutine_handle<> active;  // the frame to resume: `handle`, or the innermost Task awaited
    std::uint32_t generation = 0;    // 0 while free
    EventId wake;                    // a pending resumption
    CancelHook hook;                 // set while parked
    bool started = false;
    bool interrupt_pending = false;
    std::uint64_t interrupt_cause = 0;
    std::vector<CancelHook> exit_hooks;
  };

  /// Sets the time up to which `sleep_until` may carry a process on without
  /// suspending it, for the life of a run (or none, for a step), and puts
  /// back the enclosing run's when it ends, however it ends.
  class LimitScope {
   public:
    LimitScope(double& limit, double value) noexcept : limit_(limit), saved_(std::exchange(limit, value)) {}
    ~LimitScope() { limit_ = saved_; }
    LimitScope(const LimitScope&) = delete;
    LimitScope& operator=(const LimitScope&) = delete;

   private:
    double& limit_;
    double saved_;
  };

  static constexpr int kPriorityBias = 1 << 15;
  static constexpr std::uint64_t kSeqBits = 48;
  static_assert(kSeqBits == NowLanes::kPriorityShift);

  void check_time(Time t) const {
    if (!(t >= now_)) throw_bad_time(t);
  }
  [[noreturn]] void throw_bad_time(Time t) const;

  bool held(const EventId& id) const noexcept { return lanes_.holds(id.key) || queue_.holds(id.time, id.key); }

  /// The key of the next event scheduled at priority `prio`.
  [[gnu::always_inline]] std::uint64_t next_key(int prio) {
    const auto biased = static_cast<std::uint64_t>(static_cast<std::int64_t>(prio) + kPriorityBias);
    WSIC_ASSERT(biased < 2 * kPriorityBias && seq_ < (std::uint64_t{1} << kSeqBits),
                "event priority out of range, or event sequence space exhausted");
    return (biased << kSeqBits) | seq_++;
  }
  /// Queues `e`: due now, in a FIFO lane of its priority, no sorting (see
  /// NowLanes); otherwise, or when no lane takes it, in the calendar queue.
  [[gnu::always_inline]] void push_entry(const QueueEntry& e) {
    if (e.time != now_.in_days() || !lanes_.push(e)) queue_.push(e);
  }
  [[gnu::always_inline]] EventId enqueue(Time t, EventFn fn, void* ctx, std::uint64_t arg, int prio) {
    const std::uint64_t key = next_key(prio);
    const QueueEntry e{t.in_days(), key, fn, ctx, arg};
    push_entry(e);
    return EventId{e.time, key};
  }

  /// An event due now (start, wake-up, interrupt): no time to check, and
  /// it goes to its priority's lane unless no lane can take it.
  [[gnu::always_inline]] EventId enqueue_now(EventFn fn, std::uint64_t arg, int prio) {
    const std::uint64_t key = next_key(prio);
    const QueueEntry e{now_.in_days(), key, fn, nullptr, arg};
    if (!lanes_.push(e)) [[unlikely]]
      queue_.push(e);
    return EventId{e.time, key};
  }

  /// Takes out the next event if it is due no later than `limit`.
  bool take_next(double limit, QueueEntry& e) {
    if (!lanes_.empty()) {
      // Everything in the lanes is due now, and nothing queued is earlier.
      const QueueEntry& first = lanes_.front();
      if (first.time > limit) return false;
      if (!queue_.empty()) {
        const QueueEntry& q = queue_.peek();
        if (q.time == first.time && q.key < first.key) {
          e = queue_.pop_peeked();
          return true;
        }
      }
      e = lanes_.pop();
      return true;
    }
    if (queue_.empty() || queue_.peek().time > limit) return false;
    e = queue_.pop_peeked();
    return true;
  }
  /// Runs the next event due no later than `limit`; false if there is none.
  bool step_until(double limit) {
    QueueEntry e;
    while (take_next(limit, e)) {
      last_time_ = e.time;
      // Cancelled events leave the queue in the same total order as the
      // others, so one that comes out now is the earliest cancelled one.
      if (!cancelled_order_.empty() && cancelled_order_.front().key == e.key) [[unlikely]] {
        drop_cancelled(e);
        continue;
      }
      now_ = Time::from_days(e.time);
      ++events_run_;
      // Most events resume a process: call that directly.
      if (e.fn == &Simulation::resume_event) [[likely]] {
        resume(e.arg);
      } else {
        e.fn(*this, e.ctx, e.arg);
      }
      return true;
    }
    return false;
  }
  void drop_cancelled(const QueueEntry& e);
  /// Frames, events that never ran, then owned objects (the destructor and reset).
  void tear_down() noexcept;

  static constexpr std::uint64_t resume_arg(ProcessId pid) noexcept {
    return (std::uint64_t{pid.generation} << 32) | pid.slot;
  }
  /// Resumes the process `arg` (resume_arg) names, unless it ended since.
  /// Slots are never removed but by reset(), which drops every event, so the
  /// slot exists.
  void resume(std::uint64_t arg) {
    const auto slot = static_cast<std::uint32_t>(arg);
    const auto generation = static_cast<std::uint32_t>(arg >> 32);
    ProcessSlot& p = procs_[slot];
    if (p.generation != generation) return;
    p.wake = {};
    p.hook = {};
    p.started = true;
    const ProcessId outer = current_;
    current_ = ProcessId{slot, generation};
    p.active.resume();
    current_ = outer;
    // The body may have started processes and so moved the table: look again.
    if (procs_[slot].handle.done()) finish(slot);
  }
  static void resume_event(Simulation& sim, void* ctx, std::uint64_t arg);
  void finish(std::uint32_t slot);
  /// finish() for a process that ended with an exception, is waited for, or
  /// was interrupted as it ended.
  [[gnu::noinline]] void finish_slow(std::uint32_t slot);
  /// Destroys an ended process's frame and clears its slot (not yet free).
  [[gnu::always_inline]] inline void end_frame(ProcessSlot& p) noexcept;
  std::uint32_t take_process_slot();

  Time now_ = Time::zero();
  EventQueue queue_;
  NowLanes lanes_;
  // Cancelled events still queued, skipped when they come out: a min-heap
  // in the queue's order (the next one out is on top), and their keys, for
  // is_pending.
  std::vector<EventId> cancelled_order_;
  detail::KeySet cancelled_;
  double last_time_ = -std::numeric_limits<double>::infinity();  // of the last event taken out
  double run_limit_ = -std::numeric_limits<double>::infinity();  // see sleep_until
  std::uint64_t seq_ = 1;
  std::uint64_t cancelled_total_ = 0;
  std::uint64_t events_run_ = 0;
  bool stopped_ = false;

  FramePool pool_;  // declared before procs_: frames are destroyed first
  std::vector<ProcessSlot> procs_;
  std::vector<std::uint32_t> free_procs_;
  std::size_t live_procs_ = 0;
  std::uint32_t interrupts_pending_ = 0;  // processes with an interrupt not yet taken
  ProcessId current_;
  std::uint32_t next_generation_ = 1;
  std::vector<std::unique_ptr<Owned>> owned_;  // destroyed last, newest first
  bool tearing_down_ = false;
};

}  // namespace wsic::sim
