#include "wsic/scenario/format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <locale>
#include <map>
#include <sstream>

#include "internal.hpp"
#include "wsic/model/limits.hpp"

// The table below names, with designated initializers, only the fields a key
// needs; the others keep their defaults on purpose, which GCC's
// -Wmissing-field-initializers would report field by field.
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif

namespace wsic::scenario {

namespace limits = model::limits;

namespace {

Range at_least(double x) { return Range{.min = x}; }
Range above(double x) { return Range{.min = x, .min_exclusive = true}; }
Range from_to(double lo, double hi) { return Range{.min = lo, .max = hi}; }

// ---------------------------------------------------------------------------
// The table. Each object is built by a function of its own; pointers between
// objects are to members of one Format, which lives as long as the program.

ObjectSpec distribution_spec() {
  const std::vector<std::string_view> kMinMax = {"uniform", "triangular", "pert"};
  const std::vector<std::string_view> kMode = {"triangular", "pert"};
  const auto duration = [](std::string_view key, std::vector<std::string_view> dists, std::string_view doc,
                           Range range = at_least(0)) {
    return KeySpec{.key = key,
                   .kind = Kind::kDuration,
                   .required = Required::kFull,
                   .doc = doc,
                   .range = range,
                   .only_for = std::move(dists)};
  };
  const auto positive = [](std::string_view key, std::vector<std::string_view> dists, std::string_view doc,
                           Required required = Required::kFull) {
    return KeySpec{.key = key,
                   .kind = Kind::kNumber,
                   .required = required,
                   .doc = doc,
                   .range = above(0),
                   .only_for = std::move(dists)};
  };
  return ObjectSpec{
      .name = "distribution",
      .noun = "a distribution like {dist: pert, min: ..., mode: ..., max: ...}",
      .doc =
          "A distribution of durations: a single duration (a fixed value), or a map with dist: and its parameters, "
          "each duration written with its unit. An overlay that gives the same dist may give only the parameters "
          "it changes; one that gives another dist replaces the whole distribution.",
      .selector = "dist",
      .variant = "a {} distribution",
      .not_for = "is not a parameter of",
      .keys = {
          {.key = "dist",
           .kind = Kind::kEnum,
           .required = Required::kFull,
           .doc = "The kind of distribution.",
           .noun = "distribution",
           .allowed = {"fixed", "uniform", "triangular", "pert", "exponential", "lognormal", "gamma", "weibull",
                       "normal", "empirical"}},
          duration("value", {"fixed"}, "The one value."),
          duration("min", kMinMax, "The least value; below max."),
          duration("mode", kMode, "The likeliest value, from min to max."),
          duration("max", kMinMax, "The greatest value."),
          positive("lambda", {"pert"}, "Weight of the mode (4 by default, the classic beta-PERT).", Required::kNo),
          duration("mean", {"exponential", "gamma", "normal"}, "The mean.", above(0)),
          duration("median", {"lognormal"}, "The median.", above(0)),
          positive("sigma", {"lognormal"}, "The standard deviation of the logarithm (a plain number)."),
          duration("scale", {"weibull"}, "The scale.", above(0)),
          positive("shape", {"gamma", "weibull"}, "The shape (a plain number)."),
          duration("sd", {"normal"}, "The standard deviation; draws below zero count as zero.", above(0)),
          {.key = "values",
           .kind = Kind::kList,
           .required = Required::kFull,
           .doc = "The observed durations, each equally likely.",
           .noun = "a list of durations",
           .min_items = 1,
           .items = "values",
           .item = Kind::kDuration,
           .only_for = {"empirical"}},
      }};
}

ObjectSpec scaled_spec() {
  return ObjectSpec{
      .name = "scaled",
      .noun = "a number or {value: ..., lever: ...}",
      .doc =
          "A number a lever scales: value * lever^power (power 1 by default) or, with form: complement, "
          "value * (1 - lever). The result must lie in the key's range with the lever at its value, its low "
          "and its high setting.",
      .keys = {
          {.key = "value",
           .kind = Kind::kNumber,
           .required = Required::kFull,
           .doc = "The number before the lever scales it."},
          {.key = "lever", .kind = Kind::kId, .doc = "A number lever.", .max_length = limits::kIdChars},
          {.key = "power", .kind = Kind::kNumber, .doc = "The lever's exponent, with form: power; 1 by default."},
          {.key = "form",
           .kind = Kind::kEnum,
           .doc = "power: value * lever^power (the default); complement: value * (1 - lever).",
           .allowed = {"power", "complement"}},
      }};
}

KeySpec date(std::string_view key, Required required, std::string_view doc, std::string_view target) {
  return KeySpec{.key = key, .kind = Kind::kDate, .required = required, .doc = doc, .target = target};
}

KeySpec line(std::string_view key, Required required, std::string_view doc, std::string_view target) {
  return KeySpec{.key = key,
                 .kind = Kind::kLine,
                 .required = required,
                 .doc = doc,
                 .max_length = limits::kNameChars,
                 .target = target};
}

KeySpec prose(std::string_view key, std::string_view doc, std::string_view target) {
  return KeySpec{.key = key, .kind = Kind::kProse, .doc = doc, .max_length = limits::kTextChars, .target = target};
}

KeySpec own_id(std::string_view target, std::vector<std::string_view> reserved = {}) {
  return KeySpec{.key = "id",
                 .kind = Kind::kId,
                 .required = Required::kAlways,
                 .doc = "A stable name: results, random streams and overlays refer to the item by it.",
                 .reserved = std::move(reserved),
                 .max_length = limits::kIdChars,
                 .target = target};
}

KeySpec remove_key() {
  return KeySpec{.key = "remove",
                 .kind = Kind::kBool,
                 .doc = "In an overlay, true deletes the item with this id from the scenario it extends."};
}

KeySpec distribution(std::string_view key, Required required, std::string_view doc, const ObjectSpec* dist,
                     std::string_view target, std::vector<std::string_view> only_for = {}) {
  return KeySpec{.key = key,
                 .kind = Kind::kDistribution,
                 .required = required,
                 .doc = doc,
                 .object = dist,
                 .only_for = std::move(only_for),
                 .target = target};
}

KeySpec money(std::string_view key, Required required, std::string_view doc, std::string_view target) {
  return KeySpec{.key = key,
                 .kind = Kind::kNumber,
                 .required = required,
                 .doc = doc,
                 .range = from_to(0, limits::kMoney),
                 .noun = "money (£m)",
                 .why = "£100bn",
                 .target = target};
}

ObjectSpec programme_spec(const ObjectSpec* dist, const ObjectSpec* scaled) {
  constexpr Required kFull = Required::kFull;
  return ObjectSpec{
      .name = "programme",
      .noun = "a map of keys",
      .doc = "The programme as a whole: co-design, designation, local design and the central team.",
      .keys = {
          date("codesign_start", kFull, "Pan-NW London co-design begins.", "Scenario::codesign_start (day)"),
          distribution("codesign_duration", kFull, "Co-design, to the toolkit.", dist, "Scenario::codesign_duration"),
          date("designation", kFull, "The early adopters are designated.", "Scenario::designation (day)"),
          distribution("design_duration", kFull, "A scheme's local design and planning, with central support.", dist,
                       "Scenario::design_work"),
          {.key = "central_capacity",
           .kind = Kind::kScaled,
           .doc = "Schemes the central team and consultancy support at once (with the baseline funding); the "
                  "readiest schemes are served first, equal readiness by id. 3 by default.",
           .range = Range{.min = 0, .max = limits::kCentralCapacity, .min_exclusive = true},
           .why = "",
           .object = scaled,
           .target = "Scenario::central_capacity"},
          {.key = "central_support_elasticity",
           .kind = Kind::kNumber,
           .doc = "Capacity x (central money / baseline)^elasticity. 0 by default.",
           .range = at_least(0),
           .target = "Scenario::central_support_elasticity"},
          {.key = "unsupported_design_penalty",
           .kind = Kind::kNumber,
           .doc = "Design without central support (while waiting for the team) takes this many times longer. 1.5 "
                  "by default.",
           .range = at_least(1),
           .target = "Scenario::unsupported_design_penalty"},
          {.key = "local_support_elasticity",
           .kind = Kind::kNumber,
           .doc = "Local work rate x (local money per scheme / baseline)^elasticity. 0 by default.",
           .range = at_least(0),
           .target = "Scenario::local_support_elasticity"},
          {.key = "transactional_prep_effect",
           .kind = Kind::kNumber,
           .doc = "The share of transactional work done during co-design that still counts later. 0.5 by default.",
           .range = from_to(0, 1),
           .target = "Scenario::transactional_prep_effect"},
          distribution("ramp_duration", kFull, "From go-live to full coverage of the scheme's population.", dist,
                       "Scenario::ramp"),
          money("central_support_reference", Required::kNo,
                "The programme team and consultancy money over the funded years, after the decisions' central "
                "costs, at which central_capacity holds; the funding table's central money by default.",
                "Scenario::central_support_reference"),
          money("local_support_reference", Required::kNo,
                "The schemes' local support over the funded years, after the decisions' local costs, at which work "
                "takes the template's time; the funding table's local money by default.",
                "Scenario::local_support_reference"),
          money("codesign_support_reference", Required::kNo,
                "Central money in the first funded year, after its central costs, at which co-design takes "
                "codesign_duration; the first year's central money by default.",
                "Scenario::codesign_support_reference"),
          {.key = "codesign_support_elasticity",
           .kind = Kind::kNumber,
           .doc = "Co-design duration x (codesign_support_reference / co-design money)^elasticity. 0 by default.",
           .range = at_least(0),
           .target = "Scenario::codesign_support_elasticity"},
          {.key = "promise_slack",
           .kind = Kind::kDuration,
           .doc = "A go-live promise further off than this lets local work drift (see promise_drift). 0 by default.",
           .range = at_least(0),
           .target = "Scenario::promise_slack (days)"},
          {.key = "promise_drift",
           .kind = Kind::kNumber,
           .doc = "The pace of local work (design and workstreams) from designation until the promised go-live is "
                  "promise_slack away; 1 (no drift) by default.",
           .range = from_to(0, 1),
           .target = "Scenario::promise_drift"},
      }};
}

ObjectSpec calendar_spec() {
  return ObjectSpec{
      .name = "calendar",
      .noun = "a map of keys",
      .doc = "The simulated stretch of time.",
      .keys = {
          date("start", Required::kFull, "Simulation day 0; before every other date.", "Scenario::calendar_start"),
          date("horizon", Required::kFull,
               "Nothing after it is simulated; after every other date, and at most 25 years after start (results "
               "are counted per calendar day).",
               "Scenario::horizon"),
      }};
}

ObjectSpec plan_spec() {
  return ObjectSpec{.name = "plan",
                    .noun = "a map of keys",
                    .doc = "The plan the programme is measured against.",
                    .keys = {date("pilot_start", Required::kFull, "When the plan said the pilots start.",
                                  "Scenario::planned_pilot_start")}};
}

ObjectSpec milestone_spec() {
  return ObjectSpec{
      .name = "milestone",
      .noun = "a map {date, label}",
      .doc = "A date at which the number of schemes live is reported.",
      .keys = {
          date("date", Required::kAlways, "When.", "Milestone::date"),
          line("label", Required::kAlways, "What happens then, as charts and tables show it.", "Milestone::label"),
          {.key = "observed_live",
           .kind = Kind::kInteger,
           .doc = "How many schemes the evidence saw live at this date (at most the number of schemes); marked on "
                  "the fan chart and quoted in the summary.",
           .range = from_to(0, static_cast<double>(limits::kSchemes)),
           .noun = "a whole number of schemes",
           .target = "Milestone::observed_live"},
      }};
}

ObjectSpec funding_year_spec() {
  return ObjectSpec{.name = "funding_year",
                    .noun = "a map {year, central, consultancy, local}",
                    .doc = "Support money for the financial year starting in April of `year`, in £m.",
                    .keys = {
                        {.key = "year",
                         .kind = Kind::kInteger,
                         .required = Required::kAlways,
                         .doc = "The year the financial year starts in (2013 for 2013/14); years are consecutive.",
                         .noun = "a year like 2013",
                         .target = "FundingYear::year"},
                        money("central", Required::kAlways,
                              "Pan-NW London support: the programme team and consultancy.", "FundingYear::central"),
                        money("consultancy", Required::kNo, "Of central, the part spent on consultancy; 0 by default.",
                              "FundingYear::consultancy"),
                        money("local", Required::kAlways, "Direct local support to the schemes.", "FundingYear::local"),
                    }};
}

ObjectSpec lever_change_spec() {
  return ObjectSpec{.name = "lever_change",
                    .noun = "a map {from, value}",
                    .doc = "A new value for a number lever, in force from a date until the next change.",
                    .keys = {
                        date("from", Required::kAlways,
                             "When the new value comes into force; after the change before it.", "Lever::Change::date"),
                        {.key = "value",
                         .kind = Kind::kNumber,
                         .required = Required::kAlways,
                         .doc = "The new value: a number from the lever's low to its high.",
                         .target = "Lever::Change::value"},
                    }};
}

ObjectSpec lever_spec(const ObjectSpec* dist, const ObjectSpec* change) {
  const auto bound = [](std::string_view key, Required required, std::string_view doc, std::string_view target) {
    return KeySpec{.key = key,
                   .kind = Kind::kLeverValue,
                   .required = required,
                   .doc = doc,
                   .noun = "a number or a date like 2016-04-01",
                   .target = target};
  };
  return ObjectSpec{
      .name = "lever",
      .noun =
          "a lever {name, description, value, low, high, role, group, unit, cost_per_year, cost_once, paid_from, "
          "slip, changes}",
      .doc = "A named, documented knob a what-if moves: a number or a date.",
      .keys = {
          line("name", Required::kNewItem, "What the lever is; its id by default.", "Lever::name"),
          {.key = "description",
           .kind = Kind::kProse,
           .required = Required::kNewItem,
           .doc = "What moving it means, and where its value comes from.",
           .max_length = limits::kTextChars,
           .target = "Lever::description"},
          bound("value", Required::kFull, "Its setting: a number or a date, which decides the lever's kind.",
                "Lever::value"),
          bound("low", Required::kNewItem,
                "The low end of its range for sensitivity analysis, of value's kind; value by default.", "Lever::low"),
          bound("high", Required::kNewItem, "The high end: low <= value <= high; value by default.", "Lever::high"),
          {.key = "role",
           .kind = Kind::kEnum,
           .doc = "decision: a choice the programme's leaders make; uncertainty: something they do not control "
                  "(the date of national action, ...). decision by default. The lab shows the two apart.",
           .allowed = {"decision", "uncertainty"},
           .target = "Lever::role"},
          line("group", Required::kNo, "The heading it is shown under with related levers; none by default.",
               "Lever::group"),
          line("unit", Required::kNo, "What its number counts, e.g. \"share of support money\"; none by default.",
               "Lever::unit"),
          money("cost_per_year", Required::kNo,
                "What the decision costs each funded year, £m per unit of its value, out of the pot paid_from "
                "names; 0 by default.",
                "Lever::cost_per_year"),
          money("cost_once", Required::kNo,
                "What it costs once, in the first funded year, £m per unit of its value; 0 by default.",
                "Lever::cost_once"),
          {.key = "paid_from",
           .kind = Kind::kEnum,
           .doc = "The pot its cost comes out of: central (the programme team's money) or local (the schemes' "
                  "support). Needed with a cost; a lever with one is a spend category of its own.",
           .allowed = {"central", "local"},
           .target = "Lever::paid_from"},
          distribution("slip", Required::kNo,
                       "For a date lever a barrier's national action reads: how much later than its value the action "
                       "comes, drawn once per replication (a duration, never negative); none by default.",
                       dist, "Lever::slip"),
          {.key = "changes",
           .kind = Kind::kList,
           .doc = "For a number lever, the dates its value changes on, in date order: value holds until the first, "
                  "each change until the next. Every period's decisions act while in force; money is split per "
                  "funding year by the time each value is in force. An overlay's list replaces the one underneath. "
                  "None by default.",
           .noun = "a list of {from, value}",
           .why = "each change starts a period whose values every replication reads",
           .max_items = limits::kLeverChanges,
           .items = "changes",
           .item = Kind::kObject,
           .object = change,
           .target = "Lever::changes"},
      }};
}

ObjectSpec workstream_spec(const ObjectSpec* dist) {
  return ObjectSpec{.name = "workstream",
                    .noun = "a workstream {id, name, kind, work, after}",
                    .doc = "One workstream of the implementation template every scheme follows.",
                    .keys = {
                        own_id("Workstream::id", {"design"}),
                        line("name", Required::kFull, "As charts and tables show it.", "Workstream::name"),
                        {.key = "kind",
                         .kind = Kind::kEnum,
                         .required = Required::kFull,
                         .doc = "Transactional work can be done early, in parallel with co-design (the lever "
                                "transactional_investment).",
                         .allowed = {"engagement", "transactional"},
                         .target = "Workstream::kind"},
                        distribution("work", Required::kFull, "Work at the nominal rate, for a scheme of readiness 1.",
                                     dist, "Workstream::work"),
                        {.key = "after",
                         .kind = Kind::kList,
                         .doc = "Workstreams that must finish before this one starts; the graph must be acyclic.",
                         .noun = "a list of workstream ids",
                         .items = "workstreams",
                         .item = Kind::kId,
                         .target = "Workstream::after (indices)"},
                        {.key = "needed_for_go_live",
                         .kind = Kind::kBool,
                         .doc = "Go-live waits for it; true by default.",
                         .target = "Workstream::needed_for_go_live"},
                        remove_key(),
                    }};
}

ObjectSpec component_spec() {
  return ObjectSpec{.name = "component",
                    .noun = "a component {id, name, needs}",
                    .doc =
                        "A part of a model of care (multi-disciplinary teams, shared care plans, a shadow budget, "
                        "...): live in a scheme once every workstream it needs is done there.",
                    .keys = {
                        own_id("Component::id"),
                        line("name", Required::kFull, "As charts and tables show it.", "Component::name"),
                        {.key = "needs",
                         .kind = Kind::kList,
                         .required = Required::kFull,
                         .doc = "The workstreams it needs; a barrier on one holds up only the components that "
                                "need it.",
                         .noun = "a list of workstream ids",
                         .min_items = 1,
                         .items = "workstreams",
                         .item = Kind::kId,
                         .target = "Component::needs (indices)"},
                        remove_key(),
                    }};
}

ObjectSpec population_spec() {
  return ObjectSpec{.name = "population",
                    .noun = "a map {group, size}",
                    .doc = "A population group a scheme serves.",
                    .keys = {
                        line("group", Required::kAlways, "Who.", "Population::group"),
                        {.key = "size",
                         .kind = Kind::kInteger,
                         .doc = "How many people; null when not reported.",
                         .range = from_to(0, static_cast<double>(limits::kPopulation)),
                         .noun = "a whole number of people",
                         .nullable = true,
                         .target = "Population::size (0 when null)"},
                    }};
}

ObjectSpec scheme_spec(const ObjectSpec* population) {
  return ObjectSpec{
      .name = "scheme",
      .noun = "a scheme {id, name, populations, ...}",
      .doc =
          "One early adopter. Its id may not be local or national (a barrier's scope could not tell them "
          "apart), nor programme, first_live, all_live, majority_live or all_full_coverage (rows of the results).",
      .keys = {
          own_id("Scheme::id",
                 {"local", "national", "programme", "first_live", "all_live", "majority_live", "all_full_coverage"}),
          line("name", Required::kFull, "As charts and tables show it.", "Scheme::name"),
          {.key = "populations",
           .kind = Kind::kList,
           .doc = "The population groups it serves.",
           .noun = "a list of {group, size}",
           .max_items = limits::kPopulationsPerScheme,
           .items = "population groups in one scheme",
           .item = Kind::kObject,
           .object = population,
           .target = "Scheme::populations"},
          prose("model_of_care", "The model of care it implements.", "Scheme::model_of_care"),
          {.key = "readiness",
           .kind = Kind::kNumber,
           .doc = "Pace relative to the template: its work durations are divided by it. 1 by default.",
           .range = above(0),
           .target = "Scheme::readiness"},
          prose("note", "Where its numbers come from.", "Scheme::note"),
          {.key = "components",
           .kind = Kind::kList,
           .doc = "The parts of its model of care (component ids): it pilots when the first is live, has its full "
                  "model when the last is; every component by default.",
           .noun = "a list of component ids",
           .max_items = limits::kComponents,
           .items = "components",
           .item = Kind::kId,
           .target = "Scheme::components (indices)"},
          remove_key(),
      }};
}

ObjectSpec trigger_spec(const ObjectSpec* scaled) {
  const auto scaled_key = [&](std::string_view key, Range range, std::string_view noun, std::string_view why,
                              std::vector<std::string_view> only_for, std::string_view doc, std::string_view target) {
    return KeySpec{.key = key,
                   .kind = Kind::kScaled,
                   .required = Required::kFull,
                   .doc = doc,
                   .range = range,
                   .noun = noun,
                   .why = why,
                   .object = scaled,
                   .only_for = std::move(only_for),
                   .target = target};
  };
  return ObjectSpec{
      .name = "trigger",
      .noun = "a map with type: on_start, window, hazard or slip",
      .doc = "When the barrier strikes.",
      .selector = "type",
      .variant = "a trigger of type {}",
      .not_for = "does not apply to",
      .keys = {
          {.key = "type",
           .kind = Kind::kEnum,
           .required = Required::kFull,
           .doc = "on_start: when a target starts (for design, when the scheme's local design starts); window: once, "
                  "at a uniform time in the window; hazard: at a constant rate from `from`; slip: when a scheme is "
                  "not live `threshold` after the lever promised_go_live.",
           .noun = "trigger type",
           .allowed = {"on_start", "window", "hazard", "slip"},
           .target = "Barrier::trigger"},
          {.key = "from",
           .kind = Kind::kDate,
           .required = Required::kFull,
           .doc = "Start of the window, or of the hazard.",
           .only_for = {"window", "hazard"},
           .target = "Barrier::from (day)"},
          {.key = "to",
           .kind = Kind::kDate,
           .required = Required::kFull,
           .doc = "End of the window; after from.",
           .only_for = {"window"},
           .target = "Barrier::to (day)"},
          scaled_key("probability", from_to(0, 1), "a probability", "", {"on_start", "window"},
                     "Chance that it strikes.", "Barrier::probability"),
          scaled_key("per_year", from_to(0, limits::kHazardPerYear), "a rate per year",
                     "more than one a day is a constant state: use a slowdown", {"hazard"}, "Occurrences per year.",
                     "Barrier::rate_per_day (per day)"),
          {.key = "max_occurrences",
           .kind = Kind::kInteger,
           .doc = "How often it may strike one scheme (or nationally); 1 by default.",
           .range = from_to(1, static_cast<double>(limits::kHazardOccurrences)),
           .why = "each occurrence opens a window the scheme's work is planned through",
           .only_for = {"hazard"},
           .target = "Barrier::max_occurrences"},
          {.key = "threshold",
           .kind = Kind::kDuration,
           .required = Required::kFull,
           .doc = "How long after promised_go_live a scheme not yet live is struck.",
           .range = above(0),
           .only_for = {"slip"},
           .target = "Barrier::threshold (days)"},
      }};
}

ObjectSpec effect_spec(const ObjectSpec* dist, const ObjectSpec* scaled) {
  return ObjectSpec{
      .name = "effect",
      .noun = "a map with type: block, delay, slowdown or rework",
      .doc = "What the barrier does to its targets.",
      .selector = "type",
      .variant = "an effect of type {}",
      .not_for = "does not apply to",
      .keys = {
          {.key = "type",
           .kind = Kind::kEnum,
           .required = Required::kFull,
           .doc = "block: no progress until resolved (needs a resolution); delay: no progress for the duration; "
                  "slowdown: progress at factor of the rate for the duration; rework: that share of the target's "
                  "work to do again.",
           .noun = "effect type",
           .allowed = {"block", "delay", "slowdown", "rework"},
           .target = "Barrier::effect"},
          {.key = "factor",
           .kind = Kind::kScaled,
           .required = Required::kFull,
           .doc = "Share of the rate kept.",
           .range = Range{.min = 0, .max = 1, .min_exclusive = true},
           .object = scaled,
           .only_for = {"slowdown"},
           .target = "Barrier::factor"},
          distribution("duration", Required::kFull, "How long it lasts.", dist, "Barrier::duration",
                       {"delay", "slowdown"}),
          {.key = "duration_scale",
           .kind = Kind::kScaled,
           .doc = "Multiplies every drawn duration; 1 by default.",
           .range = from_to(0, 100),
           .object = scaled,
           .only_for = {"delay", "slowdown"},
           .target = "Barrier::duration_scale"},
          {.key = "fraction",
           .kind = Kind::kScaled,
           .required = Required::kFull,
           .doc = "Share of the target's work to do again.",
           .range = from_to(0, 100),
           .object = scaled,
           .only_for = {"rework"},
           .target = "Barrier::fraction"},
      }};
}

ObjectSpec resolution_spec(const ObjectSpec* dist) {
  return ObjectSpec{
      .name = "resolution",
      .noun = "a map {national_action, workaround, workaround_pace}",
      .doc = "How a block ends: the earlier of national action and a local workaround; at least one of the two.",
      .keys = {
          {.key = "national_action",
           .kind = Kind::kId,
           .doc = "A date lever: the block ends then.",
           .max_length = limits::kIdChars,
           .target = "Barrier::national_action_lever"},
          distribution("workaround", Required::kNo, "A local workaround ends the block that long after it began.", dist,
                       "Barrier::workaround"),
          {.key = "workaround_pace",
           .kind = Kind::kNumber,
           .doc = "After a local workaround, until national action, the work goes on at this share of its pace (a "
                  "shadow budget or a local data-sharing agreement lets part of it run); 1 (a full escape) by "
                  "default.",
           .range = from_to(0, 1),
           .target = "Barrier::workaround_pace"},
      }};
}

ObjectSpec barrier_spec(const ObjectSpec* trigger, const ObjectSpec* effect, const ObjectSpec* resolution) {
  return ObjectSpec{
      .name = "barrier",
      .noun = "a barrier {id, name, scope, trigger, targets, effect}",
      .doc = "Something that strikes the programme's work: when, whom, what it does and how it ends.",
      .keys = {
          own_id("Barrier::id"),
          line("name", Required::kFull, "As charts and tables show it.", "Barrier::name"),
          prose("description", "What it is and where its numbers come from.", "Barrier::description"),
          {.key = "scope",
           .kind = Kind::kString,
           .required = Required::kFull,
           .doc = "national: one occurrence for all schemes; local: each scheme independently; a scheme id: that "
                  "scheme only.",
           .noun = "national, local or a scheme id",
           .target = "Barrier::scope, Barrier::scheme"},
          {.key = "trigger",
           .kind = Kind::kObject,
           .required = Required::kFull,
           .doc = "When it strikes.",
           .object = trigger},
          {.key = "targets",
           .kind = Kind::kList,
           .required = Required::kFull,
           .doc = "The workstreams it strikes, and design for the scheme's local design phase.",
           .noun = "a list of workstream ids, or [design]",
           .min_items = 1,
           .items = "targets",
           .item = Kind::kId,
           .target = "Barrier::targets, Barrier::design_phase"},
          {.key = "effect",
           .kind = Kind::kObject,
           .required = Required::kFull,
           .doc = "What it does.",
           .object = effect},
          {.key = "resolution",
           .kind = Kind::kObject,
           .doc = "With effect: block only. In an overlay, null deletes the resolution of the barrier underneath.",
           .object = resolution,
           .nullable = true},
          remove_key(),
      }};
}

ObjectSpec top_spec(const ObjectSpec& o_calendar, const ObjectSpec& o_plan, const ObjectSpec& o_milestone,
                    const ObjectSpec& o_programme, const ObjectSpec& o_funding, const ObjectSpec& o_lever,
                    const ObjectSpec& o_workstream, const ObjectSpec& o_component, const ObjectSpec& o_scheme,
                    const ObjectSpec& o_barrier) {
  constexpr Required kFull = Required::kFull;
  // A list of objects: `items` names them in messages, `why` says why there may be no more than `max_items`.
  const auto list = [](std::string_view key, Required required, std::string_view doc, std::string_view noun,
                       std::size_t min_items, std::size_t max_items, std::string_view items, std::string_view why,
                       const ObjectSpec& item, std::string_view target) {
    return KeySpec{.key = key,
                   .kind = Kind::kList,
                   .required = required,
                   .doc = doc,
                   .noun = noun,
                   .why = why,
                   .min_items = min_items,
                   .max_items = max_items,
                   .items = items,
                   .item = Kind::kObject,
                   .object = &item,
                   .target = target};
  };
  return ObjectSpec{
      .name = "scenario",
      .noun = "a map of keys (name:, calendar:, ...)",
      .doc = "A whole scenario, or an overlay (extends:) that changes one.",
      .keys = {
          {.key = "extends", .kind = Kind::kPath, .doc = "The scenario this one overlays, relative to this file."},
          {.key = "name",
           .kind = Kind::kName,
           .required = Required::kAlways,
           .doc = "The scenario's name: its results go to a folder of that name under results/. Required in an overlay "
                  "too.",
           .max_length = limits::kIdChars,
           .target = "Scenario::name"},
          prose("description", "What the scenario is for.", "Scenario::description"),
          {.key = "calendar", .kind = Kind::kObject, .required = kFull, .doc = o_calendar.doc, .object = &o_calendar},
          {.key = "plan", .kind = Kind::kObject, .required = kFull, .doc = o_plan.doc, .object = &o_plan},
          list("milestones", Required::kNo, "Dates at which the number of schemes live is reported.",
               "a list of {date, label}", 0, limits::kMilestones, "milestones", "", o_milestone,
               "Scenario::milestones"),
          {.key = "programme",
           .kind = Kind::kObject,
           .required = kFull,
           .doc = o_programme.doc,
           .object = &o_programme},
          list("funding", kFull, "One item per financial year, consecutive years.",
               "a list of financial years {year, central, consultancy, local}", 1,
               static_cast<std::size_t>(limits::kCalendarYears) + 1, "financial years",
               "one for each year of the longest calendar", o_funding, "Scenario::funding"),
          {.key = "levers",
           .kind = Kind::kIdMap,
           .doc = "Lever id -> lever.",
           .noun = "a map of lever id to lever",
           .max_items = limits::kLevers,
           .items = "levers",
           .object = &o_lever,
           .target = "Scenario::levers"},
          list("workstreams", kFull, "The implementation template.", "a list of workstreams", 1, limits::kWorkstreams,
               "workstreams", "one bit each in a 64-bit mask; the last marks the design phase", o_workstream,
               "Scenario::workstreams"),
          list("components", Required::kNo,
               "The parts models of care are made of; none: a scheme goes live when every workstream needed for "
               "go-live is done.",
               "a list of components", 0, limits::kComponents, "components", "one bit each in a 64-bit mask",
               o_component, "Scenario::components"),
          list("schemes", kFull, "The early adopters.", "a list of schemes", 1, limits::kSchemes, "schemes", "",
               o_scheme, "Scenario::schemes"),
          list("barriers", Required::kNo, "What strikes the work.", "a list of barriers", 0, limits::kBarriers,
               "barriers", "", o_barrier, "Scenario::barriers"),
      }};
}

struct Format {
  ObjectSpec distribution, scaled, calendar, plan, milestone, programme, funding_year, lever_change, lever, workstream,
      component, population, scheme, trigger, effect, resolution, barrier, top;

  Format()
      : distribution(distribution_spec()),
        scaled(scaled_spec()),
        calendar(calendar_spec()),
        plan(plan_spec()),
        milestone(milestone_spec()),
        programme(programme_spec(&distribution, &scaled)),
        funding_year(funding_year_spec()),
        lever_change(lever_change_spec()),
        lever(lever_spec(&distribution, &lever_change)),
        workstream(workstream_spec(&distribution)),
        component(component_spec()),
        population(population_spec()),
        scheme(scheme_spec(&population)),
        trigger(trigger_spec(&scaled)),
        effect(effect_spec(&distribution, &scaled)),
        resolution(resolution_spec(&distribution)),
        barrier(barrier_spec(&trigger, &effect, &resolution)),
        top(top_spec(calendar, plan, milestone, programme, funding_year, lever, workstream, component, scheme,
                     barrier)) {}
};

const Format& format() {
  static const Format f;
  return f;
}

// ---------------------------------------------------------------------------
// Key paths

void add_paths(const ObjectSpec& object, const std::string& prefix, std::map<std::string, KeySpec, std::less<>>& out);

// The key `spec` at `path`, and whatever lies inside it.
void add_path(const KeySpec& spec, const std::string& path, std::map<std::string, KeySpec, std::less<>>& out) {
  out.emplace(path, spec);
  switch (spec.kind) {
    case Kind::kObject:
      add_paths(*spec.object, path, out);
      break;
    case Kind::kList:
      if (spec.item == Kind::kObject) add_paths(*spec.object, path + "[]", out);
      break;
    case Kind::kIdMap: {
      const KeySpec any{
          .key = "*", .kind = Kind::kObject, .required = Required::kNo, .doc = spec.object->doc, .object = spec.object};
      add_path(any, path + ".*", out);
      break;
    }
    case Kind::kDistribution:
      add_paths(*spec.object, path, out);
      break;
    case Kind::kScaled:
      for (const KeySpec& k : spec.object->keys) {
        KeySpec inner = k;
        if (k.key == "value") {  // the number the lever scales: in the scaled key's range
          inner = spec;
          inner.key = "value";
          inner.kind = Kind::kNumber;
          inner.required = k.required;
          inner.object = nullptr;
          inner.only_for.clear();
        }
        out.emplace(path + "." + std::string(k.key), inner);
      }
      break;
    default:
      break;
  }
}

void add_paths(const ObjectSpec& object, const std::string& prefix, std::map<std::string, KeySpec, std::less<>>& out) {
  for (const KeySpec& k : object.keys)
    add_path(k, prefix.empty() ? std::string(k.key) : prefix + "." + std::string(k.key), out);
}

const std::map<std::string, KeySpec, std::less<>>& key_table() {
  static const auto table = [] {
    std::map<std::string, KeySpec, std::less<>> t;
    add_paths(format().top, "", t);
    return t;
  }();
  return table;
}

}  // namespace

namespace detail {

std::string format_number(double v) {
  std::ostringstream os;
  os.imbue(std::locale::classic());
  os.precision(10);
  os << v;
  return os.str();
}

std::string expected_number(const KeySpec& key, bool with_why) {
  std::string out(key.noun.empty() ? (key.kind == Kind::kInteger ? "a whole number" : "a number") : key.noun);
  const std::string range = key.range.text(key.kind == Kind::kInteger);
  if (!range.empty()) out += " " + range;
  if (with_why && !key.why.empty()) out += " (" + std::string(key.why) + ")";
  return out;
}

}  // namespace detail

using detail::format_number;

// ---------------------------------------------------------------------------

bool Range::contains(double x) const {
  if (std::isnan(x)) return false;
  if (x < min || (min_exclusive && x == min)) return false;
  if (x > max || (max_exclusive && x == max)) return false;
  return true;
}

std::string Range::text(bool integer) const {
  const bool lo = std::isfinite(min);
  const bool hi = std::isfinite(max);
  if (lo && hi) {
    if (integer && !min_exclusive && !max_exclusive)
      return fmt::format("from {} to {}", format_number(min), format_number(max));
    return fmt::format("in {}{}, {}{}", min_exclusive ? '(' : '[', format_number(min), format_number(max),
                       max_exclusive ? ')' : ']');
  }
  if (lo) return fmt::format("{} {}", min_exclusive ? ">" : ">=", format_number(min));
  if (hi) return fmt::format("{} {}", max_exclusive ? "<" : "<=", format_number(max));
  return "";
}

const KeySpec* ObjectSpec::find(std::string_view key) const {
  for (const KeySpec& k : keys) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

bool ObjectSpec::applies(const KeySpec& key, std::string_view selected) {
  return key.only_for.empty() || std::find(key.only_for.begin(), key.only_for.end(), selected) != key.only_for.end();
}

const ObjectSpec& scenario_format() { return format().top; }

const KeySpec* find_key(std::string_view path) {
  const auto& table = key_table();
  const auto it = table.find(path);
  return it == table.end() ? nullptr : &it->second;
}

const std::vector<std::string>& known_key_paths() {
  static const std::vector<std::string> paths = [] {
    std::vector<std::string> p;
    for (const auto& [path, spec] : key_table()) p.push_back(path);
    return p;
  }();
  return paths;
}

std::string expected_number(const KeySpec& key) { return detail::expected_number(key, true); }

std::optional<std::string> number_problem(const KeySpec& key, double value) {
  if (key.kind != Kind::kNumber && key.kind != Kind::kInteger && key.kind != Kind::kScaled) return std::nullopt;
  const bool whole = key.kind != Kind::kInteger || (std::isfinite(value) && value == std::floor(value));
  if (whole && key.range.contains(value)) return std::nullopt;
  // A whole number is written out in full, as the file had it.
  const bool exact = key.kind == Kind::kInteger && whole && std::abs(value) < 9e18;
  return "expected " + expected_number(key) + ", got " +
         (exact ? fmt::format("{}", static_cast<long long>(value)) : format_number(value));
}

}  // namespace wsic::scenario
