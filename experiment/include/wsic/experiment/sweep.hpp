#pragma once
/// Sweeps: the scenario at every point of a grid of one or two of its
/// parameters, each point a batch run with the same seed and replication
/// indices (common random numbers), summarised as tidy rows: one per point
/// and measure, with P10, P50 and P90 and a 95% simulation-error interval
/// for each.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wsic/model/outcomes.hpp"
#include "wsic/model/scenario.hpp"
#include "wsic/sim/error.hpp"

namespace wsic::experiment {

/// At most this many points in a sweep (the product of its axes' values):
/// each is a batch, so more is surely a typo for fewer steps.
inline constexpr std::size_t kMaxSweepPoints = 10'000;
/// At most this many values on one axis.
inline constexpr std::size_t kMaxAxisValues = 1'000;

/// A problem in the text of a `--vary`, at a 1-based column of it.
class VaryError : public wsic::Error {
 public:
  VaryError(std::size_t column, const std::string& what) : wsic::Error(what), column_(column) {}
  std::size_t column() const noexcept { return column_; }

 private:
  std::size_t column_;
};

/// One axis of a sweep as written: `PATH=FROM:TO:STEPS` (STEPS values evenly
/// spaced from FROM to TO, both included) or `PATH=V1,V2,...` (the values
/// listed, in order). Values are written as the scenario file writes them
/// ("0.3", "4 months", "2015-04-01").
struct VarySpec {
  std::string path;
  std::vector<std::string> values;  ///< the list form's values
  std::string from, to;             ///< the range form's ends
  std::size_t steps = 0;            ///< the range form's number of values (0: the list form)
  std::size_t value_column = 0;     ///< 1-based column where the values start, for messages
};

/// Parses one `--vary`. Throws VaryError at the column of the problem.
VarySpec parse_vary(std::string_view text);

/// `steps` values evenly spaced from `from` to `to`, both included exactly;
/// whole numbers when `whole` (then the spacing must come out whole: throws
/// wsic::Error saying which step counts would).
std::vector<double> evenly_spaced(double from, double to, std::size_t steps, bool whole);

/// A quantile of a batch with its 95% simulation-error interval (the
/// order statistics sim::quantile_rank_interval names); in the measure's
/// units (days since calendar start for dates); nullopt past the horizon.
struct QuantileWithInterval {
  std::optional<int> value, low, high;
};
QuantileWithInterval quantile_with_interval(const model::DayCounts& d, double p);

/// One row of a sweep's results: a measure at one point.
struct SweepRow {
  std::string measure;  ///< "first_live", "majority_live", "all_live", "go_live.<scheme>", "live_at.<date>"
  bool is_date = true;  ///< a date (days since calendar start); otherwise a number of schemes
  QuantileWithInterval p10, p50, p90;
  double reached = 0.0;  ///< dates: share of replications that reached it by the horizon
  double mean = 0.0;     ///< counts: the mean, and its standard error
  double mean_se = 0.0;
};

/// The measures of one point's batch: the programme's first, majority and
/// all live, each scheme's go-live (in id order), then the number of
/// schemes live at each milestone.
std::vector<SweepRow> sweep_rows(const model::Scenario& sc, const model::Outcomes& o);

}  // namespace wsic::experiment
