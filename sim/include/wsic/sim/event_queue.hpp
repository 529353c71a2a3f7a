#pragma once
/// The engine's pending-event set, `BucketQueue`. Events come out in the
/// total order (time, key), where the key packs the event's priority above
/// its insertion sequence number, so simultaneous events run in a defined
/// order. Times are never negative nor NaN: the small heap compares a
/// time's bits as an integer, which orders such times as the times
/// themselves (a push checks, and makes -0.0 +0.0).
///
/// The structures it was chosen against (binary and 4-ary heaps, the same
/// calendar queue with a vector per bucket) live with the benchmark, in
/// tools/bench/yardsticks.hpp; `wsic-bench queue` measures all four with the
/// classic hold model at 1K, 16K and 262K pending events.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "wsic/sim/error.hpp"

namespace wsic::sim {

class Simulation;

/// A plain event handler: the cheapest kind of event (no allocation).
using EventFn = void (*)(Simulation& sim, void* ctx, std::uint64_t arg);

/// One pending event, payload included (40 bytes). Keeping the payload in the
/// entry, rather than in a side table the entry points to, saves a cache miss
/// per event: that table lookup was the largest single cost in PHOLD.
struct QueueEntry {
  double time;
  std::uint64_t key;  ///< priority (biased, high 16 bits) then sequence (low 48 bits)
  EventFn fn = nullptr;
  void* ctx = nullptr;
  std::uint64_t arg = 0;
};

/// True when `a` must run before `b`. Keys are unique, so this is a strict
/// total order.
constexpr bool precedes(const QueueEntry& a, const QueueEntry& b) noexcept {
  return a.time < b.time || (a.time == b.time && a.key < b.key);
}

namespace detail {
struct Later {
  constexpr bool operator()(const QueueEntry& a, const QueueEntry& b) const noexcept { return precedes(b, a); }
};

/// std::push_heap for a heap under `Later` of `e`, just appended at
/// `first[hole]`: it rises from its own copy, not from the slot just written.
inline void push_heap_earliest(QueueEntry* first, std::size_t hole, const QueueEntry& e) noexcept {
  while (hole > 0) {
    const std::size_t parent = (hole - 1) / 2;
    if (!precedes(e, first[parent])) break;
    first[hole] = first[parent];
    hole = parent;
  }
  first[hole] = e;
}

/// An entry's place in the total order as one 128-bit number: the bits of a
/// time that is not negative (nor -0.0, nor NaN) order as the time does.
/// Two integer compares and no float compare, on the chain of loads and
/// compares that a heap pop is.
__extension__ using Order = unsigned __int128;
inline Order order_of(const QueueEntry& e) noexcept {
  return (static_cast<Order>(std::bit_cast<std::uint64_t>(e.time)) << 64) | e.key;
}

/// std::pop_heap for a heap under `Later` (earliest on top), with the
/// choice between two children made without a branch: which child is
/// earlier is a coin toss a branch predictor loses half the time, and that
/// miss was the largest single cost of a model's event loop. The choice
/// compares the children's `order_of`, integers, the cheapest link in the
/// chain of loads and compares down the levels. The same
/// algorithm otherwise (the hole goes down to a leaf along the earlier
/// children, then the last element rises into place), so the same heap.
/// Moves the top to `first[n - 1]`; `n` > 0.
inline void pop_heap_earliest(QueueEntry* first, std::size_t n) noexcept {
  const QueueEntry top = first[0];
  const std::size_t len = n - 1;  // the heap's size after the pop
  std::size_t hole = 0;
  std::size_t child = 2;
  while (child < len) {  // both children of the hole are in the heap
    const QueueEntry& left = first[child - 1];
    const QueueEntry& right = first[child];
    const bool left_first = order_of(left) < order_of(right);
    child -= static_cast<std::size_t>(left_first);
    first[hole] = first[child];
    hole = child;
    child = 2 * child + 2;
  }
  if (child == len) {  // a lone left child
    first[hole] = first[child - 1];
    hole = child - 1;
  }
  const QueueEntry last = first[len];
  push_heap_earliest(first, hole, last);
  first[len] = top;
}

/// A growable array of entries whose append is inline (std::vector's
/// push_back is compiled out of line, a call per event on the hot path).
/// Keeps its storage when cleared. Move-only.
class EntryBuffer {
 public:
  EntryBuffer() = default;
  EntryBuffer(EntryBuffer&&) noexcept = default;
  EntryBuffer& operator=(EntryBuffer&&) noexcept = default;

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  void clear() noexcept { size_ = 0; }
  QueueEntry& operator[](std::size_t i) noexcept { return data_[i]; }
  const QueueEntry& operator[](std::size_t i) const noexcept { return data_[i]; }
  QueueEntry& front() noexcept { return data_[0]; }
  QueueEntry& back() noexcept { return data_[size_ - 1]; }
  QueueEntry* begin() noexcept { return data_.get(); }
  QueueEntry* end() noexcept { return data_.get() + size_; }
  const QueueEntry* begin() const noexcept { return data_.get(); }
  const QueueEntry* end() const noexcept { return data_.get() + size_; }
  void push_back(const QueueEntry& e) {
    if (size_ == capacity_) [[unlikely]]
      grow(size_ + 1);
    data_[size_++] = e;
  }
  void pop_back() noexcept { --size_; }
  /// Replaces the contents with `from`'s, which is left empty.
  void take_all(std::vector<QueueEntry>& from) {
    if (from.size() > capacity_) grow(from.size());
    std::copy(from.begin(), from.end(), data_.get());
    size_ = from.size();
    from.clear();
  }

 private:
  [[gnu::noinline]] void grow(std::size_t at_least) {
    const std::size_t capacity = std::max({at_least, 2 * capacity_, std::size_t{16}});
    auto data = std::make_unique_for_overwrite<QueueEntry[]>(capacity);
    std::copy(begin(), end(), data.get());
    data_ = std::move(data);
    capacity_ = capacity;
  }
  std::unique_ptr<QueueEntry[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

/// Ring buckets as singly linked lists threaded through one pool of nodes,
/// with a LIFO free list: a push writes into the node the last pop freed
/// (still in L1) and updates a 4-byte list head, so the scattered part of a
/// push is one small array of heads rather than a vector per bucket.
class PooledBuckets {
 public:
  void reserve_buckets(std::size_t nb) {
    if (head_.size() < nb) head_.resize(nb, kNil);
  }
  void clear() noexcept {
    std::fill(head_.begin(), head_.end(), kNil);
    pool_.clear();
    free_ = kNil;
  }
  bool empty(std::size_t b) const noexcept { return head_[b] == kNil; }
  [[gnu::always_inline]] void push(std::size_t b, const QueueEntry& e) {
    std::uint32_t n = free_;
    if (n != kNil) {
      free_ = pool_[n].next;
    } else {
      n = static_cast<std::uint32_t>(pool_.size());
      pool_.emplace_back();
    }
    pool_[n].e = e;
    pool_[n].next = head_[b];
    head_[b] = n;
  }
  /// Appends bucket `b` to `out` and frees its nodes.
  template <class Out>
  void take(std::size_t b, Out& out) {
    std::uint32_t n = head_[b];
    head_[b] = kNil;
    while (n != kNil) {
      Node& node = pool_[n];
      out.push_back(node.e);
      const std::uint32_t next = node.next;
      node.next = free_;
      free_ = n;
      n = next;
    }
  }
  /// True when bucket `b` holds the event with key `key`.
  bool contains(std::size_t b, std::uint64_t key) const noexcept {
    for (std::uint32_t n = head_[b]; n != kNil; n = pool_[n].next) {
      if (pool_[n].e.key == key) return true;
    }
    return false;
  }
  void prefetch(std::size_t b) const noexcept {
    if (head_[b] != kNil) __builtin_prefetch(&pool_[head_[b]]);
  }
  /// Prefetches the second node of bucket `b`, whose head should already
  /// be in cache from an earlier `prefetch(b)`.
  void prefetch_second(std::size_t b) const noexcept {
    if (head_[b] != kNil) {
      const std::uint32_t next = pool_[head_[b]].next;
      if (next != kNil) __builtin_prefetch(&pool_[next]);
    }
  }

 private:
  static constexpr std::uint32_t kNil = std::numeric_limits<std::uint32_t>::max();
  struct Node {
    QueueEntry e;
    std::uint32_t next = kNil;
  };
  std::vector<Node> pool_;
  std::vector<std::uint32_t> head_;
  std::uint32_t free_ = kNil;
};

}  // namespace detail

/// A two-tier calendar queue in the spirit of the ladder queue (Tang, Goh and
/// Thng, 2005): events far ahead wait unsorted in `top_`; a ring of buckets
/// covers the near future, sized from the density of the events it was built
/// from; the bucket being consumed is a small heap (`bottom_`). Push and pop
/// are O(1) amortised when event times are spread out, and the structure
/// degrades to a binary heap (never worse) when they bunch into one bucket.
/// `Buckets` stores the ring: `detail::PooledBuckets` in the engine; any
/// type with the same members (reserve_buckets, clear, empty, push, take,
/// prefetch, prefetch_second) will do, as the benchmark's yardstick shows.
///
/// Invariant: every event in `bottom_` has time <= `bottom_max_` < every time
/// in the ring; ring buckets are ordered by a monotone function of time, so
/// equal times always share a container; every ring time < `ring_end_` <=
/// every time in `top_`.
template <class Buckets, class Bottom = std::vector<QueueEntry>>
class CalendarQueue {
 public:
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }

  void clear() noexcept {
    bottom_.clear();
    sorted_ = false;
    small_ = false;
    ring_.clear();
    top_.clear();
    bottom_max_ = -std::numeric_limits<double>::infinity();
    ring_end_ = -std::numeric_limits<double>::infinity();
    nb_ = cur_ = 0;
    size_ = 0;
  }

  [[gnu::always_inline]] void push(const QueueEntry& entry) {
    WSIC_ASSERT(entry.time >= 0.0, "an event time that is negative or not a number");
    QueueEntry e = entry;
    e.time += 0.0;  // -0.0 is +0.0, whose bits order as the heap needs
    ++size_;
    if (e.time <= bottom_max_) {
      push_bottom(e);
    } else if (e.time < ring_end_) {
      ring_.push(bucket_of(e.time), e);
    } else {
      top_.push_back(e);
    }
  }

  /// The next event; the queue must not be empty.
  const QueueEntry& peek() {
    if (bottom_.empty()) refill();
    return sorted_ ? bottom_.back() : bottom_.front();
  }

  /// True when the event at time `t` with key `key` is queued. Equal times
  /// share a container, so only one is searched (linearly: for the rare
  /// question, not for the hot path).
  bool holds(double t, std::uint64_t key) const noexcept {
    const auto in = [key](const auto& v) {
      return std::any_of(v.begin(), v.end(), [key](const QueueEntry& e) { return e.key == key; });
    };
    if (t <= bottom_max_) return in(bottom_);
    if (t < ring_end_) return ring_.contains(bucket_of(t), key);
    return in(top_);
  }

  /// Removes and returns the next event; the queue must not be empty.
  QueueEntry pop() {
    if (bottom_.empty()) refill();
    return pop_peeked();
  }
  /// pop() right after a peek(), which has refilled the bottom already.
  QueueEntry pop_peeked() {
    if (!sorted_) detail::pop_heap_earliest(&*bottom_.begin(), bottom_.size());
    const QueueEntry e = bottom_.back();
    bottom_.pop_back();
    --size_;
    return e;
  }

 private:
  static constexpr std::size_t kPrefetchAhead = 3;

  // A bucket taken from the ring holds a few events: kept sorted, latest
  // first, its pops are pop_backs. Past this many (and in the small mode,
  // where the bottom takes every event) it is a binary heap instead.
  static constexpr std::size_t kSortedUpTo = 16;

  void push_bottom(const QueueEntry& e) {
    if (sorted_) {
      if (bottom_.size() < kSortedUpTo) {
        bottom_.push_back(e);
        insert_last();
        return;
      }
      std::make_heap(bottom_.begin(), bottom_.end(), detail::Later{});
      sorted_ = false;
    }
    bottom_.push_back(e);
    detail::push_heap_earliest(&*bottom_.begin(), bottom_.size() - 1, e);
    if (small_ && bottom_.size() > kSpill) [[unlikely]]
      spill();
  }
  // Moves the last element of the sorted bottom to its place.
  void insert_last() noexcept {
    std::size_t j = bottom_.size() - 1;
    const QueueEntry x = bottom_[j];
    for (; j > 0 && precedes(bottom_[j - 1], x); --j) bottom_[j] = bottom_[j - 1];
    bottom_[j] = x;
  }
  // A bucket just taken: sorted (insertion sort) if short, else a heap.
  void order_taken() {
    sorted_ = bottom_.size() <= kSortedUpTo;
    if (!sorted_) {
      std::make_heap(bottom_.begin(), bottom_.end(), detail::Later{});
      double mx = bottom_.front().time;
      for (const auto& e : bottom_) mx = std::max(mx, e.time);
      bottom_max_ = mx;
      return;
    }
    for (std::size_t i = 1; i < bottom_.size(); ++i) {
      std::size_t j = i;
      const QueueEntry x = bottom_[i];
      for (; j > 0 && precedes(bottom_[j - 1], x); --j) bottom_[j] = bottom_[j - 1];
      bottom_[j] = x;
    }
    bottom_max_ = bottom_.front().time;
  }

  std::size_t bucket_of(double t) const noexcept {
    const double pos = (t - ring_start_) * inv_width_;
    if (!(pos >= static_cast<double>(cur_))) return cur_;
    if (pos >= static_cast<double>(nb_ - 1)) return nb_ - 1;
    return static_cast<std::size_t>(pos);
  }

  void refill() {
    for (;;) {
      while (cur_ < nb_ && ring_.empty(cur_)) ++cur_;
      if (cur_ < nb_) {
        ring_.take(cur_, bottom_);
        ++cur_;
        // The next buckets were written long ago and have left L1: ask for
        // them now, while this one is consumed, the head of a bucket a few
        // ahead and the second node of the next one (its head arrived on an
        // earlier call).
        if (cur_ + kPrefetchAhead < nb_) ring_.prefetch(cur_ + kPrefetchAhead);
        if (cur_ < nb_) {
          ring_.prefetch(cur_);
          ring_.prefetch_second(cur_);
        }
        // Once the last bucket is taken, later events wait in top_ for the next ring.
        if (cur_ == nb_) ring_end_ = -std::numeric_limits<double>::infinity();
        order_taken();
        return;
      }
      rebuild();
      if (!bottom_.empty()) return;
    }
  }

  // The ring is spent and the bottom empty: every pending event is in top_.
  // Build a new ring over the near future, with a bucket width that puts
  // about kPerBucket events in each bucket at the front, where events are
  // densest, and up to kBucketsPerEvent buckets per pending event, so the
  // ring lasts long and most new events go straight into it rather than
  // through top_ and another rebuild (measured in PHOLD: 1 bucket per event
  // 18.2M events/s, 4 per event 20.3M; more gains nothing).
  void rebuild() {
    static constexpr std::size_t kPerBucket = 2;
    static constexpr std::size_t kBucketsPerEvent = 4;
    static constexpr std::size_t kMaxBuckets = std::size_t{1} << 20;
    static constexpr std::size_t kSmall = 64;
    const std::size_t n = top_.size();
    double lo = top_.front().time;
    double hi = lo;
    for (const auto& e : top_) {
      lo = std::min(lo, e.time);
      hi = std::max(hi, e.time);
    }
    // All simultaneous, or too few to be worth spreading over buckets (a
    // model replication often has a few dozen pending events): the bottom
    // heap alone serves them, with no bucket allocations. While there are
    // few, it takes every new event too (a plain binary heap, with no trips
    // through top_ and rebuilds), until it holds more than kSpill.
    if (lo == hi || n <= kSmall) {
      move_all(top_, bottom_);
      std::make_heap(bottom_.begin(), bottom_.end(), detail::Later{});
      sorted_ = false;
      small_ = n <= kSmall;  // (many simultaneous events: just the heap, up to their time)
      bottom_max_ = small_ ? std::numeric_limits<double>::infinity() : hi;
      nb_ = cur_ = 0;
      ring_end_ = -std::numeric_limits<double>::infinity();
      return;
    }
    // Density at the front, from the 1/8 quantile of a strided sample (an
    // nth_element over all n costs more than the rest of the rebuild).
    constexpr std::size_t kSample = 64;
    double sample[kSample];
    const std::size_t m = std::min(n, kSample);
    for (std::size_t i = 0; i < m; ++i) sample[i] = top_[i * n / m].time;
    std::sort(sample, sample + m);
    const std::size_t k = std::max<std::size_t>(1, m / 8);
    const double front = (sample[k] - lo) / static_cast<double>(k) * (static_cast<double>(m) / static_cast<double>(n));
    double width = front * kPerBucket;
    if (!(width > 0.0)) width = (hi - lo) / static_cast<double>(n);
    const double span_buckets = (hi - lo) / width;
    std::size_t nb = std::min(
        {std::bit_ceil(n) * kBucketsPerEvent, kMaxBuckets, static_cast<std::size_t>(std::min(span_buckets, 1e18)) + 1});
    nb = std::max<std::size_t>(nb, 1);
    ring_.reserve_buckets(nb);
    nb_ = nb;
    cur_ = 0;
    ring_start_ = lo;
    inv_width_ = 1.0 / width;
    ring_end_ = lo + static_cast<double>(nb) * width;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const QueueEntry e = top_[i];
      if (e.time < ring_end_) {
        ring_.push(bucket_of(e.time), e);
      } else {
        top_[kept++] = e;
      }
    }
    top_.resize(kept);
  }

  // The small mode's heap grew past this: spread it over a ring.
  static constexpr std::size_t kSpill = 256;
  void spill() {
    top_.insert(top_.end(), bottom_.begin(), bottom_.end());
    bottom_.clear();
    small_ = false;
    bottom_max_ = -std::numeric_limits<double>::infinity();
    rebuild();  // more than kSmall events: a ring (or, all simultaneous, the heap)
  }

  static void move_all(std::vector<QueueEntry>& from, std::vector<QueueEntry>& to) noexcept { to.swap(from); }
  static void move_all(std::vector<QueueEntry>& from, detail::EntryBuffer& to) { to.take_all(from); }

  Bottom bottom_;
  bool sorted_ = false;  // bottom_ is sorted latest first (else a heap, earliest first)
  bool small_ = false;   // the bottom heap takes every event (bottom_max_ is infinite)
  Buckets ring_;
  std::vector<QueueEntry> top_;
  double bottom_max_ = -std::numeric_limits<double>::infinity();
  double ring_start_ = 0.0;
  double inv_width_ = 1.0;
  double ring_end_ = -std::numeric_limits<double>::infinity();
  std::size_t nb_ = 0;
  std::size_t cur_ = 0;
  std::size_t size_ = 0;
};

/// The calendar queue with pooled, linked buckets: the engine's.
using BucketQueue = CalendarQueue<detail::PooledBuckets, detail::EntryBuffer>;

/// Events due at the current instant, kept apart from the calendar queue:
/// in a model most events are scheduled for "now" (a process started, a
/// waiter woken, a signal passed on), and they need no sorting. Events of
/// one priority scheduled at the current instant come in sequence order, so
/// each priority gets a FIFO lane, and the lanes are kept in priority order:
/// the first event of the first non-empty lane is the earliest of them all
/// in the total order. A caller merges it with the calendar queue's first
/// event (which may be due now too, scheduled before the clock got here).
/// Up to `kLanes` priorities have a lane; an event of yet another priority
/// is refused, and the caller queues it in the calendar queue instead.
class NowLanes {
 public:
  static constexpr std::size_t kLanes = 4;
  static constexpr unsigned kPriorityShift = 48;  ///< a key's priority bits start here

  NowLanes() = default;
  NowLanes(const NowLanes&) = delete;
  NowLanes& operator=(const NowLanes&) = delete;

  bool empty() const noexcept { return nonempty_ == 0; }

  /// Queues `e` (due now) behind the events of its priority; false when no
  /// lane has or can take its priority.
  [[gnu::always_inline]] bool push(const QueueEntry& e) {
    const std::uint64_t prio = e.key >> kPriorityShift;
    std::size_t i = 0;
    while (i < n_ && lanes_[i].prio != prio) ++i;
    if (i == n_ && !open_lane(prio, i)) [[unlikely]]
      return false;
    Lane& l = lanes_[i];
    if (l.tail == l.capacity) [[unlikely]]
      grow(l);
    l.items[l.tail++] = e;
    nonempty_ |= 1u << i;
    return true;
  }
  /// The earliest event; the lanes must not be empty.
  const QueueEntry& front() const noexcept {
    const Lane& l = lanes_[static_cast<std::size_t>(std::countr_zero(nonempty_))];
    return l.items[l.head];
  }
  /// Removes and returns the earliest event; the lanes must not be empty.
  QueueEntry pop() noexcept {
    const auto i = static_cast<std::size_t>(std::countr_zero(nonempty_));
    Lane& l = lanes_[i];
    const QueueEntry e = l.items[l.head++];
    if (l.head == l.tail) {
      l.head = l.tail = 0;  // empty again: the next instant starts at the front
      nonempty_ &= ~(1u << i);
    }
    return e;
  }
  /// True when a lane holds the event with key `key`.
  bool holds(std::uint64_t key) const noexcept {
    const std::uint64_t prio = key >> kPriorityShift;
    for (std::size_t i = 0; i < n_; ++i) {
      const Lane& l = lanes_[i];
      if (l.prio != prio) continue;
      // A lane is in key order: search what is left of it.
      const QueueEntry* first = l.items.get() + l.head;
      const QueueEntry* end = l.items.get() + l.tail;
      const QueueEntry* it =
          std::lower_bound(first, end, key, [](const QueueEntry& e, std::uint64_t k) { return e.key < k; });
      return it != end && it->key == key;
    }
    return false;
  }
  /// Drops every event (their lanes and storage stay).
  void clear() noexcept {
    for (std::size_t i = 0; i < n_; ++i) lanes_[i].head = lanes_[i].tail = 0;
    nonempty_ = 0;
  }

 private:
  // A lane's events are items[head, tail); it fills from the front again
  // each time it empties, so it needs room for one instant's events only.
  struct Lane {
    std::uint64_t prio = 0;
    std::unique_ptr<QueueEntry[]> items;
    std::uint32_t head = 0;
    std::uint32_t tail = 0;
    std::uint32_t capacity = 0;
  };
  [[gnu::noinline]] static void grow(Lane& l) {
    WSIC_ASSERT(l.capacity < (1u << 30), "too many events due at one instant");
    const std::uint32_t capacity = std::max<std::uint32_t>(16, 2 * l.capacity);
    auto items = std::make_unique_for_overwrite<QueueEntry[]>(capacity);
    std::copy(l.items.get() + l.head, l.items.get() + l.tail, items.get());
    l.tail -= l.head;
    l.head = 0;
    l.items = std::move(items);
    l.capacity = capacity;
  }
  // Opens a lane for `prio` in priority order; `i` is where it went. The
  // lanes after it move up one place, and their bits with them.
  bool open_lane(std::uint64_t prio, std::size_t& i) {
    if (n_ == kLanes) return false;
    i = n_++;
    for (; i > 0 && lanes_[i - 1].prio > prio; --i) std::swap(lanes_[i], lanes_[i - 1]);
    lanes_[i].prio = prio;
    const unsigned below = (1u << i) - 1;
    nonempty_ = (nonempty_ & below) | ((nonempty_ & ~below) << 1);
    return true;
  }
  std::array<Lane, kLanes> lanes_;
  std::size_t n_ = 0;
  unsigned nonempty_ = 0;  // bit i: lane i holds events
};

/// The structure the engine runs on (see `wsic-bench queue` for the evidence).
using EventQueue = BucketQueue;

}  // namespace wsic::sim
