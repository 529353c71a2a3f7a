#include "wsic/experiment/batch.hpp"

#include <algorithm>
#include <thread>

#include <tbb/info.h>

#include "wsic/model/model.hpp"

namespace wsic::experiment {

const char* version() { return WSIC_VERSION; }

std::uint64_t blocks_in_flight(std::size_t accumulator_bytes, unsigned threads) {
  const std::uint64_t wanted = 4 * static_cast<std::uint64_t>(std::max(1u, threads));
  const std::uint64_t affordable = kAccumulatorBudgetBytes / std::max<std::size_t>(1, accumulator_bytes);
  return std::max<std::uint64_t>(1, std::min(wanted, affordable));
}

unsigned effective_threads(unsigned asked) {
  return asked > 0 ? asked : static_cast<unsigned>(std::max(1, tbb::info::default_concurrency()));
}

sim::RunnerOptions runner_options(const BatchSpec& spec) {
  sim::RunnerOptions ro;
  ro.threads = spec.threads;
  ro.block_size = spec.block_size;
  ro.cancel = spec.cancel;
  ro.progress = spec.progress;
  ro.blocks_in_flight = spec.blocks_in_flight;
  return ro;
}

model::Outcomes run_batch(const model::Scenario& sc, const BatchSpec& spec) {
  const model::Model m(sc);
  return sim::run_replications<model::Outcomes>(
      spec.replications, runner_options(spec), [&] { return model::Outcomes(sc, spec.resampled); },
      [&](std::uint64_t index, model::Outcomes& acc) {
        thread_local model::ReplicationOutcome r;
        m.simulate(spec.seed, index, r);
        acc.add(r, index);
      });
}

}  // namespace wsic::experiment
