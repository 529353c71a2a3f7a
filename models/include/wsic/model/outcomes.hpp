#pragma once
/// What a batch of replications adds up to: counts by day, by milestone and
/// by workstream. Integer counts merge exactly and in any order, so a batch
/// split across threads, processes or machines gives the same bytes.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wsic/model/model.hpp"
#include "wsic/model/resamples.hpp"
#include "wsic/sim/serial.hpp"

namespace wsic::model {

/// How many replications saw something happen on each day (day 0 = calendar
/// start), plus how many never saw it within the horizon.
///
/// A block of a batch sees a few dozen days at most, so the counts start as
/// a list of the days recorded and become an array by day (zeroed once)
/// only when the list would outgrow a quarter of the horizon: a block's
/// accumulator costs no horizon-long array to zero, merge and free. Either
/// way the counts are the same, and so are their bytes when saved.
class DayCounts {
 public:
  DayCounts() = default;
  explicit DayCounts(std::size_t days) : days_(days) {}

  /// Records a day (fractions are floored to the calendar day); kNever or
  /// past the end counts as never.
  void add(double day) {
    if (day >= 0.0 && day < static_cast<double>(days_)) {
      const auto d = static_cast<std::size_t>(day);
      if (counts_.empty() && recorded_.size() == recorded_.capacity()) [[unlikely]]
        make_room();  // a longer list, or now the array
      if (counts_.empty()) {
        recorded_.push_back(static_cast<std::uint32_t>(d));
      } else {
        ++counts_[d];
      }
    } else {
      ++never_;
    }
  }
  void merge(const DayCounts& other);

  /// Days in the horizon (the length of counts()).
  std::size_t days() const noexcept { return days_; }
  std::uint64_t total() const noexcept;
  std::uint64_t never() const noexcept { return never_; }
  /// Replications by day, one count for each day of the horizon.
  std::vector<std::uint64_t> counts() const;
  /// The first day by which a share of at least `p` of all replications had
  /// seen it; nullopt if fewer than that did within the horizon.
  std::optional<int> quantile(double p) const;
  /// The day of the k-th earliest replication (1-based); nullopt when that
  /// replication never saw it within the horizon.
  std::optional<int> order_statistic(std::uint64_t k) const;
  /// Like quantile(), but a quantile past the horizon is the first day after
  /// it: a floor on the true value, for shifts and charts that need a number.
  int quantile_or_after(double p) const {
    const auto q = quantile(p);
    return q ? *q : static_cast<int>(days_);
  }
  /// Share of replications that saw it on or before `day`.
  double share_by(double day) const;
  /// share_by() of each of `days`, in one walk when they are in order (the
  /// months of a chart): the same numbers, in time linear in the horizon.
  std::vector<double> shares_by(const std::vector<double>& days) const;
  /// Mean day among replications that saw it (NaN if none did).
  double mean_day() const;

  void save(sim::ByteWriter& w) const;
  static DayCounts load(sim::ByteReader& r);

 private:
  /// Room for another recorded day: a longer list, or the array by day.
  void make_room();
  /// Turns the list into the array by day.
  void to_array();
  /// The longest list kept (4 bytes a day against the array's 8): past
  /// this the array is smaller and merges faster.
  std::size_t list_limit() const noexcept { return days_ / 4; }
  /// The counts by day: the array, or `scratch` filled from the list.
  std::span<const std::uint64_t> by_day(std::vector<std::uint64_t>& scratch) const;

  std::size_t days_ = 0;
  std::vector<std::uint64_t> counts_;    // by day (days_ long), or empty while the list holds them
  std::vector<std::uint32_t> recorded_;  // the days recorded while counts_ is empty, in no order
  std::uint64_t never_ = 0;
};

/// The accumulated outcomes of a batch.
class Outcomes {
 public:
  Outcomes() = default;
  /// An empty accumulator shaped for `scenario` (its horizon, schemes,
  /// workstreams, barriers, milestones and funding years); `resampled`
  /// keeps bootstrap resamples of the programme's dates too (`resamples`).
  explicit Outcomes(const Scenario& scenario, bool resampled = false);

  void add(const ReplicationOutcome& r);
  /// As add(r), and into `resamples` (when on) as replication `index`.
  void add(const ReplicationOutcome& r, std::uint64_t index);
  void merge(const Outcomes& other);

  std::uint64_t replications = 0;
  DayCounts codesign_end;
  std::vector<DayCounts> design_end;     ///< per scheme
  std::vector<DayCounts> go_live;        ///< per scheme
  std::vector<DayCounts> full_model;     ///< per scheme: every component of its model of care live
  std::vector<DayCounts> full_coverage;  ///< per scheme
  DayCounts first_live;
  DayCounts all_live;
  /// When a majority of the schemes (5 of 9) is live: the programme's
  /// progress against a plan that had every scheme piloting at once.
  DayCounts majority_live;
  DayCounts all_full_coverage;
  DayCounts all_full_model;  ///< every scheme's full model of care live
  /// Per month (month_days): people covered across the schemes on the first
  /// of the month, summed over the replications (population groups of
  /// unreported size count none).
  std::vector<double> people_by_month;
  /// The people in every scheme's population groups (of reported size).
  double population() const noexcept;
  /// [milestone][k]: replications with exactly k schemes live at the milestone.
  std::vector<std::vector<std::uint64_t>> live_count_at;
  /// First day of each calendar month from the start to the horizon (the
  /// time axis of `live_count_by_month`).
  std::vector<double> month_days;
  /// [month][k]: replications with exactly k schemes live on the first of the month.
  std::vector<std::vector<std::uint64_t>> live_count_by_month() const;
  /// [milestone][scheme]: replications with the scheme live at the milestone.
  std::vector<std::vector<std::uint64_t>> scheme_live_at;
  /// [scheme][workstream]: replications with the workstream on the critical path.
  std::vector<std::vector<std::uint64_t>> critical;
  /// The criticality index: the share of the replications in which scheme
  /// `s` went live within the horizon (the only ones with a critical path)
  /// that had workstream `w` on it; 0 when the scheme never went live.
  double criticality(std::size_t s, std::size_t w) const {
    const std::uint64_t live = go_live[s].total() - go_live[s].never();
    return live ? static_cast<double>(critical[s][w]) / static_cast<double>(live) : 0.0;
  }
  /// Per barrier: total strikes over all replications.
  std::vector<std::uint64_t> barrier_hits;
  /// Money spent, £m, summed over all replications, laid out as
  /// ReplicationOutcome::spend: a row per funding year and one for after
  /// them, `spend_columns` categories (spend_categories) each.
  std::vector<double> spend;
  std::size_t spend_columns = 0;
  /// Total over all replications of category `k`'s spend in row `row`.
  double spend_at(std::size_t row, std::size_t k) const { return spend[row * spend_columns + k]; }
  /// Bootstrap resamples of first_live and all_live, for intervals on
  /// differences of their quantiles; off unless asked for.
  Resamples resamples;

  /// Bytes that `load` turns back into an identical accumulator (for
  /// checkpoints and for merging batches run elsewhere).
  std::string save() const;
  static Outcomes load(std::string_view bytes);

  /// True when `other` is shaped like this accumulator (same schemes,
  /// workstreams, barriers, funding years, milestone days, calendar months
  /// and horizon), so the two can be merged.
  bool same_shape(const Outcomes& other) const;
  /// Memory the accumulator holds, in bytes (for sizing batches in flight).
  std::size_t memory_bytes() const;

 private:
  std::vector<double> milestone_days_;
  /// add()'s part for people_by_month.
  void add_people(const ReplicationOutcome& r);

  // live_count_by_month as steps: row m holds the changes from month m-1
  // (row 0 from nothing), in arithmetic modulo 2^64, with a row past the
  // last month. A replication's months with exactly k schemes live are one
  // run, so it changes two entries for each k rather than one for every
  // month (a block's accumulator stays small in the cache), and steps add
  // up across blocks as the counts would.
  std::vector<std::uint64_t> month_steps_;
  std::size_t month_width_ = 0;       // schemes + 1
  std::vector<double> first_group_;   // per scheme: people in its first population group
  std::vector<double> later_groups_;  // per scheme: people in the others
  std::vector<double> scratch_;       // working space of add(); not part of the result
  std::vector<double> live_days_;     // working space of add(): each scheme's go-live calendar day
  std::vector<double> sorted_days_;   // working space of add(): the same days in order
  std::vector<double> people_;        // working space of add(): people covered each month
};

}  // namespace wsic::model
