#include "wsic/experiment/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "wsic/sim/quantile.hpp"

namespace wsic::experiment {

namespace {

std::string_view trim(std::string_view s, std::size_t& offset) {
  std::size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\t')) ++b;
  std::size_t e = s.size();
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  offset += b;
  return s.substr(b, e - b);
}

}  // namespace

VarySpec parse_vary(std::string_view text) {
  VarySpec v;
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    throw VaryError(1, "expected PATH=FROM:TO:STEPS or PATH=V1,V2,... (e.g. levers.central_share.value=0.3:0.7:5)");
  }
  std::size_t path_at = 0;
  v.path = std::string(trim(text.substr(0, eq), path_at));
  if (v.path.empty()) throw VaryError(1, "the parameter's path is missing before '='");
  const std::string_view rest = text.substr(eq + 1);
  v.value_column = eq + 2;
  if (rest.find_first_not_of(" \t") == std::string_view::npos) {
    throw VaryError(v.value_column, "the values are missing after '=': give FROM:TO:STEPS or V1,V2,...");
  }
  if (rest.find(',') != std::string_view::npos || rest.find(':') == std::string_view::npos) {
    // The list form (a single value is a list of one).
    std::size_t at = 0;
    while (true) {
      const std::size_t comma = rest.find(',', at);
      const std::string_view item = rest.substr(at, comma == std::string_view::npos ? rest.npos : comma - at);
      std::size_t off = at;
      const std::string_view value = trim(item, off);
      if (value.empty()) throw VaryError(v.value_column + off, "an empty value in the list");
      if (v.values.size() == kMaxAxisValues) {
        throw VaryError(v.value_column + off, fmt::format("more than {} values on one axis", kMaxAxisValues));
      }
      v.values.emplace_back(value);
      if (comma == std::string_view::npos) break;
      at = comma + 1;
    }
    return v;
  }
  // The range form: FROM:TO:STEPS (ISO dates have no ':', durations neither).
  const std::size_t c1 = rest.find(':');
  const std::size_t c2 = rest.find(':', c1 + 1);
  if (c2 == std::string_view::npos || rest.find(':', c2 + 1) != std::string_view::npos) {
    throw VaryError(v.value_column, "expected FROM:TO:STEPS, three parts separated by ':'");
  }
  std::size_t off_from = 0, off_to = c1 + 1, off_steps = c2 + 1;
  v.from = std::string(trim(rest.substr(0, c1), off_from));
  v.to = std::string(trim(rest.substr(c1 + 1, c2 - c1 - 1), off_to));
  const std::string_view steps = trim(rest.substr(c2 + 1), off_steps);
  if (v.from.empty()) throw VaryError(v.value_column + off_from, "FROM is missing");
  if (v.to.empty()) throw VaryError(v.value_column + off_to, "TO is missing");
  std::size_t n = 0;
  bool digits = !steps.empty() && steps.size() <= 7;
  for (const char c : steps) {
    if (c < '0' || c > '9') digits = false;
  }
  if (digits) n = static_cast<std::size_t>(std::stoul(std::string(steps)));
  if (!digits || n < 2 || n > kMaxAxisValues) {
    throw VaryError(v.value_column + off_steps,
                    fmt::format("STEPS must be a whole number from 2 to {} (the number of values, ends included), "
                                "got '{}'",
                                kMaxAxisValues, steps));
  }
  v.steps = n;
  return v;
}

std::vector<double> evenly_spaced(double from, double to, std::size_t steps, bool whole) {
  std::vector<double> out(steps);
  const double span = to - from;
  const double intervals = static_cast<double>(steps - 1);
  if (whole && std::fmod(span, intervals) != 0.0) {
    throw Error(
        fmt::format("{} to {} cannot be cut into {} whole steps: this number is whole, so choose STEPS - 1 "
                    "dividing {}",
                    from, to, steps - 1, span));
  }
  for (std::size_t k = 0; k < steps; ++k) {
    // from + k * span / intervals, with both ends exact.
    if (k == 0 || k + 1 == steps) {
      out[k] = k == 0 ? from : to;  // the ends exactly as given
      continue;
    }
    const double v = from + span * (static_cast<double>(k) / intervals);
    // Twelve significant digits between the ends: 0.3 to 0.7 in 5 steps gives 0.4, not 0.39999999999999997.
    out[k] = whole ? std::round(v) : std::stod(fmt::format("{:.12g}", v));
  }
  return out;
}

QuantileWithInterval quantile_with_interval(const model::DayCounts& d, double p) {
  QuantileWithInterval q;
  const std::uint64_t n = d.total();
  if (n == 0) return q;
  q.value = d.quantile(p);
  const sim::RankInterval r = sim::quantile_rank_interval(n, p, 0.95);
  q.low = d.order_statistic(r.lower);
  q.high = d.order_statistic(r.upper);
  return q;
}

namespace {

SweepRow date_row(std::string measure, const model::DayCounts& d) {
  SweepRow row;
  row.measure = std::move(measure);
  row.p10 = quantile_with_interval(d, 0.1);
  row.p50 = quantile_with_interval(d, 0.5);
  row.p90 = quantile_with_interval(d, 0.9);
  const std::uint64_t n = d.total();
  row.reached = n ? static_cast<double>(n - d.never()) / static_cast<double>(n) : 0.0;
  return row;
}

SweepRow count_row(std::string measure, const std::vector<std::uint64_t>& histogram) {
  model::DayCounts d(histogram.size());
  double sum = 0.0, sum2 = 0.0;
  std::uint64_t n = 0;
  for (std::size_t k = 0; k < histogram.size(); ++k) {
    for (std::uint64_t i = 0; i < histogram[k]; ++i) d.add(static_cast<double>(k));
    const double c = static_cast<double>(histogram[k]), x = static_cast<double>(k);
    sum += c * x;
    sum2 += c * x * x;
    n += histogram[k];
  }
  SweepRow row = date_row(std::move(measure), d);
  row.is_date = false;
  row.reached = 0.0;
  if (n > 0) {
    const double nn = static_cast<double>(n);
    row.mean = sum / nn;
    const double var = n > 1 ? std::max(0.0, (sum2 - sum * sum / nn) / (nn - 1.0)) : 0.0;
    row.mean_se = std::sqrt(var / nn);
  }
  return row;
}

}  // namespace

std::vector<SweepRow> sweep_rows(const model::Scenario& sc, const model::Outcomes& o) {
  std::vector<SweepRow> rows;
  rows.push_back(date_row("first_live", o.first_live));
  rows.push_back(date_row("majority_live", o.majority_live));
  rows.push_back(date_row("all_live", o.all_live));
  std::vector<std::size_t> by_id(sc.schemes.size());
  std::iota(by_id.begin(), by_id.end(), std::size_t{0});
  std::sort(by_id.begin(), by_id.end(),
            [&](std::size_t a, std::size_t b) { return sc.schemes[a].id < sc.schemes[b].id; });
  for (const std::size_t s : by_id) rows.push_back(date_row("go_live." + sc.schemes[s].id, o.go_live[s]));
  for (std::size_t m = 0; m < sc.milestones.size() && m < o.live_count_at.size(); ++m) {
    rows.push_back(count_row("live_at." + sim::format_iso_date(sc.milestones[m].date), o.live_count_at[m]));
  }
  return rows;
}

}  // namespace wsic::experiment
