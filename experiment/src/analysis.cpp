#include "wsic/experiment/analysis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "wsic/experiment/batch.hpp"

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
  return Shift{static_cast<double>(other.quantile_or_after(0.5) - base.quantile_or_after(0.5)),
               static_cast<double>(other.quantile_or_after(0.8) - base.quantile_or_after(0.8))};
}

namespace {
TornadoBar bar_from(const model::Outcomes& base, const model::Outcomes& o) {
  TornadoBar bar;
  bar.all_live = shift(base.all_live, o.all_live);
  for (std::size_t s = 0; s < base.go_live.size(); ++s) bar.schemes.push_back(shift(base.go_live[s], o.go_live[s]));
  return bar;
}
}  // namespace

std::vector<TornadoBar> barrier_attribution(const model::Scenario& sc, const model::Outcomes& base,
                                            const BatchSpec& spec) {
  std::vector<TornadoBar> bars;
  for (std::size_t b = 0; b < sc.barriers.size(); ++b) {
    model::Scenario without = sc;
    without.barriers.erase(without.barriers.begin() + static_cast<std::ptrdiff_t>(b));
    TornadoBar bar = bar_from(base, run_batch(without, spec));
    bar.id = sc.barriers[b].id;
    bar.name = sc.barriers[b].name;
    bars.push_back(std::move(bar));
  }
  return sorted(std::move(bars), false);
}

std::vector<TornadoBar> lever_sensitivity(const model::Scenario& sc, const model::Outcomes& base,
                                          const BatchSpec& spec) {
  std::vector<TornadoBar> bars;
  for (std::size_t l = 0; l < sc.levers.size(); ++l) {
    const model::Lever& lever = sc.levers[l];
    if (!(lever.low < lever.high)) continue;
    model::Scenario low = sc, high = sc;
    low.levers[l].value = lever.low;
    high.levers[l].value = lever.high;
    TornadoBar bar = bar_from(base, run_batch(low, spec));
    const TornadoBar up = bar_from(base, run_batch(high, spec));
    bar.all_live_high = up.all_live;
    bar.schemes_high = up.schemes;
    bar.id = lever.id;
    bar.name = lever.name.empty() ? lever.id : lever.name;
    bar.low_label = lever_label(sc, lever, lever.low);
    bar.high_label = lever_label(sc, lever, lever.high);
    bars.push_back(std::move(bar));
  }
  return sorted(std::move(bars), true);
}

}  // namespace wsic::experiment
