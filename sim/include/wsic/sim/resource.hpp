#pragma once
/// Shared resources that processes queue for, and containers of quantities.

#include <algorithm>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <utility>

#include "wsic/sim/process.hpp"

namespace wsic::sim {

/// How a resource orders its waiting queue.
enum class Discipline {
  kFifo,  ///< first come, first served; a free unit is granted at once
  /// Smaller priority value first; first come first within a priority.
  /// Requests made at the same instant are all heard before any is granted
  /// (the decision is taken at the end of the instant, priority::kLast), so
  /// a free unit goes to the most urgent of them, not to whichever asked
  /// first. Units given back are handed on the same way.
  kPriority,
};

namespace detail {
/// A FIFO of trivially copyable waiters in a ring of power-of-two size,
/// with insertion and removal at any place (shifting the rest). A waiting
/// queue is short and taken from the front: std::deque's blocks and its
/// out-of-line push and pop cost more than the wait they serve.
template <class T>
class Ring {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  T& operator[](std::size_t i) noexcept { return buf_[(head_ + i) & mask_]; }
  const T& operator[](std::size_t i) const noexcept { return buf_[(head_ + i) & mask_]; }
  T& front() noexcept { return buf_[head_]; }
  void push_back(const T& v) {
    if (size_ == capacity_) [[unlikely]]
      grow();
    buf_[(head_ + size_) & mask_] = v;
    ++size_;
  }
  void pop_front() noexcept {
    head_ = (head_ + 1) & mask_;
    --size_;
  }
  /// Puts `v` at place `i` (<= size()); the waiters from `i` on move back one.
  void insert(std::size_t i, const T& v) {
    push_back(v);
    for (std::size_t j = size_ - 1; j > i; --j) (*this)[j] = (*this)[j - 1];
    (*this)[i] = v;
  }
  /// The place of the first waiter for which `pred` holds, or size().
  template <class Pred>
  std::size_t find(Pred pred) const {
    std::size_t i = 0;
    while (i < size_ && !pred((*this)[i])) ++i;
    return i;
  }
  /// Removes the waiter at place `i` (< size()); those after it move up one.
  void erase(std::size_t i) noexcept {
    for (; i + 1 < size_; ++i) (*this)[i] = (*this)[i + 1];
    --size_;
  }

 private:
  [[gnu::noinline]] void grow() {
    const std::size_t capacity = std::max<std::size_t>(8, 2 * capacity_);
    auto buf = std::make_unique_for_overwrite<T[]>(capacity);
    for (std::size_t i = 0; i < size_; ++i) buf[i] = (*this)[i];
    buf_ = std::move(buf);
    capacity_ = capacity;
    mask_ = capacity - 1;
    head_ = 0;
  }
  std::unique_ptr<T[]> buf_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::size_t mask_ = 0;
};
}  // namespace detail

class Resource;

/// One unit of a resource held by a process; released when the Lease is
/// destroyed or `release()` is called. Move-only.
class Lease {
 public:
  Lease() = default;
  explicit Lease(Resource* r) noexcept : r_(r) {}
  Lease(Lease&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  Lease& operator=(Lease&& o) noexcept {
    if (this != &o) {
      release();
      r_ = std::exchange(o.r_, nullptr);
    }
    return *this;
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() { release(); }

  bool held() const noexcept { return r_ != nullptr; }
  inline void release() noexcept;

 private:
  Resource* r_ = nullptr;
};

/// A resource with `capacity` identical units (a team, a consultancy, a
/// steering committee's attention) and a waiting queue. Processes ask with
/// `Lease lease = co_await resource.request();` Made and owned by the
/// simulation (`sim.make<Resource>(capacity, discipline)`), so it outlives
/// every process that uses it. Not thread-safe.
class Resource {
 public:
  Resource(Simulation::Passkey, Simulation& sim, std::int64_t capacity, Discipline discipline = Discipline::kFifo);
  Resource(const Resource&) = delete;
  Resource& operator=(const Resource&) = delete;

  class Request;
  /// Awaitable: one unit, waiting if none is free. `prio` orders the queue
  /// under Discipline::kPriority (smaller first).
  Request request(int prio = 0) noexcept;
  /// Returns one unit; the next waiter (if any) gets it now.
  void release();

  std::int64_t capacity() const noexcept { return capacity_; }
  std::int64_t in_use() const noexcept { return in_use_; }
  std::size_t queue_length() const noexcept { return queue_.size(); }
  /// Changes the number of units; waiters are granted any new ones at once.
  /// Units in use above a lowered capacity are not taken back.
  void set_capacity(std::int64_t capacity);
  /// Time integral of units in use, in unit-days (utilisation = this /
  /// (capacity * elapsed)).
  double busy_unit_days() const noexcept;
  Simulation& simulation() const noexcept { return sim_; }

 private:
  struct Waiter {  // in queue order: by priority, then first come
    int prio;
    Request* request;
  };
  void account() noexcept;
  void enqueue(Request* r, int prio);
  void withdraw(Request* r) noexcept;
  void grant_waiting();
  /// Grants now (FIFO) or at the end of the instant (priority).
  void serve_waiting();
  static void dispatch_event(Simulation& sim, void* ctx, std::uint64_t);

  Simulation& sim_;
  std::int64_t capacity_;
  std::int64_t in_use_ = 0;
  Discipline discipline_;
  detail::Ring<Waiter> queue_;
  double busy_integral_ = 0.0;
  Time last_change_ = Time::zero();
  bool dispatch_pending_ = false;

  friend class Request;
};

class [[nodiscard("co_await it: on its own it does nothing")]] Resource::Request {
 public:
  Request(Resource & r, int prio) noexcept : r_(r), prio_(prio) {}
  bool await_ready() noexcept {
    if (r_.discipline_ == Discipline::kFifo && r_.queue_.empty() && r_.in_use_ < r_.capacity_) {
      r_.account();
      ++r_.in_use_;
      granted_ = true;
      return true;
    }
    return false;
  }
  void await_suspend(std::coroutine_handle<>) {
    pid_ = r_.sim_.current_process();
    r_.enqueue(this, prio_);
    r_.sim_.park({&Request::withdraw, this});
    if (r_.discipline_ == Discipline::kPriority) r_.serve_waiting();
  }
  Lease await_resume() {
    std::uint64_t cause = 0;
    if (pid_.valid() && r_.sim_.take_interrupt(pid_, cause)) {
      // Granted in the instant before the interrupt landed: hand the unit back.
      if (granted_) r_.release();
      throw Interrupt(cause);
    }
    return Lease(&r_);
  }

 private:
  static void withdraw(void* ctx) noexcept {
    auto* self = static_cast<Request*>(ctx);
    self->r_.withdraw(self);
  }
  void grant() {
    granted_ = true;
    r_.sim_.wake(pid_);
  }
  Resource& r_;
  int prio_;
  bool granted_ = false;
  ProcessId pid_;
  friend class Resource;
};

inline Resource::Request Resource::request(int prio) noexcept { return Request(*this, prio); }

inline void Lease::release() noexcept {
  if (r_) std::exchange(r_, nullptr)->release();
}

/// A continuous quantity with a capacity (a budget, a pool of staff time).
/// `put` adds at once; `co_await container.get(x)` waits until `x` is there
/// (first come, first served: a large request is not overtaken by small ones).
/// Made and owned by the simulation: `sim.make<Container>(capacity, initial)`.
class Container {
 public:
  Container(Simulation::Passkey, Simulation& sim, double capacity, double initial = 0.0);
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;

  double level() const noexcept { return level_; }
  double capacity() const noexcept { return capacity_; }
  /// Adds `amount` (>= 0); throws wsic::Error if that would pass the capacity.
  void put(double amount);
  /// Takes `amount` now if it is there and nobody is waiting; true if taken.
  bool try_get(double amount);

  class Get;
  Get get(double amount) noexcept;
  Simulation& simulation() const noexcept { return sim_; }

 private:
  struct Waiter {
    double amount;
    Get* get;
  };
  void serve();
  void withdraw(Get* g) noexcept;

  Simulation& sim_;
  double capacity_;
  double level_;
  detail::Ring<Waiter> queue_;
  friend class Get;
};

class [[nodiscard("co_await it: on its own it does nothing")]] Container::Get {
 public:
  Get(Container & c, double amount) noexcept : c_(c), amount_(amount) {}
  bool await_ready() { return c_.try_get(amount_); }
  void await_suspend(std::coroutine_handle<>) {
    pid_ = c_.sim_.current_process();
    c_.queue_.push_back({amount_, this});
    c_.sim_.park({&Get::withdraw, this});
  }
  void await_resume() {
    std::uint64_t cause = 0;
    if (pid_.valid() && c_.sim_.take_interrupt(pid_, cause)) {
      if (granted_) c_.put(amount_);
      throw Interrupt(cause);
    }
  }

 private:
  static void withdraw(void* ctx) noexcept {
    auto* self = static_cast<Get*>(ctx);
    self->c_.withdraw(self);
  }
  Container& c_;
  double amount_;
  bool granted_ = false;
  ProcessId pid_;
  friend class Container;
};

inline Container::Get Container::get(double amount) noexcept { return Get(*this, amount); }

}  // namespace wsic::sim
