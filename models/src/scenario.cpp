#include "wsic/model/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <variant>

#include "wsic/sim/serial.hpp"

namespace wsic::model {

std::string iso_day(const Scenario& sc, std::optional<int> day) {
  if (!day) return "";
  const sim::Calendar cal(sc.calendar_start);
  return sim::format_iso_date(cal.to_date(sim::Time::from_days(*day)));
}

double Lever::mean_over(double base, double t0, double t1) const {
  if (!(t1 > t0)) return value_on(base, t0);
  // Each stretch's difference from the value before [t0, t1), weighted by
  // its length: with no change inside, nothing is added.
  const double before = value_on(base, t0);
  double v = base, from = -std::numeric_limits<double>::infinity(), sum = 0.0;
  for (std::size_t i = 0; i <= changes.size(); ++i) {
    const double to = i < changes.size() ? changes[i].day : std::numeric_limits<double>::infinity();
    const double overlap = std::min(to, t1) - std::max(from, t0);
    if (overlap > 0.0 && v != before) sum += (v - before) * overlap;
    if (i < changes.size()) {
      v = changes[i].value;
      from = to;
    }
  }
  return before + sum / (t1 - t0);
}

namespace {

void put(sim::ByteWriter& w, const sim::Date& d) { w.write_string(sim::format_iso_date(d)); }

void put(sim::ByteWriter& w, const Scaled& s) {
  w.write_f64(s.base);
  w.write_i64(s.lever);
  w.write_u8(static_cast<std::uint8_t>(s.form));
  w.write_f64(s.power);
}

// A distribution by its kind and the parameters it was built from.
void put(sim::ByteWriter& w, const AnyDistribution& d) {
  w.write_u64(d.index());
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, sim::Fixed>) w.write_f64(x.value());
        if constexpr (std::is_same_v<T, sim::Uniform>) {
          w.write_f64(x.a());
          w.write_f64(x.b());
        }
        if constexpr (std::is_same_v<T, sim::Triangular> || std::is_same_v<T, sim::BetaPert>) {
          w.write_f64(x.min());
          w.write_f64(x.mode());
          w.write_f64(x.max());
          if constexpr (std::is_same_v<T, sim::BetaPert>) w.write_f64(x.lambda());
        }
        if constexpr (std::is_same_v<T, sim::Exponential>) w.write_f64(x.rate());
        if constexpr (std::is_same_v<T, sim::Normal> || std::is_same_v<T, sim::LogNormal>) {
          w.write_f64(x.mu());
          w.write_f64(x.sigma());
        }
        if constexpr (std::is_same_v<T, sim::Gamma> || std::is_same_v<T, sim::Weibull>) {
          w.write_f64(x.shape());
          w.write_f64(x.scale());
        }
        if constexpr (std::is_same_v<T, sim::Bernoulli>) w.write_f64(x.p());
        if constexpr (std::is_same_v<T, sim::Discrete>) {
          for (double v : x.values()) w.write_f64(v);
          for (double v : x.probabilities()) w.write_f64(v);
        }
        if constexpr (std::is_same_v<T, sim::Empirical>) {
          w.write_u64(x.observations().size());
          for (double v : x.observations()) w.write_f64(v);
        }
      },
      d);
}

void put_programme(sim::ByteWriter& w, const Scenario& sc) {
  put(w, sc.calendar_start);
  put(w, sc.horizon);
  w.write_u64(sc.milestones.size());
  for (const Milestone& m : sc.milestones) {
    put(w, m.date);
    w.write_string(m.label);
    w.write_i64(m.observed_live);
  }
  put(w, sc.planned_pilot_start);
  w.write_f64(sc.codesign_start);
  put(w, sc.codesign_duration);
  w.write_f64(sc.designation);
  put(w, sc.design_work);
  put(w, sc.central_capacity);
  w.write_f64(sc.unsupported_design_penalty);
  put(w, sc.ramp);
  w.write_u64(sc.funding.size());
  for (const FundingYear& f : sc.funding) {
    w.write_i64(f.year);
    w.write_f64(f.central);
    w.write_f64(f.consultancy);
    w.write_f64(f.local);
  }
  w.write_f64(sc.local_support_elasticity);
  w.write_f64(sc.central_support_elasticity);
  w.write_i64(sc.lever_central_share);
  w.write_i64(sc.lever_transactional_investment);
  w.write_i64(sc.lever_promised_go_live);
  w.write_f64(sc.transactional_prep_effect);
  for (const std::optional<double>* r :
       {&sc.central_support_reference, &sc.local_support_reference, &sc.codesign_support_reference}) {
    w.write_bool(r->has_value());
    w.write_f64(r->value_or(0.0));
  }
  for (double v : {sc.codesign_support_elasticity, sc.promise_slack, sc.promise_drift}) w.write_f64(v);
}

void put_items(sim::ByteWriter& w, const Scenario& sc) {
  w.write_u64(sc.levers.size());
  for (const Lever& l : sc.levers) {
    for (const std::string* s : {&l.id, &l.name, &l.description}) w.write_string(*s);
    w.write_u8(static_cast<std::uint8_t>(l.kind));
    for (double v : {l.value, l.low, l.high, l.cost_per_year, l.cost_once}) w.write_f64(v);
    w.write_u8(static_cast<std::uint8_t>(l.paid_from));
    w.write_bool(l.slip.has_value());
    if (l.slip) put(w, *l.slip);
  }
  w.write_u64(sc.schemes.size());
  for (const Scheme& s : sc.schemes) {
    for (const std::string* t : {&s.id, &s.name, &s.model_of_care, &s.note}) w.write_string(*t);
    w.write_u64(s.populations.size());
    for (const Population& p : s.populations) {
      w.write_string(p.group);
      w.write_i64(p.size);
    }
    w.write_f64(s.readiness);
    w.write_u64(s.components.size());
    for (int c : s.components) w.write_i64(c);
  }
  w.write_u64(sc.components.size());
  for (const Component& c : sc.components) {
    w.write_string(c.id);
    w.write_string(c.name);
    w.write_u64(c.needs.size());
    for (int n : c.needs) w.write_i64(n);
  }
  w.write_u64(sc.workstreams.size());
  for (const Workstream& ws : sc.workstreams) {
    w.write_string(ws.id);
    w.write_string(ws.name);
    w.write_u8(static_cast<std::uint8_t>(ws.kind));
    put(w, ws.work);
    w.write_u64(ws.after.size());
    for (int a : ws.after) w.write_i64(a);
    w.write_bool(ws.needed_for_go_live);
  }
}

void put_barriers(sim::ByteWriter& w, const Scenario& sc) {
  w.write_u64(sc.barriers.size());
  for (const Barrier& b : sc.barriers) {
    for (const std::string* t : {&b.id, &b.name, &b.description}) w.write_string(*t);
    w.write_u8(static_cast<std::uint8_t>(b.scope));
    w.write_i64(b.scheme);
    w.write_u8(static_cast<std::uint8_t>(b.trigger));
    put(w, b.probability);
    for (double v : {b.from, b.to}) w.write_f64(v);
    put(w, b.rate_per_day);
    w.write_i64(b.max_occurrences);
    w.write_f64(b.threshold);
    w.write_u64(b.targets.size());
    for (int t : b.targets) w.write_i64(t);
    w.write_bool(b.design_phase);
    w.write_u8(static_cast<std::uint8_t>(b.effect));
    put(w, b.duration);
    for (const Scaled* s : {&b.duration_scale, &b.factor, &b.fraction}) put(w, *s);
    w.write_i64(b.national_action_lever);
    w.write_bool(b.workaround.has_value());
    if (b.workaround) put(w, *b.workaround);
    w.write_f64(b.workaround_pace);
  }
}

}  // namespace

std::string content_hash(const Scenario& sc) {
  sim::ByteWriter w;
  w.write_header("WSCN", 1);
  w.write_string(sc.name);
  w.write_string(sc.description);
  put_programme(w, sc);
  put_items(w, sc);
  put_barriers(w, sc);
  // Changes of lever values over time, last and only when there are any, so
  // a scenario without them hashes as it always has.
  if (std::any_of(sc.levers.begin(), sc.levers.end(), [](const Lever& l) { return !l.changes.empty(); })) {
    w.write_string("changes");
    for (const Lever& l : sc.levers) {
      w.write_u64(l.changes.size());
      for (const Lever::Change& c : l.changes) {
        put(w, c.date);
        w.write_f64(c.value);
      }
    }
  }
  return fmt::format("{:016x}", sim::Fnv1a().add(w.bytes()).value());
}

}  // namespace wsic::model
