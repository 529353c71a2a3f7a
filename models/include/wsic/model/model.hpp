#pragma once
/// The WSIC rollout model: one replication is a programme of co-design,
/// designation, and nine schemes each going through local design (queueing
/// for the central team), an implementation graph of workstreams disrupted
/// by barriers, go-live and a ramp to full coverage.
///
/// Disruptions act as windows of reduced progress (a block or delay is a
/// window at rate zero). Progress through a fixed set of windows finishes
/// later when it starts later, so with common random numbers removing a
/// barrier that strikes implementation can never make a scheme later.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "wsic/model/scenario.hpp"

namespace wsic::model {

inline constexpr double kNever = std::numeric_limits<double>::infinity();

/// What one replication produced for one scheme. Days since calendar start;
/// kNever when it did not happen within the horizon.
struct SchemeOutcome {
  double design_start = kNever;
  double design_end = kNever;
  /// Piloting: the first component of its model of care is live.
  double go_live = kNever;
  /// Its full model of care: the last component is live.
  double full_model = kNever;
  /// Every population group enrolled under the full model.
  double full_coverage = kNever;
  /// Days to enrol a population group (the ramp, at the local work rate).
  double ramp = 0.0;
  /// Bit w set: workstream w lay on the critical path to go-live.
  std::uint64_t critical = 0;
  bool design_critical = false;  ///< the design phase lay on it (always, when it went live)
  /// Barrier strikes on this scheme (as `ReplicationOutcome::barrier_hits`
  /// counts them: once per workstream or design phase hit).
  std::uint32_t strikes = 0;
};

/// What one replication produced.
struct ReplicationOutcome {
  double codesign_end = kNever;
  std::vector<SchemeOutcome> schemes;
  /// Per barrier: how many times it struck (per scheme and workstream hit).
  std::vector<std::uint32_t> barrier_hits;
  /// Money spent, £m: [row * categories + category], a row per funding
  /// year and a last row for what was spent after them (see spend_categories).
  std::vector<double> spend;
};

/// What happened in one replication, for telling its story: each strike of
/// a barrier on a scheme with what it did, each workstream's start and end,
/// when the central team came to each scheme's design, and when national
/// action came. Kept only when Model::simulate is given one.
struct Trace {
  struct Strike {
    int barrier = -1;
    int scheme = -1;
    double day = 0.0;            ///< when it struck
    std::uint64_t targets = 0;   ///< workstream bits; bit 63: the design phase
    double until = kNever;       ///< no progress (factor 0) or slower, until this day
    double factor = 1.0;         ///< the pace meanwhile (1: it opened no window)
    double pace_until = kNever;  ///< then, after a partial workaround, `pace` until this day
    double pace = 1.0;
    double rework = 0.0;  ///< share of the work to do again (rework)
  };
  std::vector<Strike> strikes;                  ///< in the order they were laid out
  std::vector<std::vector<double>> work_start;  ///< [scheme][workstream], kNever if not
  std::vector<std::vector<double>> work_end;    ///< [scheme][workstream], kNever if not
  std::vector<double> central_support;          ///< per scheme: the central team came to its design
  std::vector<double> lever_day;                ///< per lever: its value, a date lever's after its slip
};

/// What money is spent on: the programme team, consultancy, the schemes'
/// local support, then every lever with a cost, in the scenario's order.
struct SpendCategory {
  std::string id;    ///< "central_team", "consultancy", "local_support", or the lever's id
  std::string name;  ///< as tables show it
  Lever::Pot pot = Lever::Pot::kCentral;
  int lever = -1;  ///< the costed lever, or -1
};
std::vector<SpendCategory> spend_categories(const Scenario& sc);
/// Rows of a spend table: the funding years, then one for after them (none
/// without funding years).
inline std::size_t spend_rows(const Scenario& sc) { return sc.funding.empty() ? 0 : sc.funding.size() + 1; }

/// The parameter values one replication reads, and what follows from them.
/// A Model holds the scenario's structure; Settings hold its numbers, so new
/// parameter values need no new Model: change `values` in place (only its
/// numbers; see scenario::ParameterSpace), then `Model::refresh` the rest.
struct Settings {
  Scenario values;  ///< same structure as the Model's scenario; only numbers differ

  // Derived from `values` by Model::refresh.
  int central_capacity = 1;          ///< schemes the central team supports at once
  double local_rate = 1.0;           ///< local work rate relative to the baseline funding split
  double base_central_share = 0.5;   ///< central share of support money as funded
  double central_share = 0.5;        ///< as the central_share lever sets it (before any change)
  double transactional_cut = 0.0;    ///< share of transactional work done during co-design
  double promised_day = kNever;      ///< go-live date promised to lay partners, or kNever
  std::vector<int> scheme_priority;  ///< central team queue position per scheme (smaller first)
  /// A barrier's numbers with the levers applied (Scenario::value of each).
  struct BarrierValues {
    double probability = 1.0;
    double rate_per_day = 0.0;
    double duration_scale = 1.0;
    double factor = 1.0;
    double fraction = 0.0;
  };
  /// Per period, then per barrier: [period * barriers + barrier].
  std::vector<BarrierValues> barrier_values;

  /// Levers whose values change at dates divide the calendar into periods:
  /// period p runs from day `period_from[p]` (the first from -infinity) to
  /// the next one's start. In each, what follows from the values then in
  /// force is what those values would give if they held throughout; money
  /// is allocated per funding year with each value weighted by the time it
  /// is in force that year. One period when nothing changes, and then the
  /// fields above are its values.
  std::vector<double> period_from;
  struct Period {
    int central_capacity = 1;
    double local_rate = 1.0;
    double transactional_cut = 0.0;
    double codesign_factor = 1.0;
  };
  std::vector<Period> periods;
  /// The period day `t` is in.
  std::size_t period_at(double t) const noexcept {
    if (period_from.size() <= 1) return 0;
    return static_cast<std::size_t>(std::upper_bound(period_from.begin() + 1, period_from.end(), t) -
                                    period_from.begin()) -
           1;
  }
  /// Barrier `b`'s numbers in force on day `t`.
  const BarrierValues& barrier_at(std::size_t b, double t) const noexcept {
    if (period_from.size() <= 1) return barrier_values[b];
    return barrier_values[period_at(t) * values.barriers.size() + b];
  }
  /// Per funding year: the central share of its support money.
  std::vector<double> year_central_share;
  std::vector<double> lever_base;  ///< working space for refresh
  /// What the decisions put into each funding year's categories, £m:
  /// [year * categories + category], as spend_categories orders them. Spent
  /// while there is work for it (see ReplicationOutcome::spend).
  std::vector<double> allocation;
  std::vector<Lever::Pot> spend_pot;  ///< per category: the pot it is paid from
  std::vector<double> spend_once;     ///< per category: its one-off part, spent in the first funded year
  double codesign_factor = 1.0;       ///< co-design duration multiplier, from the money it gets
  /// Local work runs at `drift` of its pace until day `drift_until` (a
  /// promise far off); drift 1 when it does not.
  double drift = 1.0;
  double drift_until = -kNever;

  /// Share of funding year `year`'s support money spent centrally.
  double central_share_in(std::size_t year) const;
};

/// True when `a` and `b` differ at most in their numbers: the same schemes,
/// workstreams, barriers, levers, milestones and funding years with the same
/// ids, links and kinds. A Model simulates Settings of any such scenario.
bool same_structure(const Scenario& a, const Scenario& b);

/// A scenario prepared for simulation: the workstream graph in topological
/// order, random stream ids, and the settings the scenario's own values give.
/// Immutable once built, so one Model serves every thread.
class Model {
 public:
  /// Throws wsic::Error if the scenario cannot be simulated (e.g. a cycle in
  /// the workstream graph, which the loader normally reports first).
  explicit Model(Scenario scenario);

  const Scenario& scenario() const noexcept { return settings_.values; }
  /// The settings of the scenario as given.
  const Settings& settings() const noexcept { return settings_; }
  /// Settings for other values of this scenario's parameters. Throws
  /// wsic::Error when `values` is not the same structure (same_structure).
  Settings settings_for(Scenario values) const;
  /// Recomputes what follows from `s.values` after its numbers changed in
  /// place. Allocates nothing; costs far less than a replication.
  void refresh(Settings& s) const;

  /// The order in which workstreams can be done (prerequisites first).
  const std::vector<int>& topological_order() const noexcept { return topo_; }
  /// Schemes the central team supports at once, after the funding split.
  int central_capacity() const noexcept { return settings_.central_capacity; }
  /// Local work rate relative to the baseline funding split.
  double local_rate() const noexcept { return settings_.local_rate; }
  /// Share of transactional work already done, thanks to investment during co-design.
  double transactional_cut() const noexcept { return settings_.transactional_cut; }
  /// The go-live date promised to lay partners (day), or kNever.
  double promised_day() const noexcept { return settings_.promised_day; }
  /// Queue position of scheme `s` for the central team (smaller first).
  int scheme_priority(int s) const noexcept { return settings_.scheme_priority[static_cast<std::size_t>(s)]; }
  /// Scheme indices in id order: sums over schemes run in this order, so no
  /// result depends on the order of the schemes in the file.
  const std::vector<int>& schemes_by_id() const noexcept { return by_id_; }
  /// Share of funding year `year`'s support money spent centrally.
  double central_share_in(std::size_t year) const { return settings_.central_share_in(year); }

  /// Simulates replication `index` of a batch seeded with `seed` into `out`,
  /// with the scenario's own values. Thread-safe: the Model is only read.
  void simulate(std::uint64_t seed, std::uint64_t index, ReplicationOutcome& out) const {
    simulate(settings_, seed, index, out);
  }
  /// As above, with `settings` (made by settings_for, or refreshed after a
  /// change). Thread-safe for any number of Settings read at once.
  /// With `trace`, also keeps what happened (see Trace); the outcome is the same.
  void simulate(const Settings& settings, std::uint64_t seed, std::uint64_t index, ReplicationOutcome& out,
                Trace* trace = nullptr) const;

  /// Random streams, named after what they drive so they survive edits
  /// elsewhere ("work/ealing/ig"). Each holds the stream's key,
  /// `sim::stream_key(sim::stream_id(name))`, for `sim::ReplicationSeed`.
  struct Streams {
    std::uint64_t codesign = 0;
    std::vector<std::uint64_t> lever;                        // per lever (a date lever's slip)
    std::vector<std::uint64_t> design;                       // per scheme
    std::vector<std::uint64_t> ramp;                         // per scheme
    std::vector<std::vector<std::uint64_t>> work;            // [scheme][workstream]
    std::vector<std::uint64_t> barrier_programme;            // per barrier
    std::vector<std::vector<std::uint64_t>> barrier_scheme;  // [barrier][scheme]
    /// [scheme][workstream][barrier], flat: the keys a start of work reads
    /// lie together (see task_key).
    std::vector<std::uint64_t> barrier_task;
    std::size_t workstreams = 0, barriers = 0;
    std::uint64_t task_key(std::size_t barrier, std::size_t scheme, std::size_t workstream) const noexcept {
      return barrier_task[(scheme * workstreams + workstream) * barriers + barrier];
    }
    std::vector<std::vector<std::uint64_t>> barrier_design;  // [barrier][scheme]
  };
  const Streams& streams() const noexcept { return streams_; }
  /// The workstreams that have workstream `w` among their prerequisites, in
  /// topological order, once per mention.
  const std::vector<int>& dependents(int w) const noexcept { return dependents_[static_cast<std::size_t>(w)]; }
  /// The barriers with an on_start trigger that target workstream `w`, or
  /// the design phase for w = -1, in the scenario's order.
  const std::vector<int>& on_start_barriers(int w) const noexcept {
    return on_start_[w < 0 ? on_start_.size() - 1 : static_cast<std::size_t>(w)];
  }
  /// A scheme's model of care: its components (indices into
  /// Scenario::components; empty for the one implicit component), the
  /// workstreams each needs, and per workstream the components needing it.
  struct Parts {
    std::vector<int> components;
    std::vector<std::vector<int>> needs;
    /// The components needing workstream `w`, in order.
    std::span<const int> needing(int w) const noexcept {
      const auto i = static_cast<std::size_t>(w);
      return {needing_.data() + needing_from_[i], needing_.data() + needing_from_[i + 1]};
    }
    // needing(w) is needing_[needing_from_[w], needing_from_[w + 1]): one
    // array for the scheme, not one per workstream (a workstream that ends
    // reads it, and scattered small arrays cost a cache miss each).
    std::vector<int> needing_;
    std::vector<std::size_t> needing_from_;
  };
  const Parts& parts(int s) const noexcept { return parts_[static_cast<std::size_t>(s)]; }

 private:
  Settings settings_;
  std::vector<int> topo_;
  std::vector<int> by_id_;
  Streams streams_;
  std::vector<std::vector<int>> dependents_;  // [workstream]
  std::vector<std::vector<int>> on_start_;    // [workstream], then the design phase
  std::vector<Parts> parts_;                  // [scheme]
};

}  // namespace wsic::model
