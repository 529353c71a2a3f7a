// Calibration on the model: targets' statistics and distance, and ABC-SMC
// recovering parameters a synthetic history was simulated with.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "wsic/experiment/calibration.hpp"
#include "wsic/scenario/loader.hpp"

using namespace wsic;
using scenario::CalibrationTarget;

namespace {

CalibrationTarget live_count(double day, double observed) {
  CalibrationTarget t;
  t.kind = CalibrationTarget::Kind::kLiveCount;
  t.day = day;
  t.observed = observed;
  return t;
}

experiment::SensitivityParameter prior(const scenario::ParameterSpace& space, const std::string& path, double lo,
                                       double hi) {
  experiment::SensitivityParameter p;
  p.path = path;
  p.index = *space.find(path);
  p.a = lo;
  p.b = hi;
  return p;
}

}  // namespace

TEST_CASE("Calibration.TargetStatisticsAndDistance", "[experiment][calibration]") {
  const model::Scenario sc = scenario::load_scenario("scenarios/baseline.yaml");
  model::ReplicationOutcome r;
  r.codesign_end = 150.4;
  r.schemes.resize(sc.schemes.size());
  for (std::size_t s = 0; s < r.schemes.size(); ++s) r.schemes[s].go_live = 500.0 + 100.0 * static_cast<double>(s);
  r.schemes[3].go_live = model::kNever;
  // Live at day 700.9: schemes 0, 1, 2 (500, 600, 700 are on or before day 700).
  CHECK(experiment::target_statistic(live_count(700.9, 2), sc, r) == 3.0);
  CHECK(experiment::target_statistic(live_count(699.0, 2), sc, r) == 2.0);
  CalibrationTarget which;
  which.kind = CalibrationTarget::Kind::kSchemesLive;
  which.day = 600.0;
  which.live.assign(sc.schemes.size(), false);
  which.live[0] = true;  // live: schemes 0 and 1 are; 1 is not observed, 4 is observed but is not
  which.live[4] = true;
  CHECK(experiment::target_statistic(which, sc, r) == 2.0);
  CalibrationTarget date;
  date.kind = CalibrationTarget::Kind::kDate;
  date.of = "codesign_end";
  date.observed = 140.0;
  date.scale = 30.0;
  date.weight = 2.0;
  CHECK(experiment::target_statistic(date, sc, r) == 150.0);
  CHECK(experiment::target_term(date, 150.0) == Approx(2.0 * 10.0 / 30.0));
  date.of = "first_live";
  CHECK(experiment::target_statistic(date, sc, r) == 500.0);
  date.of = "all_live";  // a scheme never went live: the day after the horizon
  CHECK(experiment::target_statistic(date, sc, r) == sc.horizon_day + 1.0);
  date.of = "majority_live";  // the 5th of 9 days in order: 500, 600, 700, 900, 1000, ...
  CHECK(experiment::target_statistic(date, sc, r) == 1000.0);
  // Years 0 and 1 of the team, consultancy and local support; a costed
  // decision (when the scenario has one) in year 1 counts in its total.
  const std::size_t cats = model::spend_categories(sc).size();
  REQUIRE(model::spend_rows(sc) >= 3);
  r.spend.assign(model::spend_rows(sc) * cats, 0.0);
  for (const auto& [at, v] : {std::pair{0, 1.0}, {1, 0.5}, {2, 0.125}}) r.spend[static_cast<std::size_t>(at)] = v;
  for (const auto& [at, v] : {std::pair{0, 2.0}, {1, 0.25}, {2, 4.0}}) r.spend[cats + static_cast<std::size_t>(at)] = v;
  const double costed = cats > 3 ? 0.75 : 0.0;
  if (cats > 3) r.spend[cats + 3] = costed;
  r.spend.back() = 100.0;  // after the funded years: in no year's total
  CalibrationTarget spend;
  spend.kind = CalibrationTarget::Kind::kSpend;
  spend.year = 1;
  spend.of = "total";
  spend.observed = 5.0;
  spend.scale = 0.5;
  CHECK(experiment::target_statistic(spend, sc, r) == 2.0 + 0.25 + 4.0 + costed);
  CHECK(experiment::target_term(spend, 6.25) == Approx(1.25 / 0.5));
  spend.of = "consultancy";
  CHECK(experiment::target_statistic(spend, sc, r) == 0.25);
  spend.of = "local_support";
  spend.year = 0;
  CHECK(experiment::target_statistic(spend, sc, r) == 0.125);
  spend.of = "central_team";
  CHECK(experiment::target_statistic(spend, sc, r) == 1.0);
  const std::vector<CalibrationTarget> all{live_count(700.9, 2), which};
  CHECK(experiment::calibration_distance(all, sc, r) == 1.0 + 2.0);
}

TEST_CASE("Calibration.RecoversTheParametersOfASyntheticHistory", "[experiment][calibration]") {
  // A history simulated with known readiness for Ealing and Hillingdon
  // (the baseline's own, 3.0 and 2.8); the calibration, from uniform priors
  // on [0.5, 5], must put them inside its 90% credible intervals, and more
  // targets must narrow the posterior.
  const model::Scenario sc = scenario::load_scenario("scenarios/baseline.yaml");
  const model::Model m(sc);
  const scenario::ParameterSpace space(sc);
  const std::vector<experiment::SensitivityParameter> params = {prior(space, "schemes.ealing.readiness", 0.5, 5.0),
                                                                prior(space, "schemes.hillingdon.readiness", 0.5, 5.0)};
  const double truth[2] = {3.0, 2.8};
  REQUIRE(space.get(sc, params[0].index) == truth[0]);
  REQUIRE(space.get(sc, params[1].index) == truth[1]);
  // The observed history: one replication at the true values, seen as which
  // schemes were live on the first of every other month from October 2014
  // to June 2015; the fewer targets are its first two sightings.
  model::ReplicationOutcome r;
  m.simulate(99, 7, r);
  std::vector<CalibrationTarget> few, more;
  const sim::Calendar cal(sc.calendar_start);
  for (const auto ym : {std::chrono::year{2014} / 10, std::chrono::year{2014} / 12, std::chrono::year{2015} / 2,
                        std::chrono::year{2015} / 4, std::chrono::year{2015} / 6}) {
    CalibrationTarget which;
    which.kind = CalibrationTarget::Kind::kSchemesLive;
    which.day = cal.to_time(ym / 1).in_days();
    which.live.assign(sc.schemes.size(), false);
    for (std::size_t s = 0; s < sc.schemes.size(); ++s) which.live[s] = std::floor(r.schemes[s].go_live) <= which.day;
    more.push_back(which);
    if (few.size() < 2) few.push_back(which);
  }
  experiment::CalibrationSpec spec;
  spec.abc.population = 300;
  spec.abc.max_generations = 6;
  spec.abc.min_acceptance = 0.005;
  spec.abc.seed = 1;
  spec.predictive = 300;
  double width[2][2];
  int k = 0;
  for (const auto* targets : {&few, &more}) {
    const auto res = experiment::calibrate(m, space, params, *targets, spec);
    for (std::size_t i = 0; i < 2; ++i) {
      const std::vector<double> col = res.abc.parameter(i);
      const double lo = experiment::weighted_quantile(col, res.abc.weights, 0.05);
      const double hi = experiment::weighted_quantile(col, res.abc.weights, 0.95);
      INFO((k == 0 ? "two sightings" : "five sightings")
           << ", parameter " << i << ": 90% interval " << lo << " to " << hi);
      CHECK(lo <= truth[i]);
      CHECK(truth[i] <= hi);
      width[k][i] = hi - lo;
    }
    // The predictive checks ran at the targets.
    REQUIRE(res.posterior_check.size() == targets->size());
    REQUIRE(res.prior_check.size() == targets->size());
    ++k;
  }
  INFO("widths: " << width[0][0] << ", " << width[0][1] << " with two sightings; " << width[1][0] << ", " << width[1][1]
                  << " with five");
  CHECK(width[1][0] + width[1][1] < width[0][0] + width[0][1]);
}
