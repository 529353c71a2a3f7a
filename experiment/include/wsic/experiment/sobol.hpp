#pragma once
/// Variance-based global sensitivity (Sobol' indices) with Saltelli's
/// sampling scheme, on SALib's conventions: samples from `saltelli_sample`
/// are those of SALib's classic `SALib.sample.saltelli.sample(problem, n,
/// calc_second_order)` on the unit hypercube (default skip_values), and
/// `sobol_analyze` computes what `SALib.analyze.sobol.analyze` does, so
/// either half can be swapped for SALib's. Pure maths: no files, no output.
///
/// Layout (row-major, d columns, in [0, 1)): for each base row j = 0..n-1,
///   A_j; AB_j^(1..d) (A_j with column i taken from B_j);
///   if second order, BA_j^(1..d) (B_j with column i taken from A_j); B_j.
/// So a block of step = d + 2 rows per base row (2d + 2 with second order),
/// n * step rows in all; callers evaluate the model on each row, in order.
///
/// A and B are the first and last d coordinates of the 2d-dimensional
/// Sobol' sequence (Joe & Kuo's new-joe-kuo-6.21201 direction numbers,
/// through boost::random::sobol), points skip .. skip + n - 1 counting the
/// all-zeros point as point 0, where skip = saltelli_skip(n) is SALib's
/// default: the least power of two >= n, and at least 16. Coordinates are
/// the sequence's 64-bit integers truncated to 53 bits, times 2^-53: exact
/// dyadic fractions, identical to SALib's 31-bit ones while n + skip <= 2^31.
///
/// Estimators, on Y standardised as (Y - mean) / std over all n * step
/// outputs (population std), with V = var([A; B]) (population variance of
/// the A and B outputs together) and means over base rows:
///   S1_i  = mean(B (AB_i - A)) / V              (Saltelli et al. 2010)
///   ST_i  = 0.5 mean((A - AB_i)^2) / V          (Jansen 1999)
///   S2_jk = mean(BA_j AB_k - A B) / V - S1_j - S1_k   (Saltelli 2002; j < k)
/// Confidence half-widths: z * (sample std, ddof 1, of the estimates over
/// `resamples` bootstrap resamples of the n base rows), z the standard
/// normal quantile at 0.5 + confidence / 2. The resampling draws come from
/// sim::Rng(seed, resample, stream "sobol.bootstrap"): the same seed gives
/// the same intervals on every platform and thread count (SALib's own
/// intervals use numpy's generator, so only they differ from SALib's).
///
/// The indices are those of the outputs given: with a stochastic model each
/// output carries replication noise, which inflates the total indices and
/// the intervals; averaging replications per row (or accounting for the
/// noise otherwise) is the caller's business.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace wsic::experiment {

/// Most parameters `saltelli_sample` takes: half of boost::random::sobol's
/// 3667 dimensions.
inline constexpr std::size_t kSobolMaxParameters = 1833;

/// Sequence points skipped before the first base row: the least power of
/// two >= n, at least 16 (SALib's saltelli.sample default skip_values).
/// Throws wsic::Error when n is 0 or that power overflows.
std::size_t saltelli_skip(std::size_t n);

/// Rows of a Saltelli sample: n * (d + 2), or n * (2d + 2) with second
/// order. Throws wsic::Error when n or d is 0 or the count overflows.
std::size_t saltelli_rows(std::size_t n, std::size_t d, bool second_order);

/// The Saltelli sample of n base rows for d parameters on [0, 1)^d, laid
/// out as above (saltelli_rows(n, d, second_order) rows of d values, row
/// after row). Throws wsic::Error when n or d is 0, d > kSobolMaxParameters,
/// or the sample is too large to hold.
std::vector<double> saltelli_sample(std::size_t n, std::size_t d, bool second_order);

/// Sobol' indices per parameter, with their confidence half-widths.
struct SobolIndices {
  std::vector<double> S1, S1_conf, ST, ST_conf;  ///< d each
  /// d x d; [j][k] for j < k, NaN elsewhere. Empty without second order.
  std::vector<std::vector<double>> S2, S2_conf;
};

struct SobolOptions {
  bool second_order = false;    ///< the sample has BA rows (must match the sampling)
  std::size_t resamples = 100;  ///< bootstrap resamples; below 2 the *_conf are NaN
  double confidence = 0.95;     ///< of the intervals, in (0, 1)
  std::uint64_t seed = 0;       ///< of the bootstrap
};

/// Sobol' indices of d parameters from the outputs y of a Saltelli sample
/// (y[r] the model's output on row r). Throws wsic::Error when d is 0,
/// y.size() is not a positive multiple of the step (d + 2, or 2d + 2 with
/// second order), confidence is not in (0, 1), or an output is NaN or
/// infinite (naming its row).
///
/// Undefined indices are NaN rather than a division by zero: every index
/// and interval when Y is constant (SALib's newer releases report 0 there),
/// an index whose var([A; B]) is 0 though Y is not constant, and an
/// interval when a resample's var([A; B]) is 0.
///
/// Memory: a standardised copy of y, n row indices and O(d^2) accumulators;
/// time O(resamples * n * d), times d with second order.
SobolIndices sobol_analyze(std::size_t d, std::span<const double> y, const SobolOptions& options = {});

/// The standard normal quantile at p in (0, 1) (the z of the intervals).
double normal_quantile(double p);

}  // namespace wsic::experiment
