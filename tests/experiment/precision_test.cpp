// Precision on demand: the replications a quantile's interval needs, found
// on a fixed schedule of blocks, so the answer does not depend on threads.
#include "wsic/experiment/precision.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "wsic/experiment/sweep.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/sim/runner.hpp"

using namespace wsic;

namespace {

/// The half-width of the 95% interval of the all-live P80 over the first
/// `n` replications, or a large number when an end is past the horizon.
double half_width(const model::Scenario& sc, std::uint64_t seed, std::uint64_t n, double p) {
  experiment::BatchSpec spec;
  spec.seed = seed;
  spec.replications = n;
  const model::Outcomes o = experiment::run_batch(sc, spec);
  const auto q = experiment::quantile_with_interval(o.all_live, p);
  if (!q.value || !q.low || !q.high) return 1e9;
  return std::max(*q.value - *q.low, *q.high - *q.value);
}

}  // namespace

TEST_CASE("Precision.StopsAtTheFirstCheckThatIsNarrowEnough", "[experiment][precision]") {
  const model::Scenario sc = scenario::load_scenario("scenarios/baseline.yaml");
  experiment::BatchSpec spec;
  spec.seed = 8;
  spec.replications = 1'000'000;
  const auto m = experiment::parse_precision_measure("all_live_p80");
  REQUIRE(m);
  const double days = 9.0;
  spec.threads = 1;
  const auto one = experiment::replications_for_precision(sc, spec, *m, days);
  spec.threads = 2;
  const auto two = experiment::replications_for_precision(sc, spec, *m, days);
  REQUIRE(one.reached);
  REQUIRE(one.replications == two.replications);
  REQUIRE(one.half_width == two.half_width);
  // The answer is a checked block count; the interval there is narrow
  // enough, and at the check before it, it was not.
  const std::uint64_t bs = sim::kDefaultBlockSize;
  REQUIRE(one.replications % bs == 0);
  std::uint64_t before = 0;
  for (std::uint64_t b = 1; b * bs < one.replications; b = experiment::next_precision_check(b)) before = b;
  REQUIRE(experiment::next_precision_check(before) * bs == one.replications);
  INFO(one.replications << " replications; the check before: " << before * bs);
  CHECK(half_width(sc, spec.seed, one.replications, 0.8) <= days);
  CHECK(*one.half_width == half_width(sc, spec.seed, one.replications, 0.8));
  CHECK(half_width(sc, spec.seed, before * bs, 0.8) > days);
}

TEST_CASE("Precision.MaximumComesFirst", "[experiment][precision]") {
  const model::Scenario sc = scenario::load_scenario("scenarios/baseline.yaml");
  experiment::BatchSpec spec;
  spec.seed = 8;
  spec.replications = 1000;  // not a whole number of blocks: the last is short
  const auto r =
      experiment::replications_for_precision(sc, spec, *experiment::parse_precision_measure("all_live_p50"), 0.5);
  CHECK_FALSE(r.reached);
  CHECK(r.replications == 1000);
  REQUIRE(r.half_width);
  CHECK(*r.half_width > 0.5);
}

TEST_CASE("Precision.Measures", "[experiment][precision]") {
  using S = experiment::PrecisionMeasure::Series;
  CHECK(experiment::parse_precision_measure("first_live_p10")->series == S::kFirst);
  CHECK(experiment::parse_precision_measure("majority_live_p50")->p == 0.5);
  CHECK(experiment::parse_precision_measure("all_live_p99")->p == 0.99);
  for (const char* bad : {"all_live_p0", "all_live_p100", "all_live_p", "all_live_p8x", "all_live", "p80",
                          "go_live_p50", "all_live_p080"}) {
    INFO(bad);
    CHECK_FALSE(experiment::parse_precision_measure(bad));
  }
  // The schedule: every block to 8, then a quarter more each time.
  std::vector<std::uint64_t> seen{1};
  while (seen.size() < 12) seen.push_back(experiment::next_precision_check(seen.back()));
  CHECK(seen == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 18});
}
