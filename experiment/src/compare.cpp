#include "wsic/experiment/compare.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "wsic/sim/serial.hpp"

namespace wsic::experiment {

namespace {
double all_live(const model::ReplicationOutcome& r, const Epoch& ep, std::size_t k) {
  double last = -model::kNever;
  for (const auto& s : r.schemes) last = std::max(last, ep.day(k, s.go_live));
  return last;
}
double first_live(const model::ReplicationOutcome& r, const Epoch& ep, std::size_t k) {
  double first = model::kNever;
  for (const auto& s : r.schemes) first = std::min(first, ep.day(k, s.go_live));
  return first;
}

std::vector<Series> compared_series(const std::vector<model::Scenario>& scenarios) {
  const model::Scenario& base = scenarios.front();
  std::vector<Series> series;
  for (std::size_t s = 0; s < base.schemes.size(); ++s) {
    Series se{base.schemes[s].id, base.schemes[s].name, static_cast<int>(s), {}};
    for (std::size_t k = 1; k < scenarios.size(); ++k) {
      int found = -1;
      for (std::size_t t = 0; t < scenarios[k].schemes.size(); ++t) {
        if (scenarios[k].schemes[t].id == base.schemes[s].id) found = static_cast<int>(t);
      }
      se.whatif_index.push_back(found);
    }
    series.push_back(se);
  }
  series.push_back(Series{"first_live", "First scheme live", -1, {}});
  series.push_back(Series{"all_live", "All schemes live", -2, {}});
  return series;
}

/// Records one replication of every scenario: outcomes, and each what-if's
/// paired differences against the base on the common time axis.
void add_replication(std::uint64_t index, const std::vector<model::ReplicationOutcome>& rs,
                     const std::vector<Series>& series, const Epoch& ep, CompareAcc& acc) {
  for (std::size_t k = 0; k < rs.size(); ++k) acc.outcomes[k].add(rs[k], index);
  for (std::size_t k = 1; k < rs.size(); ++k) {
    for (std::size_t i = 0; i < series.size(); ++i) {
      const Series& se = series[i];
      double b = 0.0, w = 0.0;
      if (se.base_index >= 0) {
        const int wi = se.whatif_index[k - 1];
        if (wi < 0) continue;
        b = ep.day(0, rs[0].schemes[static_cast<std::size_t>(se.base_index)].go_live);
        w = ep.day(k, rs[k].schemes[static_cast<std::size_t>(wi)].go_live);
      } else if (se.base_index == -1) {
        b = first_live(rs[0], ep, 0);
        w = first_live(rs[k], ep, k);
      } else {
        b = all_live(rs[0], ep, 0);
        w = all_live(rs[k], ep, k);
      }
      acc.diffs[k - 1].add(i, b, w);
    }
  }
}

}  // namespace

Epoch::Epoch(const std::vector<model::Scenario>& scenarios) {
  start = scenarios.front().calendar_start;
  for (const auto& sc : scenarios) start = std::min(start, sc.calendar_start);
  const sim::Calendar cal(start);
  double last = std::numeric_limits<double>::infinity();
  for (const auto& sc : scenarios) {
    offset.push_back(cal.to_time(sc.calendar_start).in_days());
    last = std::min(last, cal.to_time(sc.horizon).in_days());
  }
  horizon = static_cast<int>(last);
}

Comparison::Comparison(std::vector<model::Scenario> scenarios)
    : scenarios_(std::move(scenarios)), series_(compared_series(scenarios_)), epoch_(scenarios_) {
  models_.reserve(scenarios_.size());
  for (const auto& sc : scenarios_) models_.emplace_back(sc);
}

CompareAcc Comparison::empty() const {
  CompareAcc a;
  for (const auto& sc : scenarios_) a.outcomes.emplace_back(sc, true);
  for (std::size_t k = 1; k < scenarios_.size(); ++k) a.diffs.emplace_back(series_.size(), epoch_.horizon);
  return a;
}

void Comparison::replicate(std::uint64_t seed, std::uint64_t index, CompareAcc& acc,
                           const std::function<void(const std::vector<model::ReplicationOutcome>&)>& seen) const {
  thread_local std::vector<model::ReplicationOutcome> rs;
  rs.resize(models_.size());
  for (std::size_t k = 0; k < models_.size(); ++k) models_[k].simulate(seed, index, rs[k]);
  add_replication(index, rs, series_, epoch_, acc);
  if (seen) seen(rs);
}

void Comparison::series_days(std::size_t k, const model::ReplicationOutcome& r, std::vector<double>& out) const {
  out.resize(series_.size());
  for (std::size_t i = 0; i < series_.size(); ++i) {
    const Series& se = series_[i];
    if (se.base_index >= 0) {
      const int si = k == 0 ? se.base_index : se.whatif_index[k - 1];
      out[i] = si < 0 ? std::numeric_limits<double>::quiet_NaN()
                      : epoch_.day(k, r.schemes[static_cast<std::size_t>(si)].go_live);
    } else if (se.base_index == -1) {
      out[i] = first_live(r, epoch_, k);
    } else {
      out[i] = all_live(r, epoch_, k);
    }
  }
}

void Comparison::add_pair(const std::vector<double>& base, const std::vector<double>& whatif,
                          PairedDifferences& diffs) {
  for (std::size_t i = 0; i < base.size(); ++i) {
    if (std::isnan(base[i]) || std::isnan(whatif[i])) continue;
    diffs.add(i, base[i], whatif[i]);
  }
}

CompareAcc Comparison::run(const BatchSpec& spec) const {
  return sim::run_replications<CompareAcc>(
      spec.replications, runner_options(spec), [&] { return empty(); },
      [&](std::uint64_t index, CompareAcc& acc) { replicate(spec.seed, index, acc); });
}

namespace {
constexpr std::string_view kTag = "CMPA";
constexpr std::uint32_t kVersion = 1;
}  // namespace

std::string CompareAcc::save() const {
  sim::ByteWriter w;
  w.write_header(kTag, kVersion);
  w.write_u64(outcomes.size());
  for (const auto& o : outcomes) w.write_string(o.save());
  w.write_u64(diffs.size());
  for (const auto& d : diffs) w.write_string(d.save());
  return w.release();
}

CompareAcc CompareAcc::load(std::string_view bytes) {
  sim::ByteReader r(bytes);
  r.read_header(kTag, kVersion);
  CompareAcc a;
  const std::uint64_t n = r.read_length(8);
  for (std::uint64_t i = 0; i < n; ++i) a.outcomes.push_back(model::Outcomes::load(r.read_string()));
  const std::uint64_t m = r.read_length(8);
  for (std::uint64_t i = 0; i < m; ++i) a.diffs.push_back(PairedDifferences::load(r.read_string()));
  r.expect_end();
  return a;
}

bool CompareAcc::same_shape(const CompareAcc& o) const {
  if (outcomes.size() != o.outcomes.size() || diffs.size() != o.diffs.size()) return false;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (!outcomes[i].same_shape(o.outcomes[i])) return false;
  }
  for (std::size_t i = 0; i < diffs.size(); ++i) {
    if (!diffs[i].same_shape(o.diffs[i])) return false;
  }
  return true;
}

}  // namespace wsic::experiment
