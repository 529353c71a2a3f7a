#include "wsic/sim/stats.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

using namespace wsic::sim;

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// splitmix64: a tiny local generator, independent of the engine's RNG.
struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double exponential(double mean) { return -mean * std::log1p(-uniform()); }
  // Pareto with x_m = 1 and shape a: infinite variance for a <= 2.
  double pareto(double a) { return std::pow(1.0 - uniform(), -1.0 / a); }
};

std::vector<double> exponential_sample(std::uint64_t seed, int n, double mean, double shift) {
  SplitMix g{seed};
  std::vector<double> xs;
  for (int i = 0; i < n; ++i) xs.push_back(shift + g.exponential(mean));
  return xs;
}

// The k-th smallest value, k = max(1, ceil(p * n)): the inverse of the
// empirical cdf, which is the definition both Histogram and QuantileSketch
// document.
double exact_quantile(const std::vector<double>& sorted, double p) {
  const double r = p * static_cast<double>(sorted.size());
  const auto k = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(r)));
  return sorted[k - 1];
}

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

// Merges parts pairwise over a fixed binary tree of part indices, as the
// replication runner does.
template <class T>
T tree_merge(const std::vector<T>& parts, std::size_t lo, std::size_t hi) {
  if (hi - lo == 1) return parts[lo];
  const std::size_t mid = lo + (hi - lo) / 2;
  T left = tree_merge(parts, lo, mid);
  left.merge(tree_merge(parts, mid, hi));
  return left;
}

// Uneven split points, including an empty part.
const std::vector<std::size_t> kCuts = {0, 1, 1, 37, 1000, 2500, 2501, 7000, 10000};

template <class T>
std::vector<T> split_into(const std::vector<double>& xs, const T& empty, const std::function<void(T&, double)>& add) {
  std::vector<T> parts;
  for (std::size_t c = 0; c + 1 < kCuts.size(); ++c) {
    T part = empty;
    for (std::size_t i = kCuts[c]; i < kCuts[c + 1]; ++i) add(part, xs[i]);
    parts.push_back(part);
  }
  return parts;
}

}  // namespace

// ---------------------------------------------------------------- RunningStats

TEST_CASE("RunningStats.EmptyAndSingleValue", "[sim][stats]") {
  RunningStats s;
  CHECK(s.count() == 0);
  CHECK(std::isnan(s.mean()));
  CHECK(std::isnan(s.variance()));
  CHECK(std::isnan(s.std_error()));
  CHECK(std::isnan(s.min()));
  CHECK(std::isnan(s.max()));
  CHECK(s.sum() == 0.0);

  s.add(3.25);
  CHECK(s.count() == 1);
  CHECK(s.mean() == 3.25);
  CHECK(std::isnan(s.variance()));  // n - 1 = 0
  CHECK(s.min() == 3.25);
  CHECK(s.max() == 3.25);

  CHECK_THROWS_AS(s.add(std::numeric_limits<double>::quiet_NaN()), wsic::Error);
  CHECK_THROWS_AS(s.add(std::numeric_limits<double>::infinity()), wsic::Error);
  CHECK(s.count() == 1);
}

TEST_CASE("RunningStats.HandComputedExact", "[sim][stats]") {
  // Every intermediate of Welford's update is exact for {0, 2, 4}.
  RunningStats s;
  for (const double x : {0.0, 2.0, 4.0}) s.add(x);
  CHECK(s.mean() == 2.0);
  CHECK(s.variance() == 4.0);  // ((-2)^2 + 0 + 2^2) / (3 - 1)
  CHECK(s.stddev() == 2.0);
  CHECK(s.std_error() == std::sqrt(4.0 / 3.0));
  CHECK(s.sum() == 6.0);
  CHECK(s.min() == 0.0);
  CHECK(s.max() == 4.0);
}

TEST_CASE("RunningStats.WelfordMatchesTwoPass", "[sim][stats]") {
  const auto xs = exponential_sample(1, 10000, 3.0, 10.0);
  RunningStats s;
  for (const double x : xs) s.add(x);

  double sum = 0.0;
  for (const double x : xs) sum += x;
  const double mean = sum / static_cast<double>(xs.size());
  double ss = 0.0;
  for (const double x : xs) ss += (x - mean) * (x - mean);
  const double var = ss / static_cast<double>(xs.size() - 1);

  // Both are sums of n positive terms: each has relative rounding error at
  // most n * eps, and the variance's is amplified by the condition number
  // 1 + mean^2 / var (the mean is subtracted inside). Any algorithmic slip,
  // e.g. dividing by n instead of n - 1 (relative 1e-4), is far outside this.
  const double n = static_cast<double>(xs.size());
  const double kappa = 1.0 + mean * mean / var;
  CHECK(std::abs(s.mean() - mean) <= 2.0 * n * kEps * mean);
  CHECK(std::abs(s.variance() - var) <= 2.0 * n * kEps * kappa * var);
  CHECK(std::abs(s.sum() - sum) == 0.0);  // same order of additions
  CHECK(s.min() == *std::min_element(xs.begin(), xs.end()));
  CHECK(s.max() == *std::max_element(xs.begin(), xs.end()));
}

TEST_CASE("RunningStats.MergeEqualsWhole", "[sim][stats]") {
  const auto xs = exponential_sample(2, 10000, 3.0, 10.0);
  RunningStats whole;
  for (const double x : xs) whole.add(x);
  const auto parts = split_into<RunningStats>(xs, RunningStats{}, [](RunningStats& s, double x) { s.add(x); });
  const RunningStats merged = tree_merge(parts, 0, parts.size());

  CHECK(merged.count() == whole.count());
  CHECK(merged.min() == whole.min());
  CHECK(merged.max() == whole.max());
  // Merging is exact in real arithmetic; the difference is floating-point
  // rounding, bounded as in WelfordMatchesTwoPass.
  const double n = static_cast<double>(xs.size());
  const double kappa = 1.0 + whole.mean() * whole.mean() / whole.variance();
  CHECK(std::abs(merged.mean() - whole.mean()) <= 2.0 * n * kEps * whole.mean());
  CHECK(std::abs(merged.variance() - whole.variance()) <= 2.0 * n * kEps * kappa * whole.variance());
  CHECK(std::abs(merged.sum() - whole.sum()) <= 2.0 * n * kEps * whole.sum());
}

TEST_CASE("RunningStats.SameMergeOrderIsBitIdentical", "[sim][stats]") {
  const auto xs = exponential_sample(3, 10000, 1.0, 0.0);
  const auto build = [&] {
    const auto parts = split_into<RunningStats>(xs, RunningStats{}, [](RunningStats& s, double x) { s.add(x); });
    return tree_merge(parts, 0, parts.size());
  };
  const RunningStats a = build();
  const RunningStats b = build();
  CHECK(to_bytes(a) == to_bytes(b));

  // An empty accumulator is an exact identity on either side.
  RunningStats left;
  left.merge(a);
  RunningStats right = a;
  right.merge(RunningStats{});
  CHECK(to_bytes(left) == to_bytes(a));
  CHECK(to_bytes(right) == to_bytes(a));
}

TEST_CASE("RunningStats.SerialRoundTrip", "[sim][stats][serial]") {
  RunningStats s;
  for (const double x : exponential_sample(4, 1000, 2.0, -1.0)) s.add(x);
  const std::string bytes = to_bytes(s);
  const auto loaded = from_bytes<RunningStats>(bytes);
  CHECK(to_bytes(loaded) == bytes);
  CHECK(loaded.count() == s.count());
  CHECK(same_bits(loaded.mean(), s.mean()));
  CHECK(same_bits(loaded.variance(), s.variance()));
  CHECK(same_bits(loaded.min(), s.min()));
  CHECK(same_bits(loaded.sum(), s.sum()));

  const std::string empty_bytes = to_bytes(RunningStats{});
  CHECK(to_bytes(from_bytes<RunningStats>(empty_bytes)) == empty_bytes);

  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("prefix length " << n);
    CHECK_THROWS_AS(from_bytes<RunningStats>(bytes.substr(0, n)), SerialError);
  }
  CHECK_THROWS_AS(from_bytes<RunningStats>(bytes + '\0'), SerialError);
}

// ------------------------------------------------------------------- Histogram

TEST_CASE("Histogram.HandComputedQuantileAndCdf", "[sim][stats]") {
  Histogram h(0.0, 4.0, 4);
  h.add(0.5, 2);
  h.add(1.5);
  h.add(3.5);
  CHECK(h.total() == 4);
  CHECK(h.bin(0) == 2);
  CHECK(h.bin(1) == 1);
  CHECK(h.bin(2) == 0);
  CHECK(h.bin(3) == 1);
  CHECK(h.bin_width() == 1.0);
  CHECK_THROWS_AS(h.bin(4), wsic::Error);

  CHECK(h.cdf(-1.0) == 0.0);
  CHECK(h.cdf(0.5) == 0.25);  // half of bin 0's two counts
  CHECK(h.cdf(1.0) == 0.5);
  CHECK(h.cdf(2.5) == 0.75);  // empty bin: flat
  CHECK(h.cdf(4.0) == 1.0);

  CHECK(h.quantile(0.0) == 0.0);
  CHECK(h.quantile(0.25) == 0.5);
  CHECK(h.quantile(0.5) == 1.0);
  CHECK(h.quantile(0.625) == 1.5);
  CHECK(h.quantile(0.75) == 2.0);
  CHECK(h.quantile(0.875) == 3.5);
  CHECK(h.quantile(1.0) == 4.0);
  CHECK_THROWS_AS(h.quantile(1.5), wsic::Error);
  CHECK_THROWS_AS(h.quantile(std::numeric_limits<double>::quiet_NaN()), wsic::Error);
}

TEST_CASE("Histogram.UnknownRegionsGiveNaN", "[sim][stats]") {
  Histogram h(0.0, 10.0, 10);
  CHECK(std::isnan(h.quantile(0.5)));  // empty
  CHECK(std::isnan(h.cdf(5.0)));

  h.add(-1.0);  // underflow
  h.add(5.5, 2);
  h.add(std::numeric_limits<double>::infinity());  // overflow
  CHECK(h.underflow() == 1);
  CHECK(h.overflow() == 1);
  CHECK(h.total() == 4);
  CHECK(std::isnan(h.quantile(0.0)));
  CHECK(std::isnan(h.quantile(0.25)));  // rank 1: the underflow value
  CHECK(h.quantile(0.5) == 5.5);        // rank 2: half-way through bin 5
  CHECK(std::isnan(h.quantile(0.8)));   // rank 3.2: the overflow value
  CHECK(std::isnan(h.cdf(-5.0)));
  CHECK(h.cdf(5.0) == 0.25);  // the underflow counts, nothing in [0, 5]
  CHECK(std::isnan(h.cdf(10.0)));
  CHECK_THROWS_AS(h.add(std::numeric_limits<double>::quiet_NaN()), wsic::Error);
}

TEST_CASE("Histogram.QuantileWithinOneBinOfExact", "[sim][stats]") {
  auto xs = exponential_sample(5, 20000, 3.0, 0.0);
  // Width 0.25 is a power of two, so bin placement floor(x / w) is exact and
  // the derived bound below holds with no rounding slack.
  Histogram h(0.0, 16.0, 64);
  for (const double x : xs) h.add(x);
  std::sort(xs.begin(), xs.end());
  REQUIRE(h.overflow() > 0);  // the exponential tail passes 16

  const double p_overflow = 1.0 - static_cast<double>(h.overflow()) / static_cast<double>(h.total());
  for (const double p : {0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99}) {
    REQUIRE(p < p_overflow);
    INFO("p = " << p);
    // The result and the exact quantile lie in the same closed bin, so they
    // differ by at most one bin width.
    CHECK(std::abs(h.quantile(p) - exact_quantile(xs, p)) <= h.bin_width());
  }
  CHECK(std::isnan(h.quantile(1.0)));
}

TEST_CASE("Histogram.ForIntegers", "[sim][stats]") {
  Histogram days = Histogram::for_integers(0, 9);
  CHECK(days.bins() == 10);
  CHECK(days.lo() == 0.0);
  CHECK(days.hi() == 10.0);
  for (int d = 0; d < 10; ++d) days.add(d, static_cast<std::uint64_t>(d));
  days.add(10.0);
  for (std::size_t d = 0; d < 10; ++d) CHECK(days.bin(d) == d);
  CHECK(days.overflow() == 1);
  CHECK_THROWS_AS(Histogram::for_integers(3, 2), wsic::Error);
}

TEST_CASE("Histogram.MergeEqualsWholeExactly", "[sim][stats]") {
  const auto xs = exponential_sample(6, 10000, 3.0, -1.0);
  const Histogram empty(0.0, 12.0, 48);
  Histogram whole = empty;
  for (const double x : xs) whole.add(x);
  const auto parts = split_into<Histogram>(xs, empty, [](Histogram& h, double x) { h.add(x); });

  const Histogram merged = tree_merge(parts, 0, parts.size());
  CHECK(merged == whole);
  CHECK(to_bytes(merged) == to_bytes(whole));

  // Integer counts: any order gives the same state.
  Histogram reversed = empty;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) reversed.merge(*it);
  CHECK(to_bytes(reversed) == to_bytes(whole));
}

TEST_CASE("Histogram.MismatchedBinningThrows", "[sim][stats]") {
  Histogram h(0.0, 10.0, 10);
  CHECK_THROWS_AS(h.merge(Histogram(0.0, 10.0, 20)), wsic::Error);
  CHECK_THROWS_AS(h.merge(Histogram(1.0, 10.0, 10)), wsic::Error);
  CHECK_THROWS_AS(h.merge(Histogram(0.0, 11.0, 10)), wsic::Error);
  CHECK_NOTHROW(h.merge(Histogram(0.0, 10.0, 10)));

  CHECK_THROWS_AS(Histogram(1.0, 1.0, 10), wsic::Error);
  CHECK_THROWS_AS(Histogram(0.0, 1.0, 0), wsic::Error);
  CHECK_THROWS_AS(Histogram(0.0, std::numeric_limits<double>::infinity(), 4), wsic::Error);
}

TEST_CASE("Histogram.SerialRoundTrip", "[sim][stats][serial]") {
  Histogram h(-2.0, 6.0, 16);
  for (const double x : exponential_sample(7, 500, 2.0, -2.5)) h.add(x);
  const std::string bytes = to_bytes(h);
  const auto loaded = from_bytes<Histogram>(bytes);
  CHECK(to_bytes(loaded) == bytes);
  CHECK(loaded == h);
  for (const double p : {0.3, 0.5, 0.7}) CHECK(same_bits(loaded.quantile(p), h.quantile(p)));

  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("prefix length " << n);
    CHECK_THROWS_AS(from_bytes<Histogram>(bytes.substr(0, n)), SerialError);
  }
  // Bytes of another accumulator type are refused by tag.
  CHECK_THROWS_AS(from_bytes<Histogram>(to_bytes(RunningStats{})), SerialError);
}

// -------------------------------------------------------------- QuantileSketch

TEST_CASE("QuantileSketch.RelativeErrorWithinAlpha", "[sim][stats]") {
  SplitMix g{8};
  const auto exponential = [&] { return g.exponential(1.0); };
  const auto uniform = [&] { return 100.0 * g.uniform(); };
  const auto pareto = [&] { return g.pareto(1.1); };  // infinite variance
  const auto mixed = [&] { return g.uniform() < 0.2 ? 0.0 : 1e-3 * g.pareto(0.8); };
  const std::vector<std::pair<const char*, std::function<double()>>> dists = {
      {"exponential", exponential}, {"uniform", uniform}, {"pareto", pareto}, {"mixed", mixed}};

  for (const double alpha : {0.005, 0.05}) {
    for (const auto& [name, draw] : dists) {
      QuantileSketch s(alpha);
      std::vector<double> xs;
      for (int i = 0; i < 20000; ++i) {
        xs.push_back(draw());
        s.add(xs.back());
      }
      std::sort(xs.begin(), xs.end());
      CHECK(s.count() == xs.size());
      CHECK(s.min() == xs.front());
      CHECK(s.max() == xs.back());
      for (int j = 0; j <= 1000; ++j) {
        const double p = j / 1000.0;
        const double exact = exact_quantile(xs, p);
        const double est = s.quantile(p);
        INFO(name << " alpha=" << alpha << " p=" << p << " exact=" << exact << " est=" << est);
        // The alpha bound is exact in real arithmetic. Rounding in
        // log(x) / log(gamma) shifts bucket edges by about eps * |log x|
        // relative, and pow() adds a few ulps: allowed for separately.
        // Zeros are counted exactly, so a zero quantile must come out as 0.
        const double rounding = exact == 0.0 ? 0.0 : 16.0 * kEps * (1.0 + std::abs(std::log(exact))) * exact;
        CHECK(std::abs(est - exact) <= alpha * exact + rounding);
      }
    }
  }
}

TEST_CASE("QuantileSketch.MergeEqualsWholeExactly", "[sim][stats]") {
  SplitMix g{9};
  std::vector<double> xs;
  for (int i = 0; i < 10000; ++i) xs.push_back(i % 50 == 0 ? 0.0 : g.pareto(1.5));
  const QuantileSketch empty;
  QuantileSketch whole = empty;
  for (const double x : xs) whole.add(x);
  const auto parts = split_into<QuantileSketch>(xs, empty, [](QuantileSketch& s, double x) { s.add(x); });

  const QuantileSketch merged = tree_merge(parts, 0, parts.size());
  CHECK(merged == whole);
  CHECK(to_bytes(merged) == to_bytes(whole));
  QuantileSketch reversed = empty;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) reversed.merge(*it);
  CHECK(to_bytes(reversed) == to_bytes(whole));
  for (const double p : {0.0, 0.01, 0.5, 0.99, 1.0}) CHECK(same_bits(merged.quantile(p), whole.quantile(p)));
}

TEST_CASE("QuantileSketch.EdgeCasesAndErrors", "[sim][stats]") {
  QuantileSketch s;
  CHECK(s.alpha() == 0.005);
  CHECK(std::isnan(s.quantile(0.5)));
  CHECK(std::isnan(s.min()));
  s.add(0.0, 3);
  CHECK(s.quantile(0.5) == 0.0);
  CHECK(s.zero_count() == 3);
  s.add(7.0);
  CHECK(s.quantile(1.0) == 7.0);
  CHECK(s.quantile(0.75) == 0.0);  // rank 3 of 4 is still a zero
  CHECK(std::abs(s.quantile(0.8) - 7.0) <= 0.005 * 7.0);

  CHECK_THROWS_AS(s.add(-1.0), wsic::Error);
  CHECK_THROWS_AS(s.add(std::numeric_limits<double>::infinity()), wsic::Error);
  CHECK_THROWS_AS(s.add(std::numeric_limits<double>::quiet_NaN()), wsic::Error);
  CHECK_THROWS_AS(s.quantile(-0.1), wsic::Error);
  CHECK_THROWS_AS(s.merge(QuantileSketch(0.01)), wsic::Error);
  CHECK_THROWS_AS(QuantileSketch(0.0), wsic::Error);
  CHECK_THROWS_AS(QuantileSketch(1.0), wsic::Error);
}

TEST_CASE("QuantileSketch.SerialRoundTrip", "[sim][stats][serial]") {
  SplitMix g{10};
  QuantileSketch s(0.02);
  s.add(0.0, 5);
  for (int i = 0; i < 300; ++i) s.add(g.exponential(4.0));
  const std::string bytes = to_bytes(s);
  const auto loaded = from_bytes<QuantileSketch>(bytes);
  CHECK(to_bytes(loaded) == bytes);
  CHECK(loaded == s);
  for (const double p : {0.0, 0.1, 0.5, 0.9, 1.0}) CHECK(same_bits(loaded.quantile(p), s.quantile(p)));

  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("prefix length " << n);
    CHECK_THROWS_AS(from_bytes<QuantileSketch>(bytes.substr(0, n)), SerialError);
  }
  // A corrupted count no longer matches the buckets.
  std::string corrupt = bytes;
  corrupt[8 + 8] ^= 1;  // low byte of count_, after the header and alpha
  CHECK_THROWS_AS(from_bytes<QuantileSketch>(corrupt), SerialError);
}

// ---------------------------------------------------------------- TimeWeighted

TEST_CASE("TimeWeighted.StepFunctionExact", "[sim][stats]") {
  // Value 2 on [0, 1.5), 5 on [1.5, 4), 0 for an instant, 3 on [4, 6]:
  // integral = 2*1.5 + 5*2.5 + 3*2 = 21.5, exact in binary.
  TimeWeighted tw(0.0, 2.0);
  tw.update(1.5, 5.0);
  tw.update(4.0, 0.0);
  tw.update(4.0, 3.0);
  CHECK(tw.integral(4.0) == 15.5);
  CHECK(tw.integral(6.0) == 21.5);
  CHECK(tw.average(6.0) == 21.5 / 6.0);
  CHECK(tw.max() == 5.0);
  CHECK(tw.min() == 0.0);
  CHECK_THROWS_AS(tw.update(3.0, 1.0), wsic::Error);  // backwards
  CHECK_THROWS_AS(tw.integral(3.9), wsic::Error);
  CHECK_THROWS_AS(tw.average(), wsic::Error);  // still open

  tw.finish(6.0);
  CHECK(tw.finished());
  CHECK(tw.integral() == 21.5);
  CHECK(tw.duration() == 6.0);
  CHECK(tw.average() == 21.5 / 6.0);
  CHECK(tw.runs() == 1);
  CHECK_THROWS_AS(tw.update(7.0, 1.0), wsic::Error);
  CHECK_THROWS_AS(tw.integral(6.0), wsic::Error);

  const TimeWeighted instant(2.0, 1.0);
  CHECK(std::isnan(instant.average(2.0)));
  CHECK_THROWS_AS(TimeWeighted(0.0, std::numeric_limits<double>::quiet_NaN()), wsic::Error);
}

TEST_CASE("TimeWeighted.MergeIsPooled", "[sim][stats]") {
  TimeWeighted a(0.0, 1.0);  // 1 for 2 time units
  a.finish(2.0);
  TimeWeighted b(10.0, 4.0);  // 4 for 1 time unit
  b.finish(11.0);

  // Pooled: (2 + 4) / (2 + 1) = 2, not the mean of averages (1 + 4) / 2.
  TimeWeighted pooled;
  CHECK(std::isnan(pooled.average()));
  CHECK(std::isnan(pooled.max()));
  pooled.merge(a);
  pooled.merge(b);
  CHECK(pooled.average() == 2.0);
  CHECK(pooled.integral() == 6.0);
  CHECK(pooled.duration() == 3.0);
  CHECK(pooled.runs() == 2);
  CHECK(pooled.max() == 4.0);
  CHECK(pooled.min() == 1.0);

  TimeWeighted open(0.0, 1.0);
  CHECK_THROWS_AS(pooled.merge(open), wsic::Error);
  CHECK_THROWS_AS(open.merge(a), wsic::Error);
}

TEST_CASE("TimeWeighted.SerialRoundTrip", "[sim][stats][serial]") {
  TimeWeighted open(1.0, 2.0);
  open.update(2.5, 7.0);
  const std::string bytes = to_bytes(open);
  const auto loaded = from_bytes<TimeWeighted>(bytes);
  CHECK(to_bytes(loaded) == bytes);
  CHECK(same_bits(loaded.average(9.0), open.average(9.0)));

  // A loaded open run can continue exactly where it left off.
  TimeWeighted cont = loaded;
  cont.update(3.0, 1.0);
  open.update(3.0, 1.0);
  CHECK(to_bytes(cont) == to_bytes(open));

  open.finish(4.0);
  const std::string closed_bytes = to_bytes(open);
  CHECK(to_bytes(from_bytes<TimeWeighted>(closed_bytes)) == closed_bytes);

  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("prefix length " << n);
    CHECK_THROWS_AS(from_bytes<TimeWeighted>(bytes.substr(0, n)), SerialError);
  }
}
