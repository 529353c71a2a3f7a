#pragma once
/// A scenario, resolved: every overlay applied, every reference checked,
/// every duration in days and every date in simulation time. This is what
/// the loader produces from YAML and what the model runs; it holds no YAML.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wsic/sim/random.hpp"
#include "wsic/sim/time.hpp"

namespace wsic::model {

using sim::AnyDistribution;
using sim::Date;

/// A lever: a named, documented knob a what-if moves. Its value is a number
/// or a date (a date is stored as days since the scenario's calendar start);
/// `low` and `high` bound it for sensitivity analysis.
struct Lever {
  enum class Kind { kNumber, kDate };
  std::string id;
  std::string name;
  std::string description;
  Kind kind = Kind::kNumber;
  double value = 0.0;
  double low = 0.0;
  double high = 0.0;
  /// A decision is the programme leaders' to make; an uncertainty is not
  /// theirs (when national action comes, ...). Reports and the lab show the
  /// two apart; the model treats both alike.
  enum class Role { kDecision, kUncertainty } role = Role::kDecision;
  std::string group;  ///< the heading it is shown under, or empty
  std::string unit;   ///< what its number counts, or empty (a date lever's unit is the date)

  /// What the decision costs, £m per unit of its value: every funded year
  /// (`cost_per_year`) and once, in the first funded year (`cost_once`),
  /// paid out of the central or the local pot, so what it buys is money the
  /// rest of the programme does not get. A lever with a cost is a spend
  /// category of its own.
  double cost_per_year = 0.0;
  double cost_once = 0.0;
  enum class Pot { kNone, kCentral, kLocal } paid_from = Pot::kNone;
  bool costed() const noexcept { return paid_from != Pot::kNone; }
  /// A date lever that national action reads may come later than its value:
  /// by a duration drawn once per replication (never negative).
  std::optional<AnyDistribution> slip;

  /// A number lever's value may change at dates (a decision revisited, an
  /// uncertainty that moves): `value` holds until the first change, each
  /// change from its date until the next. Dates in increasing order.
  struct Change {
    Date date;
    double day = 0.0;  ///< days since calendar start
    double value = 0.0;
  };
  std::vector<Change> changes;

  /// The value in force on day `t`, with `base` the value before any change.
  double value_on(double base, double t) const {
    double v = base;
    for (const Change& c : changes) {
      if (c.day > t) break;
      v = c.value;
    }
    return v;
  }
  /// The mean value over days [t0, t1), weighted by time; exactly `base`
  /// when nothing changes in it.
  double mean_over(double base, double t0, double t1) const;
};

/// A number read from a lever: value = base * lever^power (power form) or
/// base * (1 - lever) (complement form); with no lever, just base.
struct Scaled {
  double base = 1.0;
  int lever = -1;  ///< index into Scenario::levers, or -1
  enum class Form { kPower, kComplement } form = Form::kPower;
  double power = 1.0;

  /// The value with its lever set to `lever_value`.
  double at(double lever_value) const {
    if (form == Form::kComplement) return base * (1.0 - lever_value);
    return base * std::pow(lever_value, power);
  }
};

struct Population {
  std::string group;
  std::int64_t size = 0;  ///< 0 when not reported
};

/// One early-adopter scheme.
struct Scheme {
  std::string id;
  std::string name;
  std::vector<Population> populations;
  std::string model_of_care;
  /// Pace relative to the template: every work duration of this scheme is
  /// divided by it (1 = as the template says, 1.5 = a third faster).
  double readiness = 1.0;
  std::string note;  ///< where the scheme's numbers come from
  /// The parts of its model of care (indices into Scenario::components);
  /// empty: every component of the scenario.
  std::vector<int> components = {};
};

/// A part of a model of care (multi-disciplinary teams, shared care plans,
/// a shadow budget, ...): live in a scheme once every workstream it needs
/// is done there, so a barrier holds up only what depends on it.
struct Component {
  std::string id;
  std::string name;
  std::vector<int> needs;  ///< workstream indices
};

/// One workstream of the implementation template every scheme follows.
struct Workstream {
  std::string id;
  std::string name;
  enum class Kind { kEngagement, kTransactional } kind = Kind::kEngagement;
  AnyDistribution work;    ///< days of work at the nominal rate
  std::vector<int> after;  ///< indices of prerequisite workstreams
  bool needed_for_go_live = true;
};

/// A barrier: when it strikes, whom, what it does, and how it ends.
struct Barrier {
  std::string id;
  std::string name;
  std::string description;

  enum class Scope { kNational, kLocal, kScheme } scope = Scope::kLocal;
  int scheme = -1;  ///< with kScheme: index into Scenario::schemes

  enum class Trigger {
    kOnStart,  ///< when a target workstream starts, with `probability`
    kWindow,   ///< once, uniformly in [from, to], with `probability`
    kHazard,   ///< at rate `rate_per_day` from `from` (up to `max_occurrences`)
    kSlip,     ///< when a scheme is not live `threshold` after the promised date
  } trigger = Trigger::kOnStart;
  Scaled probability{1.0};
  double from = 0.0;  ///< days since calendar start
  double to = 0.0;
  Scaled rate_per_day{0.0};
  int max_occurrences = 1;
  double threshold = 0.0;  ///< days (kSlip)

  /// Workstreams struck (indices); empty with `design_phase` means only the
  /// local design phase.
  std::vector<int> targets;
  bool design_phase = false;

  enum class Effect {
    kBlock,     ///< no progress until resolved
    kDelay,     ///< no progress for `duration`
    kSlowdown,  ///< progress at `factor` for `duration`
    kRework,    ///< `fraction` of the workstream's work to do again
  } effect = Effect::kDelay;
  AnyDistribution duration = sim::Fixed{0.0};
  Scaled duration_scale{1.0};  ///< multiplies every drawn duration
  Scaled factor{1.0};
  Scaled fraction{0.0};

  /// How a block ends: the earlier of national action (a date lever) and a
  /// local workaround (a duration after the block begins), either optional.
  int national_action_lever = -1;
  std::optional<AnyDistribution> workaround;
  /// After the workaround, until national action, the work goes on at this
  /// share of its pace (1: the workaround is a full escape).
  double workaround_pace = 1.0;
};

/// Support money for one financial year (April to March), in £m.
struct FundingYear {
  int year = 0;              ///< the year the financial year starts in: 2013 for 2013/14
  double central = 0.0;      ///< pan-NW London support (programme team and consultancy)
  double consultancy = 0.0;  ///< of which specialist expertise
  double local = 0.0;        ///< direct CCG local support
};

struct Milestone {
  Date date;
  std::string label;
  double day = 0.0;  ///< days since calendar start
  /// How many schemes were observed live at this date, when the evidence
  /// says; -1 when it does not. Marked on the fan chart and quoted beside
  /// the simulated distribution.
  int observed_live = -1;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string source_file;

  Date calendar_start;  ///< simulation day 0
  Date horizon;         ///< nothing is simulated after this date
  double horizon_day = 0.0;

  std::vector<Milestone> milestones;
  Date planned_pilot_start;  ///< the plan the programme is measured against
  double planned_pilot_day = 0.0;

  // Programme level.
  double codesign_start = 0.0;  ///< day
  AnyDistribution codesign_duration = sim::Fixed{0.0};
  double designation = 0.0;                       ///< day the early adopters are designated
  AnyDistribution design_work = sim::Fixed{0.0};  ///< local design and planning, days
  /// Schemes the central team and consultancy support at once; scaled by the
  /// central share of funding relative to the baseline.
  Scaled central_capacity{3.0};
  /// Design work done without central support takes this many times longer.
  double unsupported_design_penalty = 1.5;
  AnyDistribution ramp = sim::Fixed{0.0};  ///< go-live to full coverage, days

  std::vector<FundingYear> funding;
  /// Local work rate multiplier = (local support per scheme / baseline)^elasticity.
  double local_support_elasticity = 0.0;
  /// Central capacity multiplier = (central support / baseline)^elasticity.
  double central_support_elasticity = 0.0;

  // Levers the model reads directly (indices into `levers`, -1 if absent).
  int lever_central_share = -1;             ///< number in [0,1], or absent = as funded
  int lever_transactional_investment = -1;  ///< share of transactional work done during co-design
  int lever_promised_go_live = -1;          ///< date schemes were promised to go live

  /// Of transactional work done in parallel with co-design, the share that
  /// is not lost when designs change.
  double transactional_prep_effect = 0.5;

  /// What the money buys is measured against the money the template's
  /// durations and `central_capacity` assume, £m (nullopt: the funding
  /// table as funded, before any decision's cost). Central: the programme
  /// team and consultancy over the funded years, after the central costs;
  /// local: the schemes' support over the funded years, after the local
  /// costs; co-design: central money in the first funded year, after its
  /// central costs.
  std::optional<double> central_support_reference;
  std::optional<double> local_support_reference;
  std::optional<double> codesign_support_reference;
  /// Co-design duration x (reference / co-design money)^elasticity. 0 by default.
  double codesign_support_elasticity = 0.0;
  /// A go-live promise further off than `promise_slack` days lets work
  /// drift: until the promise is `promise_slack` away, local work runs at
  /// `promise_drift` of its pace (1 = no drift).
  double promise_slack = 0.0;
  double promise_drift = 1.0;

  std::vector<Lever> levers;
  std::vector<Scheme> schemes;
  std::vector<Workstream> workstreams;
  /// The parts models of care are made of; none: each scheme's model is
  /// one part, needing every workstream needed for go-live.
  std::vector<Component> components;
  std::vector<Barrier> barriers;

  /// Reads a scaled value with the scenario's current lever settings.
  double value(const Scaled& s) const {
    if (s.lever < 0) return s.base;
    return s.at(levers[static_cast<std::size_t>(s.lever)].value);
  }
};

/// Day `day` of the scenario's calendar as an ISO date ("2015-04-30"); empty
/// for no day.
std::string iso_day(const Scenario& sc, std::optional<int> day);

/// A run's identity for its scenario: a hash (16 hex digits) of everything
/// the scenario resolved to (every value, name and text, command-line
/// overrides and milestones included) but the file it came from. Two files
/// that resolve to the same scenario hash the same.
std::string content_hash(const Scenario& sc);

}  // namespace wsic::model
