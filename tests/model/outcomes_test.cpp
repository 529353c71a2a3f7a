// DayCounts, which produces every reported date: quantiles, order
// statistics, shares and means, by hand and against a sorted list.
#include "wsic/model/outcomes.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

using wsic::model::DayCounts;
using wsic::model::kNever;

namespace {
// Days 0..9; three observations never happen within them.
DayCounts sample() {
  DayCounts d(10);
  for (const double day : {3.0, 3.5, 5.0, 7.0, kNever, 9.9, -1.0, 10.0}) d.add(day);
  return d;
}
}  // namespace

TEST_CASE("DayCounts.CountsByCalendarDayAndNever", "[model][outcomes]") {
  const DayCounts d = sample();
  CHECK(d.total() == 8);
  CHECK(d.never() == 3);  // kNever, a day before 0, a day past the end
  CHECK(d.counts()[3] == 2);
  CHECK(d.counts()[5] == 1);
  CHECK(d.counts()[7] == 1);
  CHECK(d.counts()[9] == 1);  // 9.9 is day 9
}

TEST_CASE("DayCounts.QuantileIsTheFirstDayReachingTheShareOfAll", "[model][outcomes]") {
  const DayCounts d = sample();
  // Sorted: 3 3 5 7 9 never never never (n = 8); the p-quantile is the
  // ceil(p·8)-th, at least the first.
  CHECK(d.quantile(0.0) == 3);
  CHECK(d.quantile(0.125) == 3);
  CHECK(d.quantile(0.25) == 3);
  CHECK(d.quantile(0.26) == 5);  // ceil(2.08) = 3rd
  CHECK(d.quantile(0.375) == 5);
  CHECK(d.quantile(0.5) == 7);
  CHECK(d.quantile(0.625) == 9);
  CHECK_FALSE(d.quantile(0.63).has_value());  // the 6th never happens
  CHECK(d.quantile_or_after(0.9) == 10);      // the day after the last
  CHECK(d.quantile_or_after(0.5) == 7);
  CHECK_FALSE(DayCounts(10).quantile(0.5).has_value());
}

TEST_CASE("DayCounts.OrderStatisticsShareAndMean", "[model][outcomes]") {
  const DayCounts d = sample();
  CHECK(d.order_statistic(1) == 3);
  CHECK(d.order_statistic(2) == 3);
  CHECK(d.order_statistic(3) == 5);
  CHECK(d.order_statistic(4) == 7);
  CHECK(d.order_statistic(5) == 9);
  CHECK_FALSE(d.order_statistic(6).has_value());
  CHECK(d.share_by(2.0) == 0.0);
  CHECK(d.share_by(3.0) == 2.0 / 8.0);
  CHECK(d.share_by(4.9) == 2.0 / 8.0);
  CHECK(d.share_by(7.0) == 4.0 / 8.0);
  CHECK(d.share_by(100.0) == 5.0 / 8.0);  // never-seen replications stay out
  CHECK(d.mean_day() == Approx((3.0 + 3.0 + 5.0 + 7.0 + 9.0) / 5.0).epsilon(1e-15));
  CHECK(std::isnan(DayCounts(10).mean_day()));
}

TEST_CASE("DayCounts.SharesByManyDaysAreEachShareBy", "[model][outcomes]") {
  // One walk for a list of days gives share_by of each, in order or not
  // (out of order it counts again), past the horizon and before day 0 too.
  const DayCounts d = sample();
  const std::vector<double> days = {-1.0, 0.0, 2.0, 3.0, 3.0, 4.9, 7.0, 8.5, 9.0, 100.0, 5.0, 2.0, 9.0};
  const std::vector<double> got = d.shares_by(days);
  REQUIRE(got.size() == days.size());
  for (std::size_t i = 0; i < days.size(); ++i) {
    INFO("day " << days[i]);
    CHECK(got[i] == d.share_by(days[i]));
  }
  CHECK(DayCounts(10).shares_by({1.0, 5.0}) == std::vector<double>{0.0, 0.0});
}

TEST_CASE("DayCounts.AgreesWithASortedListOnRandomSamples", "[model][outcomes]") {
  std::mt19937_64 gen(5);
  for (int round = 0; round < 200; ++round) {
    const std::size_t days = 1 + gen() % 40;
    const std::size_t n = 1 + gen() % 60;
    DayCounts d(days);
    std::vector<double> sorted;  // never as +infinity
    for (std::size_t i = 0; i < n; ++i) {
      const double day = static_cast<double>(gen() % (days + days / 3 + 1));  // some past the end
      d.add(day);
      sorted.push_back(day < static_cast<double>(days) ? day : std::numeric_limits<double>::infinity());
    }
    std::sort(sorted.begin(), sorted.end());
    for (std::uint64_t k = 1; k <= n; ++k) {
      const auto got = d.order_statistic(k);
      const double want = sorted[k - 1];
      INFO("k = " << k << " of " << n);
      if (std::isinf(want)) {
        CHECK_FALSE(got.has_value());
      } else {
        REQUIRE(got.has_value());
        CHECK(*got == static_cast<int>(want));
      }
    }
    for (const double p : {0.1, 0.25, 0.5, 0.8, 0.9}) {
      const auto k = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p * static_cast<double>(n) - 1e-9)));
      const double want = sorted[k - 1];
      const auto got = d.quantile(p);
      INFO("p = " << p << ", n = " << n);
      if (std::isinf(want)) {
        CHECK_FALSE(got.has_value());
      } else {
        REQUIRE(got.has_value());
        CHECK(*got == static_cast<int>(want));
      }
    }
  }
}

TEST_CASE("DayCounts.MergeAddsCountsAndNevers", "[model][outcomes]") {
  DayCounts a = sample();
  DayCounts b(10);
  b.add(0.0);
  b.add(kNever);
  a.merge(b);
  CHECK(a.total() == 10);
  CHECK(a.never() == 4);
  CHECK(a.counts()[0] == 1);
  CHECK(a.quantile(0.1) == 0);
}

TEST_CASE("DayCounts.AListOfDaysAndAnArrayByDayCountAlikeHoweverMerged", "[model][outcomes]") {
  // Over a long horizon the counts start as a list of days and become an
  // array by day past a quarter of the horizon. Blocks of a few, of many
  // and mixes of both, merged along a tree as the runner does, must agree
  // with one plain tally of the same days: every reader, and the saved bytes.
  constexpr std::size_t kDays = 2000;  // a list holds up to 500 days
  std::mt19937_64 gen(11);
  for (const std::size_t per_block : {1, 7, 64, 300, 900}) {
    std::vector<std::uint64_t> want(kDays, 0);
    std::uint64_t never = 0;
    std::vector<DayCounts> level;
    for (int b = 0; b < 16; ++b) {
      DayCounts block(kDays);
      for (std::size_t i = 0; i < per_block; ++i) {
        const double day = static_cast<double>(gen() % (kDays + 200)) + 0.5;  // some past the end
        block.add(day);
        if (day < static_cast<double>(kDays)) {
          ++want[static_cast<std::size_t>(day)];
        } else {
          ++never;
        }
      }
      level.push_back(std::move(block));
    }
    while (level.size() > 1) {  // pairwise, left absorbs right
      std::vector<DayCounts> up;
      for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
        level[i].merge(level[i + 1]);
        up.push_back(std::move(level[i]));
      }
      level = std::move(up);
    }
    const DayCounts& got = level.front();
    INFO(per_block << " days a block");
    CHECK(got.counts() == want);
    CHECK(got.never() == never);
    CHECK(got.total() == 16 * per_block);
    CHECK(got.days() == kDays);

    // The same days tallied one by one into an array from the start (a
    // DayCounts loaded from bytes is one).
    wsic::sim::ByteWriter plain_bytes;
    plain_bytes.write_u64(kDays);
    for (const std::uint64_t c : want) plain_bytes.write_u64(c);
    plain_bytes.write_u64(never);
    wsic::sim::ByteReader reader(plain_bytes.bytes());
    const DayCounts plain = DayCounts::load(reader);
    wsic::sim::ByteWriter saved;
    got.save(saved);
    CHECK(saved.bytes() == plain_bytes.bytes());
    for (const double p : {0.01, 0.1, 0.5, 0.9, 0.99}) {
      CHECK(got.quantile(p) == plain.quantile(p));
      CHECK(got.quantile_or_after(p) == plain.quantile_or_after(p));
    }
    for (const std::uint64_t k : {1ULL, 2ULL, 16ULL * per_block})
      CHECK(got.order_statistic(k) == plain.order_statistic(k));
    CHECK(got.share_by(1000.0) == plain.share_by(1000.0));
    CHECK(got.shares_by({10.0, 500.0, 1999.0}) == plain.shares_by({10.0, 500.0, 1999.0}));
    CHECK(got.mean_day() == plain.mean_day());

    // An array merged into a list, and a list into an array.
    DayCounts list(kDays);
    list.add(3.0);
    list.add(1999.0);
    DayCounts array = plain;
    array.merge(list);
    list.merge(plain);
    CHECK(array.counts() == list.counts());
    CHECK(array.total() == got.total() + 2);
    CHECK(list.never() == never);
  }
}
