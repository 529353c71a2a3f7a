#include "wsic/experiment/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>

#include "wsic/sim/random.hpp"

namespace wsic::experiment {

using scenario::CalibrationTarget;

double target_statistic(const CalibrationTarget& t, const model::Scenario& sc, const model::ReplicationOutcome& r) {
  const auto live_at = [&](std::size_t s) { return std::floor(r.schemes[s].go_live) <= t.day; };
  switch (t.kind) {
    case CalibrationTarget::Kind::kLiveCount: {
      double n = 0;
      for (std::size_t s = 0; s < r.schemes.size(); ++s) n += live_at(s) ? 1.0 : 0.0;
      return n;
    }
    case CalibrationTarget::Kind::kSchemesLive: {
      double differ = 0;
      for (std::size_t s = 0; s < r.schemes.size(); ++s) differ += live_at(s) != t.live[s] ? 1.0 : 0.0;
      return differ;
    }
    case CalibrationTarget::Kind::kSpend: {
      // The first three categories are the team, consultancy and local
      // support (model::spend_categories); a total is every category's.
      const std::size_t y = t.year, rows = model::spend_rows(sc);
      if (rows == 0 || y + 1 >= rows) return 0.0;
      const std::size_t cats = r.spend.size() / rows;
      const double* row = r.spend.data() + y * cats;
      if (t.of == "central_team") return row[0];
      if (t.of == "consultancy") return row[1];
      if (t.of == "local_support") return row[2];
      double total = 0.0;
      for (std::size_t k = 0; k < cats; ++k) total += row[k];
      return total;
    }
    case CalibrationTarget::Kind::kDate:
      break;
  }
  // A date: when it happened, as a (floored) day; not by the horizon: the day after it.
  const double after = sc.horizon_day + 1.0;
  double day = model::kNever;
  if (t.of == "codesign_end") {
    day = r.codesign_end;
  } else if (!r.schemes.empty()) {
    std::vector<double> g;
    g.reserve(r.schemes.size());
    for (const auto& s : r.schemes) g.push_back(s.go_live);
    std::sort(g.begin(), g.end());
    day = t.of == "first_live" ? g.front() : t.of == "majority_live" ? g[g.size() / 2] : g.back();
  }
  return std::isfinite(day) && day < after ? std::floor(day) : after;
}

double target_term(const CalibrationTarget& t, double statistic) {
  return t.weight * std::abs(statistic - t.observed) / t.scale;
}

double calibration_distance(const std::vector<CalibrationTarget>& targets, const model::Scenario& sc,
                            const model::ReplicationOutcome& r) {
  double d = 0.0;
  for (const CalibrationTarget& t : targets) d += target_term(t, target_statistic(t, sc, r));
  return d;
}

namespace {

struct Worker {
  model::Settings settings;
  model::ReplicationOutcome outcome;
};

/// Workers for the threads of one call, made from the scenario's settings
/// when none is free. A worker's values are all set before each use, so
/// which worker a simulation gets does not matter.
class WorkerPool {
 public:
  explicit WorkerPool(const model::Model& m) : model_(m) {}
  std::unique_ptr<Worker> take() {
    {
      const std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        auto w = std::move(free_.back());
        free_.pop_back();
        return w;
      }
    }
    return std::make_unique<Worker>(Worker{model_.settings(), {}});
  }
  void give(std::unique_ptr<Worker> w) {
    const std::lock_guard lock(mutex_);
    free_.push_back(std::move(w));
  }

 private:
  const model::Model& model_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Worker>> free_;
};

/// A worker taken from a pool for one simulation, given back at the end.
class Borrowed {
 public:
  explicit Borrowed(WorkerPool& pool) : pool_(pool), w_(pool.take()) {}
  ~Borrowed() { pool_.give(std::move(w_)); }
  Borrowed(const Borrowed&) = delete;
  Borrowed& operator=(const Borrowed&) = delete;
  Worker& operator*() { return *w_; }

 private:
  WorkerPool& pool_;
  std::unique_ptr<Worker> w_;
};

/// Each particle's statistics over `repeats` replications, summarised with
/// the particles' weights.
std::vector<PredictiveSummary> predictive_check(const model::Model& model, const scenario::ParameterSpace& space,
                                                const std::vector<SensitivityParameter>& params,
                                                const std::vector<CalibrationTarget>& targets,
                                                const std::vector<double>& particles,
                                                const std::vector<double>& weights, std::size_t replications,
                                                std::uint64_t seed, std::uint64_t stream, const AbcOptions& opt) {
  const std::size_t n = weights.size(), d = params.size(), nt = targets.size();
  const std::size_t repeats = std::max<std::size_t>(1, (replications + n - 1) / n);
  std::vector<double> stats(n * repeats * nt);
  WorkerPool workers(model);
  sim::RunnerOptions ro;
  ro.threads = opt.threads;
  ro.cancel = opt.cancel;
  ro.block_size = 16;
  struct None {
    void merge(const None&) {}
  };
  sim::run_replications<None>(
      n * repeats, ro, [] { return None{}; },
      [&](std::uint64_t k, None&) {
        Borrowed borrowed(workers);
        Worker& w = *borrowed;
        const std::size_t i = k / repeats;
        set_parameters(space, w.settings.values, params, &particles[i * d]);
        model.refresh(w.settings);
        model.simulate(w.settings, sim::Rng(seed, k, stream)(), 0, w.outcome);
        for (std::size_t t = 0; t < nt; ++t)
          stats[k * nt + t] = target_statistic(targets[t], model.scenario(), w.outcome);
      });
  std::vector<PredictiveSummary> out(nt);
  std::vector<double> values(n * repeats), w(n * repeats);
  for (std::size_t k = 0; k < n * repeats; ++k) w[k] = weights[k / repeats];
  for (std::size_t t = 0; t < nt; ++t) {
    double within = 0.0, total = 0.0;
    for (std::size_t k = 0; k < n * repeats; ++k) {
      values[k] = stats[k * nt + t];
      total += w[k];
      if (std::abs(values[k] - targets[t].observed) <=
          (targets[t].kind == CalibrationTarget::Kind::kSchemesLive ? 0.0 : targets[t].scale)) {
        within += w[k];
      }
    }
    PredictiveSummary& s = out[t];
    s.p10 = weighted_quantile(values, w, 0.1);
    s.p50 = weighted_quantile(values, w, 0.5);
    s.p90 = weighted_quantile(values, w, 0.9);
    s.mean = weighted_mean(values, w);
    s.within = total > 0 ? within / total : 0.0;
  }
  return out;
}

}  // namespace

CalibrationResult calibrate(const model::Model& model, const scenario::ParameterSpace& space,
                            const std::vector<SensitivityParameter>& params,
                            const std::vector<CalibrationTarget>& targets, const CalibrationSpec& spec) {
  if (targets.empty()) throw Error("a calibration needs at least one target");
  std::vector<AbcPrior> priors;
  for (const SensitivityParameter& p : params) {
    if (p.dist != SensitivityParameter::Dist::kUniform) throw Error(p.path + ": a prior is uniform");
    priors.push_back({p.a, p.b});
  }
  // Settings for the threads of this call, made from the scenario's own.
  WorkerPool workers(model);
  const AbcDistance distance = [&](std::span<const double> theta, std::uint64_t simulation_seed) {
    Borrowed borrowed(workers);
    Worker& w = *borrowed;
    set_parameters(space, w.settings.values, params, theta.data());
    model.refresh(w.settings);
    model.simulate(w.settings, simulation_seed, 0, w.outcome);
    return calibration_distance(targets, model.scenario(), w.outcome);
  };
  CalibrationResult res;
  res.abc = abc_smc(priors, distance, spec.abc);

  // The prior predictive from a fresh prior sample, the posterior's from the last generation.
  const std::size_t d = params.size();
  const std::size_t n = res.abc.weights.size();
  std::vector<double> prior(n * d);
  for (std::size_t i = 0; i < n; ++i) {
    sim::Rng rng(spec.abc.seed, i, sim::stream_id("calibration.prior_sample"));
    for (std::size_t j = 0; j < d; ++j)
      prior[i * d + j] = priors[j].low + (priors[j].high - priors[j].low) * rng.uniform01();
  }
  const std::vector<double> equal(n, 1.0 / static_cast<double>(n));
  res.prior_check = predictive_check(model, space, params, targets, prior, equal, spec.predictive, spec.abc.seed,
                                     sim::stream_id("calibration.prior_predictive"), spec.abc);
  res.posterior_check =
      predictive_check(model, space, params, targets, res.abc.particles, res.abc.weights, spec.predictive,
                       spec.abc.seed, sim::stream_id("calibration.posterior_predictive"), spec.abc);
  return res;
}

}  // namespace wsic::experiment
