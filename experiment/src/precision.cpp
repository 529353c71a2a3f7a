#include "wsic/experiment/precision.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "wsic/experiment/sweep.hpp"
#include "wsic/model/model.hpp"
#include "wsic/model/outcomes.hpp"
#include "wsic/sim/runner.hpp"

namespace wsic::experiment {

std::optional<PrecisionMeasure> parse_precision_measure(std::string_view name) {
  PrecisionMeasure m;
  std::string_view rest;
  for (const auto& [prefix, series] :
       {std::pair{std::string_view("first_live_p"), PrecisionMeasure::Series::kFirst},
        std::pair{std::string_view("majority_live_p"), PrecisionMeasure::Series::kMajority},
        std::pair{std::string_view("all_live_p"), PrecisionMeasure::Series::kAll}}) {
    if (name.substr(0, prefix.size()) == prefix) {
      m.series = series;
      rest = name.substr(prefix.size());
      int pct = 0;
      const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), pct);
      if (ec != std::errc() || end != rest.data() + rest.size() || rest.empty() || rest.size() > 2 || pct < 1 ||
          pct > 99) {
        return std::nullopt;
      }
      m.p = pct / 100.0;
      return m;
    }
  }
  return std::nullopt;
}

std::uint64_t next_precision_check(std::uint64_t blocks) { return std::max(blocks + 1, blocks + blocks / 4); }

namespace {

/// The one date the precision is asked of, per replication.
struct DateAcc {
  model::DayCounts days;
  void merge(const DateAcc& o) { days.merge(o.days); }
};

double series_day(const model::ReplicationOutcome& r, PrecisionMeasure::Series s, std::vector<double>& scratch) {
  const std::size_t n = r.schemes.size();
  if (n == 0) return model::kNever;
  scratch.resize(n);
  for (std::size_t i = 0; i < n; ++i) scratch[i] = r.schemes[i].go_live;
  std::sort(scratch.begin(), scratch.end());
  switch (s) {
    case PrecisionMeasure::Series::kFirst:
      return scratch.front();
    case PrecisionMeasure::Series::kMajority:
      return scratch[n / 2];
    case PrecisionMeasure::Series::kAll:
      break;
  }
  return scratch.back();
}

}  // namespace

PrecisionResult replications_for_precision(const model::Scenario& sc, const BatchSpec& spec, const PrecisionMeasure& m,
                                           double days) {
  const model::Model model(sc);
  const std::size_t horizon_days = static_cast<std::size_t>(sc.horizon_day) + 1;
  const auto make = [&] { return DateAcc{model::DayCounts(horizon_days)}; };
  sim::RunnerOptions ro = runner_options(spec);
  sim::BlockReducer<DateAcc> red;
  const std::uint64_t bs = ro.block_size;
  const std::uint64_t max_blocks = sim::block_count(spec.replications, bs);
  PrecisionResult res;
  std::uint64_t check = 1;
  while (true) {
    const std::uint64_t end = std::min(check, max_blocks);
    sim::run_block_range<DateAcc>(
        spec.replications, end, ro, make,
        [&](std::uint64_t index, DateAcc& acc) {
          thread_local model::ReplicationOutcome r;
          thread_local std::vector<double> scratch;
          model.simulate(spec.seed, index, r);
          acc.days.add(series_day(r, m.series, scratch));
        },
        red, [](DateAcc&) {});
    const DateAcc total = red.result(make());
    const QuantileWithInterval q = quantile_with_interval(total.days, m.p);
    res.replications = std::min(spec.replications, end * bs);
    res.quantile = q.value;
    res.half_width.reset();
    if (q.value && q.low && q.high) {
      res.half_width = std::max(*q.value - *q.low, *q.high - *q.value);
      if (*res.half_width <= days) {
        res.reached = true;
        return res;
      }
    }
    if (end == max_blocks) return res;
    check = next_precision_check(check);
  }
}

}  // namespace wsic::experiment
