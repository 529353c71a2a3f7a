#pragma once
/// A batch: replications of one scenario run in parallel blocks and merged
/// in a fixed order, so the same seed gives the same bytes whatever the
/// threads. Also the run-wide constants a result's identity depends on.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "wsic/model/outcomes.hpp"
#include "wsic/model/scenario.hpp"
#include "wsic/sim/runner.hpp"

namespace wsic::experiment {

/// The program's version, part of every result's identity.
const char* version();

inline constexpr std::uint64_t kDefaultSeed = 20131001;  // the day co-design began
/// Replications one command may ask for: a million-fold the default, about a
/// year of one core; more would overflow nothing, but is surely a typo.
inline constexpr std::uint64_t kMaxReplications = 1'000'000'000'000;
/// Memory for the accumulators of blocks in flight. With the model's limits
/// one accumulator is at most about 15 MB; a run holds this much plus one
/// per level of the merge tree, well under 500 MB at the limits.
inline constexpr std::size_t kAccumulatorBudgetBytes = 192u << 20;

/// Blocks to run per wave for accumulators of `accumulator_bytes` on
/// `threads` threads: four per thread, fewer when that would pass the budget.
std::uint64_t blocks_in_flight(std::size_t accumulator_bytes, unsigned threads);
/// The threads a run uses when asked for `asked` (0: every core).
unsigned effective_threads(unsigned asked);

/// How to run a batch. The same seed and replication indices across
/// scenarios give common random numbers: every stream that two scenarios
/// share by name draws the same numbers.
struct BatchSpec {
  std::uint64_t seed = 0;
  std::uint64_t replications = 0;
  unsigned threads = 0;
  std::uint64_t block_size = sim::kDefaultBlockSize;
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(const sim::Progress&)> progress;
  std::uint64_t blocks_in_flight = 0;  ///< 0: the runner's default (see sim::RunnerOptions)
  bool resampled = false;              ///< keep bootstrap resamples (model::Outcomes::resamples)
};

/// The runner's options for a batch run as `spec` says.
sim::RunnerOptions runner_options(const BatchSpec& spec);

/// Runs a batch of `sc` and returns its outcomes. Throws sim::Cancelled.
model::Outcomes run_batch(const model::Scenario& sc, const BatchSpec& spec);

}  // namespace wsic::experiment
