#pragma once
/// Coroutine processes, so model code reads like the story it tells:
///
///   Process scheme(Simulation& sim, Signal& agreement) {
///     co_await sim.timeout(Duration::months(9));   // design and planning
///     co_await agreement;                          // held until signed
///     ...
///   }
///   sim.start(scheme(sim, agreement));
///
/// A process waits for a delay (`timeout`), a `Signal`, a signal or a
/// deadline, whichever comes first (`wait_for`), a condition
/// (`wait_until`), all of or any of several signals, another process
/// (`join`), or a resource (see resource.hpp), and can await a `Task`, a
/// coroutine of its own that does any of these and returns a value. Any
/// wait can be interrupted (`Simulation::interrupt`): the process then
/// resumes with `Interrupt` thrown at its co_await and may catch it and
/// change course.

#include <algorithm>
#include <array>
#include <concepts>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <iterator>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "wsic/sim/simulation.hpp"

namespace wsic::sim {

namespace detail {
// Frames carry a 16-byte header saying whether the pool or the heap owns them.
inline void* allocate_frame(FramePool* pool, std::size_t n) {
  constexpr std::size_t kHeader = 16;
  void* raw = pool ? pool->allocate(n + kHeader) : ::operator new(n + kHeader);
  *static_cast<FramePool**>(raw) = pool;
  return static_cast<std::byte*>(raw) + kHeader;
}
inline void free_frame(void* p, std::size_t n) noexcept {
  constexpr std::size_t kHeader = 16;
  void* raw = static_cast<std::byte*>(p) - kHeader;
  FramePool* pool = *static_cast<FramePool**>(raw);
  if (pool) {
    pool->deallocate(raw, n + kHeader);
  } else {
    ::operator delete(raw);
  }
}
/// A vector with room for N elements inline: most signals have one or two
/// waiters and most all_of / any_of waits name a few signals, and a heap
/// allocation for each would cost more than the rest of the wait.
template <class T, std::size_t N>
class SmallVec {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  SmallVec() = default;
  template <std::contiguous_iterator It>
  SmallVec(It first, It last) {
    const auto n = static_cast<std::size_t>(last - first);
    if (n <= N) {
      std::copy(first, last, inline_);
    } else {
      heap_.assign(first, last);
    }
    size_ = n;
  }
  SmallVec(const SmallVec& o) { assign(o); }
  SmallVec& operator=(const SmallVec& o) {
    if (this != &o) {
      clear();
      assign(o);
    }
    return *this;
  }
  /// Takes `o`'s elements (its heap storage, if any) and leaves it empty.
  SmallVec(SmallVec&& o) noexcept { take(o); }
  SmallVec& operator=(SmallVec&& o) noexcept {
    if (this != &o) {
      clear();
      take(o);
    }
    return *this;
  }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + size_; }
  const T* begin() const noexcept { return data(); }
  const T* end() const noexcept { return data() + size_; }
  T& operator[](std::size_t i) noexcept { return data()[i]; }
  const T& operator[](std::size_t i) const noexcept { return data()[i]; }
  T& front() noexcept { return data()[0]; }
  void clear() noexcept {
    size_ = 0;
    heap_.clear();
  }
  /// Keeps the first `n` elements (n <= size()).
  void truncate(std::size_t n) noexcept {
    if (size_ > N && n <= N) {
      std::copy(heap_.begin(), heap_.begin() + static_cast<std::ptrdiff_t>(n), inline_);
      heap_.clear();
    } else if (size_ > N) {
      heap_.resize(n);
    }
    size_ = n;
  }
  void push_back(const T& v) {
    if (size_ < N) {
      inline_[size_++] = v;
      return;
    }
    if (size_ == N) heap_.assign(inline_, inline_ + N);
    heap_.push_back(v);
    ++size_;
  }
  template <class Pred>
  void erase_if(Pred pred) {
    std::size_t kept = 0;
    T* d = data();
    for (std::size_t i = 0; i < size_; ++i) {
      if (!pred(d[i])) d[kept++] = d[i];
    }
    truncate(kept);
  }

 private:
  T* data() noexcept { return size_ > N ? heap_.data() : inline_; }
  const T* data() const noexcept { return size_ > N ? heap_.data() : inline_; }
  void assign(const SmallVec& o) {
    for (const T& v : o) push_back(v);
  }
  void take(SmallVec& o) noexcept {
    if (o.size_ > N) {
      heap_ = std::move(o.heap_);
      o.heap_.clear();
    } else {
      std::copy(o.inline_, o.inline_ + o.size_, inline_);
    }
    size_ = std::exchange(o.size_, 0);
  }
  T inline_[N] = {};
  std::vector<T> heap_;
  std::size_t size_ = 0;
};

template <class...>
inline constexpr bool kNever = false;

template <class T>
concept HasSimulation = requires(T& t) {
  { t.simulation() } -> std::same_as<Simulation&>;
};
}  // namespace detail

/// The return type of a process coroutine. Hand it to `Simulation::start`;
/// a Process that is never started is destroyed with its frame.
class [[nodiscard("hand it to Simulation::start: on its own it does nothing")]] Process {
 public:
  struct promise_type {
    Process get_return_object() noexcept { return Process(std::coroutine_handle<promise_type>::from_promise(*this)); }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { error = std::current_exception(); }

    // A coroutine whose first parameter is the Simulation (or an object with
    // a `simulation()` accessor, for member coroutines) gets its frame from
    // that simulation's pool.
    template <class... Args>
    static void* operator new(std::size_t n, Simulation& sim, Args&...) {
      return detail::allocate_frame(&sim.frame_pool(), n);
    }
    template <detail::HasSimulation Owner, class... Args>
    static void* operator new(std::size_t n, Owner& owner, Args&...) {
      return detail::allocate_frame(&owner.simulation().frame_pool(), n);
    }
    static void* operator new(std::size_t n) { return detail::allocate_frame(nullptr, n); }
    static void operator delete(void* p, std::size_t n) noexcept { detail::free_frame(p, n); }

    std::exception_ptr error;
  };

  Process(Process && o) noexcept : h_(std::exchange(o.h_, {})) {}
  Process& operator=(Process&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    if (h_) h_.destroy();
  }

  /// Gives up ownership of the frame (the simulation takes it).
  std::coroutine_handle<promise_type> release() noexcept { return std::exchange(h_, {}); }

 private:
  explicit Process(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

template <class T = void>
class Task;

namespace detail {
/// What every Task promise shares: where its frame comes from, the frame to
/// resume when it ends, and the exception it ended with.
class TaskPromiseBase {
 public:
  // A Task's first parameter is the Simulation, or an object with a
  // `simulation()` accessor (for member coroutines): its frame comes from
  // that simulation's pool, and it needs the simulation to hand the process
  // over between frames. The catch-all constructor only explains the mistake.
  template <class... Args>
  explicit TaskPromiseBase(Simulation& sim, Args&...) noexcept : sim_(&sim) {}
  template <HasSimulation Owner, class... Args>
  explicit TaskPromiseBase(Owner& owner, Args&...) noexcept : sim_(&owner.simulation()) {}
  template <class... Args>
  explicit TaskPromiseBase(Args&...) noexcept {
    static_assert(kNever<Args...>,
                  "a Task coroutine's first parameter must be the Simulation, or an object with a "
                  "simulation() accessor");
  }

  template <class... Args>
  static void* operator new(std::size_t n, Simulation& sim, Args&...) {
    return allocate_frame(&sim.frame_pool(), n);
  }
  template <HasSimulation Owner, class... Args>
  static void* operator new(std::size_t n, Owner& owner, Args&...) {
    return allocate_frame(&owner.simulation().frame_pool(), n);
  }
  static void operator delete(void* p, std::size_t n) noexcept { free_frame(p, n); }

  std::suspend_always initial_suspend() noexcept { return {}; }
  /// Ends the Task by handing the process back to the frame that awaited it.
  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <class Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> ended) noexcept {
      TaskPromiseBase& p = ended.promise();
      // Cannot fail: the process is running (it was checked when the Task started).
      p.sim_->set_active_frame(p.awaiting_);
      // Ended without ever waiting: the awaiter that started it is still on
      // the stack and carries on itself. Otherwise continue the awaiting
      // frame directly (symmetric transfer).
      if (p.started_inline_) return std::noop_coroutine();
      return p.awaiting_;
    }
    void await_resume() const noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  Simulation* sim_ = nullptr;
  std::coroutine_handle<> awaiting_;
  std::exception_ptr error_;
  bool started_inline_ = false;  // true until the Task first waits (or ends)
};

template <class T>
class TaskPromise : public TaskPromiseBase {
 public:
  using TaskPromiseBase::TaskPromiseBase;
  Task<T> get_return_object() noexcept;
  template <class U = T>
  requires std::constructible_from<T, U&&>
  void return_value(U&& v) { value_.emplace(std::forward<U>(v)); }
  T take() {
    if (error_) std::rethrow_exception(error_);
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class TaskPromise<void> : public TaskPromiseBase {
 public:
  using TaskPromiseBase::TaskPromiseBase;
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() {
    if (error_) std::rethrow_exception(error_);
  }
};
}  // namespace detail

/// A coroutine a process calls and waits for: `T x = co_await step(sim, ...)`.
/// The way to split a long process into functions that themselves wait.
///
///   Task<double> design(Simulation& sim, Resource& team) {
///     Lease lease = co_await team.request();
///     co_await sim.timeout(Duration::days(30));
///     co_return 30.0;
///   }
///   Process scheme(Simulation& sim, Resource& team) {
///     const double took = co_await design(sim, team);   // 30 days later
///   }
///
/// A Task starts when awaited (not before), runs as part of the awaiting
/// process, and when it returns the process carries on after the co_await
/// with its value, or with its exception rethrown there. Everything a
/// process can wait for works the same inside a Task, at any depth:
/// `current_process()` is the awaiting process, and an interrupt is thrown
/// at the wait the innermost Task is in, then propagates outwards like any
/// exception unless caught. The first parameter must be the Simulation (or
/// an object with a `simulation()` accessor): the frame comes from its pool.
///
/// A Task is awaited once, as an rvalue; one never awaited is destroyed
/// unstarted. While it is suspended its frame is owned by the awaiting
/// frame, so ending the process or destroying the simulation destroys the
/// frames innermost first. Not thread-safe.
template <class T>
class [[nodiscard("co_await it: a Task starts only when awaited")]] Task {
 public:
  using promise_type = detail::TaskPromise<T>;

  Task(Task && o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (h_) h_.destroy();
  }

  class Awaiter {
   public:
    explicit Awaiter(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
    bool await_ready() const noexcept { return false; }
    // Runs the Task until it first waits or ends. If it ended, the awaiting
    // frame carries on without suspending: a loop over Tasks that never
    // wait grows no stack, even where the compiler cannot make symmetric
    // transfer a tail call (-O0, sanitizers).
    bool await_suspend(std::coroutine_handle<> awaiting) {
      WSIC_ASSERT(h_, "awaiting an empty Task");
      promise_type& p = h_.promise();
      p.sim_->set_active_frame(h_);
      p.awaiting_ = awaiting;
      p.started_inline_ = true;
      h_.resume();
      p.started_inline_ = false;
      return !h_.done();
    }
    T await_resume() { return h_.promise().take(); }

   private:
    std::coroutine_handle<promise_type> h_;
  };
  Awaiter operator co_await()&& noexcept { return Awaiter(h_); }

 private:
  friend promise_type;
  explicit Task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

template <class T>
Task<T> detail::TaskPromise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<TaskPromise>::from_promise(*this));
}
inline Task<void> detail::TaskPromise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<TaskPromise>::from_promise(*this));
}

/// Awaiting a delay: `co_await sim.timeout(d)`.
///
/// This and every other awaitable here is [[nodiscard]]: `sim.timeout(d);`
/// without co_await would build the awaitable and drop it, waiting for
/// nothing.
class [[nodiscard("co_await it: on its own it does nothing")]] Timeout {
 public:
  Timeout(Simulation & sim, Duration d) noexcept : sim_(sim), d_(d) {}
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<>) {
    pid_ = sim_.current_process();
    return sim_.sleep_until(sim_.now() + d_);
  }
  void await_resume() {
    std::uint64_t cause = 0;
    if (sim_.take_interrupt(pid_, cause)) throw Interrupt(cause);
  }

 private:
  Simulation& sim_;
  Duration d_;
  ProcessId pid_;
};

/// Awaiting a point in time: `co_await sim.until(t)`.
class [[nodiscard("co_await it: on its own it does nothing")]] Until {
 public:
  Until(Simulation & sim, Time t) noexcept : sim_(sim), t_(t) {}
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<>) {
    pid_ = sim_.current_process();
    return sim_.sleep_until(t_ < sim_.now() ? sim_.now() : t_);
  }
  void await_resume() {
    std::uint64_t cause = 0;
    if (sim_.take_interrupt(pid_, cause)) throw Interrupt(cause);
  }

 private:
  Simulation& sim_;
  Time t_;
  ProcessId pid_;
};

inline Timeout Simulation::timeout(Duration d) noexcept { return Timeout(*this, d); }
inline Until Simulation::until(Time t) noexcept { return Until(*this, t); }

/// Something that happens once (a latch): processes wait for it with
/// `co_await signal`; once triggered it stays triggered (until `reset`), so
/// a later wait continues at once. `notify()` instead wakes the current
/// waiters without latching (a condition variable), which is what
/// `wait_until` re-checks its predicate on. A Signal must outlive its waiters.
class Signal {
 public:
  /// A waiter's callback; returns true when it is done with this signal
  /// (and is then removed), false to keep waiting.
  struct Waiter {
    bool (*fn)(void* ctx, Signal& s) = nullptr;
    void* ctx = nullptr;
  };

  explicit Signal(Simulation& sim) : sim_(&sim) {}
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;
  ~Signal() {
    if (timer_.valid()) sim_->cancel(timer_);
  }

  Simulation& simulation() const noexcept { return *sim_; }
  bool triggered() const noexcept { return triggered_; }
  /// Latches the signal and wakes every waiter (at the current time).
  void trigger() {
    if (triggered_) return;
    triggered_ = true;
    if (timer_.valid()) {
      sim_->cancel(timer_);
      timer_ = {};
    }
    dispatch();
  }
  /// Latches the signal at time `t` (an earlier pending trigger is replaced).
  void trigger_at(Time t);
  void trigger_after(Duration d) { trigger_at(sim_->now() + d); }
  /// Wakes the current waiters without latching.
  void notify() { dispatch(); }
  /// Back to untriggered; a pending `trigger_at` is cancelled.
  void reset() noexcept {
    triggered_ = false;
    if (timer_.valid()) {
      sim_->cancel(timer_);
      timer_ = {};
    }
  }

  void add_waiter(Waiter w) { waiters_.push_back(w); }
  void remove_waiter(void* ctx) noexcept {
    waiters_.erase_if([ctx](const Waiter& w) { return w.ctx == ctx; });
  }
  std::size_t waiting() const noexcept { return waiters_.size(); }

  class Awaiter;
  Awaiter operator co_await() noexcept;

 private:
  void dispatch() {
    // Callbacks may add or remove waiters: call the ones there now, taken
    // out of the list (new waiters go to the emptied list), then put back
    // those that keep waiting, ahead of any added meanwhile.
    if (waiters_.empty()) return;
    detail::SmallVec<Waiter, 4> called = std::move(waiters_);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < called.size(); ++i) {
      const Waiter w = called[i];
      if (!w.fn(w.ctx, *this)) called[kept++] = w;
    }
    if (kept == 0) return;  // the usual case: everyone was woken
    called.truncate(kept);
    for (const Waiter& w : waiters_) called.push_back(w);
    waiters_ = std::move(called);
  }

  Simulation* sim_;
  detail::SmallVec<Waiter, 4> waiters_;
  EventId timer_;
  bool triggered_ = false;
};

class [[nodiscard("co_await it: on its own it does nothing")]] Signal::Awaiter {
 public:
  explicit Awaiter(Signal & s) noexcept : s_(s) {}
  bool await_ready() const noexcept { return s_.triggered(); }
  void await_suspend(std::coroutine_handle<>) {
    pid_ = s_.simulation().current_process();
    s_.add_waiter({&Awaiter::on_signal, this});
    s_.simulation().park({&Awaiter::withdraw, this});
  }
  void await_resume() {
    std::uint64_t cause = 0;
    if (pid_.valid() && s_.simulation().take_interrupt(pid_, cause)) throw Interrupt(cause);
  }

 private:
  static bool on_signal(void* ctx, Signal&) {
    auto* self = static_cast<Awaiter*>(ctx);
    self->s_.simulation().wake(self->pid_);
    return true;
  }
  static void withdraw(void* ctx) {
    auto* self = static_cast<Awaiter*>(ctx);
    self->s_.remove_waiter(self);
  }
  Signal& s_;
  ProcessId pid_;
};

inline Signal::Awaiter Signal::operator co_await() noexcept { return Awaiter(*this); }

/// Waits until `pred()` holds, re-checking each time `changed` is notified or
/// triggered: `co_await wait_until(changed, [&] { return budget > 0; })`.
template <class Pred>
class [[nodiscard("co_await it: on its own it does nothing")]] WaitUntil {
 public:
  WaitUntil(Signal & changed, Pred pred) : s_(changed), pred_(std::move(pred)) {}
  bool await_ready() { return pred_(); }
  void await_suspend(std::coroutine_handle<>) {
    pid_ = s_.simulation().current_process();
    s_.add_waiter({&WaitUntil::on_signal, this});
    s_.simulation().park({&WaitUntil::withdraw, this});
  }
  void await_resume() {
    std::uint64_t cause = 0;
    if (pid_.valid() && s_.simulation().take_interrupt(pid_, cause)) throw Interrupt(cause);
  }

 private:
  static bool on_signal(void* ctx, Signal&) {
    auto* self = static_cast<WaitUntil*>(ctx);
    if (!self->pred_()) return false;
    self->s_.simulation().wake(self->pid_);
    return true;
  }
  static void withdraw(void* ctx) {
    auto* self = static_cast<WaitUntil*>(ctx);
    self->s_.remove_waiter(self);
  }
  Signal& s_;
  Pred pred_;
  ProcessId pid_;
};

template <class Pred>
WaitUntil<Pred> wait_until(Signal& changed, Pred pred) {
  return WaitUntil<Pred>(changed, std::move(pred));
}

/// Waits for all of or any of several signals. `co_await any_of(a, b)`
/// yields the index of the first to fire; `co_await all_of(a, b)` yields the
/// index of the last. (Variadic rather than braced lists: g++ 12 miscompiles
/// braced initialiser lists inside co_await expressions.)
class [[nodiscard("co_await it: on its own it does nothing")]] WaitSignals {
 public:
  WaitSignals(std::span<Signal* const> signals, bool all) : signals_(signals.begin(), signals.end()), all_(all) {
    WSIC_ASSERT(!signals_.empty(), "all_of / any_of needs at least one signal");
  }

  bool await_ready() {
    std::size_t fired = 0;
    for (std::size_t i = 0; i < signals_.size(); ++i) {
      if (signals_[i]->triggered()) {
        ++fired;
        last_ = i;
        if (!all_) return true;
      }
    }
    return all_ && fired == signals_.size();
  }
  void await_suspend(std::coroutine_handle<>) {
    Simulation& sim = signals_.front()->simulation();
    pid_ = sim.current_process();
    remaining_ = 0;
    for (Signal* s : signals_) {
      if (!s->triggered()) {
        s->add_waiter({&WaitSignals::on_signal, this});
        ++remaining_;
      }
    }
    sim.park({&WaitSignals::withdraw, this});
  }
  std::size_t await_resume() {
    std::uint64_t cause = 0;
    if (pid_.valid() && signals_.front()->simulation().take_interrupt(pid_, cause)) {
      throw Interrupt(cause);
    }
    return last_;
  }

 private:
  static bool on_signal(void* ctx, Signal& s) {
    auto* self = static_cast<WaitSignals*>(ctx);
    for (std::size_t i = 0; i < self->signals_.size(); ++i) {
      if (self->signals_[i] == &s) self->last_ = i;
    }
    if (self->all_ && --self->remaining_ > 0) return true;
    // Done: leave the other signals' waiter lists, then wake.
    for (Signal* other : self->signals_) {
      if (other != &s) other->remove_waiter(self);
    }
    s.simulation().wake(self->pid_);
    return true;
  }
  static void withdraw(void* ctx) {
    auto* self = static_cast<WaitSignals*>(ctx);
    for (Signal* s : self->signals_) s->remove_waiter(self);
  }

  detail::SmallVec<Signal*, 8> signals_;
  bool all_;
  std::size_t remaining_ = 0;
  std::size_t last_ = 0;
  ProcessId pid_;
};

template <class... S>
requires(std::same_as<S, Signal>&&...) WaitSignals all_of(S&... s) {
  return WaitSignals(std::array<Signal*, sizeof...(S)>{&s...}, true);
}
template <class... S>
requires(std::same_as<S, Signal>&&...) WaitSignals any_of(S&... s) {
  return WaitSignals(std::array<Signal*, sizeof...(S)>{&s...}, false);
}
inline WaitSignals all_of(std::span<Signal* const> s) { return WaitSignals(s, true); }
inline WaitSignals any_of(std::span<Signal* const> s) { return WaitSignals(s, false); }

/// Waits for a signal or for a time to pass, whichever comes first:
/// `const bool signed_off = co_await wait_for(approval, Duration::days(30))`
/// is true when the signal fired and false when the time ran out. A signal
/// already triggered gives true at once, without suspending. Whichever side
/// loses is withdrawn on the spot (the timer is cancelled, or the process
/// leaves the signal's waiters), so it never wakes the process later.
///
/// Ties go to the signal: the deadline is judged at the end of its instant,
/// in an event of priority::kLast, so a signal fired at the deadline by any
/// event of lower priority (every ordinary event, whenever it was
/// scheduled) counts as fired in time. An infinite duration waits for the
/// signal alone. An interrupt withdraws both sides and is thrown as usual;
/// `wake_early` does not cut this wait short.
class [[nodiscard("co_await it: on its own it does nothing")]] WaitFor {
 public:
  WaitFor(Signal & s, Duration d) noexcept : s_(s), d_(d) {}
  bool await_ready() noexcept {
    fired_ = s_.triggered();
    return fired_;
  }
  void await_suspend(std::coroutine_handle<>) {
    Simulation& sim = s_.simulation();
    pid_ = sim.current_process();
    // Scheduled first: a negative or NaN duration throws here, before
    // anything is registered that would need undoing. With no deadline there
    // is no timer, rather than one that would run the clock out to infinity.
    const Time deadline = sim.now() + d_;
    if (deadline != Time::never()) {
      timer_ = sim.schedule_at(deadline, &WaitFor::on_timeout, this, 0, priority::kLast);
    }
    s_.add_waiter({&WaitFor::on_signal, this});
    sim.park({&WaitFor::withdraw, this});
  }
  bool await_resume() {
    std::uint64_t cause = 0;
    if (pid_.valid() && s_.simulation().take_interrupt(pid_, cause)) throw Interrupt(cause);
    return fired_;
  }

 private:
  static bool on_signal(void* ctx, Signal& s) {
    auto* self = static_cast<WaitFor*>(ctx);
    s.simulation().cancel(self->timer_);
    self->fired_ = true;
    s.simulation().wake(self->pid_);
    return true;
  }
  static void on_timeout(Simulation & sim, void* ctx, std::uint64_t) {
    auto* self = static_cast<WaitFor*>(ctx);
    self->s_.remove_waiter(self);
    sim.wake(self->pid_);
  }
  static void withdraw(void* ctx) {
    auto* self = static_cast<WaitFor*>(ctx);
    self->s_.remove_waiter(self);
    self->s_.simulation().cancel(self->timer_);
  }
  Signal& s_;
  Duration d_;
  EventId timer_;
  ProcessId pid_;
  bool fired_ = false;
};

inline WaitFor wait_for(Signal& s, Duration d) { return WaitFor(s, d); }

/// Waits for another process to end: `co_await join(sim, pid)`. Continues at
/// once if it already ended.
class [[nodiscard("co_await it: on its own it does nothing")]] Join {
 public:
  Join(Simulation & sim, ProcessId target) noexcept : sim_(sim), target_(target) {}
  bool await_ready() const noexcept { return !sim_.is_alive(target_); }
  void await_suspend(std::coroutine_handle<>) {
    pid_ = sim_.current_process();
    sim_.on_exit(target_, {&Join::on_exit, this});
    sim_.park({&Join::withdraw, this});
  }
  void await_resume() {
    std::uint64_t cause = 0;
    if (pid_.valid() && sim_.take_interrupt(pid_, cause)) throw Interrupt(cause);
  }

 private:
  static void on_exit(void* ctx) {
    auto* self = static_cast<Join*>(ctx);
    self->sim_.wake(self->pid_);
  }
  static void withdraw(void* ctx) {
    auto* self = static_cast<Join*>(ctx);
    self->sim_.remove_on_exit(self->target_, self);
  }
  Simulation& sim_;
  ProcessId target_;
  ProcessId pid_;
};

inline Join join(Simulation& sim, ProcessId target) { return Join(sim, target); }

}  // namespace wsic::sim
