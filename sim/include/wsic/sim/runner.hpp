#pragma once
/// Runs Monte Carlo replications in parallel and merges their results so the
/// answer does not depend on the thread count.
///
/// Replication indices are cut into fixed blocks (`block_size` each, the
/// last block shorter). A block is always computed by one thread, in index
/// order, into a fresh accumulator; block accumulators are merged along a
/// fixed binary tree over block indices (`BlockReducer`). Neither the blocks
/// nor the tree depend on the number of threads, so the same seed gives the
/// same bytes at 1 thread or 32, and a batch split into any number of parts
/// (`part_range`) across processes or machines merges to the same bytes
/// too. Memory stays flat: at most a few waves of block accumulators are
/// alive at once, plus one partial per level of the tree.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <thread>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "wsic/sim/error.hpp"

namespace wsic::sim {

/// Thrown when a run is cancelled before it finished.
class Cancelled : public Error {
 public:
  Cancelled(std::uint64_t done, std::uint64_t total)
      : Error("cancelled after " + std::to_string(done) + " of " + std::to_string(total) + " replications"),
        done_(done),
        total_(total) {}
  std::uint64_t done() const noexcept { return done_; }
  std::uint64_t total() const noexcept { return total_; }

 private:
  std::uint64_t done_, total_;
};

/// A replication threw: carries its index so it can be re-run alone.
class ReplicationError : public Error {
 public:
  ReplicationError(std::uint64_t index, const std::string& what)
      : Error("replication " + std::to_string(index) + " failed: " + what), index_(index) {}
  std::uint64_t index() const noexcept { return index_; }

 private:
  std::uint64_t index_;
};

/// The number of blocks of `block_size` replications in a batch of `total`
/// (the last block may be shorter).
constexpr std::uint64_t block_count(std::uint64_t total, std::uint64_t block_size) {
  return total / block_size + (total % block_size != 0 ? 1 : 0);  // no overflow near 2^64
}

/// A half-open range of block indices.
struct BlockRange {
  std::uint64_t first = 0;
  std::uint64_t end = 0;
  std::uint64_t size() const noexcept { return end - first; }
  bool operator==(const BlockRange&) const = default;
};

/// Part `i` of `k` (1-based) of `blocks` blocks: the exact share
/// [floor((i-1)·blocks/k), floor(i·blocks/k)). The parts cover every block
/// once, in order, for any k; their sizes differ by at most one block (and
/// some are empty when there are more parts than blocks). Needs
/// 1 ≤ i ≤ k ≤ 2^32.
constexpr BlockRange part_range(std::uint64_t blocks, std::uint64_t i, std::uint64_t k) {
  // floor(blocks·j/k) without overflow: blocks = q·k + r, so it is
  // q·j + floor(r·j/k), where q·j ≤ blocks and r·j < k² ≤ 2^64.
  const std::uint64_t q = blocks / k, r = blocks % k;
  const auto at = [&](std::uint64_t j) { return q * j + r * j / k; };
  return BlockRange{at(i - 1), at(i)};
}

/// Merges accumulators fed in block order along a fixed binary tree over
/// block indices: its nodes are the aligned ranges [j·2^m, (j+1)·2^m), and
/// two neighbours merge (the left as left operand) as soon as both exist and
/// form such a range. From block 0 this is a binary counter; a reducer can
/// also start at any block, as one part of a batch split across processes
/// does, and the partials of the parts, pushed in block order into one
/// reducer, merge exactly as the whole run's would. `Acc` needs
/// `void merge(const Acc& right)` (this is the left operand).
template <class Acc>
class BlockReducer {
 public:
  struct Node {
    Acc acc;
    std::uint64_t blocks = 0;  // a power of two, except in `result()`
    std::uint64_t first = 0;   // the first block it covers; a multiple of `blocks`
  };

  BlockReducer() = default;
  /// A reducer whose first block is `first_block` (for one part of a batch).
  explicit BlockReducer(std::uint64_t first_block) : begin_(first_block), end_(first_block) {}

  /// Adds the accumulator of the next block, `end()`.
  void push(Acc acc) { push(Node{std::move(acc), 1, end_}); }

  /// Adds a partial covering `node.blocks` blocks from `node.first`, which
  /// must be `end()`, and an aligned range (a node of the tree).
  void push(Node node) {
    WSIC_ASSERT(node.first == end_ && node.blocks > 0 && (node.blocks & (node.blocks - 1)) == 0 &&
                    node.first % node.blocks == 0,
                "a partial pushed out of order or not a node of the merge tree");
    end_ += node.blocks;
    stack_.push_back(std::move(node));
    while (stack_.size() >= 2) {
      Node& left = stack_[stack_.size() - 2];
      const Node& right = stack_.back();
      if (left.blocks != right.blocks || left.first % (2 * left.blocks) != 0) break;
      left.acc.merge(right.acc);
      left.blocks *= 2;
      stack_.pop_back();
    }
  }

  /// Blocks pushed so far.
  std::uint64_t blocks() const noexcept { return end_ - begin_; }
  /// The first block, and the block after the last pushed.
  std::uint64_t begin() const noexcept { return begin_; }
  std::uint64_t end() const noexcept { return end_; }
  bool empty() const noexcept { return stack_.empty(); }
  /// The partials, left to right (for checkpoints and part files).
  const std::vector<Node>& partials() const noexcept { return stack_; }
  /// Rebuilds a reducer from block 0 from saved partials, left to right
  /// (their `first` is recomputed from their sizes).
  static BlockReducer from_partials(std::vector<Node> nodes) {
    BlockReducer r;
    for (Node& n : nodes) {
      n.first = r.end_;
      r.end_ += n.blocks;
    }
    r.stack_ = std::move(nodes);
    return r;
  }

  /// The merge of everything pushed, folding the partials left to right.
  /// `empty` is returned when nothing was pushed.
  Acc result(Acc empty) const {
    if (stack_.empty()) return empty;
    Acc total = stack_.front().acc;
    for (std::size_t i = 1; i < stack_.size(); ++i) total.merge(stack_[i].acc);
    return total;
  }

 private:
  std::vector<Node> stack_;
  std::uint64_t begin_ = 0;
  std::uint64_t end_ = 0;
};

namespace detail {

#if defined(__SANITIZE_THREAD__)
#define WSIC_SIM_PLAIN_THREADS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WSIC_SIM_PLAIN_THREADS 1
#endif
#endif

/// Calls `body(b)` once for every b in [b0, b1), on up to `threads` threads,
/// and returns when all calls have returned.
///
/// Normally this is oneTBB's `parallel_for` in the given arena. Under
/// ThreadSanitizer the prebuilt libtbb is not instrumented, so the sanitizer
/// cannot see the scheduler's own synchronisation and reports every hand-off
/// as a race; there the same work is spread over plain `std::thread`s, which
/// it does see, so what it checks is this project's sharing: the slots, the
/// error list, the cancellation flags and whatever `replicate` touches.
template <class Body>
void for_each_block(tbb::task_arena& arena, int threads, std::uint64_t b0, std::uint64_t b1, Body&& body) {
#ifdef WSIC_SIM_PLAIN_THREADS
  (void)arena;
  std::atomic<std::uint64_t> next{b0};
  auto work = [&] {
    for (std::uint64_t b; (b = next.fetch_add(1)) < b1;) body(b);
  };
  std::vector<std::thread> pool;
  const auto extra = std::min<std::uint64_t>(static_cast<std::uint64_t>(threads), b1 - b0);
  for (std::uint64_t t = 1; t < extra; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
#else
  (void)threads;
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<std::uint64_t>(b0, b1, 1),
        [&](const tbb::blocked_range<std::uint64_t>& r) {
          for (std::uint64_t b = r.begin(); b != r.end(); ++b) body(b);
        },
        tbb::simple_partitioner());
  });
#endif
}

}  // namespace detail

/// How far a run has got; passed to the progress callback on the calling thread.
struct Progress {
  std::uint64_t done = 0;   ///< replications finished and merged
  std::uint64_t total = 0;  ///< replications asked for
  double seconds = 0.0;     ///< wall time since the run started
};

/// Replications per block unless told otherwise. Part of a result's
/// identity: the blocks fix the merge tree, so the same seed run with
/// another block size gives different bytes. Every shipped result and
/// golden file was made with 256; the command line and the analyses take
/// it from here, so this is the one place to change it (and the golden
/// files with it).
inline constexpr std::uint64_t kDefaultBlockSize = 256;

struct RunnerOptions {
  /// Worker threads; 0 means every core TBB sees.
  unsigned threads = 0;
  /// Replications per block. Part of the result's identity (it fixes the
  /// merge tree); keep the default unless you know why.
  std::uint64_t block_size = kDefaultBlockSize;
  /// Blocks computed per wave, each holding an accumulator until it is
  /// merged: with large accumulators, this bounds memory. 0 means four per
  /// thread. Changes no result, only how much is held at once.
  std::uint64_t blocks_in_flight = 0;
  /// Called on the calling thread after each wave of blocks is merged.
  std::function<void(const Progress&)> progress;
  /// Called on the calling thread after each wave with the reducer, e.g. to
  /// save a checkpoint. Also the place to throw to abandon a run.
  std::function<void(std::uint64_t blocks_done)> after_wave;
  /// Checked between replications; when set the run stops promptly and
  /// `Cancelled` is thrown.
  const std::atomic<bool>* cancel = nullptr;
};

/// Runs the blocks from `reducer.end()` up to `end_block` of a batch of
/// `total` replications, pushing them into `reducer`: a whole run from a
/// fresh reducer, the rest of a resumed one, or one part of a batch from a
/// reducer that starts at the part's first block.
/// `make()` returns an empty accumulator; `replicate(index, acc)` simulates
/// one replication into `acc`. `replicate` must be safe to call from several
/// threads at once for different indices (each builds its own Simulation).
/// `on_block(acc)` sees each block's accumulator on the calling thread, in
/// block order, just before it is merged (e.g. to stream per-replication
/// rows out in order).
template <class Acc, class Make, class Replicate, class OnBlock>
void run_block_range(std::uint64_t total, std::uint64_t end_block, const RunnerOptions& opt, Make&& make,
                     Replicate&& replicate, BlockReducer<Acc>& reducer, OnBlock&& on_block) {
  WSIC_ASSERT(opt.block_size > 0, "block size must be positive");
  const std::uint64_t bs = opt.block_size;
  const std::uint64_t nblocks = end_block;
  WSIC_ASSERT(end_block <= block_count(total, bs) && reducer.end() <= end_block, "blocks outside the batch");
  const auto replications_before = [&](std::uint64_t block) { return std::min(total, block * bs); };
  const std::uint64_t range_total = replications_before(end_block) - replications_before(reducer.begin());
  const int cores = opt.threads > 0 ? static_cast<int>(opt.threads) : tbb::info::default_concurrency();
  const std::uint64_t wave = opt.blocks_in_flight > 0 ? opt.blocks_in_flight : static_cast<std::uint64_t>(cores) * 4;
  // More threads than blocks in a wave would have nothing to do.
  const int threads = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(cores), wave));
  tbb::task_arena arena(threads);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::optional<Acc>> slots;
  std::atomic<bool> cancelled{false};

  auto is_cancelled = [&] {
    return cancelled.load(std::memory_order_relaxed) || (opt.cancel && opt.cancel->load(std::memory_order_relaxed));
  };

  for (std::uint64_t b0 = reducer.end(); b0 < nblocks; b0 += wave) {
    const std::uint64_t b1 = std::min(nblocks, b0 + wave);
    slots.clear();
    slots.resize(b1 - b0);
    std::vector<std::exception_ptr> errors(b1 - b0);
    detail::for_each_block(arena, threads, b0, b1, [&](std::uint64_t b) {
      Acc acc = make();
      const std::uint64_t lo = b * bs;
      const std::uint64_t hi = std::min(total, lo + bs);
      for (std::uint64_t i = lo; i < hi; ++i) {
        if (is_cancelled()) {
          cancelled.store(true, std::memory_order_relaxed);
          return;
        }
        try {
          replicate(i, acc);
        } catch (const std::exception& e) {
          errors[b - b0] = std::make_exception_ptr(ReplicationError(i, e.what()));
          cancelled.store(true, std::memory_order_relaxed);
          return;
        }
      }
      slots[b - b0].emplace(std::move(acc));
    });
    // Report the failure of the lowest-numbered block, so the message does
    // not depend on scheduling.
    for (auto& e : errors) {
      if (e) std::rethrow_exception(e);
    }
    // Merge the wave's finished prefix, in order. A cancelled wave keeps
    // only whole blocks before the first unfinished one.
    std::uint64_t merged = 0;
    for (auto& s : slots) {
      if (!s) break;
      on_block(*s);
      reducer.push(std::move(*s));
      ++merged;
    }
    const std::uint64_t done = replications_before(reducer.end()) - replications_before(reducer.begin());
    if (opt.progress) {
      opt.progress(
          Progress{done, range_total, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()});
    }
    if (opt.after_wave) opt.after_wave(reducer.blocks());
    if (merged < slots.size() || is_cancelled()) {
      if (reducer.end() < nblocks) throw Cancelled(done, range_total);
    }
  }
}

/// Runs replications [0, total), or continues a run whose first
/// `reducer.blocks()` blocks are already merged.
template <class Acc, class Make, class Replicate, class OnBlock>
void run_blocks(std::uint64_t total, const RunnerOptions& opt, Make&& make, Replicate&& replicate,
                BlockReducer<Acc>& reducer, OnBlock&& on_block) {
  WSIC_ASSERT(opt.block_size > 0, "block size must be positive");
  run_block_range<Acc>(total, block_count(total, opt.block_size), opt, make, replicate, reducer, on_block);
}

template <class Acc, class Make, class Replicate>
void run_blocks(std::uint64_t total, const RunnerOptions& opt, Make&& make, Replicate&& replicate,
                BlockReducer<Acc>& reducer) {
  run_blocks<Acc>(total, opt, make, replicate, reducer, [](Acc&) {});
}

/// Runs `total` replications from scratch and returns the merged accumulator.
template <class Acc, class Make, class Replicate>
Acc run_replications(std::uint64_t total, const RunnerOptions& opt, Make&& make, Replicate&& replicate) {
  BlockReducer<Acc> reducer;
  run_blocks<Acc>(total, opt, make, replicate, reducer);
  return reducer.result(make());
}

}  // namespace wsic::sim
