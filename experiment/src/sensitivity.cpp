#include "wsic/experiment/sensitivity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <limits>

#include "wsic/sim/time.hpp"

namespace wsic::experiment {

double SensitivityParameter::at(double u) const {
  switch (dist) {
    case Dist::kUniform:
      return a + (b - a) * u;
    case Dist::kTriangular: {
      // The inverse of the triangular distribution function on [a, b], mode c.
      const double w = b - a;
      if (w <= 0.0) return a;
      const double f = (c - a) / w;
      return u < f ? a + std::sqrt(u * w * (c - a)) : b - std::sqrt((1.0 - u) * w * (b - c));
    }
    case Dist::kNormal: {
      // Sobol points are in [0, 1): keep u off 0, where the quantile is -inf,
      // and within the reach the caller checked (|z| <= 6.0 at 1e-9).
      const double uu = std::clamp(u, 1e-9, 1.0 - 1e-9);
      return boost::math::quantile(boost::math::normal_distribution<double>(a, b), uu);
    }
  }
  return a;
}

namespace {

constexpr double kDaysOff = 1.0;  // a quantile past the horizon counts as the day after it

/// What one replication contributes to the measures.
struct RepSummary {
  double first = 0, majority = 0, all = 0;  // floored days; horizon + 1 when never
  std::vector<double> live_at;              // schemes live at each milestone
  double spend = 0;
};

double floor_day(double d, double after) { return std::isfinite(d) && d < after ? std::floor(d) : after; }

void summarise(const model::Scenario& sc, double after, const model::ReplicationOutcome& r,
               std::vector<double>& scratch, RepSummary& out) {
  const std::size_t ns = r.schemes.size();
  scratch.resize(ns);
  for (std::size_t s = 0; s < ns; ++s) scratch[s] = r.schemes[s].go_live;
  std::sort(scratch.begin(), scratch.end());
  out.first = ns ? floor_day(scratch.front(), after) : after;
  out.all = ns ? floor_day(scratch.back(), after) : 0.0;
  out.majority = ns ? floor_day(scratch[ns / 2], after) : after;
  out.live_at.assign(sc.milestones.size(), 0.0);
  for (std::size_t m = 0; m < sc.milestones.size(); ++m) {
    for (std::size_t s = 0; s < ns; ++s) {
      if (std::floor(r.schemes[s].go_live) <= sc.milestones[m].day) out.live_at[m] += 1.0;
    }
  }
  out.spend = 0.0;
  for (std::size_t i = 0; i < r.spend.size(); ++i) {
    out.spend += r.spend[i];
  }
}

/// The p-quantile of `v` as DayCounts::quantile takes it (the ceil(p n)-th smallest).
double quantile_of(std::vector<double>& v, double p) {
  const std::size_t n = v.size();
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  const auto need = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p * static_cast<double>(n) - 1e-9)));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(need - 1), v.end());
  return v[need - 1];
}

/// The measures of a set of replications' summaries.
void measures_of(const std::vector<RepSummary>& reps, std::vector<double>& column, double* out) {
  const std::size_t n = reps.size();
  std::size_t k = 0;
  const auto q = [&](double RepSummary::*field, double p) {
    column.resize(n);
    for (std::size_t i = 0; i < n; ++i) column[i] = reps[i].*field;
    return quantile_of(column, p);
  };
  out[k++] = q(&RepSummary::all, 0.5);
  out[k++] = q(&RepSummary::all, 0.8);
  out[k++] = q(&RepSummary::majority, 0.5);
  out[k++] = q(&RepSummary::first, 0.5);
  const std::size_t milestones = n ? reps.front().live_at.size() : 0;
  for (std::size_t m = 0; m < milestones; ++m) {
    double sum = 0.0;
    for (const RepSummary& r : reps) sum += r.live_at[m];
    out[k++] = sum / static_cast<double>(n);
  }
  double spend = 0.0;
  for (const RepSummary& r : reps) spend += r.spend;
  out[k++] = n ? spend / static_cast<double>(n) : 0.0;
}

}  // namespace

std::vector<SensitivityMeasure> sensitivity_measures(const model::Scenario& sc) {
  std::vector<SensitivityMeasure> m;
  m.push_back({"all_live_p50", "All schemes live, median", "days"});
  m.push_back({"all_live_p80", "All schemes live, 80th percentile", "days"});
  m.push_back({"majority_live_p50", "A majority of schemes live, median", "days"});
  m.push_back({"first_live_p50", "First scheme live, median", "days"});
  for (const model::Milestone& ms : sc.milestones) {
    const std::string date = sim::format_iso_date(ms.date);
    m.push_back({"live_at." + date, "Schemes live at " + date + ", mean", "schemes"});
  }
  m.push_back({"spend_total", "Money spent over the horizon, mean", "gbp_m"});
  return m;
}

std::vector<double> measure_values(const model::Scenario& sc, const std::vector<model::ReplicationOutcome>& reps) {
  const double after = static_cast<double>(sc.horizon_day) + kDaysOff;
  std::vector<RepSummary> s(reps.size());
  std::vector<double> scratch;
  for (std::size_t i = 0; i < reps.size(); ++i) summarise(sc, after, reps[i], scratch, s[i]);
  std::vector<double> out(sensitivity_measures(sc).size());
  measures_of(s, scratch, out.data());
  return out;
}

namespace {

/// One thread's working space: its settings (values rewritten at every
/// point), an outcome and the replications' summaries.
struct Worker {
  model::Settings settings;
  model::ReplicationOutcome outcome;
  std::vector<RepSummary> reps;
  std::vector<double> scratch, column;
};

/// A block's accumulator: a worker made from the model's settings (the
/// values a point does not vary stay the scenario's); results go to slots.
struct BlockWorker {
  Worker w;
  void merge(const BlockWorker&) {}
};

/// Runs replications [first, first + count) with `w.settings` into `out`.
void run_point(const model::Model& model, Worker& w, std::uint64_t seed, std::uint64_t first, std::uint64_t count,
               double after, double* out) {
  w.reps.resize(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    model.simulate(w.settings, seed, first + i, w.outcome);
    summarise(model.scenario(), after, w.outcome, w.scratch, w.reps[i]);
  }
  measures_of(w.reps, w.column, out);
}

double sd_of(const double* v, std::size_t n, std::size_t stride) {
  if (n < 2) return 0.0;
  double mean = 0.0;
  for (std::size_t i = 0; i < n; ++i) mean += v[i * stride];
  mean /= static_cast<double>(n);
  double ss = 0.0;
  for (std::size_t i = 0; i < n; ++i) ss += (v[i * stride] - mean) * (v[i * stride] - mean);
  return std::sqrt(ss / static_cast<double>(n - 1));
}

}  // namespace

/// Sets every parameter of a sample row. Two numbers of one distribution
/// (a min and a mode, say) may only be valid together, so a value refused
/// is tried again after the others, until all are set; throws the first
/// refusal when a pass sets nothing more.
void set_parameters(const scenario::ParameterSpace& space, model::Scenario& sc,
                    const std::vector<SensitivityParameter>& params, const double* values) {
  const std::size_t d = params.size();
  std::uint64_t pending = 0;  // bit i: parameter i still to set (at most kMaxSensitivityParameters = 64)
  for (std::size_t i = 0; i < d; ++i) pending |= std::uint64_t{1} << i;
  while (pending != 0) {
    std::uint64_t still = 0;
    std::string first_problem;
    std::size_t first_index = 0;
    for (std::size_t i = 0; i < d; ++i) {
      if ((pending >> i & 1u) == 0) continue;
      try {
        space.set(sc, params[i].index, values[i]);
      } catch (const Error& e) {
        if (still == 0) {
          first_problem = e.what();
          first_index = i;
        }
        still |= std::uint64_t{1} << i;
      }
    }
    if (still == pending) {
      throw Error(fmt::format("{} = {}: {}", params[first_index].path, values[first_index], first_problem));
    }
    pending = still;
  }
}

std::vector<double> saltelli_group(std::size_t n, std::size_t d, bool second_order, std::size_t j) {
  if (j >= n) throw Error(fmt::format("base row {} of a sample of {}", j, n));
  const std::size_t step = saltelli_rows(n, d, second_order) / n;
  // As saltelli_sample: Boost's generator starts after the all-zeros point,
  // so its point skip - 1 + j is the sequence's point skip + j.
  boost::random::sobol sequence(2 * d);
  sequence.seed(static_cast<std::uint64_t>(saltelli_skip(n) - 1 + j));
  std::vector<double> point(2 * d);
  for (double& x : point) x = static_cast<double>(sequence() >> 11) * 0x1.0p-53;
  const double* a = point.data();
  const double* b = point.data() + d;
  std::vector<double> out(step * d);
  std::copy(a, a + d, out.begin());  // A
  for (std::size_t i = 0; i < d; ++i) {
    double* ab = out.data() + (1 + i) * d;
    std::copy(a, a + d, ab);
    ab[i] = b[i];
  }
  if (second_order) {
    for (std::size_t i = 0; i < d; ++i) {
      double* ba = out.data() + (1 + d + i) * d;
      std::copy(b, b + d, ba);
      ba[i] = a[i];
    }
  }
  std::copy(b, b + d, out.data() + (step - 1) * d);  // B
  return out;
}

namespace {

/// A block of base rows' groups: its worker, and the groups' values and
/// measures until they are folded in, in order.
struct GroupBlock {
  Worker w;
  std::vector<double> x, y;
  void merge(const GroupBlock&) {}
};

/// Welford's running mean and variance, for a measure's spread over the sample.
struct Running {
  std::uint64_t n = 0;
  double mean = 0.0, m2 = 0.0;
  void add(double v) {
    ++n;
    const double delta = v - mean;
    mean += delta / static_cast<double>(n);
    m2 += delta * (v - mean);
  }
  double sd() const { return n > 1 ? std::sqrt(m2 / static_cast<double>(n - 1)) : 0.0; }
};

}  // namespace

SensitivityResult run_sensitivity(const model::Model& model, const scenario::ParameterSpace& space,
                                  const std::vector<SensitivityParameter>& params, const SensitivitySpec& spec) {
  const model::Scenario& sc = model.scenario();
  const std::size_t d = params.size();
  if (d == 0) throw Error("a sensitivity analysis needs at least one parameter");
  if (d > kMaxSensitivityParameters) {
    throw Error(fmt::format("{} parameters: at most {} in one analysis", d, kMaxSensitivityParameters));
  }
  if (spec.replications == 0) throw Error("a sensitivity analysis needs at least one replication per point");
  SensitivityResult res;
  res.measures = sensitivity_measures(sc);
  const std::size_t nm = res.measures.size();
  const std::size_t n = spec.base_samples;
  res.rows = saltelli_rows(n, d, spec.second_order);
  const std::size_t step = res.rows / n;
  // A base row's group of points, in the parameters' units.
  const auto group_values = [&](std::size_t j) {
    std::vector<double> x = saltelli_group(n, d, spec.second_order, j);
    for (std::size_t r = 0; r < step; ++r) {
      for (std::size_t i = 0; i < d; ++i) x[r * d + i] = params[i].at(x[r * d + i]);
    }
    return x;
  };
  // Every sampled value is checked before any work is done, so a range
  // that reaches a value the format refuses fails at once, naming it.
  {
    model::Scenario scratch = sc;
    for (std::size_t j = 0; j < n; ++j) {
      if (spec.cancel && spec.cancel->load()) throw sim::Cancelled(0, n);
      const std::vector<double> x = group_values(j);
      for (std::size_t r = 0; r < step; ++r) {
        const std::size_t row = j * step + r;
        for (std::size_t i = 0; i < d; ++i) {
          const double v = x[r * d + i];
          if (!(v >= params[i].lowest() && v <= params[i].highest())) {
            throw InternalError(fmt::format("sample point {} sets {} to {}, outside [{}, {}]", row + 1, params[i].path,
                                            v, params[i].lowest(), params[i].highest()));
          }
        }
        try {
          set_parameters(space, scratch, params, &x[r * d]);
        } catch (const Error& e) {
          throw Error(fmt::format("sample point {} of {}: {}: narrow the ranges", row + 1, res.rows, e.what()));
        }
      }
    }
  }
  const double after = static_cast<double>(sc.horizon_day) + kDaysOff;

  // The noise sets first (cheap, and they check the scenario runs), then the sample.
  const std::size_t sets = std::max<std::size_t>(spec.noise_sets, 2);
  std::vector<double> noise(sets * nm, 0.0);
  sim::RunnerOptions ro;
  ro.threads = spec.threads;
  ro.cancel = spec.cancel;
  ro.block_size = 1;
  const auto make = [&] { return BlockWorker{Worker{model.settings(), {}, {}, {}, {}}}; };
  sim::run_replications<BlockWorker>(sets, ro, make, [&](std::uint64_t k, BlockWorker& b) {
    // Sets after the sample's own replications, so all are independent of it.
    run_point(model, b.w, spec.seed, (k + 1) * spec.replications, spec.replications, after, &noise[k * nm]);
  });

  if (spec.progress) {
    // Progress in replications, as every other batch reports it.
    ro.progress = [&](const sim::Progress& p) {
      sim::Progress q = p;
      q.done *= spec.replications * step;
      q.total *= spec.replications * step;
      spec.progress(q);
    };
  }
  // The sample, a base row's group at a time; groups are folded into the
  // indices in order as their blocks finish, so memory does not grow with N.
  SobolOptions so;
  so.second_order = spec.second_order;
  so.resamples = spec.resamples;
  so.confidence = spec.confidence;
  so.seed = spec.seed;
  std::vector<SobolAccumulator> acc;
  for (std::size_t m = 0; m < nm; ++m) acc.emplace_back(n, d, so);
  std::vector<Running> spread(nm);
  std::vector<double> column(step);
  std::size_t next_row = 0;
  const auto make_group = [&] { return GroupBlock{Worker{model.settings(), {}, {}, {}, {}}, {}, {}}; };
  sim::BlockReducer<GroupBlock> reducer;
  sim::run_blocks<GroupBlock>(
      n, ro, make_group,
      [&](std::uint64_t j, GroupBlock& b) {
        const std::vector<double> x = group_values(j);
        const std::size_t y0 = b.y.size();
        b.y.resize(y0 + step * nm);
        for (std::size_t r = 0; r < step; ++r) {
          set_parameters(space, b.w.settings.values, params, &x[r * d]);  // checked above
          model.refresh(b.w.settings);
          run_point(model, b.w, spec.seed, 0, spec.replications, after, &b.y[y0 + r * nm]);
        }
        b.x.insert(b.x.end(), x.begin(), x.end());
      },
      reducer,
      [&](GroupBlock& b) {
        const std::size_t groups = b.y.size() / (step * nm);
        for (std::size_t g = 0; g < groups; ++g) {
          const double* y = &b.y[g * step * nm];
          for (std::size_t m = 0; m < nm; ++m) {
            for (std::size_t r = 0; r < step; ++r) {
              column[r] = y[r * nm + m];
              spread[m].add(column[r]);
            }
            acc[m].add(column);
          }
          if (spec.on_row) {
            for (std::size_t r = 0; r < step; ++r) {
              spec.on_row(next_row + r, std::span<const double>(&b.x[(g * step + r) * d], d),
                          std::span<const double>(&y[r * nm], nm));
            }
          }
          next_row += step;
        }
        b.x.clear();
        b.x.shrink_to_fit();
        b.y.clear();
        b.y.shrink_to_fit();
      });

  for (std::size_t m = 0; m < nm; ++m) {
    res.indices.push_back(acc[m].result());
    double mean = 0.0;
    for (std::size_t k = 0; k < sets; ++k) mean += noise[k * nm + m];
    res.base_value.push_back(mean / static_cast<double>(sets));
    res.noise_sd.push_back(sd_of(&noise[m], sets, nm));
    res.sample_sd.push_back(spread[m].sd());
    const double sv = res.sample_sd.back() * res.sample_sd.back();
    res.noise_share.push_back(sv > 0.0 ? res.noise_sd.back() * res.noise_sd.back() / sv
                                       : std::numeric_limits<double>::quiet_NaN());
  }
  return res;
}

}  // namespace wsic::experiment
