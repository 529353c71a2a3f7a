#include "wsic/model/windows.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "wsic/sim/random.hpp"

using wsic::model::RateProfile;
using wsic::model::Window;

namespace {
constexpr std::uint64_t kA = 1, kB = 2;
constexpr double kNever = RateProfile::kNever;

double finish(const std::vector<Window>& w, double from, double work, std::uint64_t mask = kA) {
  RateProfile p;
  p.build(from, w, mask);
  return p.finish(work, 1.0);
}
}  // namespace

TEST_CASE("Windows.BlocksDelaysAndSlowdownsByHand", "[model][windows]") {
  const std::vector<Window> block = {{10.0, 20.0, 0.0, kA}};
  CHECK(finish(block, 0.0, 5.0) == 5.0);      // done before the block
  CHECK(finish(block, 8.0, 5.0) == 23.0);     // 2 days, stopped 10 days, 3 more
  CHECK(finish(block, 12.0, 5.0) == 25.0);    // begun inside the block
  CHECK(finish(block, 0.0, 5.0, kB) == 5.0);  // the block does not target B
  const std::vector<Window> slow = {{10.0, 20.0, 0.5, kA}, {15.0, 30.0, 0.5, kA}};
  // 10 at full rate, 10..15 at 1/2 (2.5), 15..20 at 1/4 (1.25), 20..30 at 1/2 (5): 18.75 by day 30.
  CHECK(finish(slow, 0.0, 18.75) == 30.0);
  CHECK(finish(slow, 0.0, 20.0) == 31.25);
  const std::vector<Window> forever = {{10.0, kNever, 0.0, kA}};
  CHECK(finish(forever, 0.0, 15.0) == kNever);
  RateProfile p;
  p.build(0.0, slow, kA);
  CHECK(p.progress(15.0, 1.0) == 12.5);
  CHECK(p.progress(40.0, 2.0) == 2.0 * (10.0 + 2.5 + 1.25 + 5.0 + 10.0));
}

TEST_CASE("Windows.ThousandsOfWindowsAreAllHonoured", "[model][windows]") {
  // 6,000 day-long slowdowns to half rate, every other day: each two days
  // give 1.5 days of work, so 9,000 days of work are done on day 12,000. (A
  // bound of 10,000 steps once made this "never".)
  std::vector<Window> w;
  for (int i = 0; i < 6000; ++i) w.push_back({2.0 * i, 2.0 * i + 1.0, 0.5, kA});
  CHECK(finish(w, 0.0, 9000.0) == 12000.0);
  RateProfile p;
  p.build(0.0, w, kA);
  CHECK(p.segments().size() == 12000);  // from day 0, then a boundary on every later day up to 11,999
  CHECK(p.progress(12000.0, 1.0) == 9000.0);
}

TEST_CASE("Windows.SweepAndFoldAgree", "[model][windows]") {
  // Random overlapping windows (blocks, slowdowns, zero-length, unending,
  // other targets): the product tree gives the fold's segments and factors,
  // to rounding.
  wsic::sim::Rng rng(11, 0, 0);
  RateProfile fold, sweep;
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<Window> w;
    const int n = 17 + static_cast<int>(rng.uniform01() * 300);
    for (int i = 0; i < n; ++i) {
      const double start = std::floor(rng.uniform01() * 400.0);
      double end = start + std::floor(rng.uniform01() * 60.0);
      if (rng.uniform01() < 0.02) end = kNever;
      const double u = rng.uniform01();
      const double factor = u < 0.2 ? 0.0 : u < 0.3 ? 1.0 : 0.3 + 0.6 * rng.uniform01();
      w.push_back({start, end, factor, rng.uniform01() < 0.8 ? kA : kB});
    }
    const double from = std::floor(rng.uniform01() * 200.0);
    fold.build(from, w, kA, std::numeric_limits<std::size_t>::max());
    sweep.build(from, w, kA, 0);
    INFO("trial " << trial);
    REQUIRE(fold.segments().size() == sweep.segments().size());
    for (std::size_t i = 0; i < fold.segments().size(); ++i) {
      REQUIRE(fold.segments()[i].from == sweep.segments()[i].from);
      REQUIRE(sweep.segments()[i].factor == Approx(fold.segments()[i].factor).epsilon(1e-12).margin(1e-300));
    }
    const double work = 1.0 + rng.uniform01() * 300.0;
    const double a = fold.finish(work, 1.0), b = sweep.finish(work, 1.0);
    if (a == kNever || b == kNever) {
      REQUIRE(a == b);
    } else {
      REQUIRE(b == Approx(a).epsilon(1e-9));
    }
  }
}
