#include "wsic/sim/resource.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace wsic::sim {

Resource::Resource(Simulation::Passkey, Simulation& sim, std::int64_t capacity, Discipline discipline)
    : sim_(sim), capacity_(capacity), discipline_(discipline), last_change_(sim.now()) {
  if (capacity < 0) throw Error("resource capacity must be >= 0, got " + std::to_string(capacity));
}

void Resource::account() noexcept {
  const Time now = sim_.now();
  busy_integral_ += static_cast<double>(in_use_) * (now - last_change_).in_days();
  last_change_ = now;
}

double Resource::busy_unit_days() const noexcept {
  return busy_integral_ + static_cast<double>(in_use_) * (sim_.now() - last_change_).in_days();
}

void Resource::enqueue(Request* r, int prio) {
  const Waiter w{prio, r};
  if (discipline_ == Discipline::kFifo) {
    queue_.push_back(w);
    return;
  }
  // Behind every waiter of this priority or a more urgent one (first come,
  // first served within a priority): looked for from the back, where a new
  // waiter usually goes.
  std::size_t at = queue_.size();
  while (at > 0 && queue_[at - 1].prio > prio) --at;
  queue_.insert(at, w);
}

void Resource::withdraw(Request* r) noexcept {
  const std::size_t i = queue_.find([r](const Waiter& w) { return w.request == r; });
  if (i < queue_.size()) queue_.erase(i);
}

void Resource::grant_waiting() {
  while (!queue_.empty() && in_use_ < capacity_) {
    Request* r = queue_.front().request;
    queue_.pop_front();
    ++in_use_;
    r->grant();
  }
}

void Resource::serve_waiting() {
  if (discipline_ == Discipline::kFifo) {
    grant_waiting();
    return;
  }
  if (dispatch_pending_ || queue_.empty() || in_use_ >= capacity_) return;
  dispatch_pending_ = true;
  sim_.schedule_at(sim_.now(), &Resource::dispatch_event, this, 0, priority::kLast);
}

void Resource::dispatch_event(Simulation&, void* ctx, std::uint64_t) {
  auto* self = static_cast<Resource*>(ctx);
  self->dispatch_pending_ = false;
  self->grant_waiting();
}

void Resource::release() {
  WSIC_ASSERT(in_use_ > 0, "release of a resource with no unit in use");
  // A frame destroyed while the simulation is torn down gives its unit back;
  // nobody is woken (the waiters' frames may be gone already).
  if (sim_.tearing_down()) {
    --in_use_;
    return;
  }
  account();
  --in_use_;
  serve_waiting();
}

void Resource::set_capacity(std::int64_t capacity) {
  if (capacity < 0) throw Error("resource capacity must be >= 0, got " + std::to_string(capacity));
  account();
  capacity_ = capacity;
  serve_waiting();
}

Container::Container(Simulation::Passkey, Simulation& sim, double capacity, double initial)
    : sim_(sim), capacity_(capacity), level_(initial) {
  if (!(capacity >= 0.0) || !(initial >= 0.0) || initial > capacity) {
    throw Error("container needs 0 <= initial (" + std::to_string(initial) + ") <= capacity (" +
                std::to_string(capacity) + ")");
  }
}

void Container::put(double amount) {
  if (!(amount >= 0.0) || !std::isfinite(amount)) {
    throw Error("container put needs a finite amount >= 0, got " + std::to_string(amount));
  }
  if (level_ + amount > capacity_) {
    throw Error("container put of " + std::to_string(amount) + " would pass its capacity of " +
                std::to_string(capacity_) + " (level " + std::to_string(level_) + ")");
  }
  level_ += amount;
  serve();
}

bool Container::try_get(double amount) {
  if (!queue_.empty() || amount > level_) return false;
  level_ -= amount;
  return true;
}

void Container::serve() {
  while (!queue_.empty() && queue_.front().amount <= level_) {
    const Waiter w = queue_.front();
    queue_.pop_front();
    level_ -= w.amount;
    w.get->granted_ = true;
    sim_.wake(w.get->pid_);
  }
}

void Container::withdraw(Get* g) noexcept {
  const std::size_t i = queue_.find([g](const Waiter& w) { return w.get == g; });
  if (i == queue_.size()) return;
  queue_.erase(i);
  // A large request at the head may have been holding back smaller ones.
  if (i == 0) serve();
}

}  // namespace wsic::sim
