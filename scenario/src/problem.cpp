#include "wsic/scenario/problem.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include "suggest.hpp"
#include "wsic/sim/time.hpp"

namespace wsic::scenario {

namespace {

constexpr std::size_t kMaxProblemBytes = 1u << 20;
constexpr std::size_t kMaxProblemParameters = 64;

struct Sink {
  std::string file;
  std::vector<Diagnostic> problems;
  void error(int line, int column, std::string key, std::string message) {
    problems.push_back({file, line, column, std::move(key), std::move(message)});
  }
  void error(const YAML::Node& n, std::string key, std::string message) {
    error(n.Mark(), std::move(key), std::move(message));
  }
  void error(const YAML::Mark& m, std::string key, std::string message) {
    error(m.line + 1, m.column + 1, std::move(key), std::move(message));
  }
};

/// Where the value of `key` in `map` is, or the key itself when its value
/// is empty (yaml-cpp places an empty value at the next token).
YAML::Mark at_key(const YAML::Node& map, const std::string& key) {
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second.IsNull() ? kv.first.Mark() : kv.second.Mark();
  }
  return map.Mark();
}

/// A key given twice in one map is refused (yaml-cpp would keep the first).
void refuse_duplicates(const YAML::Node& map, const std::string& at, Sink& sink) {
  std::vector<std::pair<std::string, int>> seen;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) continue;
    const std::string& key = kv.first.Scalar();
    const auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& e) { return e.first == key; });
    if (it != seen.end()) {
      sink.error(kv.first, at,
                 fmt::format("duplicate key '{}' (first given at line {}): give each key once", key, it->second));
    } else {
      seen.emplace_back(key, kv.first.Mark().line + 1);
    }
  }
}

std::optional<ProblemValue> scalar(const YAML::Node& n, const YAML::Mark& m, const std::string& key, Sink& sink) {
  if (!n.IsScalar() || n.Scalar().empty()) {
    sink.error(
        m, key,
        std::string("expected a value written as the scenario file writes it (0.3, 4 months, 2015-04-01), got ") +
            (n.IsNull() ? "nothing" : "a list or a map"));
    return std::nullopt;
  }
  return ProblemValue{n.Scalar(), m.line + 1, m.column + 1};
}

ProblemEntry entry(const YAML::Node& item, std::size_t k, Sink& sink) {
  ProblemEntry e;
  const std::string at = fmt::format("parameters[{}]", k);
  const YAML::Mark im = item.Mark();
  e.line = im.line + 1;
  e.column = im.column + 1;
  if (!item.IsMap()) {
    sink.error(item, at, "expected a map with path: and range: (or dist: and its values)");
    return e;
  }
  refuse_duplicates(item, at, sink);
  static const std::vector<std::string> known = {"path", "dist", "range", "mode", "mean", "sd"};
  for (const auto& kv : item) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      sink.error(kv.first, at, fmt::format("unknown key '{}'; expected path, dist, range, mode, mean or sd", key));
    }
  }
  if (const YAML::Node p = item["path"]; p && p.IsScalar() && !p.Scalar().empty()) {
    e.path = p.Scalar();
    e.line = p.Mark().line + 1;
    e.column = p.Mark().column + 1;
  } else {
    sink.error(item, at + ".path", "path: is missing: name a number of the scenario, e.g. schemes.ealing.readiness");
  }
  e.dist = "uniform";
  if (const YAML::Node d = item["dist"]) {
    if (!d.IsScalar() || (d.Scalar() != "uniform" && d.Scalar() != "triangular" && d.Scalar() != "normal")) {
      sink.error(d, at + ".dist", "expected uniform, triangular or normal");
    } else {
      e.dist = d.Scalar();
    }
  }
  const auto need = [&](const char* key, ProblemValue& into) {
    const YAML::Node v = item[key];
    if (!v) {
      sink.error(item, at, fmt::format("{} needs {}:", e.dist, key));
      return;
    }
    if (auto s = scalar(v, at_key(item, key), at + "." + key, sink)) into = *s;
  };
  const auto refuse = [&](const char* key) {
    if (const YAML::Node v = item[key]) sink.error(v, at + "." + key, fmt::format("{} takes no {}:", e.dist, key));
  };
  if (e.dist == "normal") {
    need("mean", e.mean);
    need("sd", e.sd);
    refuse("range");
    refuse("mode");
    return e;
  }
  refuse("mean");
  refuse("sd");
  if (e.dist == "uniform") refuse("mode");
  const YAML::Node r = item["range"];
  if (!r) {
    sink.error(item, at, "range: is missing: give [LOW, HIGH]");
  } else if (!r.IsSequence() || r.size() != 2) {
    sink.error(at_key(item, "range"), at + ".range", "expected [LOW, HIGH], two values");
  } else {
    if (auto s = scalar(r[0], r[0].Mark(), at + ".range[0]", sink)) e.low = *s;
    if (auto s = scalar(r[1], r[1].Mark(), at + ".range[1]", sink)) e.high = *s;
  }
  if (e.dist == "triangular") need("mode", e.mode);
  return e;
}

}  // namespace

namespace {

/// The YAML document of a research file (a problem or a calibration),
/// checked for size; throws ScenarioError.
YAML::Node read_document(const std::filesystem::path& file, Sink& sink) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    sink.error(0, 0, "", fmt::format("cannot read the file: {}", ec.message()));
    throw ScenarioError(std::move(sink.problems));
  }
  if (size > kMaxProblemBytes) {
    sink.error(0, 0, "", fmt::format("the file is {} bytes; at most {} are read", size, kMaxProblemBytes));
    throw ScenarioError(std::move(sink.problems));
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  try {
    return YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    sink.error(e.mark.line + 1, e.mark.column + 1, "", "not valid YAML: " + e.msg);
    throw ScenarioError(std::move(sink.problems));
  }
}

void read_parameters(const YAML::Node& doc, const char* key, Sink& sink, std::vector<ProblemEntry>& out) {
  const YAML::Node list = doc[key];
  if (!list.IsSequence() || list.size() == 0) {
    sink.error(at_key(doc, key), key, "expected a list of at least one parameter");
  } else if (list.size() > kMaxProblemParameters) {
    sink.error(list, key, fmt::format("{} parameters: at most {}", list.size(), kMaxProblemParameters));
  } else {
    for (std::size_t k = 0; k < list.size(); ++k) out.push_back(entry(list[k], k, sink));
  }
}

}  // namespace

Problem load_problem(const std::filesystem::path& file) {
  Problem p;
  p.file = file.string();
  Sink sink{p.file, {}};
  const YAML::Node doc = read_document(file, sink);
  if (!doc.IsMap() || !doc["parameters"]) {
    sink.error(1, 1, "", "expected a map with parameters: (a list of the parameters to vary)");
    throw ScenarioError(std::move(sink.problems));
  }
  for (const auto& kv : doc) {
    if (!kv.first.IsScalar() || kv.first.Scalar() != "parameters") {
      sink.error(kv.first, "", "unknown key; the file holds parameters: only");
    }
  }
  refuse_duplicates(doc, "", sink);
  read_parameters(doc, "parameters", sink, p.entries);
  if (!sink.problems.empty()) throw ScenarioError(std::move(sink.problems));
  return p;
}

ProblemEntry parse_param(const std::string& text, int n) {
  ProblemEntry e;
  e.dist = "uniform";
  e.line = n;
  e.column = 1;
  const auto fail = [&](std::size_t col, std::string message) {
    throw ScenarioError({Diagnostic{"--param", n, static_cast<int>(col), "", std::move(message)}});
  };
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) fail(1, "expected PATH=LOW:HIGH, e.g. levers.central_share.value=0.3:0.7");
  e.path = text.substr(0, eq);
  const std::size_t colon = text.find(':', eq + 1);
  if (colon == std::string::npos || text.find(':', colon + 1) != std::string::npos) {
    fail(eq + 2, "expected LOW:HIGH after '=' (a uniform range; use --problem for other distributions)");
  }
  e.low = {text.substr(eq + 1, colon - eq - 1), n, static_cast<int>(eq + 2)};
  e.high = {text.substr(colon + 1), n, static_cast<int>(colon + 2)};
  if (e.low.text.empty()) fail(eq + 2, "LOW is missing");
  if (e.high.text.empty()) fail(colon + 2, "HIGH is missing");
  return e;
}

namespace {

/// A duration or plain number as the scenario format writes it, in days for
/// a duration: "0.2", "3 weeks", "1.5 months".
std::optional<double> plain_or_duration(const std::string& text, bool duration) {
  std::istringstream in(text);
  in.imbue(std::locale::classic());
  double v = 0;
  if (!(in >> v) || !std::isfinite(v)) return std::nullopt;
  std::string unit, rest;
  in >> unit;
  if (in >> rest) return std::nullopt;
  if (!duration) return unit.empty() ? std::optional<double>(v) : std::nullopt;
  constexpr double kYear = 365.2425;
  if (unit == "day" || unit == "days") return v;
  if (unit == "week" || unit == "weeks") return v * 7.0;
  if (unit == "month" || unit == "months") return v * kYear / 12.0;
  if (unit == "year" || unit == "years") return v * kYear;
  return std::nullopt;
}

}  // namespace

std::vector<ResolvedParameter> resolve_problem(const Problem& problem, const std::filesystem::path& file,
                                               const std::vector<Override>& overrides, const ParameterSpace& space) {
  std::vector<Diagnostic> problems;
  const auto at = [&](const ProblemValue& v, std::string message) {
    problems.push_back({problem.file, v.line, v.column, "", std::move(message)});
  };
  std::vector<ResolvedParameter> out;
  // Loads the scenario with `extra` set; the diagnostics, or the scenario.
  const auto load_with = [&](const std::vector<Override>& extra) {
    std::vector<Override> all = overrides;
    all.insert(all.end(), extra.begin(), extra.end());
    return check_scenario(file, {}, all);
  };
  const auto first_message = [](const LoadResult& r) {
    if (r.diagnostics.empty()) return std::string("the scenario cannot be loaded");
    const Diagnostic& d = r.diagnostics.front();
    return d.key_path.empty() ? d.message : d.key_path + ": " + d.message;
  };
  for (const ProblemEntry& e : problem.entries) {
    ResolvedParameter p;
    p.path = e.path;
    p.dist = e.dist;
    const auto index = space.find(e.path);
    if (!index) {
      const std::string near = space.nearest(e.path);
      at({e.path, e.line, e.column},
         fmt::format("'{}' names no number of the scenario{}", e.path,
                     near.empty() ? std::string() : fmt::format("; did you mean '{}'?", near)));
      continue;
    }
    p.index = *index;
    for (const ResolvedParameter& q : out) {
      if (q.index == p.index) at({e.path, e.line, e.column}, fmt::format("'{}' is given twice", e.path));
    }
    const Parameter& param = space.parameters()[p.index];
    bool ok = true;
    const auto number = [&](const ProblemValue& v, double& into) {
      const LoadResult r = load_with({Override{e.path, v.text}});
      if (!r.ok()) {
        at(v, fmt::format("{} = {}: {}", e.path, v.text, first_message(r)));
        ok = false;
        return;
      }
      into = space.get(*r.scenario, p.index);
    };
    if (e.dist == "normal") {
      number(e.mean, p.mean);
      const auto sd = plain_or_duration(e.sd.text, param.unit == Unit::kDays || param.unit == Unit::kDay);
      if (!sd || *sd <= 0.0) {
        at(e.sd,
           fmt::format("sd must be a positive {}, got '{}'",
                       param.unit == Unit::kNumber || param.unit == Unit::kCount ? "number" : "duration", e.sd.text));
        ok = false;
      } else {
        p.sd = *sd;
      }
      // What the checks below take as its range: the reach of the sample,
      // six standard deviations either side (experiment::SensitivityParameter).
      p.low = p.mean - 6.0 * p.sd;
      p.high = p.mean + 6.0 * p.sd;
    } else {
      number(e.low, p.low);
      number(e.high, p.high);
      if (ok && !(p.low < p.high)) {
        at(e.high, fmt::format("HIGH ({}) must be above LOW ({})", e.high.text, e.low.text));
        ok = false;
      }
      if (e.dist == "triangular") {
        number(e.mode, p.mode);
        if (ok && (p.mode < p.low || p.mode > p.high)) {
          at(e.mode, fmt::format("the mode ({}) must lie within the range", e.mode.text));
          ok = false;
        }
      }
    }
    if (param.unit == Unit::kCount) {
      at({e.path, e.line, e.column},
         fmt::format("'{}' is a whole number; sensitivity analysis samples continuous values: vary it with a sweep",
                     e.path));
      ok = false;
    }
    if (ok) out.push_back(std::move(p));
  }
  if (!problems.empty()) throw ScenarioError(std::move(problems));

  // The ends of each range against the rest of the scenario, then every pair
  // at the corners of their ranges: rules that tie two numbers together are
  // linear or monotone in each, so the corners bound the whole box.
  const auto base = check_scenario(file, {}, overrides);
  if (!base.ok()) throw ScenarioError(base.diagnostics);
  const auto text_of = [&](const ResolvedParameter& p, double v) { return space.text(*base.scenario, p.index, v); };
  const auto entry_of = [&](const ResolvedParameter& p) -> const ProblemEntry& {
    for (const ProblemEntry& e : problem.entries) {
      if (e.path == p.path) return e;
    }
    return problem.entries.front();
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (const double v : {out[i].low, out[i].high}) {
      const LoadResult r = load_with({Override{out[i].path, text_of(out[i], v)}});
      if (!r.ok()) {
        const ProblemEntry& e = entry_of(out[i]);
        at({e.path, e.line, e.column},
           fmt::format("at {} = {}: {}", out[i].path, text_of(out[i], v), first_message(r)));
        break;
      }
    }
  }
  if (!problems.empty()) throw ScenarioError(std::move(problems));
  for (std::size_t i = 0; i < out.size() && problems.empty(); ++i) {
    for (std::size_t j = i + 1; j < out.size() && problems.empty(); ++j) {
      for (const double vi : {out[i].low, out[i].high}) {
        for (const double vj : {out[j].low, out[j].high}) {
          if (!problems.empty()) break;
          const LoadResult r =
              load_with({Override{out[i].path, text_of(out[i], vi)}, Override{out[j].path, text_of(out[j], vj)}});
          if (r.ok()) continue;
          const ProblemEntry& e = entry_of(out[j]);
          at({e.path, e.line, e.column},
             fmt::format("with {} = {} and {} = {}: {}; these two ranges cannot be sampled together: narrow them",
                         out[i].path, text_of(out[i], vi), out[j].path, text_of(out[j], vj), first_message(r)));
        }
      }
    }
  }
  if (!problems.empty()) throw ScenarioError(std::move(problems));
  return out;
}

// ---- calibration ------------------------------------------------------------

namespace {

constexpr std::size_t kMaxTargets = 100;

CalibrationTarget target(const YAML::Node& item, std::size_t k, Sink& sink) {
  CalibrationTarget t;
  const std::string at = fmt::format("targets[{}]", k);
  const YAML::Mark m = item.Mark();
  t.line = m.line + 1;
  t.column = m.column + 1;
  if (!item.IsMap()) {
    sink.error(item, at, "expected a map with type: and what was observed");
    return t;
  }
  refuse_duplicates(item, at, sink);
  const YAML::Node type = item["type"];
  const std::string kind = type && type.IsScalar() ? type.Scalar() : std::string();
  std::vector<std::string> known = {"type", "weight", "label", "scale"};
  if (kind == "live_count") {
    t.kind = CalibrationTarget::Kind::kLiveCount;
    known.insert(known.end(), {"date", "observed"});
  } else if (kind == "schemes_live") {
    t.kind = CalibrationTarget::Kind::kSchemesLive;
    known.insert(known.end(), {"date", "schemes"});
  } else if (kind == "date") {
    t.kind = CalibrationTarget::Kind::kDate;
    known.insert(known.end(), {"of", "observed"});
  } else if (kind == "spend") {
    t.kind = CalibrationTarget::Kind::kSpend;
    known.insert(known.end(), {"year", "of", "observed"});
  } else {
    sink.error(type ? type : item, at + ".type", "expected type: live_count, schemes_live, date or spend");
    return t;
  }
  for (const auto& kv : item) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (const auto& k2 : known) list += (list.empty() ? "" : ", ") + k2;
      sink.error(kv.first, at, fmt::format("unknown key '{}' for type {}; expected {}", key, kind, list));
    }
  }
  const auto text = [&](const char* key, std::string& into, bool required) {
    const YAML::Node v = item[key];
    if (!v) {
      if (required) sink.error(item, at, fmt::format("{} needs {}:", kind, key));
      return;
    }
    if (!v.IsScalar() || v.Scalar().empty()) {
      sink.error(at_key(item, key), at + "." + key, "expected a single value");
      return;
    }
    into = v.Scalar();
  };
  text("label", t.label, false);
  text("scale", t.scale_text, false);
  std::string weight;
  text("weight", weight, false);
  if (!weight.empty()) {
    char* end = nullptr;
    t.weight = std::strtod(weight.c_str(), &end);
    if (end == weight.c_str() || *end != '\0' || !std::isfinite(t.weight) || t.weight <= 0.0 || t.weight > 1e6) {
      sink.error(item["weight"], at + ".weight", fmt::format("expected a positive number, got '{}'", weight));
    }
  }
  if (t.kind == CalibrationTarget::Kind::kSpend) {
    text("year", t.year_text, true);
    text("of", t.of, false);
    if (t.of.empty()) t.of = "total";
    if (t.of != "total" && t.of != "central_team" && t.of != "consultancy" && t.of != "local_support") {
      sink.error(item["of"], at + ".of", "expected total, central_team, consultancy or local_support");
    }
    text("observed", t.observed_text, true);
    return t;
  }
  if (t.kind == CalibrationTarget::Kind::kDate) {
    text("of", t.of, true);
    if (!t.of.empty() && t.of != "codesign_end" && t.of != "first_live" && t.of != "majority_live" &&
        t.of != "all_live") {
      sink.error(item["of"], at + ".of", "expected codesign_end, first_live, majority_live or all_live");
    }
    text("observed", t.observed_text, true);
    return t;
  }
  text("date", t.date, true);
  if (t.kind == CalibrationTarget::Kind::kLiveCount) {
    text("observed", t.observed_text, true);
    return t;
  }
  const YAML::Node schemes = item["schemes"];
  if (!schemes) {
    sink.error(item, at, "schemes_live needs schemes: (the ids of the schemes live then; [] for none)");
  } else if (!schemes.IsSequence()) {
    sink.error(schemes, at + ".schemes", "expected a list of scheme ids");
  } else {
    for (const auto& id : schemes) {
      if (!id.IsScalar()) {
        sink.error(id, at + ".schemes", "expected a scheme id");
      } else {
        t.scheme_ids.push_back(id.Scalar());
      }
    }
  }
  return t;
}

}  // namespace

CalibrationFile load_calibration(const std::filesystem::path& file) {
  CalibrationFile c;
  c.priors.file = file.string();
  Sink sink{c.priors.file, {}};
  const YAML::Node doc = read_document(file, sink);
  if (!doc.IsMap() || !doc["parameters"] || !doc["targets"]) {
    sink.error(1, 1, "", "expected a map with parameters: (the priors) and targets: (what was observed)");
    throw ScenarioError(std::move(sink.problems));
  }
  for (const auto& kv : doc) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    if (key != "parameters" && key != "targets" && key != "population" && key != "generations" && key != "quantile" &&
        key != "min_acceptance") {
      sink.error(kv.first, "",
                 "unknown key; expected parameters, targets, population, generations, quantile or min_acceptance");
    }
  }
  refuse_duplicates(doc, "", sink);
  read_parameters(doc, "parameters", sink, c.priors.entries);
  for (const ProblemEntry& e : c.priors.entries) {
    if (e.dist != "uniform") sink.error(e.line, e.column, "parameters", "a prior is uniform: give range: only");
  }
  const YAML::Node targets = doc["targets"];
  if (!targets.IsSequence() || targets.size() == 0) {
    sink.error(at_key(doc, "targets"), "targets", "expected a list of at least one target");
  } else if (targets.size() > kMaxTargets) {
    sink.error(targets, "targets", fmt::format("{} targets: at most {}", targets.size(), kMaxTargets));
  } else {
    for (std::size_t k = 0; k < targets.size(); ++k) c.targets.push_back(target(targets[k], k, sink));
  }
  const auto setting = [&](const char* key, double lo, double hi, bool whole, auto& into) {
    const YAML::Node v = doc[key];
    if (!v) return;
    char* end = nullptr;
    const std::string text = v.IsScalar() ? v.Scalar() : std::string();
    const double x = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(x >= lo && x <= hi) || (whole && x != std::floor(x))) {
      sink.error(
          v, key,
          fmt::format("expected {} from {} to {}, got '{}'", whole ? "a whole number" : "a number", lo, hi, text));
      return;
    }
    into = static_cast<std::remove_reference_t<decltype(into)>>(x);
  };
  setting("population", 10, 1'000'000, true, c.population);
  setting("generations", 1, 100, true, c.generations);
  setting("quantile", 0.01, 0.99, false, c.quantile);
  setting("min_acceptance", 0.0, 1.0, false, c.min_acceptance);
  if (!sink.problems.empty()) throw ScenarioError(std::move(sink.problems));
  return c;
}

void resolve_calibration(CalibrationFile& file, const model::Scenario& sc) {
  Sink sink{file.priors.file, {}};
  const sim::Calendar cal(sc.calendar_start);
  const auto day_of = [&](const CalibrationTarget& t, const std::string& text, const char* what, double& into) -> bool {
    const auto d = sim::parse_iso_date(text);
    if (!d) {
      sink.error(t.line, t.column, "", fmt::format("{}: expected an ISO date like 2015-04-30, got '{}'", what, text));
      return false;
    }
    into = cal.to_time(*d).in_days();
    if (into < 0.0 || into > sc.horizon_day) {
      sink.error(t.line, t.column, "",
                 fmt::format("{} {} is outside the scenario's calendar ({} to {})", what, text,
                             sim::format_iso_date(sc.calendar_start), sim::format_iso_date(sc.horizon)));
      return false;
    }
    return true;
  };
  for (CalibrationTarget& t : file.targets) {
    switch (t.kind) {
      case CalibrationTarget::Kind::kLiveCount: {
        day_of(t, t.date, "date", t.day);
        char* end = nullptr;
        t.observed = std::strtod(t.observed_text.c_str(), &end);
        if (end == t.observed_text.c_str() || *end != '\0' || t.observed != std::floor(t.observed) || t.observed < 0 ||
            t.observed > static_cast<double>(sc.schemes.size())) {
          sink.error(t.line, t.column, "",
                     fmt::format("observed: expected a number of schemes from 0 to {}, got '{}'", sc.schemes.size(),
                                 t.observed_text));
        }
        t.scale = 1.0;
        break;
      }
      case CalibrationTarget::Kind::kSchemesLive: {
        day_of(t, t.date, "date", t.day);
        t.live.assign(sc.schemes.size(), false);
        for (const std::string& id : t.scheme_ids) {
          std::size_t s = 0;
          while (s < sc.schemes.size() && sc.schemes[s].id != id) ++s;
          if (s == sc.schemes.size()) {
            std::vector<std::string> ids;
            for (const auto& x : sc.schemes) ids.push_back(x.id);
            const auto near = nearest_word(id, ids);
            sink.error(t.line, t.column, "",
                       fmt::format("schemes: no scheme '{}' in the scenario{}", id,
                                   near ? fmt::format("; did you mean '{}'?", *near) : std::string()));
            continue;
          }
          t.live[s] = true;
        }
        t.observed = 0.0;  // the statistic is the number of schemes whose state differs
        t.scale = 1.0;
        break;
      }
      case CalibrationTarget::Kind::kDate:
        day_of(t, t.observed_text, "observed", t.observed);
        t.scale = 30.0;
        break;
      case CalibrationTarget::Kind::kSpend: {
        t.scale = 0.5;
        std::size_t y = 0;
        while (y < sc.funding.size() && std::to_string(sc.funding[y].year) != t.year_text) ++y;
        if (y == sc.funding.size()) {
          std::string years;
          for (const auto& f : sc.funding) years += (years.empty() ? "" : ", ") + std::to_string(f.year);
          sink.error(t.line, t.column, "",
                     fmt::format("year: no funding year {} in the scenario (it funds {}; a year is the one its "
                                 "financial year starts in)",
                                 t.year_text, years));
        }
        t.year = y;
        char* end = nullptr;
        t.observed = std::strtod(t.observed_text.c_str(), &end);
        if (end == t.observed_text.c_str() || *end != '\0' || !std::isfinite(t.observed) || t.observed < 0) {
          sink.error(t.line, t.column, "",
                     fmt::format("observed: expected money in £m, 0 or more, got '{}'", t.observed_text));
        }
        break;
      }
    }
    if (!t.scale_text.empty()) {
      const auto v = plain_or_duration(t.scale_text, t.kind == CalibrationTarget::Kind::kDate);
      if (!v || *v <= 0.0) {
        sink.error(t.line, t.column, "",
                   fmt::format("scale: expected a positive {}, got '{}'",
                               t.kind == CalibrationTarget::Kind::kDate    ? "duration (30 days)"
                               : t.kind == CalibrationTarget::Kind::kSpend ? "amount in £m"
                                                                           : "number of schemes",
                               t.scale_text));
      } else {
        t.scale = *v;
      }
    }
  }
  if (!sink.problems.empty()) throw ScenarioError(std::move(sink.problems));
}

}  // namespace wsic::scenario
