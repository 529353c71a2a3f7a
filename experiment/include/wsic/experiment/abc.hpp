#pragma once
/// Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC;
/// Toni et al. 2009, with the importance weights and kernel of Beaumont et
/// al. 2009), on pyABC's default scheme of adaptive tolerances. Pure
/// algorithm: the model is a callback that simulates at a parameter vector
/// and returns its distance from the observed data; no files, no output.
///
/// Method, with d parameters, each with a uniform prior on [low, high], and
/// N = `population` particles per generation t = 0, 1, ...:
///
///  - Generation 0 samples the prior; epsilon_0 = +inf, so every attempt is
///    accepted (the first N attempts) and the weights are equal. (pyABC's
///    default instead takes epsilon_0 from a separate prior sample; this
///    generation 0 is that sample, and generation 1 uses its quantile.)
///  - Generation t >= 1: epsilon_t = the weighted `quantile` of generation
///    t-1's distances under its weights (`weighted_quantile` below: the
///    smallest distance whose cumulative weight reaches the quantile), as
///    pyABC's QuantileEpsilon with weighted = True. Each attempt picks a
///    particle j of generation t-1 with probability w_j and perturbs it by a
///    multivariate normal kernel K with covariance Sigma_t = 2 Cov_w, twice
///    the weighted covariance of generation t-1, Cov_w = sum_j w_j
///    (theta_j - m)(theta_j - m)^T with sum_j w_j = 1 and m = sum_j w_j
///    theta_j (no small-sample correction), as Beaumont et al. 2009 (pyABC's
///    default MultivariateNormalTransition scales Cov_w by Silverman's rule
///    of thumb instead). Sampling uses its
///    Cholesky factor; when the factorisation fails (a pivot not above
///    1e-12 times its diagonal entry, e.g. every particle equal in one
///    coordinate, or N = 1), 1e-10 (high_i - low_i)^2 is added to each
///    diagonal entry i, tenfold more each time until it succeeds. The
///    generation's `kernel_covariance` is the matrix used, jitter included.
///  - A proposal outside the prior box is drawn again (a new particle and
///    perturbation, from the attempt's own random stream), up to 1000
///    times; only an attempt whose every draw fell outside is rejected
///    without simulating (it still counts as an attempt, so the acceptance
///    rate is that of attempts, and `simulations` counts the callback's
///    calls). Each draw picks its particle afresh, so the accepted proposals
///    follow the kernel mixture restricted to the box, up to one constant,
///    and the weights below stay exact. Otherwise
///    the callback simulates it and it is accepted when its distance is
///    <= epsilon_t.
///  - Weights: w_i proportional to prior(theta_i) / sum_j w_j K(theta_i |
///    theta_j), with the kernel's normalising constant dropped (it is the
///    same for every j) and the prior constant on the box (so it cancels
///    too); computed as log-sum-exp over j, then normalised to sum 1. The
///    proposal's truncation to the box changes it by a constant factor only
///    (every attempt picks its particle afresh), so the weights stay exact.
///  - Stopping, checked after each generation in this order: epsilon_t <=
///    `min_epsilon` ("min_epsilon"); the generation's acceptance rate below
///    `min_acceptance` ("min_acceptance"); `max_generations` generations
///    done, generation 0 included ("max_generations"). The result is the
///    last generation. A generation that cannot fill its population within
///    `max_attempts` attempts throws wsic::Error instead.
///
/// Determinism: attempt k of generation t draws its particle and its
/// perturbation (or its prior sample) from sim::Rng(seed, k,
/// stream_id("abc.proposal") + t), and its simulation seed is the first
/// output of sim::Rng(seed, k, stream_id("abc.simulation") + t). Attempts
/// run in parallel in chunks of consecutive indices, each writing its own
/// slot; then the accepted ones are taken in index order until the
/// population is full. The attempts of a generation are those up to the
/// N-th accepted one: attempts simulated past it (the rest of its chunk) are
/// discarded, errors in them included. So the result is a function of the
/// seed and the options alone, bit for bit, whatever the thread count and
/// the chunk sizes (which only change how much is simulated in vain).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace wsic::experiment {

/// A uniform prior on [low, high], low < high, both finite.
struct AbcPrior {
  double low = 0.0, high = 1.0;
};

/// The simulator and distance: simulates once at the parameters `theta`
/// (one per prior, inside the prior box), with all its randomness from
/// `simulation_seed`, and returns the distance of its summaries from the
/// observed ones: a number >= 0 (+inf allowed, e.g. for a failed run; NaN
/// or negative is a bug in the callback and throws wsic::Error). Called
/// concurrently from several threads; exceptions it throws are reported
/// as wsic::Error naming the attempt (sim::Cancelled passes unchanged).
using AbcDistance = std::function<double(std::span<const double> theta, std::uint64_t simulation_seed)>;

struct AbcOptions {
  std::size_t population = 500;     ///< particles per generation, >= 1
  std::size_t max_generations = 8;  ///< >= 1, generation 0 included
  double quantile = 0.5;            ///< of the previous distances giving the next epsilon, in (0, 1)
  double min_epsilon = 0.0;         ///< stop once a generation's epsilon is <= this
  double min_acceptance = 0.01;     ///< stop once a generation's acceptance rate is below this, in [0, 1]
  /// Most attempts per generation, >= population; 0 means 1000 * population.
  /// A generation that needs more throws wsic::Error (it never hangs).
  std::uint64_t max_attempts = 0;
  std::uint64_t seed = 0;
  unsigned threads = 0;  ///< 0: every core
  /// Checked between attempts; when set, sim::Cancelled is thrown (its
  /// counts are the current generation's attempts done and started).
  const std::atomic<bool>* cancel = nullptr;
  /// Called on the calling thread after each chunk of attempts: the
  /// generation and the attempts made in it so far (some past the last one
  /// used may be discarded, so this can exceed its final `attempts`).
  std::function<void(std::size_t generation, std::uint64_t attempts)> progress;
};

/// What one generation did.
struct AbcGeneration {
  double epsilon = 0.0;           ///< its tolerance (+inf for generation 0)
  std::uint64_t attempts = 0;     ///< attempts up to and including the population-th accepted
  std::uint64_t simulations = 0;  ///< of those, the ones inside the prior box (the callback's calls)
  std::size_t accepted = 0;       ///< the population
  double acceptance_rate = 0.0;   ///< accepted / attempts, in (0, 1]
  double ess = 0.0;               ///< effective sample size of its weights, in [1, population]
  /// The perturbation kernel's covariance, d x d row-major (twice the
  /// previous generation's weighted covariance, plus any jitter); empty for
  /// generation 0.
  std::vector<double> kernel_covariance;
};

/// The last generation, and what every generation did.
struct AbcResult {
  std::size_t dimensions = 0;     ///< d, the number of priors
  std::vector<double> particles;  ///< population x d, row-major, in acceptance (attempt-index) order
  std::vector<double> weights;    ///< one per particle, normalised to sum 1
  std::vector<double> distances;  ///< one per particle
  std::vector<AbcGeneration> generations;
  std::string stopped_because;  ///< "min_epsilon", "min_acceptance" or "max_generations"

  /// Parameter i of every particle (a column of `particles`), e.g. for
  /// weighted_mean and weighted_quantile with `weights`.
  std::vector<double> parameter(std::size_t i) const;
};

/// Runs ABC-SMC as described above. Throws wsic::Error when the priors are
/// empty or one has low >= high (or is not finite), the population or
/// max_generations is 0, quantile is not in (0, 1), min_acceptance is not in
/// [0, 1], min_epsilon is NaN, max_attempts is below the population, the
/// callback returns NaN or a negative distance or throws, or a generation
/// exceeds max_attempts; sim::Cancelled when cancelled.
///
/// Cost: the callback's calls, plus O(N^2 d) per generation for the
/// weights (parallel over particles) and O(N d) memory per chunk.
AbcResult abc_smc(const std::vector<AbcPrior>& priors, const AbcDistance& distance, const AbcOptions& options);

/// sum_i w_i x_i / sum_i w_i. Throws wsic::Error unless the spans have the
/// same non-zero size, the values are not NaN, and the weights are finite,
/// >= 0 and not all 0.
double weighted_mean(std::span<const double> values, std::span<const double> weights);

/// The weighted p-quantile: the smallest value whose cumulative weight
/// (of it and every smaller value, ties taken in index order) is >= p times
/// the total weight, and positive (so p = 0 gives the smallest value of
/// positive weight, p = 1 the largest). No interpolation. Throws wsic::Error
/// as weighted_mean does, or when p is not in [0, 1].
double weighted_quantile(std::span<const double> values, std::span<const double> weights, double p);

/// Effective sample size (sum w)^2 / sum w^2: N for equal weights, 1 when
/// one weight holds everything. Throws wsic::Error when the weights are
/// empty, not finite, negative or all 0.
double effective_sample_size(std::span<const double> weights);

}  // namespace wsic::experiment
