#pragma once
/// A scenario small enough to work out by hand, for the model's tests: two
/// schemes, workstreams a -> b and c, fixed durations, no barriers unless a
/// test adds them. Co-design on days 0-30, design 30-90 with the central
/// team (capacity 2), then a and b: live on day 180, covered on 280. One
/// funded year, 2014/15: days 90 to 455 of a calendar starting 2014-01-01.

#include "wsic/model/scenario.hpp"
#include "wsic/sim/random.hpp"
#include "wsic/sim/time.hpp"

namespace wsic::test {

inline model::Scenario tiny() {
  using namespace wsic::model;
  using wsic::sim::Fixed;
  Scenario sc;
  sc.name = "tiny";
  sc.calendar_start = *wsic::sim::parse_iso_date("2014-01-01");
  sc.horizon = *wsic::sim::parse_iso_date("2016-12-31");
  sc.horizon_day = wsic::sim::Calendar(sc.calendar_start).to_time(sc.horizon).in_days();
  sc.planned_pilot_start = sc.calendar_start;
  sc.codesign_start = 0;
  sc.codesign_duration = Fixed{30.0};
  sc.designation = 30;
  sc.design_work = Fixed{60.0};
  sc.central_capacity = Scaled{2.0};
  sc.unsupported_design_penalty = 1.5;
  sc.ramp = Fixed{100.0};
  sc.funding = {FundingYear{2014, 1.0, 0.0, 1.0}};
  Workstream a{"a", "A", Workstream::Kind::kEngagement, Fixed{50.0}, {}, true};
  Workstream b{"b", "B", Workstream::Kind::kTransactional, Fixed{40.0}, {0}, true};
  Workstream c{"c", "C", Workstream::Kind::kEngagement, Fixed{20.0}, {}, true};
  sc.workstreams = {a, b, c};
  sc.schemes = {Scheme{"one", "One", {}, "", 1.0, ""}, Scheme{"two", "Two", {}, "", 1.0, ""}};
  sc.milestones = {Milestone{*wsic::sim::parse_iso_date("2014-07-01"), "mid", 181.0}};
  return sc;
}

/// A local hazard at `rate` a day from day 0 on workstream a, each strike a
/// one-day delay, up to the model's limit of 100 strikes per scheme.
inline model::Barrier hazard_on_a(model::Scaled rate) {
  model::Barrier hz;
  hz.id = "hazard";
  hz.scope = model::Barrier::Scope::kLocal;
  hz.trigger = model::Barrier::Trigger::kHazard;
  hz.from = 0.0;
  hz.rate_per_day = rate;
  hz.max_occurrences = 100;
  hz.targets = {0};
  hz.effect = model::Barrier::Effect::kDelay;
  hz.duration = wsic::sim::Fixed{1.0};
  return hz;
}

}  // namespace wsic::test
