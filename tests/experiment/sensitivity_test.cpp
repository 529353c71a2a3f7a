// Global sensitivity on the model: each sample point is the model with new
// values (set through the parameter space and refreshed, not rebuilt), its
// measures over the same replications at every point.
#include "wsic/experiment/sensitivity.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "wsic/experiment/batch.hpp"
#include "wsic/scenario/loader.hpp"

using namespace wsic;
using experiment::SensitivityParameter;

namespace {

SensitivityParameter uniform(const scenario::ParameterSpace& space, const std::string& path, double lo, double hi) {
  const auto i = space.find(path);
  REQUIRE(i.has_value());
  SensitivityParameter p;
  p.path = path;
  p.index = *i;
  p.a = lo;
  p.b = hi;
  return p;
}

std::size_t measure_index(const experiment::SensitivityResult& r, const std::string& id) {
  for (std::size_t m = 0; m < r.measures.size(); ++m) {
    if (r.measures[m].id == id) return m;
  }
  FAIL("no measure " << id);
  return 0;
}

/// The sample's values and measures, as the analysis shows them.
struct Sample {
  std::vector<double> x, y;
  std::size_t rows = 0;
  void watch(experiment::SensitivitySpec& spec) {
    spec.on_row = [this](std::size_t row, std::span<const double> xs, std::span<const double> ys) {
      REQUIRE(row == rows);  // in order
      ++rows;
      x.insert(x.end(), xs.begin(), xs.end());
      y.insert(y.end(), ys.begin(), ys.end());
    };
  }
};

struct Baseline {
  model::Scenario sc = scenario::load_scenario("scenarios/baseline.yaml");
  model::Model model{sc};
  scenario::ParameterSpace space{sc};
};

}  // namespace

TEST_CASE("Sensitivity.MeasuresAreThoseOfABatch", "[experiment][sensitivity]") {
  // The measures of a set of replications are the batch's own figures:
  // quantiles as DayCounts takes them (past the horizon: the day after it),
  // means of the schemes live at each milestone, the mean money spent.
  const Baseline b;
  constexpr std::uint64_t kReps = 300, kSeed = 17;
  experiment::BatchSpec spec;
  spec.seed = kSeed;
  spec.replications = kReps;
  spec.threads = 1;
  const model::Outcomes o = experiment::run_batch(b.sc, spec);
  std::vector<model::ReplicationOutcome> reps(kReps);
  for (std::uint64_t i = 0; i < kReps; ++i) b.model.simulate(kSeed, i, reps[i]);
  const std::vector<double> v = experiment::measure_values(b.sc, reps);
  const auto measures = experiment::sensitivity_measures(b.sc);
  REQUIRE(v.size() == measures.size());
  const auto at = [&](const std::string& id) {
    for (std::size_t m = 0; m < measures.size(); ++m) {
      if (measures[m].id == id) return v[m];
    }
    FAIL("no measure " << id);
    return 0.0;
  };
  CHECK(at("all_live_p50") == o.all_live.quantile_or_after(0.5));
  CHECK(at("all_live_p80") == o.all_live.quantile_or_after(0.8));
  CHECK(at("majority_live_p50") == o.majority_live.quantile_or_after(0.5));
  CHECK(at("first_live_p50") == o.first_live.quantile_or_after(0.5));
  for (std::size_t m = 0; m < b.sc.milestones.size(); ++m) {
    double mean = 0.0;
    for (std::size_t k = 0; k < o.live_count_at[m].size(); ++k) {
      mean += static_cast<double>(k) * static_cast<double>(o.live_count_at[m][k]);
    }
    mean /= static_cast<double>(kReps);
    CHECK(at("live_at." + sim::format_iso_date(b.sc.milestones[m].date)) == Approx(mean).epsilon(1e-12));
  }
  double spend = 0.0;
  for (const double x : o.spend) spend += x;
  CHECK(at("spend_total") == Approx(spend / kReps).epsilon(1e-12));
}

TEST_CASE("Sensitivity.EachPointIsTheModelBuiltWithItsValues", "[experiment][sensitivity]") {
  // Settings refreshed in place give what a Model built afresh from a
  // scenario with those values gives, replication by replication.
  const Baseline b;
  const std::vector<SensitivityParameter> params = {
      uniform(b.space, "levers.central_share.value", 0.3, 0.7), uniform(b.space, "workstreams.ig.work.mode", 70, 170),
      uniform(b.space, "barriers.national_ig.resolution.workaround.median", 60, 240)};
  experiment::SensitivitySpec spec;
  spec.base_samples = 4;
  spec.replications = 40;
  spec.seed = 5;
  spec.noise_sets = 2;
  Sample sample;
  sample.watch(spec);
  const auto r = experiment::run_sensitivity(b.model, b.space, params, spec);
  REQUIRE(r.rows == 4 * (3 + 2));
  REQUIRE(sample.rows == r.rows);
  const std::size_t nm = r.measures.size();
  for (const std::size_t row : {std::size_t{0}, std::size_t{3}, r.rows - 1}) {
    model::Scenario sc = b.sc;
    for (std::size_t i = 0; i < params.size(); ++i) b.space.set(sc, params[i].index, sample.x[row * 3 + i]);
    const model::Model fresh(sc);
    std::vector<model::ReplicationOutcome> reps(spec.replications);
    for (std::uint64_t k = 0; k < spec.replications; ++k) fresh.simulate(spec.seed, k, reps[k]);
    const std::vector<double> v = experiment::measure_values(sc, reps);
    for (std::size_t m = 0; m < nm; ++m) {
      INFO("row " << row << ", measure " << r.measures[m].id);
      CHECK(sample.y[row * nm + m] == Approx(v[m]).epsilon(1e-12));
    }
  }
}

TEST_CASE("Sensitivity.SameResultsAtAnyThreadCount", "[experiment][sensitivity]") {
  const Baseline b;
  const std::vector<SensitivityParameter> params = {uniform(b.space, "levers.central_share.value", 0.3, 0.7),
                                                    uniform(b.space, "schemes.ealing.readiness", 1.0, 1.6)};
  experiment::SensitivitySpec spec;
  spec.base_samples = 16;
  spec.replications = 20;
  spec.second_order = true;
  spec.seed = 9;
  spec.noise_sets = 3;
  spec.threads = 1;
  Sample s1, s2;
  s1.watch(spec);
  const auto one = experiment::run_sensitivity(b.model, b.space, params, spec);
  spec.threads = 2;
  s2.watch(spec);
  const auto two = experiment::run_sensitivity(b.model, b.space, params, spec);
  REQUIRE(s1.y == s2.y);
  REQUIRE(s1.x == s2.x);
  REQUIRE(one.noise_sd == two.noise_sd);
  for (std::size_t m = 0; m < one.measures.size(); ++m) {
    const auto same = [](const std::vector<double>& a, const std::vector<double>& c) {
      REQUIRE(a.size() == c.size());
      for (std::size_t i = 0; i < a.size(); ++i) REQUIRE((a[i] == c[i] || (std::isnan(a[i]) && std::isnan(c[i]))));
    };
    same(one.indices[m].S1, two.indices[m].S1);
    same(one.indices[m].ST_conf, two.indices[m].ST_conf);
  }
}

TEST_CASE("Sensitivity.WhatMattersRanksFirstAndWhatIsInertGetsZero", "[experiment][sensitivity]") {
  // plan.pilot_start is only the plan results are measured against: nothing
  // in a replication reads it, so its indices are zero exactly (its AB rows
  // run the very replications of its A rows). The local workaround to the
  // national IG block, over two to eight months, moves the all-live date far
  // more than Ealing's readiness over a narrow range.
  const Baseline b;
  const double plan = b.space.get(b.sc, *b.space.find("plan.pilot_start"));
  const std::vector<SensitivityParameter> params = {
      uniform(b.space, "schemes.ealing.readiness", 1.25, 1.35),
      uniform(b.space, "barriers.national_ig.resolution.workaround.median", 61, 243),
      uniform(b.space, "plan.pilot_start", plan - 60, plan + 60)};
  experiment::SensitivitySpec spec;
  spec.base_samples = 64;
  spec.replications = 60;
  spec.seed = 21;
  spec.noise_sets = 10;
  const auto r = experiment::run_sensitivity(b.model, b.space, params, spec);
  const auto& idx = r.indices[measure_index(r, "all_live_p50")];
  INFO("S1 " << idx.S1[0] << " " << idx.S1[1] << " " << idx.S1[2] << "; ST " << idx.ST[0] << " " << idx.ST[1] << " "
             << idx.ST[2]);
  CHECK(idx.ST[2] == 0.0);
  CHECK(idx.S1[2] == 0.0);
  // The workaround's total index exceeds the readiness's by more than both intervals.
  CHECK(idx.ST[1] - idx.ST[0] > idx.ST_conf[1] + idx.ST_conf[0]);
  CHECK(idx.ST[1] > 0.5);
}

TEST_CASE("Sensitivity.LuckIsMeasuredApartAndShrinksWithReplications", "[experiment][sensitivity]") {
  // The noise sets measure what other random numbers would do to a measure
  // at the scenario's values: a median over R replications moves about as
  // 1/sqrt(R), so 16 times the replications give about a quarter of the
  // spread. With 30 sets the sample sd is within about 25% of the truth
  // (chi-square, two-sided 95%), so a ratio below one half is a safe check
  // that it shrinks and above one eighth that it is not zero.
  const Baseline b;
  const std::vector<SensitivityParameter> params = {uniform(b.space, "levers.central_share.value", 0.45, 0.55)};
  experiment::SensitivitySpec spec;
  spec.base_samples = 2;
  spec.seed = 2;
  spec.noise_sets = 30;
  spec.replications = 25;
  const auto few = experiment::run_sensitivity(b.model, b.space, params, spec);
  spec.replications = 400;
  const auto many = experiment::run_sensitivity(b.model, b.space, params, spec);
  const std::size_t m = measure_index(few, "all_live_p50");
  REQUIRE(few.noise_sd[m] > 0.0);
  const double ratio = many.noise_sd[m] / few.noise_sd[m];
  INFO("noise sd " << few.noise_sd[m] << " days with 25 replications, " << many.noise_sd[m] << " with 400");
  CHECK(ratio < 0.5);
  CHECK(ratio > 0.125);
  CHECK(std::isfinite(few.noise_share[m]));
}

TEST_CASE("Sensitivity.RefusesASampleTheFormatRefuses", "[experiment][sensitivity]") {
  // The ig workstream's PERT mode sampled past its max is refused before any
  // work, naming the point and the parameter.
  const Baseline b;
  const double max = b.space.get(b.sc, *b.space.find("workstreams.ig.work.max"));
  const SensitivityParameter p = uniform(b.space, "workstreams.ig.work.mode", max - 30, max + 30);
  experiment::SensitivitySpec spec;
  spec.base_samples = 8;
  spec.replications = 5;
  spec.noise_sets = 2;
  REQUIRE_THROWS_WITH(experiment::run_sensitivity(b.model, b.space, {p}, spec),
                      Catch::Contains("sample point") && Catch::Contains("workstreams.ig.work.mode") &&
                          Catch::Contains("narrow the ranges"));
}

TEST_CASE("Sensitivity.InverseDistributions", "[experiment][sensitivity]") {
  SensitivityParameter u;
  u.a = 2;
  u.b = 6;
  CHECK(u.at(0.0) == 2.0);
  CHECK(u.at(0.25) == 3.0);
  SensitivityParameter t;
  t.dist = SensitivityParameter::Dist::kTriangular;
  t.a = 0;
  t.b = 10;
  t.c = 2;
  // F(c) = (c - a) / (b - a): the mode sits at u = 0.2; F(x) = x^2 / 20 below it.
  CHECK(t.at(0.2) == Approx(2.0));
  CHECK(t.at(0.05) == Approx(1.0));
  CHECK(t.at(0.0) == 0.0);
  // Above the mode: 1 - F(x) = (10 - x)^2 / 80; x = 6 at u = 0.8.
  CHECK(t.at(0.8) == Approx(6.0));
  SensitivityParameter n;
  n.dist = SensitivityParameter::Dist::kNormal;
  n.a = 10;
  n.b = 2;
  CHECK(n.at(0.5) == Approx(10.0));
  CHECK(n.at(0.975) == Approx(10.0 + 2.0 * 1.959963985).epsilon(1e-8));
  // The reach: u is kept within [1e-9, 1 - 1e-9], six standard deviations.
  CHECK(n.at(0.0) >= n.lowest());
  CHECK(n.at(0.0) == Approx(n.lowest()).epsilon(0.01));  // z(1e-9) = -5.998
  CHECK(n.at(0.999999999999) <= n.highest());
}

TEST_CASE("Sensitivity.GroupsAreTheRowsOfTheSample", "[experiment][sensitivity]") {
  // A base row's group, made alone, is the whole sample's rows from j * step on.
  for (const bool second : {false, true}) {
    const std::size_t n = 37, d = 4;
    const std::vector<double> all = experiment::saltelli_sample(n, d, second);
    const std::size_t step = experiment::saltelli_rows(n, d, second) / n;
    for (const std::size_t j : {std::size_t{0}, std::size_t{1}, std::size_t{17}, n - 1}) {
      const std::vector<double> g = experiment::saltelli_group(n, d, second, j);
      REQUIRE(g.size() == step * d);
      CHECK(std::equal(g.begin(), g.end(), all.begin() + static_cast<std::ptrdiff_t>(j * step * d)));
    }
    CHECK_THROWS(experiment::saltelli_group(n, d, second, n));
  }
}
