#include "wsic/experiment/abc.hpp"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "wsic/sim/error.hpp"
#include "wsic/sim/random.hpp"
#include "wsic/sim/runner.hpp"

using namespace wsic;
using experiment::abc_smc;
using experiment::AbcOptions;
using experiment::AbcPrior;
using experiment::AbcResult;
using experiment::effective_sample_size;
using experiment::weighted_mean;
using experiment::weighted_quantile;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The sample mean and standard deviation (ddof 1) of m draws from
// N(mu, sigma^2), all from the project's generator seeded by `seed`.
struct Summaries {
  double mean = 0.0, sd = 0.0;
};

Summaries simulate_normal(double mu, double sigma, std::size_t m, std::uint64_t seed) {
  sim::Rng rng(seed, 0, sim::stream_id("abc_test.observations"));
  double mean = 0.0, m2 = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    const double x = mu + sigma * sim::standard_normal(rng);
    const double delta = x - mean;
    mean += delta / static_cast<double>(i + 1);
    m2 += delta * (x - mean);
  }
  return {mean, std::sqrt(m2 / static_cast<double>(m - 1))};
}

// The two-parameter model: mu with prior U(-10, 10), sigma with prior
// U(0.1, 5); data m draws of N(mu, sigma^2), observed once at the truth.
constexpr double kTrueMu = 2.0, kTrueSigma = 1.5;
const std::vector<AbcPrior> kPriors{{-10.0, 10.0}, {0.1, 5.0}};

experiment::AbcDistance normal_model(std::size_t m, bool with_sd) {
  const Summaries observed = simulate_normal(kTrueMu, kTrueSigma, m, 1);
  return [=](std::span<const double> theta, std::uint64_t seed) {
    const Summaries s = simulate_normal(theta[0], theta[1], m, seed);
    return with_sd ? std::hypot(s.mean - observed.mean, s.sd - observed.sd) : std::abs(s.mean - observed.mean);
  };
}

struct Interval {
  double low, high;
  double width() const { return high - low; }
};

// The 90% equal-tailed weighted credible interval of parameter i.
Interval credible90(const AbcResult& r, std::size_t i) {
  const std::vector<double> x = r.parameter(i);
  return {weighted_quantile(x, r.weights, 0.05), weighted_quantile(x, r.weights, 0.95)};
}

AbcOptions fast_options(std::uint64_t seed, std::size_t generations = 8) {
  AbcOptions o;
  o.population = 400;
  o.max_generations = generations;
  o.seed = seed;
  o.threads = 2;
  return o;
}

template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

bool same_bytes(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST_CASE("Abc.WeightedSummaries", "[experiment][abc]") {
  const std::vector<double> x{3.0, 1.0, 2.0}, w{0.2, 0.5, 0.3};
  CHECK(weighted_mean(x, w) == Approx(0.6 + 0.5 + 0.6));
  CHECK(weighted_quantile(x, w, 0.0) == 1.0);
  CHECK(weighted_quantile(x, w, 0.5) == 1.0);  // cumulative 0.5 at 1
  CHECK(weighted_quantile(x, w, 0.51) == 2.0);
  CHECK(weighted_quantile(x, w, 0.8) == 2.0);
  CHECK(weighted_quantile(x, w, 0.81) == 3.0);
  CHECK(weighted_quantile(x, w, 1.0) == 3.0);
  // p = 0 skips values of weight 0; unnormalised weights are fine.
  CHECK(weighted_quantile(std::vector<double>{0.0, 5.0, 7.0}, std::vector<double>{0.0, 2.0, 2.0}, 0.0) == 5.0);
  CHECK(weighted_quantile(std::vector<double>{0.0, 5.0, 7.0}, std::vector<double>{0.0, 2.0, 2.0}, 0.5) == 5.0);
  CHECK(effective_sample_size(std::vector<double>{1.0, 1.0, 1.0, 1.0}) == 4.0);
  CHECK(effective_sample_size(std::vector<double>{0.0, 3.0, 0.0}) == 1.0);
  CHECK(effective_sample_size(std::vector<double>{1.0, 3.0}) == Approx(16.0 / 10.0));

  const std::vector<double> none;
  CHECK_THROWS_AS(weighted_mean(none, none), Error);
  CHECK_THROWS_WITH(weighted_mean(x, std::vector<double>{1.0, 1.0}), Catch::Contains("3 values but 2 weights"));
  CHECK_THROWS_WITH(weighted_mean(x, std::vector<double>{0.0, 0.0, 0.0}), Catch::Contains("all 0"));
  CHECK_THROWS_WITH(weighted_mean(x, std::vector<double>{1.0, -1.0, 1.0}), Catch::Contains(">= 0"));
  CHECK_THROWS_WITH(weighted_quantile(x, w, 1.5), Catch::Contains("0 <= p <= 1"));
  CHECK_THROWS_AS(effective_sample_size(std::vector<double>{1.0, kInf}), Error);
}

TEST_CASE("Abc.RecoversKnownParameters", "[experiment][abc]") {
  // The truth lies in the 90% credible intervals, and ten times the data
  // narrows them (by about sqrt(10) once epsilon is small).
  std::vector<Interval> mu, sigma;
  for (const std::size_t m : {30u, 300u}) {
    const AbcResult r = abc_smc(kPriors, normal_model(m, true), fast_options(7, 15));
    mu.push_back(credible90(r, 0));
    sigma.push_back(credible90(r, 1));
    INFO("m = " << m << ": mu in [" << mu.back().low << ", " << mu.back().high << "], sigma in [" << sigma.back().low
                << ", " << sigma.back().high << "], last epsilon " << r.generations.back().epsilon);
    CHECK(mu.back().low <= kTrueMu);
    CHECK(kTrueMu <= mu.back().high);
    CHECK(sigma.back().low <= kTrueSigma);
    CHECK(kTrueSigma <= sigma.back().high);
  }
  CHECK(mu[1].width() < 0.6 * mu[0].width());
  CHECK(sigma[1].width() < 0.6 * sigma[0].width());
}

TEST_CASE("Abc.SecondSummaryNarrowsThePosterior", "[experiment][abc]") {
  // The sample mean alone says next to nothing of sigma; with the sample
  // standard deviation as well, its interval is a fraction as wide.
  const AbcResult mean_only = abc_smc(kPriors, normal_model(100, false), fast_options(11, 15));
  const AbcResult both = abc_smc(kPriors, normal_model(100, true), fast_options(11, 15));
  const Interval s1 = credible90(mean_only, 1), s2 = credible90(both, 1);
  INFO("sigma in [" << s1.low << ", " << s1.high << "] from the mean, [" << s2.low << ", " << s2.high << "] from both");
  CHECK(s1.width() > 0.5 * (5.0 - 0.1));
  CHECK(s2.width() < 0.25 * s1.width());
  CHECK(s2.low <= kTrueSigma);
  CHECK(kTrueSigma <= s2.high);
  const Interval m2 = credible90(both, 0);
  CHECK(m2.low <= kTrueMu);
  CHECK(kTrueMu <= m2.high);
}

TEST_CASE("Abc.MatchesTheClosedFormPosterior", "[experiment][abc]") {
  // x_1..m ~ N(mu, 1), prior flat on [-10, 10], distance |xbar - xbar_obs|.
  // The exact posterior is N(xbar_obs, 1/m) (the truncation at +-10 is 40
  // sds away); ABC's, accepting |xbar - xbar_obs| <= eps, is that plus an
  // independent U(-eps, eps): mean xbar_obs, variance 1/m + eps^2/3. The
  // tolerances are standard errors from the ESS: four of sd / sqrt(ESS) for
  // the mean, five of sd / sqrt(2 ESS) for the sd (the normal-theory error
  // of an sd; over 60 seeds the sd's errors came to 1.5 of it, root mean
  // square, the mean's to 1.0).
  constexpr std::size_t m = 25;
  const double observed = simulate_normal(1.0, 1.0, m, 99).mean;
  const auto model = [&](std::span<const double> theta, std::uint64_t seed) {
    return std::abs(simulate_normal(theta[0], 1.0, m, seed).mean - observed);
  };
  AbcOptions o = fast_options(3);
  o.population = 1000;
  o.max_generations = 10;
  const AbcResult r = abc_smc({{-10.0, 10.0}}, model, o);
  const double eps = r.generations.back().epsilon;
  const double ess = r.generations.back().ess;
  const double exact_sd = 1.0 / std::sqrt(static_cast<double>(m));
  const double abc_sd = std::sqrt(exact_sd * exact_sd + eps * eps / 3.0);
  const std::vector<double> mu = r.parameter(0);
  const double mean = weighted_mean(mu, r.weights);
  std::vector<double> squares(mu.size());
  for (std::size_t i = 0; i < mu.size(); ++i) squares[i] = (mu[i] - mean) * (mu[i] - mean);
  const double sd = std::sqrt(weighted_mean(squares, r.weights));
  INFO("posterior mean " << mean << " (exact " << observed << "), sd " << sd << " (exact " << exact_sd
                         << ", with epsilon " << eps << ": " << abc_sd << "), ESS " << ess);
  CHECK(std::abs(mean - observed) <= 4.0 * abc_sd / std::sqrt(ess));
  CHECK(std::abs(sd - abc_sd) <= 5.0 * abc_sd / std::sqrt(2.0 * ess));
  CHECK(eps < 0.5 * exact_sd);  // so the bias term is small against the sd
  CHECK(ess > 0.3 * static_cast<double>(o.population));
}

TEST_CASE("Abc.SameResultAtAnyThreadCount", "[experiment][abc]") {
  AbcOptions o = fast_options(5);
  o.population = 300;
  o.max_generations = 5;
  o.threads = 1;
  const auto model = normal_model(20, true);
  const AbcResult one = abc_smc(kPriors, model, o);
  for (const unsigned threads : {2u, 0u}) {  // 0: every core
    o.threads = threads;
    const AbcResult r = abc_smc(kPriors, model, o);
    INFO(threads << " threads");
    CHECK(same_bytes(r.particles, one.particles));
    CHECK(same_bytes(r.weights, one.weights));
    CHECK(same_bytes(r.distances, one.distances));
    CHECK(r.stopped_because == one.stopped_because);
    REQUIRE(r.generations.size() == one.generations.size());
    for (std::size_t t = 0; t < r.generations.size(); ++t) {
      const auto &a = r.generations[t], &b = one.generations[t];
      CHECK(same_bytes(a.epsilon, b.epsilon));
      CHECK(a.attempts == b.attempts);
      CHECK(a.simulations == b.simulations);
      CHECK(a.accepted == b.accepted);
      CHECK(same_bytes(a.acceptance_rate, b.acceptance_rate));
      CHECK(same_bytes(a.ess, b.ess));
      CHECK(same_bytes(a.kernel_covariance, b.kernel_covariance));
    }
  }
  // Another seed, another result.
  o.seed = 6;
  CHECK(!same_bytes(abc_smc(kPriors, model, o).particles, one.particles));
}

TEST_CASE("Abc.GenerationDiagnostics", "[experiment][abc]") {
  AbcOptions o = fast_options(13);
  o.min_acceptance = 0.0;
  std::vector<std::size_t> progress_generations;
  o.progress = [&](std::size_t t, std::uint64_t attempts) {
    CHECK(attempts > 0);
    progress_generations.push_back(t);
  };
  const AbcResult r = abc_smc(kPriors, normal_model(50, true), o);
  REQUIRE(r.generations.size() == o.max_generations);
  CHECK(r.stopped_because == "max_generations");
  CHECK(r.dimensions == 2);
  REQUIRE(r.particles.size() == 2 * o.population);
  REQUIRE(r.weights.size() == o.population);
  REQUIRE(r.distances.size() == o.population);
  CHECK(r.generations[0].epsilon == kInf);
  CHECK(r.generations[0].attempts == o.population);
  CHECK(r.generations[0].ess == Approx(static_cast<double>(o.population)));
  CHECK(r.generations[0].kernel_covariance.empty());
  for (std::size_t t = 0; t < r.generations.size(); ++t) {
    const auto& g = r.generations[t];
    INFO("generation " << t << ": epsilon " << g.epsilon << ", rate " << g.acceptance_rate << ", ESS " << g.ess);
    if (t > 0) {
      CHECK(g.epsilon < r.generations[t - 1].epsilon);
      CHECK(g.kernel_covariance.size() == 4);
    }
    CHECK(g.accepted == o.population);
    CHECK(g.simulations <= g.attempts);
    CHECK(g.simulations >= g.accepted);
    CHECK(g.acceptance_rate == static_cast<double>(g.accepted) / static_cast<double>(g.attempts));
    CHECK(g.acceptance_rate > 0.0);
    CHECK(g.acceptance_rate <= 1.0);
    CHECK(g.ess >= 1.0);
    CHECK(g.ess <= static_cast<double>(o.population) * (1 + 1e-12));
  }
  // Later generations have uneven weights.
  CHECK(r.generations.back().ess < static_cast<double>(o.population));
  double total = 0.0;
  for (const double w : r.weights) total += w;
  CHECK(total == Approx(1.0).epsilon(1e-12));
  for (std::size_t i = 0; i < o.population; ++i) {
    CHECK(r.distances[i] <= r.generations.back().epsilon);
    for (std::size_t a = 0; a < 2; ++a) {
      CHECK(r.particles[i * 2 + a] >= kPriors[a].low);
      CHECK(r.particles[i * 2 + a] <= kPriors[a].high);
    }
  }
  REQUIRE(!progress_generations.empty());
  CHECK(std::is_sorted(progress_generations.begin(), progress_generations.end()));
  CHECK(progress_generations.back() == o.max_generations - 1);
}

TEST_CASE("Abc.KernelAndWeightsAreBeaumonts", "[experiment][abc]") {
  // Generation 2 recomputed from generation 1 (the last of a run stopped
  // one generation earlier, with the same seed): epsilon the weighted median
  // of its distances, the kernel twice its weighted covariance, and the
  // weights 1 / sum_j w_j N(theta_i; theta_j, Sigma), normalised.
  AbcOptions o = fast_options(17);
  o.population = 200;
  o.min_acceptance = 0.0;
  o.max_generations = 2;
  const auto model = normal_model(20, true);
  const AbcResult g1 = abc_smc(kPriors, model, o);
  o.max_generations = 3;
  const AbcResult g2 = abc_smc(kPriors, model, o);
  const std::size_t n = o.population;
  REQUIRE(g2.generations.size() == 3);
  const auto& gen = g2.generations[2];

  // Epsilon: sort the distances, take the first with cumulative weight >= 1/2.
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return g1.distances[a] < g1.distances[b]; });
  double c = 0.0, eps = 0.0;
  for (const std::size_t i : order)
    if ((c += g1.weights[i]) >= 0.5) {
      eps = g1.distances[i];
      break;
    }
  CHECK(gen.epsilon == eps);

  double m0 = 0.0, m1 = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    m0 += g1.weights[j] * g1.particles[2 * j];
    m1 += g1.weights[j] * g1.particles[2 * j + 1];
  }
  double c00 = 0.0, c01 = 0.0, c11 = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    const double a = g1.particles[2 * j] - m0, b = g1.particles[2 * j + 1] - m1;
    c00 += g1.weights[j] * a * a;
    c01 += g1.weights[j] * a * b;
    c11 += g1.weights[j] * b * b;
  }
  REQUIRE(gen.kernel_covariance.size() == 4);
  CHECK(gen.kernel_covariance[0] == Approx(2.0 * c00).epsilon(1e-10));
  CHECK(gen.kernel_covariance[1] == Approx(2.0 * c01).epsilon(1e-10));
  CHECK(gen.kernel_covariance[2] == Approx(2.0 * c01).epsilon(1e-10));
  CHECK(gen.kernel_covariance[3] == Approx(2.0 * c11).epsilon(1e-10));

  // The weights, through the inverse of the 2 x 2 kernel covariance.
  const double s00 = 2.0 * c00, s01 = 2.0 * c01, s11 = 2.0 * c11;
  const double det = s00 * s11 - s01 * s01;
  const double i00 = s11 / det, i01 = -s01 / det, i11 = s00 / det;
  std::vector<double> w(n);
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double den = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      const double a = g2.particles[2 * i] - g1.particles[2 * j];
      const double b = g2.particles[2 * i + 1] - g1.particles[2 * j + 1];
      den += g1.weights[j] * std::exp(-0.5 * (i00 * a * a + 2.0 * i01 * a * b + i11 * b * b));
    }
    total += w[i] = 1.0 / den;
  }
  for (std::size_t i = 0; i < n; ++i) {
    INFO("particle " << i);
    CHECK(g2.weights[i] == Approx(w[i] / total).epsilon(1e-9));
  }
  CHECK(gen.ess == Approx(effective_sample_size(w)).epsilon(1e-9));
}

TEST_CASE("Abc.AcceptsAttemptsInIndexOrder", "[experiment][abc]") {
  // By the documented streams, attempt k of generation t simulates with the
  // first output of sim::Rng(seed, k, stream_id("abc.simulation") + t). The
  // last generation's particles are then its accepted attempts (distance
  // <= epsilon) among k = 0 .. attempts - 1, in increasing k, the last of
  // them accepted. Attempts take uneven times here, so on two threads they
  // finish out of order.
  std::mutex mutex;
  std::map<std::uint64_t, std::pair<std::vector<double>, double>> calls;  // seed -> theta, distance
  const auto base = normal_model(10, true);
  const auto model = [&](std::span<const double> theta, std::uint64_t seed) {
    const double v = base(theta, seed);
    if (seed % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    const std::lock_guard lock(mutex);
    calls[seed] = {std::vector<double>(theta.begin(), theta.end()), v};
    return v;
  };
  AbcOptions o = fast_options(43);
  o.population = 100;
  o.max_generations = 3;
  const AbcResult r = abc_smc(kPriors, model, o);
  REQUIRE(r.generations.size() == 3);
  const auto& g = r.generations.back();
  std::vector<double> particles, distances;
  std::uint64_t simulated = 0;
  bool last_accepted = false;
  for (std::uint64_t k = 0; k < g.attempts; ++k) {
    const auto it = calls.find(sim::Rng(o.seed, k, sim::stream_id("abc.simulation") + 2)());
    last_accepted = false;
    if (it == calls.end()) continue;  // outside the prior box: not simulated
    ++simulated;
    if (!(it->second.second <= g.epsilon)) continue;
    particles.insert(particles.end(), it->second.first.begin(), it->second.first.end());
    distances.push_back(it->second.second);
    last_accepted = true;
  }
  CHECK(last_accepted);
  CHECK(simulated == g.simulations);
  CHECK(particles == r.particles);
  CHECK(distances == r.distances);
}

TEST_CASE("Abc.SimulationSeedsAreDistinct", "[experiment][abc]") {
  // Every simulation, in every generation, gets its own seed.
  std::mutex mutex;
  std::vector<std::uint64_t> seeds;
  const auto base = normal_model(10, true);
  const auto model = [&](std::span<const double> theta, std::uint64_t seed) {
    {
      const std::lock_guard lock(mutex);
      seeds.push_back(seed);
    }
    return base(theta, seed);
  };
  AbcOptions o = fast_options(19);
  o.population = 200;
  o.max_generations = 4;
  const AbcResult r = abc_smc(kPriors, model, o);
  std::uint64_t used = 0;
  for (const auto& g : r.generations) used += g.simulations;
  CHECK(seeds.size() >= used);
  CHECK(std::set<std::uint64_t>(seeds.begin(), seeds.end()).size() == seeds.size());
}

TEST_CASE("Abc.StoppingRules", "[experiment][abc]") {
  SECTION("min_epsilon") {
    // Whole-number distances: epsilon reaches 0, and that generation is the last.
    const auto model = [](std::span<const double> theta, std::uint64_t) {
      return std::floor(std::abs(theta[0] - 0.3) * 10.0);
    };
    AbcOptions o = fast_options(23);
    o.population = 200;
    o.max_generations = 20;
    const AbcResult r = abc_smc({{0.0, 1.0}}, model, o);
    CHECK(r.stopped_because == "min_epsilon");
    CHECK(r.generations.size() < o.max_generations);
    CHECK(r.generations.back().epsilon == 0.0);
    for (std::size_t t = 0; t + 1 < r.generations.size(); ++t) CHECK(r.generations[t].epsilon > 0.0);
    for (const double p : r.particles) CHECK(std::abs(p - 0.3) < 0.1);
  }
  SECTION("min_acceptance") {
    AbcOptions o = fast_options(29);
    o.population = 200;
    o.max_generations = 30;
    o.min_acceptance = 0.2;
    const AbcResult r = abc_smc(kPriors, normal_model(20, true), o);
    CHECK(r.stopped_because == "min_acceptance");
    CHECK(r.generations.size() < o.max_generations);
    CHECK(r.generations.back().acceptance_rate < 0.2);
    for (std::size_t t = 0; t + 1 < r.generations.size(); ++t) CHECK(r.generations[t].acceptance_rate >= 0.2);
  }
  SECTION("max_generations") {
    AbcOptions o = fast_options(31);
    o.population = 50;
    o.max_generations = 1;
    const AbcResult r = abc_smc(kPriors, normal_model(20, true), o);
    CHECK(r.stopped_because == "max_generations");
    CHECK(r.generations.size() == 1);
  }
}

TEST_CASE("Abc.Errors", "[experiment][abc]") {
  const auto model = normal_model(10, true);
  AbcOptions o = fast_options(37);
  o.population = 50;
  o.max_generations = 3;
  CHECK_THROWS_WITH(abc_smc({}, model, o), Catch::Contains("at least one parameter"));
  CHECK_THROWS_WITH(abc_smc({{1.0, 1.0}}, model, o), Catch::Contains("low < high"));
  CHECK_THROWS_WITH(abc_smc({{0.0, 1.0}, {2.0, 1.0}}, model, o), Catch::Contains("parameter 1"));
  CHECK_THROWS_WITH(abc_smc({{0.0, kInf}}, model, o), Catch::Contains("finite bounds"));
  CHECK_THROWS_WITH(abc_smc(kPriors, nullptr, o), Catch::Contains("callback"));
  {
    AbcOptions bad = o;
    bad.population = 0;
    CHECK_THROWS_WITH(abc_smc(kPriors, model, bad), Catch::Contains("population"));
  }
  for (const double q : {0.0, 1.0, -0.5, std::nan("")}) {
    AbcOptions bad = o;
    bad.quantile = q;
    CHECK_THROWS_WITH(abc_smc(kPriors, model, bad), Catch::Contains("quantile must be in (0, 1)"));
  }
  {
    AbcOptions bad = o;
    bad.max_generations = 0;
    CHECK_THROWS_WITH(abc_smc(kPriors, model, bad), Catch::Contains("max_generations"));
    bad = o;
    bad.min_acceptance = 1.5;
    CHECK_THROWS_WITH(abc_smc(kPriors, model, bad), Catch::Contains("acceptance rate"));
    bad = o;
    bad.max_attempts = 10;
    CHECK_THROWS_WITH(abc_smc(kPriors, model, bad), Catch::Contains("below the population"));
  }
  // The callback's bugs, named with the generation and attempt.
  const auto returning = [](double v) {
    return [v](std::span<const double> theta, std::uint64_t) { return theta[0] > 0.0 ? v : 1.0; };
  };
  CHECK_THROWS_WITH(abc_smc(kPriors, returning(std::nan("")), o),
                    Catch::Contains("generation 0") && Catch::Contains("returned nan"));
  CHECK_THROWS_WITH(abc_smc(kPriors, returning(-1.0), o), Catch::Contains("returned -1"));
  CHECK_THROWS_WITH(
      abc_smc(
          kPriors, [](std::span<const double>, std::uint64_t) -> double { throw std::runtime_error("no model"); }, o),
      Catch::Contains("attempt 0") && Catch::Contains("threw: no model"));
  // Epsilon that cannot be met within max_attempts: generation 1 accepts
  // about half its attempts, but may make only as many as the population.
  {
    AbcOptions tight = o;
    tight.max_attempts = tight.population;
    CHECK_THROWS_WITH(abc_smc(kPriors, model, tight),
                      Catch::Contains("generation 1") && Catch::Contains("max_attempts = 50"));
  }
}

TEST_CASE("Abc.Cancel", "[experiment][abc]") {
  const auto model = normal_model(10, true);
  AbcOptions o = fast_options(41);
  o.population = 100;
  std::atomic<bool> cancel{true};
  o.cancel = &cancel;
  CHECK_THROWS_AS(abc_smc(kPriors, model, o), sim::Cancelled);
  // Set by the model itself part-way through generation 1.
  cancel = false;
  std::atomic<int> calls{0};
  const auto stopping = [&](std::span<const double> theta, std::uint64_t seed) {
    if (++calls == 150) cancel = true;
    return model(theta, seed);
  };
  CHECK_THROWS_AS(abc_smc(kPriors, stopping, o), sim::Cancelled);
  CHECK(calls < 1000);
}
