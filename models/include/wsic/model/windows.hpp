#pragma once
/// Progress through windows of reduced rate. A barrier acts as a window in
/// which progress on the work it targets runs at `factor` of its rate (0 for
/// a block or a delay); overlapping windows multiply. A piece of work plans
/// its finish through the windows that apply to it, and re-plans when new
/// ones open.

#include <cstdint>
#include <limits>
#include <vector>

namespace wsic::model {

/// A stretch of time [start, end) in which progress on the targeted work
/// runs at `factor` of its rate (0: none at all). `targets` is a bit mask of
/// the work it applies to.
struct Window {
  double start;
  double end;
  double factor;
  std::uint64_t targets;
};

/// The rate factor of one piece of work over time, from a given time on:
/// constant on each segment [from_i, from_(i+1)), the last one forever. Built
/// in O(k log k) for the k windows that apply, so a scheme struck thousands
/// of times plans its work in time linear in the strikes, not quadratic.
///
/// For a few windows (the usual case) nothing is built ahead: finish and
/// progress walk from boundary to boundary, each factor the product of the
/// windows open then, in the order they were opened, only as far as they
/// need to. For many, the segments are built once by a sweep, each factor
/// from a product tree over the same windows. Both are deterministic; they
/// can differ in the last bits of a product, never in meaning.
class RateProfile {
 public:
  static constexpr double kNever = std::numeric_limits<double>::infinity();
  /// Up to this many windows apply: each segment's factor is a left fold.
  static constexpr std::size_t kFoldUpTo = 16;

  struct Segment {
    double from;
    double factor;
  };

  /// The profile of work on `mask` (any bit in common with a window's
  /// targets) from time `from` on. Reuses its storage: not thread-safe.
  /// `fold_up_to` chooses the method (tests compare the two).
  void build(double from, const std::vector<Window>& windows, std::uint64_t mask, std::size_t fold_up_to = kFoldUpTo);

  /// When `work` days of nominal progress at `rate` (> 0), begun at the
  /// profile's start, are done; kNever if never (blocked for good).
  double finish(double work, double rate) const;
  /// Nominal progress at `rate` from the profile's start to `until`.
  double progress(double until, double rate) const;

  /// The segments (built by the sweep, or walked out by the fold in full).
  const std::vector<Segment>& segments();

 private:
  void build_by_sweep(double from);
  /// The factor at `t` of the windows open then, and the next boundary.
  double fold_at(double t, double& next) const;
  /// The factor of segment `i`, which starts at `t`, and where it ends.
  double segment(std::size_t i, double t, double& next) const;

  double from_ = 0.0;
  bool lazy_ = true;  // the fold: nothing built ahead
  std::vector<Segment> segments_;
  std::vector<Window> relevant_;  // the windows that apply and end after `from`, in order
  std::vector<double> bounds_;
  struct Event {
    double time;
    int kind;  // 0: opens, 1: closes (opens first at equal times)
    std::size_t window;
  };
  std::vector<Event> events_;
  std::vector<double> tree_;
};

}  // namespace wsic::model
