#include "wsic/sim/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "wsic/sim/process.hpp"

namespace wsic::sim {

// ---- FramePool --------------------------------------------------------------

void* FramePool::allocate_new(std::size_t cls, std::size_t bytes) {
  if (cls >= kClasses) return ::operator new(bytes);
  const std::size_t size = cls * kGranule;
  if (left_ < size) {
    constexpr std::size_t kChunk = 64 * 1024;
    // Not zero-filled: a frame's contents are the coroutine's to initialise.
    chunks_.push_back(std::make_unique_for_overwrite<std::byte[]>(kChunk));
    cursor_ = chunks_.back().get();
    left_ = kChunk;
  }
  void* p = cursor_;
  cursor_ += size;
  left_ -= size;
  return p;
}

// ---- KeySet ---------------------------------------------------------------------

void detail::KeySet::grow() {
  const std::size_t capacity = std::max<std::size_t>(16, 2 * capacity_);
  auto old = std::move(slots_);
  const std::size_t old_capacity = capacity_;
  slots_ = std::make_unique<std::uint64_t[]>(capacity);  // zeroed: every slot empty
  capacity_ = capacity;
  mask_ = capacity - 1;
  size_ = 0;
  for (std::size_t i = 0; i < old_capacity; ++i) {
    if (old[i] != 0) insert(old[i]);
  }
}

// ---- Simulation ---------------------------------------------------------------

Simulation::Simulation() = default;

Simulation::~Simulation() { tear_down(); }

void Simulation::tear_down() noexcept {
  // Frames first (they may hold Leases and other objects that refer to the
  // simulation and to what it made), then heap callables of events that
  // never ran, then the owned objects, newest first.
  tearing_down_ = true;
  for (ProcessSlot& p : procs_) {
    if (p.generation != 0 && p.handle) {
      // A Task the process is inside lives in its frame and goes with it,
      // innermost first.
      p.active = {};
      std::exchange(p.handle, {}).destroy();
    }
  }
  const auto free_callable = [](const QueueEntry& e) {
    if (e.fn == &call_heap) delete static_cast<HeapCallable*>(e.ctx);
  };
  while (!lanes_.empty()) free_callable(lanes_.pop());
  while (!queue_.empty()) free_callable(queue_.pop());
  cancelled_order_.clear();
  cancelled_.clear();
  while (!owned_.empty()) owned_.pop_back();
}

void Simulation::reset() {
  tear_down();
  now_ = Time::zero();
  last_time_ = -std::numeric_limits<double>::infinity();
  run_limit_ = -std::numeric_limits<double>::infinity();
  seq_ = 1;
  cancelled_total_ = 0;
  events_run_ = 0;
  stopped_ = false;
  procs_.clear();
  free_procs_.clear();
  live_procs_ = 0;
  interrupts_pending_ = 0;
  current_ = {};
  next_generation_ = 1;
  tearing_down_ = false;
}

void Simulation::throw_bad_time(Time t) const {
  throw Error("cannot schedule an event at day " + std::to_string(t.in_days()) + ": the clock is at day " +
              std::to_string(now_.in_days()) + " and events can only be scheduled now or later");
}

bool Simulation::cancel(EventId id) {
  if (!is_pending(id)) return false;
  // The entry stays in the queue and is skipped when it comes out; a heap
  // callable is freed then.
  cancelled_.insert(id.key);
  cancelled_order_.push_back(id);
  std::push_heap(cancelled_order_.begin(), cancelled_order_.end(), [](const EventId& a, const EventId& b) {
    return b.time < a.time || (b.time == a.time && b.key < a.key);
  });
  ++cancelled_total_;
  return true;
}

void Simulation::drop_cancelled(const QueueEntry& e) {
  std::pop_heap(cancelled_order_.begin(), cancelled_order_.end(), [](const EventId& a, const EventId& b) {
    return b.time < a.time || (b.time == a.time && b.key < a.key);
  });
  cancelled_order_.pop_back();
  cancelled_.erase(e.key);
  if (e.fn == &call_heap) delete static_cast<HeapCallable*>(e.ctx);
}

void Simulation::run() {
  stopped_ = false;
  const double limit = std::numeric_limits<double>::infinity();
  const LimitScope run(run_limit_, limit);
  while (!stopped_ && step_until(limit)) {
  }
}

void Simulation::run_until(Time end) {
  stopped_ = false;
  const double limit = end.in_days();
  const LimitScope run(run_limit_, limit);
  while (!stopped_ && step_until(limit)) {
  }
  if (!stopped_ && end > now_) now_ = end;
}

// ---- processes ----------------------------------------------------------------

std::uint32_t Simulation::take_process_slot() {
  if (!free_procs_.empty()) {
    const std::uint32_t s = free_procs_.back();
    free_procs_.pop_back();
    return s;
  }
  procs_.emplace_back();
  return static_cast<std::uint32_t>(procs_.size() - 1);
}

ProcessId Simulation::start(Process&& process, int prio) {
  auto handle = process.release();
  WSIC_ASSERT(handle, "starting an empty Process");
  const std::uint32_t slot = take_process_slot();
  ProcessSlot& p = procs_[slot];
  // A free slot is as finish() left it: no hook, no exit hooks, no interrupt.
  p.handle = handle;
  p.active = handle;
  p.generation = next_generation_++;
  if (next_generation_ == 0) next_generation_ = 1;
  p.started = false;
  const ProcessId pid{slot, p.generation};
  ++live_procs_;
  p.wake = enqueue_now(&Simulation::resume_event, resume_arg(pid), prio);
  return pid;
}

void Simulation::resume_event(Simulation& sim, void*, std::uint64_t arg) { sim.resume(arg); }

void Simulation::finish(std::uint32_t slot) {
  ProcessSlot& p = procs_[slot];
  auto handle = std::coroutine_handle<Process::promise_type>::from_address(p.handle.address());
  std::exception_ptr& ended_with = handle.promise().error;
  if (ended_with || !p.exit_hooks.empty() || p.interrupt_pending) [[unlikely]] {
    finish_slow(slot);
    return;
  }
  // The usual end: the body returned, nobody waits for it, no interrupt.
  end_frame(p);
  free_procs_.push_back(slot);
  --live_procs_;
}

void Simulation::end_frame(ProcessSlot& p) noexcept {
  p.handle.destroy();
  p.handle = {};
  p.active = {};
  p.generation = 0;
  p.wake = {};
  p.hook = {};
}

void Simulation::finish_slow(std::uint32_t slot) {
  ProcessSlot& p = procs_[slot];
  auto handle = std::coroutine_handle<Process::promise_type>::from_address(p.handle.address());
  std::exception_ptr error = std::move(handle.promise().error);
  end_frame(p);
  if (p.interrupt_pending) {  // interrupted as it ended
    p.interrupt_pending = false;
    --interrupts_pending_;
  }
  std::vector<CancelHook> hooks;
  hooks.swap(p.exit_hooks);
  free_procs_.push_back(slot);
  --live_procs_;
  // `p` may move once the hooks run (they may start processes).
  for (const CancelHook& h : hooks) h.fn(h.ctx);
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const Interrupt&) {
      // An interrupt the process chose not to catch ends it; that is a
      // legitimate way for a process to be stopped.
    }
  }
}

void Simulation::park(CancelHook hook) noexcept {
  if (!current_.valid()) return;
  procs_[current_.slot].hook = hook;
}

bool Simulation::wake(ProcessId pid, int prio) {
  if (!is_alive(pid)) return false;
  ProcessSlot& p = procs_[pid.slot];
  if (p.wake.valid()) return false;
  p.hook = {};
  p.wake = enqueue_now(&Simulation::resume_event, resume_arg(pid), prio);
  return true;
}

bool Simulation::interrupt(ProcessId pid, std::uint64_t cause) {
  if (!is_alive(pid) || pid == current_) return false;
  ProcessSlot& p = procs_[pid.slot];
  if (!p.started || p.interrupt_pending) return false;
  if (p.wake.valid()) cancel(p.wake);
  if (p.hook.fn) p.hook.fn(p.hook.ctx);
  p.hook = {};
  p.interrupt_pending = true;
  ++interrupts_pending_;
  p.interrupt_cause = cause;
  p.wake = enqueue_now(&Simulation::resume_event, resume_arg(pid), priority::kUrgent);
  return true;
}

bool Simulation::wake_early(ProcessId pid) {
  if (!is_alive(pid) || pid == current_) return false;
  ProcessSlot& p = procs_[pid.slot];
  if (!p.started || p.hook.fn != nullptr || !p.wake.valid()) return false;
  if (p.wake.time <= now_.in_days()) return true;  // already due now
  cancel(p.wake);
  p.wake = enqueue_now(&Simulation::resume_event, resume_arg(pid), priority::kUrgent);
  return true;
}

bool Simulation::on_exit(ProcessId pid, CancelHook hook) {
  if (!is_alive(pid)) return false;
  procs_[pid.slot].exit_hooks.push_back(hook);
  return true;
}

void Simulation::remove_on_exit(ProcessId pid, void* ctx) noexcept {
  if (!is_alive(pid)) return;
  std::erase_if(procs_[pid.slot].exit_hooks, [ctx](const CancelHook& h) { return h.ctx == ctx; });
}

// ---- Signal -------------------------------------------------------------------

void Signal::trigger_at(Time t) {
  if (timer_.valid()) sim_->cancel(timer_);
  timer_ = sim_->schedule_at(t, [this] {
    timer_ = {};
    trigger();
  });
}

}  // namespace wsic::sim
