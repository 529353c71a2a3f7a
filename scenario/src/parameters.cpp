#include "wsic/scenario/parameters.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>
#include <variant>

#include "suggest.hpp"
#include "wsic/scenario/format.hpp"
#include "wsic/sim/error.hpp"

namespace wsic::scenario {

using model::Scaled;
using model::Scenario;
using sim::AnyDistribution;

/// Where a parameter lives in a scenario of the space's structure: exactly
/// one accessor is set.
struct ParameterSpace::Target {
  std::function<double*(Scenario&)> number;
  std::function<AnyDistribution*(Scenario&)> distribution;
  std::function<int*(Scenario&)> count;
  std::function<std::int64_t*(Scenario&)> count64;
  double scale = 1.0;            // file value = stored value * scale
  std::size_t item = 0;          // an empirical distribution's observation
  const KeySpec* key = nullptr;  // the format table's entry (its range), looked up once
};

namespace {

std::vector<std::string> distribution_keys(const AnyDistribution& d) {
  return std::visit(
      [](const auto& x) -> std::vector<std::string> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, sim::Fixed>) return {"value"};
        if constexpr (std::is_same_v<T, sim::Uniform>) return {"min", "max"};
        if constexpr (std::is_same_v<T, sim::Triangular>) return {"min", "mode", "max"};
        if constexpr (std::is_same_v<T, sim::BetaPert>) return {"min", "mode", "max", "lambda"};
        if constexpr (std::is_same_v<T, sim::Exponential>) return {"mean"};
        if constexpr (std::is_same_v<T, sim::LogNormal>) return {"median", "sigma"};
        if constexpr (std::is_same_v<T, sim::Gamma>) return {"mean", "shape"};
        if constexpr (std::is_same_v<T, sim::Weibull>) return {"scale", "shape"};
        if constexpr (std::is_same_v<T, sim::Normal>) return {"mean", "sd"};
        return {};  // empirical: its values are listed one by one; others never come from a file
      },
      d);
}

double distribution_value(const AnyDistribution& d, const std::string& key, std::size_t item) {
  return std::visit(
      [&](const auto& x) -> double {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, sim::Fixed>) return x.value();
        if constexpr (std::is_same_v<T, sim::Uniform>) return key == "min" ? x.a() : x.b();
        if constexpr (std::is_same_v<T, sim::Triangular> || std::is_same_v<T, sim::BetaPert>) {
          if constexpr (std::is_same_v<T, sim::BetaPert>) {
            if (key == "lambda") return x.lambda();
          }
          return key == "min" ? x.min() : key == "mode" ? x.mode() : x.max();
        }
        if constexpr (std::is_same_v<T, sim::Exponential>) return x.mean();
        if constexpr (std::is_same_v<T, sim::LogNormal>) return key == "median" ? std::exp(x.mu()) : x.sigma();
        if constexpr (std::is_same_v<T, sim::Gamma>) return key == "mean" ? x.mean() : x.shape();
        if constexpr (std::is_same_v<T, sim::Weibull>) return key == "scale" ? x.scale() : x.shape();
        if constexpr (std::is_same_v<T, sim::Normal>) return key == "mean" ? x.mu() : x.sigma();
        if constexpr (std::is_same_v<T, sim::Empirical>) return x.observations()[item];
        throw InternalError("a distribution kind the scenario format does not have");
      },
      d);
}

// The distribution with parameter `key` set to `v` and every other parameter
// as it was (read from the same members the loader built it from).
AnyDistribution with_value(const AnyDistribution& d, const std::string& key, std::size_t item, double v) {
  return std::visit(
      [&](const auto& x) -> AnyDistribution {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, sim::Fixed>) return sim::Fixed(v);
        if constexpr (std::is_same_v<T, sim::Uniform>)
          return key == "min" ? sim::Uniform(v, x.b()) : sim::Uniform(x.a(), v);
        if constexpr (std::is_same_v<T, sim::Triangular>) {
          return sim::Triangular(key == "min" ? v : x.min(), key == "mode" ? v : x.mode(), key == "max" ? v : x.max());
        }
        if constexpr (std::is_same_v<T, sim::BetaPert>) {
          return sim::BetaPert(key == "min" ? v : x.min(), key == "mode" ? v : x.mode(), key == "max" ? v : x.max(),
                               key == "lambda" ? v : x.lambda());
        }
        if constexpr (std::is_same_v<T, sim::Exponential>) return sim::Exponential(1.0 / v);
        if constexpr (std::is_same_v<T, sim::LogNormal>) {
          return key == "median" ? sim::LogNormal(std::log(v), x.sigma()) : sim::LogNormal(x.mu(), v);
        }
        if constexpr (std::is_same_v<T, sim::Gamma>) {
          return key == "mean" ? sim::Gamma(x.shape(), v / x.shape()) : sim::Gamma(v, x.mean() / v);
        }
        if constexpr (std::is_same_v<T, sim::Weibull>) {
          return key == "scale" ? sim::Weibull(x.shape(), v) : sim::Weibull(v, x.scale());
        }
        if constexpr (std::is_same_v<T, sim::Normal>) {
          return key == "mean" ? sim::Normal(v, x.sigma()) : sim::Normal(x.mu(), v);
        }
        if constexpr (std::is_same_v<T, sim::Empirical>) {
          std::vector<double> obs = x.observations();
          obs[item] = v;
          return sim::Empirical(std::move(obs));
        }
        throw InternalError("a distribution kind the scenario format does not have");
      },
      d);
}

}  // namespace

/// Walks a scenario and lists its numbers, each with its path and accessor.
class SpaceBuilder {
 public:
  using Target = ParameterSpace::Target;
  SpaceBuilder(std::vector<Parameter>& params, std::vector<Target>& targets) : params_(params), targets_(targets) {}

  void number(std::string path, std::string schema, Unit unit, std::function<double*(Scenario&)> at,
              double scale = 1.0) {
    Target t;
    t.number = std::move(at);
    t.scale = scale;
    add(std::move(path), std::move(schema), unit, "", std::move(t));
  }

  void count(std::string path, std::string schema, std::function<int*(Scenario&)> at) {
    Target t;
    t.count = std::move(at);
    add(std::move(path), std::move(schema), Unit::kCount, "", std::move(t));
  }

  void count64(std::string path, std::string schema, std::function<std::int64_t*(Scenario&)> at) {
    Target t;
    t.count64 = std::move(at);
    add(std::move(path), std::move(schema), Unit::kCount, "", std::move(t));
  }

  /// A value that may be scaled by a lever: `path.value` (also `path`), and
  /// `path.power` when a lever scales it by a power.
  void scaled(const std::string& path, const std::string& schema, const Scaled& s, Unit unit,
              const std::function<Scaled*(Scenario&)>& at, double scale = 1.0) {
    number(
        path + ".value", schema + ".value", unit, [at](Scenario& sc) { return &at(sc)->base; }, scale);
    if (s.lever >= 0 && s.form == Scaled::Form::kPower) {
      number(path + ".power", schema + ".power", Unit::kNumber, [at](Scenario& sc) { return &at(sc)->power; });
    }
  }

  void distribution(const std::string& path, const std::string& schema, const AnyDistribution& d,
                    const std::function<AnyDistribution*(Scenario&)>& at) {
    for (const std::string& key : distribution_keys(d)) {
      const Unit unit = key == "sigma" || key == "shape" || key == "lambda" ? Unit::kNumber : Unit::kDays;
      Target t;
      t.distribution = at;
      add(path + "." + key, schema + "." + key, unit, key, std::move(t));
    }
    if (const auto* e = std::get_if<sim::Empirical>(&d)) {
      for (std::size_t i = 0; i < e->observations().size(); ++i) {
        Target t;
        t.distribution = at;
        t.item = i;
        add(fmt::format("{}.values.{}", path, i), schema + ".values[]", Unit::kDays, "values", std::move(t));
      }
    }
  }

 private:
  void add(std::string path, std::string schema, Unit unit, std::string key, Target t) {
    t.key = find_key(schema);
    params_.push_back(Parameter{std::move(path), std::move(schema), unit, std::move(key)});
    targets_.push_back(std::move(t));
  }
  std::vector<Parameter>& params_;
  std::vector<Target>& targets_;
};

namespace {

void programme_parameters(const Scenario& sc, SpaceBuilder& b) {
  b.number("programme.codesign_start", "programme.codesign_start", Unit::kDay,
           [](Scenario& s) { return &s.codesign_start; });
  b.distribution("programme.codesign_duration", "programme.codesign_duration", sc.codesign_duration,
                 [](Scenario& s) { return &s.codesign_duration; });
  b.number("programme.designation", "programme.designation", Unit::kDay, [](Scenario& s) { return &s.designation; });
  b.distribution("programme.design_duration", "programme.design_duration", sc.design_work,
                 [](Scenario& s) { return &s.design_work; });
  b.scaled("programme.central_capacity", "programme.central_capacity", sc.central_capacity, Unit::kNumber,
           [](Scenario& s) { return &s.central_capacity; });
  b.number("programme.central_support_elasticity", "programme.central_support_elasticity", Unit::kNumber,
           [](Scenario& s) { return &s.central_support_elasticity; });
  b.number("programme.unsupported_design_penalty", "programme.unsupported_design_penalty", Unit::kNumber,
           [](Scenario& s) { return &s.unsupported_design_penalty; });
  b.number("programme.local_support_elasticity", "programme.local_support_elasticity", Unit::kNumber,
           [](Scenario& s) { return &s.local_support_elasticity; });
  b.number("programme.transactional_prep_effect", "programme.transactional_prep_effect", Unit::kNumber,
           [](Scenario& s) { return &s.transactional_prep_effect; });
  b.distribution("programme.ramp_duration", "programme.ramp_duration", sc.ramp, [](Scenario& s) { return &s.ramp; });
  b.number("programme.codesign_support_elasticity", "programme.codesign_support_elasticity", Unit::kNumber,
           [](Scenario& s) { return &s.codesign_support_elasticity; });
  b.number("programme.promise_slack", "programme.promise_slack", Unit::kDays,
           [](Scenario& s) { return &s.promise_slack; });
  b.number("programme.promise_drift", "programme.promise_drift", Unit::kNumber,
           [](Scenario& s) { return &s.promise_drift; });
  b.number("plan.pilot_start", "plan.pilot_start", Unit::kDay, [](Scenario& s) { return &s.planned_pilot_day; });
}

void list_parameters(const Scenario& sc, SpaceBuilder& b) {
  for (std::size_t i = 0; i < sc.milestones.size(); ++i) {
    b.count(fmt::format("milestones.{}.observed_live", i), "milestones[].observed_live",
            [i](Scenario& s) { return &s.milestones[i].observed_live; });
  }
  for (std::size_t i = 0; i < sc.funding.size(); ++i) {
    const std::string at = fmt::format("funding.{}.", sc.funding[i].year);
    b.number(at + "central", "funding[].central", Unit::kNumber, [i](Scenario& s) { return &s.funding[i].central; });
    b.number(at + "consultancy", "funding[].consultancy", Unit::kNumber,
             [i](Scenario& s) { return &s.funding[i].consultancy; });
    b.number(at + "local", "funding[].local", Unit::kNumber, [i](Scenario& s) { return &s.funding[i].local; });
  }
  for (std::size_t i = 0; i < sc.levers.size(); ++i) {
    const std::string at = "levers." + sc.levers[i].id + ".";
    const Unit unit = sc.levers[i].kind == model::Lever::Kind::kDate ? Unit::kDay : Unit::kNumber;
    b.number(at + "value", "levers.*.value", unit, [i](Scenario& s) { return &s.levers[i].value; });
    b.number(at + "low", "levers.*.low", unit, [i](Scenario& s) { return &s.levers[i].low; });
    b.number(at + "high", "levers.*.high", unit, [i](Scenario& s) { return &s.levers[i].high; });
    for (std::size_t c = 0; c < sc.levers[i].changes.size(); ++c) {
      b.number(fmt::format("{}changes.{}.value", at, c), "levers.*.changes[].value", unit,
               [i, c](Scenario& s) { return &s.levers[i].changes[c].value; });
    }
    if (sc.levers[i].slip) {
      b.distribution(at + "slip", "levers.*.slip", *sc.levers[i].slip, [i](Scenario& s) { return &*s.levers[i].slip; });
    }
    if (sc.levers[i].costed()) {
      b.number(at + "cost_per_year", "levers.*.cost_per_year", Unit::kNumber,
               [i](Scenario& s) { return &s.levers[i].cost_per_year; });
      b.number(at + "cost_once", "levers.*.cost_once", Unit::kNumber,
               [i](Scenario& s) { return &s.levers[i].cost_once; });
    }
  }
  for (std::size_t i = 0; i < sc.workstreams.size(); ++i) {
    b.distribution("workstreams." + sc.workstreams[i].id + ".work", "workstreams[].work", sc.workstreams[i].work,
                   [i](Scenario& s) { return &s.workstreams[i].work; });
  }
  for (std::size_t i = 0; i < sc.schemes.size(); ++i) {
    const std::string at = "schemes." + sc.schemes[i].id + ".";
    b.number(at + "readiness", "schemes[].readiness", Unit::kNumber,
             [i](Scenario& s) { return &s.schemes[i].readiness; });
    for (std::size_t p = 0; p < sc.schemes[i].populations.size(); ++p) {
      b.count64(fmt::format("{}populations.{}.size", at, p), "schemes[].populations[].size",
                [i, p](Scenario& s) { return &s.schemes[i].populations[p].size; });
    }
  }
}

void barrier_parameters(const Scenario& sc, std::size_t i, SpaceBuilder& b) {
  using model::Barrier;
  const Barrier& br = sc.barriers[i];
  const std::string at = "barriers." + br.id + ".";
  const auto barrier = [i](Scenario& s) { return &s.barriers[i]; };
  if (br.trigger != Barrier::Trigger::kSlip) {
    b.scaled(at + "trigger.probability", "barriers[].trigger.probability", br.probability, Unit::kNumber,
             [barrier](Scenario& s) { return &barrier(s)->probability; });
  }
  if (br.trigger == Barrier::Trigger::kWindow || br.trigger == Barrier::Trigger::kHazard) {
    b.number(at + "trigger.from", "barriers[].trigger.from", Unit::kDay,
             [barrier](Scenario& s) { return &barrier(s)->from; });
  }
  if (br.trigger == Barrier::Trigger::kWindow) {
    b.number(at + "trigger.to", "barriers[].trigger.to", Unit::kDay,
             [barrier](Scenario& s) { return &barrier(s)->to; });
  }
  if (br.trigger == Barrier::Trigger::kHazard) {
    // Stored per day, written per year.
    b.scaled(
        at + "trigger.per_year", "barriers[].trigger.per_year", br.rate_per_day, Unit::kNumber,
        [barrier](Scenario& s) { return &barrier(s)->rate_per_day; }, sim::Duration::kDaysPerYear);
    b.count(at + "trigger.max_occurrences", "barriers[].trigger.max_occurrences",
            [barrier](Scenario& s) { return &barrier(s)->max_occurrences; });
  }
  if (br.trigger == Barrier::Trigger::kSlip) {
    b.number(at + "trigger.threshold", "barriers[].trigger.threshold", Unit::kDays,
             [barrier](Scenario& s) { return &barrier(s)->threshold; });
  }
  if (br.effect == Barrier::Effect::kDelay || br.effect == Barrier::Effect::kSlowdown) {
    b.distribution(at + "effect.duration", "barriers[].effect.duration", br.duration,
                   [barrier](Scenario& s) { return &barrier(s)->duration; });
    b.scaled(at + "effect.duration_scale", "barriers[].effect.duration_scale", br.duration_scale, Unit::kNumber,
             [barrier](Scenario& s) { return &barrier(s)->duration_scale; });
  }
  if (br.effect == Barrier::Effect::kSlowdown) {
    b.scaled(at + "effect.factor", "barriers[].effect.factor", br.factor, Unit::kNumber,
             [barrier](Scenario& s) { return &barrier(s)->factor; });
  }
  if (br.effect == Barrier::Effect::kRework) {
    b.scaled(at + "effect.fraction", "barriers[].effect.fraction", br.fraction, Unit::kNumber,
             [barrier](Scenario& s) { return &barrier(s)->fraction; });
  }
  if (br.workaround) {
    b.distribution(at + "resolution.workaround", "barriers[].resolution.workaround", *br.workaround,
                   [barrier](Scenario& s) { return &*barrier(s)->workaround; });
    b.number(at + "resolution.workaround_pace", "barriers[].resolution.workaround_pace", Unit::kNumber,
             [barrier](Scenario& s) { return &barrier(s)->workaround_pace; });
  }
}

}  // namespace

ParameterSpace::ParameterSpace(const Scenario& sc) {
  SpaceBuilder b(parameters_, targets_);
  programme_parameters(sc, b);
  list_parameters(sc, b);
  for (std::size_t i = 0; i < sc.barriers.size(); ++i) barrier_parameters(sc, i, b);
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const std::string& path = parameters_[i].path;
    by_path_.emplace_back(path, i);
    // A scaled value answers to its own name too.
    constexpr std::string_view kValue = ".value";
    if (path.size() > kValue.size() && path.compare(path.size() - kValue.size(), kValue.size(), kValue) == 0 &&
        path.rfind("levers.", 0) != 0 && parameters_[i].distribution_key.empty()) {
      by_path_.emplace_back(path.substr(0, path.size() - kValue.size()), i);
    }
  }
  std::sort(by_path_.begin(), by_path_.end());
}

ParameterSpace::~ParameterSpace() = default;
ParameterSpace::ParameterSpace(const ParameterSpace&) = default;
ParameterSpace& ParameterSpace::operator=(const ParameterSpace&) = default;
ParameterSpace::ParameterSpace(ParameterSpace&&) noexcept = default;
ParameterSpace& ParameterSpace::operator=(ParameterSpace&&) noexcept = default;

std::optional<std::size_t> ParameterSpace::find(std::string_view path) const {
  const auto it = std::lower_bound(by_path_.begin(), by_path_.end(), path,
                                   [](const auto& e, std::string_view p) { return e.first < p; });
  if (it == by_path_.end() || it->first != path) return std::nullopt;
  return it->second;
}

std::string ParameterSpace::nearest(std::string_view path) const {
  std::vector<std::string> paths;
  paths.reserve(parameters_.size());
  for (const Parameter& p : parameters_) paths.push_back(p.path);
  return nearest_word(path, paths).value_or("");
}

double ParameterSpace::get(const Scenario& sc, std::size_t i) const {
  const Target& t = targets_.at(i);
  auto& s = const_cast<Scenario&>(sc);  // the accessors only locate; nothing is written
  if (t.number) return *t.number(s) * t.scale;
  if (t.count) return *t.count(s);
  if (t.count64) return static_cast<double>(*t.count64(s));
  return distribution_value(*t.distribution(s), parameters_[i].distribution_key, t.item);
}

void ParameterSpace::set(Scenario& sc, std::size_t i, double value) const {
  const Parameter& p = parameters_.at(i);
  const Target& t = targets_[i];
  if (!std::isfinite(value)) throw Error(fmt::format("{}: {} is not a finite number", p.path, value));
  if (t.key) {
    if (const auto problem = number_problem(*t.key, value)) throw Error(fmt::format("{}: {}", p.path, *problem));
  }
  if (t.number) {
    *t.number(sc) = value / t.scale;
    return;
  }
  if (t.count || t.count64) {
    constexpr double kLargest = 9007199254740992.0;  // 2^53: every whole double up to here is exact
    const double limit = t.count ? 2147483647.0 : kLargest;
    if (value != std::floor(value) || std::abs(value) > limit) {
      throw Error(fmt::format("{}: expected a whole number, got {}", p.path, value));
    }
    if (t.count) *t.count(sc) = static_cast<int>(value);
    if (t.count64) *t.count64(sc) = static_cast<std::int64_t>(value);
    return;
  }
  AnyDistribution& d = *t.distribution(sc);
  try {
    d = with_value(d, p.distribution_key, t.item, value);
  } catch (const sim::DistributionError& e) {
    throw Error(fmt::format("{}: {} makes the distribution invalid: {}", p.path, value, e.what()));
  }
}

std::string ParameterSpace::text(const Scenario& sc, std::size_t i, double value) const {
  const Parameter& p = parameters_.at(i);
  switch (p.unit) {
    case Unit::kDays: {
      // The format reads a duration's number in plain decimals: no exponent.
      std::string n = fmt::format("{}", value);
      if (n.find_first_of("eE") != std::string::npos) {
        n = fmt::format("{:.20f}", value);
        while (n.size() > 1 && n.back() == '0') n.pop_back();
        if (n.back() == '.') n.pop_back();
      }
      return n + " days";
    }
    case Unit::kDay:
      return model::iso_day(sc, static_cast<int>(std::lround(value)));
    case Unit::kCount:
    case Unit::kNumber:
      break;
  }
  return fmt::format("{}", value);
}

namespace {

/// A node of an overlay's tree of keys: a map of keys, or a list of items
/// each named by a key (`id` or `year`), or a value.
struct OverlayNode {
  // Its keys in first-set order, and their nodes (two vectors: a vector may
  // hold the type it is a member of, a pair may not).
  std::vector<std::string> names;
  std::vector<OverlayNode> children;
  std::string item_key;  // a list: "id" or "year"
  std::string value, comment;
  OverlayNode& child(const std::string& k);
};

OverlayNode& OverlayNode::child(const std::string& k) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == k) return children[i];
  }
  names.push_back(k);
  children.emplace_back();
  return children.back();
}

std::vector<std::string> split_dots(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (true) {
    const std::size_t dot = s.find('.', at);
    out.push_back(s.substr(at, dot == std::string::npos ? std::string::npos : dot - at));
    if (dot == std::string::npos) return out;
    at = dot + 1;
  }
}

std::string yaml_scalar(const std::string& v) {
  // Values are numbers, "N days" or ISO dates: plain scalars. Anything else is quoted.
  const bool plain = !v.empty() && v.find_first_of(":#{}[],&*!|>'\"%@`") == std::string::npos && v.front() != ' ' &&
                     v.back() != ' ' && v.front() != '-';
  if (plain) return v;
  std::string q = "\"";
  for (const char c : v) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

void emit(const OverlayNode& n, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  for (std::size_t k = 0; k < n.names.size(); ++k) {
    const std::string& key = n.names[k];
    const OverlayNode& child = n.children[k];
    if (!child.item_key.empty()) {
      out += pad + key + ":\n";
      for (std::size_t i = 0; i < child.names.size(); ++i) {
        out += pad + "  - " + child.item_key + ": " + yaml_scalar(child.names[i]) + "\n";
        emit(child.children[i], indent + 4, out);
      }
    } else if (child.names.empty()) {
      out +=
          pad + key + ": " + yaml_scalar(child.value) + (child.comment.empty() ? "" : "   # " + child.comment) + "\n";
    } else {
      out += pad + key + ":\n";
      emit(child, indent + 2, out);
    }
  }
}

}  // namespace

std::string overlay_text(const ParameterSpace& space, const std::string& extends, const std::string& name,
                         const std::string& description, const std::vector<OverlayValue>& values) {
  OverlayNode root;
  for (const OverlayValue& v : values) {
    const Parameter& p = space.parameters().at(v.index);
    const std::vector<std::string> path = split_dots(p.path);
    const std::vector<std::string> schema = split_dots(p.schema);
    OverlayNode* node = &root;
    std::size_t i = 0;
    for (std::size_t s = 0; s < schema.size() && i < path.size(); ++s, ++i) {
      const std::string& key = schema[s];
      if (key == "*") {  // a lever (a map keyed by id)
        node = &node->child(path[i]);
        continue;
      }
      if (key.size() > 2 && key.ends_with("[]")) {
        const std::string list = key.substr(0, key.size() - 2);
        OverlayNode& l = node->child(list);
        l.item_key = list == "funding" ? "year" : "id";
        if (i + 1 >= path.size()) break;
        const std::string& item = path[++i];
        if (list != "funding" && std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          throw Error(
              fmt::format("{}: an overlay cannot name an item of {} by its position; set it with --set", p.path, list));
        }
        node = &l.child(item);
        continue;
      }
      node = &node->child(path[i]);
    }
    // A scaled value's own number (path ending in .value beyond the schema) lands as `value:`.
    for (; i < path.size(); ++i) node = &node->child(path[i]);
    node->value = v.text;
    node->comment = v.comment;
  }
  std::string out = "extends: " + yaml_scalar(extends) + "\nname: " + name + "\ndescription: >\n";
  out += "  " + description + "\n";
  emit(root, 0, out);
  return out;
}

}  // namespace wsic::scenario
