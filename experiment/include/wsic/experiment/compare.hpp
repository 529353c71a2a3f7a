#pragma once
/// Comparing scenarios: a base and what-ifs run replication by replication
/// with common random numbers (the same seed and indices), recording each
/// scenario's outcomes and each what-if's paired differences from the base
/// on one time axis.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "wsic/experiment/batch.hpp"
#include "wsic/experiment/paired.hpp"
#include "wsic/model/model.hpp"
#include "wsic/model/outcomes.hpp"
#include "wsic/model/scenario.hpp"
#include "wsic/sim/time.hpp"

namespace wsic::experiment {

/// Series compared: each scheme of the base (matched by id), then the programme.
struct Series {
  std::string id;
  std::string name;
  int base_index;                 // scheme index in the base, or -1 for programme series
  std::vector<int> whatif_index;  // per what-if, or -1 when the scheme is absent there
};

/// The scenarios of a comparison share one time axis: days since the
/// earliest calendar start among them, up to the earliest horizon. A what-if
/// that only moves calendar.start compares as identical, not as every scheme
/// shifted by the move.
struct Epoch {
  sim::Date start;
  std::vector<double> offset;  ///< per scenario: its day 0 in the epoch's days
  int horizon = 0;             ///< the last day every scenario simulates

  explicit Epoch(const std::vector<model::Scenario>& scenarios);
  /// A day of scenario `k` on the common axis; kNever past the common horizon.
  double day(std::size_t k, double d) const {
    const double e = d + offset[k];
    return e <= horizon ? e : model::kNever;
  }
};

/// What a comparison accumulates: per scenario its outcomes, per what-if its
/// paired differences from the base.
struct CompareAcc {
  std::vector<model::Outcomes> outcomes;
  std::vector<PairedDifferences> diffs;
  void merge(const CompareAcc& o) {
    for (std::size_t i = 0; i < outcomes.size(); ++i) outcomes[i].merge(o.outcomes[i]);
    for (std::size_t i = 0; i < diffs.size(); ++i) diffs[i].merge(o.diffs[i]);
  }
  std::size_t memory_bytes() const {
    std::size_t n = 0;
    for (const auto& o : outcomes) n += o.memory_bytes();
    for (const auto& d : diffs) n += d.memory_bytes();
    return n;
  }
  /// Bytes that `load` turns back into an identical accumulator (for part
  /// files); `load` throws wsic::Error on bytes that are not these.
  std::string save() const;
  static CompareAcc load(std::string_view bytes);
  /// Shaped like `o` (same scenarios' shapes and series), so the two merge.
  bool same_shape(const CompareAcc& o) const;
};

/// A comparison ready to run: the scenarios (the base first), their models,
/// the series compared and the common time axis.
class Comparison {
 public:
  /// Throws wsic::Error when a scenario cannot be simulated.
  explicit Comparison(std::vector<model::Scenario> scenarios);

  const std::vector<model::Scenario>& scenarios() const noexcept { return scenarios_; }
  const std::vector<Series>& series() const noexcept { return series_; }
  const Epoch& epoch() const noexcept { return epoch_; }
  /// An empty accumulator.
  CompareAcc empty() const;
  /// Runs every scenario for `spec.replications` replications. Throws
  /// sim::Cancelled when `spec.cancel` is set.
  CompareAcc run(const BatchSpec& spec) const;
  /// Simulates replication `index` of every scenario into `acc`; safe to
  /// call from several threads at once for different accumulators.
  /// `seen`, when given, is shown the scenarios' outcomes (the base first).
  void replicate(std::uint64_t seed, std::uint64_t index, CompareAcc& acc,
                 const std::function<void(const std::vector<model::ReplicationOutcome>&)>& seen = {}) const;

  /// The day of each series (series()) in an outcome `r` of scenario `k`,
  /// on the common axis, into `out`: what a replication gives the paired
  /// differences. NaN for a scheme scenario `k` lacks.
  void series_days(std::size_t k, const model::ReplicationOutcome& r, std::vector<double>& out) const;
  /// Records one replication's pair into `diffs` (of what-if `k`, k >= 1):
  /// `base` and `whatif` are the series days of the base and of scenario `k`.
  static void add_pair(const std::vector<double>& base, const std::vector<double>& whatif, PairedDifferences& diffs);
  const model::Model& model(std::size_t k) const { return models_.at(k); }

 private:
  std::vector<model::Scenario> scenarios_;
  std::vector<model::Model> models_;
  std::vector<Series> series_;
  Epoch epoch_;
};

}  // namespace wsic::experiment
