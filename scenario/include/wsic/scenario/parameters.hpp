#pragma once
/// Every number of a scenario, addressable by a path in the scenario format's
/// own words: `levers.central_share.value`, `schemes.ealing.readiness`,
/// `workstreams.ig.work.mode`, `barriers.national_ig.resolution.workaround.median`,
/// `funding.2014.central`. Items of a list with ids are named by id, funding
/// years by year, other list items by 0-based index.
///
/// A path is resolved once into a Parameter; reading and setting it then
/// costs a few instructions and allocates nothing, so sweeps, sensitivity
/// analyses and the lab can change values between replications (then call
/// model::Model::refresh on the settings).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wsic/model/scenario.hpp"

namespace wsic::scenario {

/// What a parameter's number means.
enum class Unit {
  kNumber,  ///< a plain number (a share, a factor, a rate, a lever's value)
  kDays,    ///< a duration in days (the file may write "6 months")
  kDay,     ///< a date, as days since the calendar starts (the file writes an ISO date)
  kCount,   ///< a whole number
};

/// One number of a scenario.
struct Parameter {
  std::string path;    ///< e.g. "schemes.ealing.readiness"
  std::string schema;  ///< the key in the format's notation, e.g. "schemes[].readiness"
  Unit unit = Unit::kNumber;
  /// Set through a distribution's parameter ("min", "mode", "median", ...):
  /// the distribution is rebuilt, keeping its other parameters.
  std::string distribution_key;
};

/// Every number of one scenario's structure. The paths and targets refer to
/// positions in the scenario (the n-th scheme, ...), so one space serves any
/// scenario of the same structure (model::same_structure), e.g. the values
/// of a model::Settings.
class ParameterSpace {
 public:
  explicit ParameterSpace(const model::Scenario& sc);

  const std::vector<Parameter>& parameters() const noexcept { return parameters_; }
  /// The parameter at `path`, or nullopt. A scaled value written as a plain
  /// number answers to both `x` and `x.value`.
  std::optional<std::size_t> find(std::string_view path) const;
  /// The nearest path to a misspelt one, for "did you mean" (empty if none is near).
  std::string nearest(std::string_view path) const;

  /// The value of parameter `i` in `sc`, in the file's units (per_year as a
  /// rate per year, a date as days since the calendar starts).
  double get(const model::Scenario& sc, std::size_t i) const;
  /// Sets parameter `i` of `sc` to `value` (same units as `get`). Throws
  /// wsic::Error, with the loader's words, when the value is outside the
  /// format's range for its key, not whole for a count, or makes a
  /// distribution invalid (min above max, ...); `sc` is then unchanged.
  /// Checks that involve other values (a lever's value within its low and
  /// high, a scaled value at every setting of its lever) are the loader's.
  void set(model::Scenario& sc, std::size_t i, double value) const;
  /// `value` of parameter `i` written as the scenario file (and `--set`)
  /// would write it: "0.35", "120 days", "2015-04-01" (a date is rounded to
  /// the nearest day of `sc`'s calendar), "3"; the shortest text that reads
  /// back as the same number.
  std::string text(const model::Scenario& sc, std::size_t i, double value) const;

 private:
  struct Target;
  friend class SpaceBuilder;
  std::vector<Parameter> parameters_;
  std::vector<Target> targets_;                               // parallel to parameters_
  std::vector<std::pair<std::string, std::size_t>> by_path_;  // sorted, for find

 public:
  ~ParameterSpace();
  ParameterSpace(const ParameterSpace&);
  ParameterSpace& operator=(const ParameterSpace&);
  ParameterSpace(ParameterSpace&&) noexcept;
  ParameterSpace& operator=(ParameterSpace&&) noexcept;
};

/// A value to write into an overlay: parameter `index` of a space, its
/// text (ParameterSpace::text) and a comment saying where it comes from.
struct OverlayValue {
  std::size_t index = 0;
  std::string text;
  std::string comment;
};

/// The text of an overlay scenario file: `extends: EXTENDS`, `name: NAME`,
/// a description, then each value under its keys, written as the format
/// writes them (list items by id, funding years by year). Throws
/// wsic::Error for a parameter of an item known only by its position (an
/// overlay cannot name it): set it with --set instead.
std::string overlay_text(const ParameterSpace& space, const std::string& extends, const std::string& name,
                         const std::string& description, const std::vector<OverlayValue>& values);

}  // namespace wsic::scenario
