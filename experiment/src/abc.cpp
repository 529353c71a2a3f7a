#include "wsic/experiment/abc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>

#include "wsic/experiment/batch.hpp"
#include "wsic/sim/error.hpp"
#include "wsic/sim/random.hpp"
#include "wsic/sim/runner.hpp"

namespace wsic::experiment {

namespace {

/// Draws of a proposal an attempt makes before it counts as outside the prior box.
constexpr int kMaxRedraws = 1000;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::uint64_t kProposalStream = sim::stream_id("abc.proposal");
constexpr std::uint64_t kSimulationStream = sim::stream_id("abc.simulation");
// Attempts per chunk: at least this many per thread (so every thread has
// work), at most kMaxChunk (so slots stay small and cancellation and
// progress come often). Neither changes a result.
constexpr std::uint64_t kMinChunkPerThread = 16;
constexpr std::uint64_t kMaxChunk = std::uint64_t{1} << 15;

// The runner's accumulator, for work that writes its own slots.
struct Nothing {
  void merge(const Nothing&) {}
};

// Calls body(i) for i in [0, n) on the options' threads; body must not
// throw. Checks `cancel` between calls (sim::Cancelled).
template <class Body>
void parallel_for(std::uint64_t n, unsigned threads, const std::atomic<bool>* cancel, Body&& body) {
  if (n == 0) return;
  sim::RunnerOptions ro;
  ro.threads = threads;
  ro.cancel = cancel;
  // Blocks of a few calls, all in one wave: one parallel loop per call.
  const std::uint64_t t = effective_threads(threads);
  ro.block_size = std::clamp<std::uint64_t>(n / (8 * t), 1, 64);
  ro.blocks_in_flight = sim::block_count(n, ro.block_size);
  sim::run_replications<Nothing>(
      n, ro, [] { return Nothing{}; }, [&](std::uint64_t i, Nothing&) { body(i); });
}

std::string format_theta(std::span<const double> theta) {
  std::string s = "(";
  for (std::size_t i = 0; i < theta.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", theta[i]);
  return s + ")";
}

void check_weights(std::span<const double> weights, const char* what) {
  if (weights.empty()) throw wsic::Error(fmt::format("{} needs at least one weight", what));
  double total = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!(std::isfinite(weights[i]) && weights[i] >= 0.0))
      throw wsic::Error(fmt::format("{}: weight {} is {}; weights must be finite and >= 0", what, i, weights[i]));
    total += weights[i];
  }
  if (!(total > 0.0)) throw wsic::Error(fmt::format("{}: the weights are all 0", what));
}

void check_weighted(std::span<const double> values, std::span<const double> weights, const char* what) {
  if (values.size() != weights.size())
    throw wsic::Error(fmt::format("{}: {} values but {} weights", what, values.size(), weights.size()));
  check_weights(weights, what);
  for (std::size_t i = 0; i < values.size(); ++i)
    if (std::isnan(values[i])) throw wsic::Error(fmt::format("{}: value {} is NaN", what, i));
}

// The lower Cholesky factor l of the d x d matrix a (row-major); false when
// a pivot is not above 1e-12 times its diagonal entry.
bool cholesky(const std::vector<double>& a, std::size_t d, std::vector<double>& l) {
  l.assign(d * d, 0.0);
  for (std::size_t j = 0; j < d; ++j) {
    double s = a[j * d + j];
    for (std::size_t k = 0; k < j; ++k) s -= l[j * d + k] * l[j * d + k];
    if (!(s > 1e-12 * a[j * d + j]) || !std::isfinite(s)) return false;
    const double pivot = std::sqrt(s);
    l[j * d + j] = pivot;
    for (std::size_t i = j + 1; i < d; ++i) {
      double t = a[i * d + j];
      for (std::size_t k = 0; k < j; ++k) t -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = t / pivot;
    }
  }
  return true;
}

// y = l^-1 x by forward substitution (l lower triangular, d x d).
void forward_solve(const std::vector<double>& l, std::size_t d, const double* x, double* y) {
  for (std::size_t i = 0; i < d; ++i) {
    double s = x[i];
    for (std::size_t k = 0; k < i; ++k) s -= l[i * d + k] * y[k];
    y[i] = s / l[i * d + i];
  }
}

enum class Outcome : unsigned char { kOutside, kSimulated, kFailed };

// The previous generation, as the next one proposes from it.
struct Population {
  std::vector<double> theta, weights, distances;
};

}  // namespace

std::vector<double> AbcResult::parameter(std::size_t i) const {
  if (i >= dimensions)
    throw wsic::Error(fmt::format("parameter {} of an ABC result with {} parameters", i, dimensions));
  const std::size_t n = dimensions == 0 ? 0 : particles.size() / dimensions;
  std::vector<double> out(n);
  for (std::size_t r = 0; r < n; ++r) out[r] = particles[r * dimensions + i];
  return out;
}

double weighted_mean(std::span<const double> values, std::span<const double> weights) {
  check_weighted(values, weights, "a weighted mean");
  double sum = 0.0, total = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (weights[i] == 0.0) continue;  // 0 * inf is NaN
    sum += weights[i] * values[i];
    total += weights[i];
  }
  return sum / total;
}

double weighted_quantile(std::span<const double> values, std::span<const double> weights, double p) {
  check_weighted(values, weights, "a weighted quantile");
  if (!(p >= 0.0 && p <= 1.0)) throw wsic::Error(fmt::format("a weighted quantile needs 0 <= p <= 1, not {}", p));
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  // The total accumulated in the same order, so p = 1 reaches it exactly.
  double total = 0.0;
  for (const std::size_t i : order) total += weights[i];
  const double target = p * total;
  double cumulative = 0.0;
  for (const std::size_t i : order) {
    cumulative += weights[i];
    if (cumulative >= target && cumulative > 0.0) return values[i];
  }
  return values[order.back()];  // unreachable: the last cumulative is the total
}

double effective_sample_size(std::span<const double> weights) {
  check_weights(weights, "an effective sample size");
  // Scaled by the largest weight, so neither sum overflows nor underflows.
  const double top = *std::max_element(weights.begin(), weights.end());
  double sum = 0.0, squares = 0.0;
  for (const double w : weights) {
    sum += w / top;
    squares += (w / top) * (w / top);
  }
  return sum * sum / squares;
}

AbcResult abc_smc(const std::vector<AbcPrior>& priors, const AbcDistance& distance, const AbcOptions& options) {
  if (priors.empty()) throw wsic::Error("ABC-SMC needs at least one parameter (prior)");
  for (std::size_t i = 0; i < priors.size(); ++i) {
    const AbcPrior& p = priors[i];
    if (!(std::isfinite(p.low) && std::isfinite(p.high) && p.low < p.high && std::isfinite(p.high - p.low)))
      throw wsic::Error(
          fmt::format("the prior of ABC parameter {} is uniform on [{}, {}]: it needs finite bounds with "
                      "low < high",
                      i, p.low, p.high));
  }
  if (!distance) throw wsic::Error("ABC-SMC needs a distance callback");
  const std::size_t n = options.population;
  if (n == 0) throw wsic::Error("ABC-SMC needs a population of at least one particle");
  if (options.max_generations == 0) throw wsic::Error("ABC-SMC needs max_generations >= 1");
  if (!(options.quantile > 0.0 && options.quantile < 1.0))
    throw wsic::Error(fmt::format("the ABC epsilon quantile must be in (0, 1), not {}", options.quantile));
  if (!(options.min_acceptance >= 0.0 && options.min_acceptance <= 1.0))
    throw wsic::Error(fmt::format("the ABC minimum acceptance rate must be in [0, 1], not {}", options.min_acceptance));
  if (std::isnan(options.min_epsilon)) throw wsic::Error("the ABC minimum epsilon is NaN");
  if (options.max_attempts == 0 && n > std::numeric_limits<std::uint64_t>::max() / 1000)
    throw wsic::Error(fmt::format("an ABC population of {} is too large", n));
  const std::uint64_t max_attempts = options.max_attempts > 0 ? options.max_attempts : 1000 * std::uint64_t{n};
  if (max_attempts < n)
    throw wsic::Error(fmt::format("ABC max_attempts ({}) is below the population ({}): no generation could fill it",
                                  max_attempts, n));

  const std::size_t d = priors.size();
  const std::uint64_t threads = effective_threads(options.threads);
  const auto cancelled = [&] { return options.cancel && options.cancel->load(std::memory_order_relaxed); };

  AbcResult res;
  res.dimensions = d;
  Population prev;
  std::vector<double> cumulative(n);  // of prev.weights
  std::vector<double> chol;           // of the kernel's covariance
  double last_rate = 1.0;

  for (std::size_t t = 0; t < options.max_generations; ++t) {
    AbcGeneration g;
    g.epsilon = kInf;
    if (t > 0) {
      g.epsilon = weighted_quantile(prev.distances, prev.weights, options.quantile);
      // The kernel: twice the weighted covariance of the previous generation.
      std::vector<double> mean(d, 0.0);
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t a = 0; a < d; ++a) mean[a] += prev.weights[j] * prev.theta[j * d + a];
      std::vector<double>& cov = g.kernel_covariance;
      cov.assign(d * d, 0.0);
      for (std::size_t j = 0; j < n; ++j) {
        const double* x = &prev.theta[j * d];
        for (std::size_t a = 0; a < d; ++a)
          for (std::size_t b = 0; b <= a; ++b) cov[a * d + b] += prev.weights[j] * (x[a] - mean[a]) * (x[b] - mean[b]);
      }
      for (std::size_t a = 0; a < d; ++a)
        for (std::size_t b = 0; b <= a; ++b) cov[b * d + a] = cov[a * d + b] = 2.0 * cov[a * d + b];
      double scale = 1e-10;
      const std::vector<double> unjittered = cov;
      while (!cholesky(cov, d, chol)) {
        if (scale > 1.0)
          throw InternalError(fmt::format("ABC generation {}: no Cholesky factor of the kernel's covariance", t));
        cov = unjittered;
        for (std::size_t a = 0; a < d; ++a) {
          const double w = priors[a].high - priors[a].low;
          cov[a * d + a] += scale * w * w;
        }
        scale *= 10.0;
      }
      double c = 0.0;
      for (std::size_t j = 0; j < n; ++j) cumulative[j] = c += prev.weights[j];
    }

    // Attempts in chunks until the population is full.
    Population cur;
    cur.theta.resize(n * d);
    cur.distances.resize(n);
    std::size_t accepted = 0;
    std::uint64_t made = 0;  // attempts simulated (or rejected) so far
    std::uint64_t chunk = 0;
    std::vector<double> slot_theta, slot_distance;
    std::vector<Outcome> slot_outcome;
    std::vector<std::exception_ptr> slot_error;
    while (accepted < n) {
      if (made >= max_attempts)
        throw wsic::Error(fmt::format(
            "ABC generation {}: only {} of {} particles within epsilon = {} after max_attempts = {} attempts; allow "
            "more attempts, or stop sooner (min_acceptance, min_epsilon, max_generations)",
            t, accepted, n, g.epsilon, max_attempts));
      if (cancelled()) throw sim::Cancelled(made, made);
      // Enough attempts for the rest of the population at the acceptance
      // rate seen so far (this generation's, else the last one's), plus a
      // tenth; four times the last chunk when nothing was accepted yet.
      const std::uint64_t needed = n - accepted;
      const double rate = made > 0 ? static_cast<double>(accepted) / static_cast<double>(made) : last_rate;
      const double want = rate > 0.0 ? 1.1 * static_cast<double>(needed) / rate : 4.0 * static_cast<double>(chunk);
      const std::uint64_t least_chunk = std::min(kMinChunkPerThread * threads, kMaxChunk);
      chunk = static_cast<std::uint64_t>(
          std::clamp(want, static_cast<double>(least_chunk), static_cast<double>(kMaxChunk)));
      chunk = std::min(chunk, max_attempts - made);
      slot_theta.assign(chunk * d, 0.0);
      slot_distance.assign(chunk, 0.0);
      slot_outcome.assign(chunk, Outcome::kOutside);
      slot_error.assign(chunk, nullptr);
      const std::uint64_t first = made;
      try {
        parallel_for(chunk, options.threads, options.cancel, [&](std::uint64_t s) {
          const std::uint64_t k = first + s;
          double* theta = &slot_theta[s * d];
          sim::Rng rng(options.seed, k, kProposalStream + t);
          if (t == 0) {
            for (std::size_t a = 0; a < d; ++a)
              theta[a] = priors[a].low + (priors[a].high - priors[a].low) * rng.uniform01();
          } else {
            // A proposal outside the prior box is drawn again, particle and
            // perturbation, from the attempt's own stream (kMaxRedraws
            // times at most, then the attempt counts as outside).
            bool inside = false;
            for (int draw = 0; draw < kMaxRedraws && !inside; ++draw) {
              const double u = rng.uniform01() * cumulative.back();
              const std::size_t j = std::min<std::size_t>(
                  n - 1, static_cast<std::size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), u) -
                                                  cumulative.begin()));
              // theta = theta_j + L z, z standard normal: z is drawn into
              // theta, then transformed from the last coordinate down (each
              // needs z's coordinates up to its own only).
              for (std::size_t a = 0; a < d; ++a) theta[a] = sim::standard_normal(rng);
              for (std::size_t a = d; a-- > 0;) {
                double v = prev.theta[j * d + a];
                for (std::size_t b = 0; b <= a; ++b) v += chol[a * d + b] * theta[b];
                theta[a] = v;
              }
              inside = true;
              for (std::size_t a = 0; a < d; ++a)
                if (!(theta[a] >= priors[a].low && theta[a] <= priors[a].high)) inside = false;
            }
            if (!inside) return;  // kOutside
          }
          const std::uint64_t simulation_seed = sim::Rng(options.seed, k, kSimulationStream + t)();
          try {
            const double v = distance(std::span<const double>(theta, d), simulation_seed);
            slot_distance[s] = v;
            slot_outcome[s] = std::isnan(v) || v < 0.0 ? Outcome::kFailed : Outcome::kSimulated;
          } catch (...) {
            slot_error[s] = std::current_exception();
            slot_outcome[s] = Outcome::kFailed;
          }
        });
      } catch (const sim::Cancelled& e) {
        throw sim::Cancelled(first + e.done(), first + chunk);
      }
      made += chunk;
      // Accept in attempt order; what follows the population's last
      // particle is discarded, failures included.
      for (std::uint64_t s = 0; s < chunk && accepted < n; ++s) {
        const std::uint64_t k = first + s;
        const std::span<const double> theta(&slot_theta[s * d], d);
        if (slot_outcome[s] == Outcome::kOutside) continue;
        if (slot_outcome[s] == Outcome::kFailed) {
          if (slot_error[s]) {
            try {
              std::rethrow_exception(slot_error[s]);
            } catch (const sim::Cancelled&) {
              throw;
            } catch (const std::exception& e) {
              throw wsic::Error(
                  fmt::format("ABC generation {}, attempt {}, theta = {}: the distance callback threw: {}", t, k,
                              format_theta(theta), e.what()));
            }
          }
          throw wsic::Error(
              fmt::format("ABC generation {}, attempt {}, theta = {}: the distance callback returned {}; "
                          "a distance must be >= 0",
                          t, k, format_theta(theta), slot_distance[s]));
        }
        ++g.simulations;
        if (!(slot_distance[s] <= g.epsilon)) continue;
        std::copy(theta.begin(), theta.end(), &cur.theta[accepted * d]);
        cur.distances[accepted] = slot_distance[s];
        if (++accepted == n) g.attempts = k + 1;
      }
      if (options.progress) options.progress(t, made);
      if (accepted < n && cancelled()) throw sim::Cancelled(made, made);
    }
    g.accepted = n;
    g.acceptance_rate = static_cast<double>(n) / static_cast<double>(g.attempts);
    last_rate = g.acceptance_rate;

    // Weights: 1 / sum_j w_j K(theta_i | theta_j), by log-sum-exp in the
    // kernel's whitened coordinates (y = L^-1 theta, so the exponent is
    // -|y_i - y_j|^2 / 2).
    if (t == 0) {
      cur.weights.assign(n, 1.0 / static_cast<double>(n));
    } else {
      std::vector<double> y_prev(n * d), y_cur(n * d), log_w(n), log_den(n);
      for (std::size_t j = 0; j < n; ++j) {
        forward_solve(chol, d, &prev.theta[j * d], &y_prev[j * d]);
        forward_solve(chol, d, &cur.theta[j * d], &y_cur[j * d]);
        log_w[j] = prev.weights[j] > 0.0 ? std::log(prev.weights[j]) : -kInf;
      }
      parallel_for(n, options.threads, nullptr, [&](std::uint64_t i) {
        const double* yi = &y_cur[i * d];
        std::vector<double> terms(n);
        double top = -kInf;
        for (std::size_t j = 0; j < n; ++j) {
          const double* yj = &y_prev[j * d];
          double q = 0.0;
          for (std::size_t a = 0; a < d; ++a) q += (yi[a] - yj[a]) * (yi[a] - yj[a]);
          terms[j] = log_w[j] - 0.5 * q;
          top = std::max(top, terms[j]);
        }
        double sum = 0.0;
        for (std::size_t j = 0; j < n; ++j) sum += std::exp(terms[j] - top);  // exp(-inf) = 0
        log_den[i] = top + std::log(sum);
      });
      // The denominators are finite: theta_i came from some theta_j of
      // positive weight, at a finite distance; -inf only if that underflows.
      const double least = *std::min_element(log_den.begin(), log_den.end());
      if (!std::isfinite(least))
        throw InternalError(fmt::format("ABC generation {}: a particle's proposal density underflowed", t));
      cur.weights.resize(n);
      double total = 0.0;
      for (std::size_t i = 0; i < n; ++i) total += cur.weights[i] = std::exp(least - log_den[i]);
      for (double& w : cur.weights) w /= total;
    }
    g.ess = effective_sample_size(cur.weights);
    prev = std::move(cur);
    res.generations.push_back(std::move(g));

    const AbcGeneration& done = res.generations.back();
    if (done.epsilon <= options.min_epsilon) {
      res.stopped_because = "min_epsilon";
      break;
    }
    if (done.acceptance_rate < options.min_acceptance) {
      res.stopped_because = "min_acceptance";
      break;
    }
    if (t + 1 == options.max_generations) res.stopped_because = "max_generations";
  }
  res.particles = std::move(prev.theta);
  res.weights = std::move(prev.weights);
  res.distances = std::move(prev.distances);
  return res;
}

}  // namespace wsic::experiment
