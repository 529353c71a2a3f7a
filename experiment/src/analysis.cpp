#include "wsic/experiment/analysis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "wsic/experiment/batch.hpp"
#include "wsic/sim/error.hpp"

namespace wsic::experiment {

namespace {
using model::DayCounts;

std::string lever_label(const model::Scenario& sc, const model::Lever& l, double v) {
  if (l.kind == model::Lever::Kind::kDate) return model::iso_day(sc, static_cast<int>(std::lround(v)));
  return fmt::format("{:g}", v);  // %g's bytes, as before ("{}" would give the shortest round trip instead)
}

std::vector<TornadoBar> sorted(std::vector<TornadoBar> bars, bool levers) {
  auto size = [levers](const TornadoBar& b) {
    return levers ? std::abs(b.all_live_high.p50 - b.all_live.p50)
                  : std::abs(b.all_live.p50) + 1e-3 * std::abs(b.all_live.p80);
  };
  std::stable_sort(bars.begin(), bars.end(),
                   [&](const TornadoBar& a, const TornadoBar& b) { return size(a) > size(b); });
  return bars;
}
}  // namespace

Shift shift(const DayCounts& base, const DayCounts& other) {
  Shift s;
  s.p50 = static_cast<double>(other.quantile_or_after(0.5) - base.quantile_or_after(0.5));
  s.p80 = static_cast<double>(other.quantile_or_after(0.8) - base.quantile_or_after(0.8));
  return s;
}

Shift all_live_shift(const model::Outcomes& base, const model::Outcomes& other) {
  Shift s = shift(base.all_live, other.all_live);
  if (!base.resamples.on() || !other.resamples.on()) return s;
  const auto ci = [&](double p) -> std::optional<model::Interval> {
    using S = model::Resamples::Series;
    const std::vector<int> b = base.resamples.quantiles_or_after(S::kAllLive, p);
    const std::vector<int> o = other.resamples.quantiles_or_after(S::kAllLive, p);
    if (b.empty() || b.size() != o.size()) return std::nullopt;
    return model::paired_interval(b, o);
  };
  s.p50_ci = ci(0.5);
  s.p80_ci = ci(0.8);
  return s;
}

namespace {
TornadoBar bar_from(const model::Outcomes& base, const model::Outcomes& o) {
  TornadoBar bar;
  bar.all_live = all_live_shift(base, o);
  for (std::size_t s = 0; s < base.go_live.size(); ++s) bar.schemes.push_back(shift(base.go_live[s], o.go_live[s]));
  return bar;
}
}  // namespace

std::vector<Variant> analysis_variants(const model::Scenario& sc) {
  std::vector<Variant> out;
  for (std::size_t b = 0; b < sc.barriers.size(); ++b) {
    model::Scenario without = sc;
    without.barriers.erase(without.barriers.begin() + static_cast<std::ptrdiff_t>(b));
    out.push_back({Variant::Kind::kWithoutBarrier, b, "without barrier " + sc.barriers[b].id, std::move(without)});
  }
  if (sc.barriers.size() >= 2) {
    model::Scenario without = sc;
    without.barriers.clear();
    out.push_back({Variant::Kind::kWithoutAllBarriers, 0, "without every barrier", std::move(without)});
  }
  for (std::size_t l = 0; l < sc.levers.size(); ++l) {
    const model::Lever& lever = sc.levers[l];
    if (!(lever.low < lever.high)) continue;
    // At its low or high setting throughout: a value that changes over
    // time changes no more.
    model::Scenario low = sc, high = sc;
    low.levers[l].value = lever.low;
    high.levers[l].value = lever.high;
    low.levers[l].changes.clear();
    high.levers[l].changes.clear();
    out.push_back({Variant::Kind::kLeverLow, l, "lever " + lever.id + " low", std::move(low)});
    out.push_back({Variant::Kind::kLeverHigh, l, "lever " + lever.id + " high", std::move(high)});
  }
  return out;
}

Tornados tornados(const model::Scenario& sc, const model::Outcomes& base,
                  const std::vector<model::Outcomes>& variants) {
  const std::vector<Variant> vs = analysis_variants(sc);
  WSIC_ASSERT(vs.size() == variants.size(), "outcomes for every analysis batch");
  Tornados t;
  for (std::size_t i = 0; i < vs.size(); ++i) {
    const Variant& v = vs[i];
    if (v.kind == Variant::Kind::kWithoutBarrier) {
      TornadoBar bar = bar_from(base, variants[i]);
      bar.id = sc.barriers[v.index].id;
      bar.name = sc.barriers[v.index].name;
      t.barriers.push_back(std::move(bar));
    } else if (v.kind == Variant::Kind::kWithoutAllBarriers) {
      TornadoBar bar = bar_from(base, variants[i]);
      bar.id = "all_barriers";
      bar.name = "Every barrier at once";
      t.all_barriers = std::move(bar);
    } else if (v.kind == Variant::Kind::kLeverLow) {
      const model::Lever& lever = sc.levers[v.index];
      TornadoBar bar = bar_from(base, variants[i]);
      bar.id = lever.id;
      bar.name = lever.name.empty() ? lever.id : lever.name;
      bar.low_label = lever_label(sc, lever, lever.low);
      bar.high_label = lever_label(sc, lever, lever.high);
      t.levers.push_back(std::move(bar));
    } else {
      const TornadoBar up = bar_from(base, variants[i]);
      t.levers.back().all_live_high = up.all_live;
      t.levers.back().schemes_high = up.schemes;
    }
  }
  t.barriers = sorted(std::move(t.barriers), false);
  t.levers = sorted(std::move(t.levers), true);
  return t;
}

namespace {
/// Runs the variants of one kind and returns the bars of that kind.
Tornados run_variants(const model::Scenario& sc, const model::Outcomes& base, const BatchSpec& spec, bool barriers) {
  const std::vector<Variant> vs = analysis_variants(sc);
  std::vector<model::Outcomes> outcomes;
  for (const Variant& v : vs) {
    const bool is_barrier = v.kind == Variant::Kind::kWithoutBarrier || v.kind == Variant::Kind::kWithoutAllBarriers;
    // The other kind is not run: an empty accumulator stands in for it.
    outcomes.push_back(is_barrier == barriers ? run_batch(v.scenario, spec)
                                              : model::Outcomes(v.scenario, spec.resampled));
  }
  return tornados(sc, base, outcomes);
}
}  // namespace

std::vector<TornadoBar> barrier_attribution(const model::Scenario& sc, const model::Outcomes& base,
                                            const BatchSpec& spec) {
  return run_variants(sc, base, spec, true).barriers;
}

std::vector<TornadoBar> lever_sensitivity(const model::Scenario& sc, const model::Outcomes& base,
                                          const BatchSpec& spec) {
  return run_variants(sc, base, spec, false).levers;
}

}  // namespace wsic::experiment
