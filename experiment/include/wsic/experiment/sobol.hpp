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

#include "wsic/sim/random.hpp"

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

namespace detail {

/// An exact Binomial(n, p) draw, p in [0, 1], by inversion of the CDF
/// (one uniform; n * p split into parts below 256 and p > 1/2 reflected,
/// so the CDF's terms stay representable). No draw when n = 0 or p is 0
/// or 1. Throws wsic::Error when p is outside [0, 1].
std::uint64_t binomial(sim::Rng& rng, std::uint64_t n, double p);

/// The multiplicities of n rows in one bootstrap resample, row by row:
/// row j's is Binomial(remaining, 1 / (n - j)), remaining = n minus those
/// drawn so far, so they sum to n and are multinomial(n; 1/n, ..., 1/n).
/// `SobolAccumulator` draws resample b's with this from
/// sim::Rng(seed, b, stream_id("sobol.bootstrap.stream")).
class BootstrapCounts {
 public:
  explicit BootstrapCounts(std::uint64_t n) : n_(n), remaining_(n) {}
  /// The next row's multiplicity; throws wsic::Error after n rows.
  std::uint64_t next(sim::Rng& rng);
  std::uint64_t rows_drawn() const { return row_; }

 private:
  std::uint64_t n_, remaining_, row_ = 0;
};

}  // namespace detail

/// `sobol_analyze` for outputs that arrive one base row's group at a time
/// (the step = d + 2, or 2d + 2 with second order, outputs of base row j,
/// in the sample's order), for j = 0, 1, ..., n - 1 in order, in memory
/// independent of n: O(resamples * d^2) running sums.
///
/// Point estimates: those of `sobol_analyze` on the concatenated groups, up
/// to floating-point rounding. The estimators are ratios, so standardising
/// by the std changes nothing; the global mean m enters only through the
/// centering, applied in `result` from running sums (e.g. the first-order
/// numerator sum((B - m)(AB_i - A)) = sum(B (AB_i - A)) - m sum(AB_i - A)).
/// All outputs are summed relative to the first group's A (a common shift
/// changes no index), so a large offset with a small spread (day numbers
/// ~1000 varying by hours) loses no precision. The shifted outputs are
/// squared: `result` throws wsic::Error if their spread is beyond ~1e150.
///
/// Intervals: the same bootstrap scheme as `sobol_analyze` (the n base rows
/// resampled with replacement `resamples` times, the estimates of each
/// resample centred on the full sample's m, half-width z * sample std, ddof
/// 1), but drawn differently, streaming: resample b's multiplicity of base
/// row j is Binomial(remaining_b, 1 / (n - j)), remaining_b starting at n
/// (`BootstrapCounts`), from sim::Rng(seed, b, stream
/// "sobol.bootstrap.stream"), which is exactly a multinomial(n; 1/n, ...)
/// draw. So the intervals agree with `sobol_analyze`'s in distribution, not
/// digit for digit. The same groups in the same order give the same bytes.
///
/// Time per group: O(d) per resample (O(d^2) with second order).
class SobolAccumulator {
 public:
  /// n: the number of groups to come. Throws wsic::Error when n or d is 0,
  /// or options.confidence is not in (0, 1).
  SobolAccumulator(std::size_t n, std::size_t d, const SobolOptions& options = {});

  /// The outputs of base row j's group (d + 2 values, or 2d + 2 with second
  /// order), j = groups() at the call. Throws wsic::Error (and changes
  /// nothing) when the size is wrong, all n groups are in already, or an
  /// output is NaN or infinite (naming its row and base row).
  void add(std::span<const double> group);

  /// Groups added so far.
  std::size_t groups() const { return groups_; }

  /// The indices, as `sobol_analyze` reports them (NaN where undefined,
  /// e.g. all for constant outputs). Throws wsic::Error before all n groups
  /// are in.
  SobolIndices result() const;

 private:
  struct Stream {  // one resample's generator and multiplicities
    sim::Rng rng;
    detail::BootstrapCounts counts;
  };
  std::size_t n_, d_, step_, width_, pairs_;
  SobolOptions options_;
  std::size_t groups_ = 0;
  double shift_ = 0.0;    // the first group's A
  double total_ = 0.0;    // sum of all shifted outputs (for m)
  bool constant_ = true;  // every output equal to the first
  // Running sums, `width_` per set: set 0 the full sample, set 1 + b
  // resample b (weighted by its multiplicities); see sobol.cpp's layout.
  std::vector<double> sums_;
  std::vector<double> ranges_;  // per set: least and greatest A or B in it
  std::vector<Stream> streams_;
  std::vector<double> terms_;  // one group's terms (scratch)
};

}  // namespace wsic::experiment
