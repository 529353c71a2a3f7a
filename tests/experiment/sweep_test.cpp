#include "wsic/experiment/sweep.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wsic/experiment/batch.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/sim/error.hpp"
#include "wsic/sim/quantile.hpp"
#include "wsic/sim/time.hpp"

using namespace wsic;
using experiment::evenly_spaced;
using experiment::parse_vary;
using experiment::VaryError;

namespace {

// The 1-based column parse_vary reports for `text` (0 if it does not throw).
std::size_t vary_column(const std::string& text) {
  try {
    parse_vary(text);
  } catch (const VaryError& e) {
    return e.column();
  }
  return 0;
}

// The message parse_vary throws for `text` (empty if it does not throw).
std::string vary_message(const std::string& text) {
  try {
    parse_vary(text);
  } catch (const VaryError& e) {
    return e.what();
  }
  return {};
}

// The day of the k-th earliest (1-based) of runs of `count` replications on
// `day` (day -1: never), written out rather than asked of DayCounts.
std::optional<int> day_of_rank(const std::vector<std::pair<int, std::uint64_t>>& runs, std::uint64_t k) {
  std::uint64_t seen = 0;
  for (const auto& [day, count] : runs) {
    if (day < 0) continue;  // never: after every day
    seen += count;
    if (seen >= k) return day;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("Sweep.ParseVaryRangeForm", "[experiment][sweep]") {
  const auto v = parse_vary("levers.central_share.value=0.3:0.7:5");
  CHECK(v.path == "levers.central_share.value");
  CHECK(v.from == "0.3");
  CHECK(v.to == "0.7");
  CHECK(v.steps == 5);
  CHECK(v.values.empty());
  CHECK(v.value_column == 28);  // just after '='

  // Spaces around every part are dropped; durations keep their inner space.
  const auto d = parse_vary("  workstreams.ig.work.mode = 2 months : 6 months : 9 ");
  CHECK(d.path == "workstreams.ig.work.mode");
  CHECK(d.from == "2 months");
  CHECK(d.to == "6 months");
  CHECK(d.steps == 9);
  CHECK(d.value_column == 29);

  // ISO dates have no ':' of their own.
  const auto iso = parse_vary("levers.national_ig_action.value=2014-06-01:2017-10-01:4");
  CHECK(iso.from == "2014-06-01");
  CHECK(iso.to == "2017-10-01");
  CHECK(iso.steps == 4);

  // The smallest and largest STEPS, and a tab as space.
  CHECK(parse_vary("a=1:2:2").steps == 2);
  CHECK(parse_vary("a=1:2:1000").steps == 1000);
  CHECK(parse_vary("a=1:2:\t0000007\t").steps == 7);
}

TEST_CASE("Sweep.ParseVaryListFormAndSingleValue", "[experiment][sweep]") {
  const auto v = parse_vary("schemes.ealing.readiness=1, 1.5 ,2");
  CHECK(v.path == "schemes.ealing.readiness");
  CHECK(v.values == std::vector<std::string>{"1", "1.5", "2"});
  CHECK(v.steps == 0);
  CHECK(v.from.empty());
  CHECK(v.to.empty());
  CHECK(v.value_column == 26);

  const auto dates = parse_vary("levers.national_ig_action.value=2014-06-01,2016-04-01");
  CHECK(dates.values == std::vector<std::string>{"2014-06-01", "2016-04-01"});
  const auto durations = parse_vary("workstreams.ig.work.mode=3 months, 4 months,5 months");
  CHECK(durations.values == std::vector<std::string>{"3 months", "4 months", "5 months"});

  // One value, with no ',' and no ':', is a list of one.
  const auto one = parse_vary("workstreams.ig.work.mode= 4 months ");
  CHECK(one.values == std::vector<std::string>{"4 months"});
  CHECK(one.steps == 0);
  CHECK(parse_vary("plan.pilot_start=2015-04-01").values == std::vector<std::string>{"2015-04-01"});

  // Exactly the most values an axis may have.
  std::string text = "a=1";
  for (std::size_t k = 1; k < experiment::kMaxAxisValues; ++k) text += ",1";
  CHECK(parse_vary(text).values.size() == experiment::kMaxAxisValues);
}

TEST_CASE("Sweep.ParseVaryErrorsAtTheirColumn", "[experiment][sweep]") {
  // No '=' at all.
  CHECK(vary_column("levers.central_share.value") == 1);
  CHECK_THROWS_AS(parse_vary("abc"), VaryError);
  CHECK_THROWS_AS(parse_vary("abc"), wsic::Error);
  // An empty path.
  CHECK(vary_column("=0.3:0.7:5") == 1);
  CHECK(vary_column("   =0.3:0.7:5") == 1);
  CHECK_THAT(vary_message("=1"), Catch::Contains("path"));
  // No values after '=': the column just after it.
  CHECK(vary_column("a=") == 3);
  CHECK(vary_column("abc=   ") == 5);
  CHECK_THAT(vary_message("a="), Catch::Contains("missing"));
  // An empty item of a list, at the item.
  //                  123456
  CHECK(vary_column("a=1,,3") == 5);
  CHECK(vary_column(",") == 1);  // no '=' comes first
  CHECK(vary_column("a=,1") == 3);
  CHECK(vary_column("a=1,2,") == 7);
  CHECK_THAT(vary_message("a=1,,3"), Catch::Contains("empty"));
  // STEPS: at its first character, spaces skipped.
  //                 12345678901234567
  CHECK(vary_column("p = 0.3 : 0.7 : x") == 17);
  CHECK(vary_column("a=1:2:2.5") == 7);
  CHECK(vary_column("a=1:2:-3") == 7);
  CHECK(vary_column("a=1:2:1") == 7);
  CHECK(vary_column("a=1:2:0") == 7);
  CHECK(vary_column("a=1:2:1001") == 7);
  CHECK(vary_column("a=1:2:99999999999") == 7);
  CHECK(vary_column("a=1:2:") == 7);
  CHECK(vary_column("a=1:2:  5x") == 9);
  CHECK_THAT(vary_message("a=1:2:1001"), Catch::Contains("1000") && Catch::Contains("'1001'"));
  // FROM and TO missing.
  CHECK(vary_column("a=:2:5") == 3);
  CHECK(vary_column("a=1::5") == 5);
  CHECK(vary_column("a=1 :  :5") == 8);  // at the ':' after the spaces
  // Two or four ':' parts: the column where the values start.
  CHECK(vary_column("a=1:2:3:4") == 3);
  CHECK(vary_column("abc= 1:2") == 5);
  CHECK_THAT(vary_message("a=1:2:3:4"), Catch::Contains("FROM:TO:STEPS"));
  // More values than an axis may have: at the first one too many.
  std::string text = "a=1";
  for (std::size_t k = 1; k <= experiment::kMaxAxisValues; ++k) text += ",1";
  CHECK(vary_column(text) == 3 + 2 * experiment::kMaxAxisValues);
  CHECK_THAT(vary_message(text), Catch::Contains("more than 1000"));
  std::string spaced = "a=1";
  for (std::size_t k = 1; k <= experiment::kMaxAxisValues; ++k) spaced += ", 1";
  CHECK(vary_column(spaced) == 3 + 3 * experiment::kMaxAxisValues);  // at the value, past its space
}

TEST_CASE("Sweep.EvenlySpacedEndsCountAndSpacing", "[experiment][sweep]") {
  const auto shares = evenly_spaced(0.3, 0.7, 5, false);
  REQUIRE(shares.size() == 5);
  CHECK(shares[0] == 0.3);
  CHECK(shares[1] == 0.4);  // not 0.39999999999999997
  CHECK(shares[2] == 0.5);
  CHECK(shares[3] == 0.6);
  CHECK(shares[4] == 0.7);

  // Both ends exactly as given, whatever the spacing; the count as asked.
  const std::vector<std::pair<double, double>> ends = {
      {sim::Duration::months(2).in_days(), sim::Duration::months(6).in_days()},
      {365.0, 1583.0},  // two dates
      {0.7, 0.3},       // downwards
      {0.0, 1.0},
      {-2.0, 3.5},
  };
  for (const auto& [from, to] : ends) {
    for (const std::size_t n : {2u, 3u, 7u, 10u, 1000u}) {
      INFO(from << " to " << to << " in " << n);
      const auto v = evenly_spaced(from, to, n, false);
      REQUIRE(v.size() == n);
      CHECK(v.front() == from);
      CHECK(v.back() == to);
      const double step = (to - from) / static_cast<double>(n - 1);
      for (std::size_t k = 0; k < n; ++k) {
        CHECK(v[k] == Approx(from + static_cast<double>(k) * step).margin(1e-9));
      }
      for (std::size_t k = 1; k < n; ++k) CHECK((to > from ? v[k] > v[k - 1] : v[k] < v[k - 1]));
    }
  }
}

TEST_CASE("Sweep.EvenlySpacedKeepsEndsOfMoreThanTwelveDigits", "[experiment][sweep]") {
  // "both included exactly": an end with more than twelve significant digits
  // comes back unchanged, not cut to twelve. "7 months" and "14 months" load
  // as 213.05812500000002 and 426.11625000000004 days (Duration::months), so
  // `--vary workstreams.ig.work.mode=2 months:7 months:3` must end on the
  // scenario "7 months" gives, not on 213.058125 days.
  const double seven = sim::Duration::months(7).in_days(), fourteen = sim::Duration::months(14).in_days();
  const auto months = evenly_spaced(sim::Duration::months(2).in_days(), seven, 3, false);
  REQUIRE(months.size() == 3);
  CHECK(months.back() == seven);
  CHECK(evenly_spaced(fourteen, sim::Duration::months(20).in_days(), 3, false).front() == fourteen);
  const auto v = evenly_spaced(0.1234567890123, 0.5, 3, false);
  CHECK(v.front() == 0.1234567890123);
}

TEST_CASE("Sweep.EvenlySpacedWholeNumbers", "[experiment][sweep]") {
  CHECK(evenly_spaced(0, 10, 6, true) == std::vector<double>{0, 2, 4, 6, 8, 10});
  CHECK(evenly_spaced(2, 9, 8, true) == std::vector<double>{2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(evenly_spaced(10, 0, 3, true) == std::vector<double>{10, 5, 0});
  CHECK(evenly_spaced(1, 4, 2, true) == std::vector<double>{1, 4});
  for (const double x : evenly_spaced(100, 1000, 10, true)) CHECK(x == std::round(x));
  // Spacings that are not whole are refused, saying what would do.
  CHECK_THROWS_AS(evenly_spaced(0, 10, 4, true), wsic::Error);  // 10 / 3
  CHECK_THROWS_AS(evenly_spaced(1, 4, 3, true), wsic::Error);   // 3 / 2
  CHECK_THROWS_AS(evenly_spaced(0, 1, 3, true), wsic::Error);   // 1 / 2
  CHECK_THROWS_WITH(evenly_spaced(0, 10, 4, true), Catch::Contains("dividing 10"));
  // The same spacing is fine when the number need not be whole.
  CHECK(evenly_spaced(0, 10, 4, false).size() == 4);
}

TEST_CASE("Sweep.QuantileWithIntervalIsTheOrderStatistics", "[experiment][sweep]") {
  // One replication on each of days 0..99: the k-th earliest is day k - 1.
  model::DayCounts uniform(200);
  for (int d = 0; d < 100; ++d) uniform.add(d);
  for (const double p : {0.1, 0.25, 0.5, 0.9}) {
    INFO("p = " << p);
    const auto q = experiment::quantile_with_interval(uniform, p);
    const sim::RankInterval r = sim::quantile_rank_interval(100, p, 0.95);
    REQUIRE(q.value.has_value());
    CHECK(q.value == uniform.quantile(p));
    CHECK(*q.value == static_cast<int>(std::ceil(p * 100 - 1e-9)) - 1);
    CHECK(q.low == static_cast<int>(r.lower) - 1);
    CHECK(q.high == static_cast<int>(r.upper) - 1);
    CHECK(*q.low < *q.value);
    CHECK(*q.value < *q.high);
  }

  // Ten replications, days 0..9: P25 is the 3rd (ceil(2.5)), not the 2nd.
  model::DayCounts ten(10);
  for (int d = 0; d < 10; ++d) ten.add(d);
  CHECK(experiment::quantile_with_interval(ten, 0.25).value == 2);
  CHECK(experiment::quantile_with_interval(ten, 0.75).value == 7);
  {
    const sim::RankInterval r = sim::quantile_rank_interval(10, 0.5, 0.95);
    const auto q = experiment::quantile_with_interval(ten, 0.5);
    CHECK(q.value == 4);
    CHECK(q.low == static_cast<int>(r.lower) - 1);
    CHECK(q.high == static_cast<int>(r.upper) - 1);
  }

  // Ties and replications that never got there (after the horizon, or
  // never): 50 on day 3, 30 on day 7, 20 never.
  const std::vector<std::pair<int, std::uint64_t>> runs = {{3, 50}, {7, 30}, {-1, 20}};
  model::DayCounts d(20);
  for (const auto& [day, count] : runs) {
    for (std::uint64_t i = 0; i < count; ++i) d.add(day < 0 ? 25.0 : day);
  }
  REQUIRE(d.total() == 100);
  REQUIRE(d.never() == 20);
  for (const double p : {0.1, 0.5, 0.6, 0.78, 0.8, 0.85, 0.9}) {
    INFO("p = " << p);
    const auto q = experiment::quantile_with_interval(d, p);
    const sim::RankInterval r = sim::quantile_rank_interval(100, p, 0.95);
    CHECK(q.value == d.quantile(p));
    CHECK(q.low == day_of_rank(runs, r.lower));
    CHECK(q.high == day_of_rank(runs, r.upper));
  }
  // Past the horizon the quantile and its high end are not known.
  const auto p90 = experiment::quantile_with_interval(d, 0.9);
  CHECK_FALSE(p90.value.has_value());
  CHECK_FALSE(p90.high.has_value());
  CHECK(experiment::quantile_with_interval(d, 0.5).value == 3);

  // No replications at all: nothing.
  for (const model::DayCounts& empty : {model::DayCounts(), model::DayCounts(30)}) {
    const auto q = experiment::quantile_with_interval(empty, 0.5);
    CHECK_FALSE(q.value.has_value());
    CHECK_FALSE(q.low.has_value());
    CHECK_FALSE(q.high.has_value());
  }
}

TEST_CASE("Sweep.RowsOfABatchInOrderAndAgreeingWithItsOutcomes", "[experiment][sweep]") {
  const model::Scenario sc = scenario::load_scenario("scenarios/baseline.yaml");
  experiment::BatchSpec spec;
  spec.seed = 11;
  spec.replications = 301;  // odd, so no quantile falls on a whole rank
  spec.block_size = 64;
  const model::Outcomes o = experiment::run_batch(sc, spec);
  const auto rows = experiment::sweep_rows(sc, o);

  // The documented order, spelt out from the baseline's file: the programme,
  // each scheme by id (the file lists ealing after hammersmith_fulham), each
  // milestone by date.
  const std::vector<std::string> schemes = {"brent",      "central_london", "ealing",   "hammersmith_fulham",
                                            "harrow",     "hillingdon",     "hounslow", "mental_health",
                                            "west_london"};
  const std::vector<std::string> dates = {"2014-01-01", "2014-04-01", "2015-04-01",
                                          "2015-04-30", "2016-04-01", "2018-03-31"};
  std::vector<std::string> expected = {"first_live", "majority_live", "all_live"};
  for (const auto& s : schemes) expected.push_back("go_live." + s);
  for (const auto& d : dates) expected.push_back("live_at." + d);
  std::vector<std::string> measures;
  for (const auto& r : rows) measures.push_back(r.measure);
  REQUIRE(measures == expected);

  const auto scheme_index = [&](const std::string& id) {
    for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
      if (sc.schemes[s].id == id) return s;
    }
    FAIL("no scheme " << id);
    return std::size_t{0};
  };
  const auto check_date_row = [](const experiment::SweepRow& row, const model::DayCounts& d) {
    INFO(row.measure);
    CHECK(row.is_date);
    CHECK(row.p10.value == d.quantile(0.1));
    CHECK(row.p50.value == d.quantile(0.5));
    CHECK(row.p90.value == d.quantile(0.9));
    const sim::RankInterval r = sim::quantile_rank_interval(d.total(), 0.5, 0.95);
    CHECK(row.p50.low == d.order_statistic(r.lower));
    CHECK(row.p50.high == d.order_statistic(r.upper));
    CHECK(row.reached == Approx(static_cast<double>(d.total() - d.never()) / 301.0));
    CHECK(row.mean == 0.0);
    CHECK(row.mean_se == 0.0);
  };
  check_date_row(rows[0], o.first_live);
  check_date_row(rows[1], o.majority_live);
  check_date_row(rows[2], o.all_live);
  for (std::size_t k = 0; k < schemes.size(); ++k) check_date_row(rows[3 + k], o.go_live[scheme_index(schemes[k])]);
  // Some of the dates are reached, so the rows say something.
  CHECK(rows[0].p50.value.has_value());
  CHECK(rows[0].reached > 0.5);

  REQUIRE(o.live_count_at.size() == dates.size());
  bool some_spread = false;
  for (std::size_t m = 0; m < dates.size(); ++m) {
    const experiment::SweepRow& row = rows[3 + schemes.size() + m];
    const std::vector<std::uint64_t>& h = o.live_count_at[m];
    INFO(row.measure);
    CHECK_FALSE(row.is_date);
    CHECK(row.reached == 0.0);
    // Mean and standard error, two passes over the histogram.
    double n = 0, sum = 0;
    for (std::size_t k = 0; k < h.size(); ++k) {
      n += static_cast<double>(h[k]);
      sum += static_cast<double>(k) * static_cast<double>(h[k]);
    }
    REQUIRE(n == 301);
    const double mean = sum / n;
    double ss = 0;
    for (std::size_t k = 0; k < h.size(); ++k)
      ss += static_cast<double>(h[k]) * std::pow(static_cast<double>(k) - mean, 2);
    const double sd = std::sqrt(ss / (n - 1));
    CHECK(row.mean == Approx(mean).epsilon(1e-12));
    CHECK(row.mean_se == Approx(sd / std::sqrt(n)).epsilon(1e-9).margin(1e-15));
    if (sd > 0) some_spread = true;
    // The median count: the first k whose cumulative count reaches half.
    std::uint64_t seen = 0;
    std::optional<int> median;
    for (std::size_t k = 0; k < h.size() && !median; ++k) {
      seen += h[k];
      if (seen >= 151) median = static_cast<int>(k);
    }
    CHECK(row.p50.value == median);
    REQUIRE(row.p10.value.has_value());
    REQUIRE(row.p90.value.has_value());
    CHECK(*row.p10.value <= *row.p50.value);
    CHECK(*row.p50.value <= *row.p90.value);
    CHECK(*row.p50.low <= *row.p50.value);
    CHECK(*row.p50.value <= *row.p50.high);
  }
  CHECK(some_spread);

  // A date some replications never reach by the horizon: `reached` is the
  // share that did, and quantiles past it are not known.
  model::Outcomes late = o;
  late.all_live = model::DayCounts(100);
  for (int k = 0; k < 7; ++k) late.all_live.add(500.0);
  for (int k = 0; k < 3; ++k) late.all_live.add(40.0);
  const auto late_rows = experiment::sweep_rows(sc, late);
  REQUIRE(late_rows[2].measure == "all_live");
  CHECK(late_rows[2].reached == Approx(0.3));
  CHECK(late_rows[2].p10.value == 40);
  CHECK_FALSE(late_rows[2].p50.value.has_value());
  CHECK(late_rows[0].reached == rows[0].reached);
}
