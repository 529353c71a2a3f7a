#pragma once
/// Pending-event sets the engine's queue (wsic::sim::BucketQueue) was chosen
/// against, kept for `wsic-bench queue` to measure it against them. The
/// engine does not use them. Each gives the engine's total order, (time, key),
/// so the tests can hold all of them to the same ordered-set reference.

#include <algorithm>
#include <cstddef>
#include <vector>

#include "wsic/sim/event_queue.hpp"

namespace wsic::bench {

using sim::QueueEntry;

namespace detail {
/// Heap order for the standard heap algorithms: the next event on top.
struct Later {
  constexpr bool operator()(const QueueEntry& a, const QueueEntry& b) const noexcept { return sim::precedes(b, a); }
};
}  // namespace detail

/// A binary heap (the standard library's heap algorithms).
class BinaryHeapQueue {
 public:
  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  void clear() noexcept { heap_.clear(); }
  void push(const QueueEntry& e) {
    heap_.push_back(e);
    std::push_heap(heap_.begin(), heap_.end(), detail::Later{});
  }
  const QueueEntry& peek() const noexcept { return heap_.front(); }
  QueueEntry pop() noexcept {
    std::pop_heap(heap_.begin(), heap_.end(), detail::Later{});
    QueueEntry e = heap_.back();
    heap_.pop_back();
    return e;
  }

 private:
  std::vector<QueueEntry> heap_;
};

/// A 4-ary implicit heap: half the depth of a binary heap, and the four
/// children of a node share a cache line or two.
class QuaternaryHeapQueue {
 public:
  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  void clear() noexcept { heap_.clear(); }
  void push(const QueueEntry& e) {
    std::size_t i = heap_.size();
    heap_.push_back(e);
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!sim::precedes(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  const QueueEntry& peek() const noexcept { return heap_.front(); }
  QueueEntry pop() noexcept {
    const QueueEntry top = heap_.front();
    const QueueEntry last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n == 0) return top;
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = 4 * i + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = std::min(first + 4, n);
      for (std::size_t c = first + 1; c < end; ++c) {
        if (sim::precedes(heap_[c], heap_[best])) best = c;
      }
      if (!sim::precedes(heap_[best], last)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = last;
    return top;
  }

 private:
  std::vector<QueueEntry> heap_;
};

/// Ring buckets for sim::CalendarQueue as one vector each. Simple, but every
/// bucket keeps the capacity of its fullest moment in its own allocation, so
/// a ring of 16K buckets touches megabytes and a push costs two cache misses
/// (the vector header, then its tail). The engine's sim::detail::PooledBuckets
/// avoids both.
class VectorBuckets {
 public:
  void reserve_buckets(std::size_t nb) {
    if (b_.size() < nb) b_.resize(nb);
  }
  void clear() noexcept {
    for (auto& b : b_) b.clear();
  }
  bool empty(std::size_t b) const noexcept { return b_[b].empty(); }
  void push(std::size_t b, const QueueEntry& e) { b_[b].push_back(e); }
  /// Moves bucket `b` into `out`, which must be empty (the calendar queue
  /// only takes a bucket when its bottom heap has run dry).
  void take(std::size_t b, std::vector<QueueEntry>& out) { out.swap(b_[b]); }
  void prefetch(std::size_t b) const noexcept {
    if (!b_[b].empty()) __builtin_prefetch(b_[b].data());
  }
  void prefetch_second(std::size_t) const noexcept {}

 private:
  std::vector<std::vector<QueueEntry>> b_;
};

/// The engine's calendar queue with a vector per bucket.
using VectorBucketQueue = sim::CalendarQueue<VectorBuckets>;

}  // namespace wsic::bench
