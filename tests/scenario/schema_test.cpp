// Keeps scenarios/schema.json, the key reference in SCENARIO_FORMAT.md and the
// loader in agreement: both files are what the format's table generates, the
// schema has the loader's key paths, and both give the same verdict on files
// with unknown keys, keys of another type or wrong types.

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "wsic/scenario/format.hpp"
#include "wsic/scenario/loader.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path source_dir() { return fs::path(__FILE__).parent_path().parent_path().parent_path(); }
fs::path data_dir() { return source_dir() / "tests" / "data" / "scenarios"; }

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

json read_schema() { return json::parse(read_text(source_dir() / "scenarios" / "schema.json")); }

const json& resolve(const json& root, const json& s) {
  const json* cur = &s;
  while (cur->is_object() && cur->contains("$ref")) {
    const std::string ref = (*cur)["$ref"].get<std::string>();
    const std::string prefix = "#/definitions/";
    if (ref.rfind(prefix, 0) != 0) throw std::runtime_error("schema.json: unsupported $ref " + ref);
    cur = &root["definitions"][ref.substr(prefix.size())];
  }
  return *cur;
}

// Every key path the schema describes, in the loader's notation: "[]" for the
// items of a list, "*" for a patternProperties key.
void collect_paths(const json& root, const json& s_in, const std::string& path, std::set<std::string>& out,
                   int depth = 0) {
  if (depth >= 32) throw std::runtime_error("schema.json nests too deep (a $ref cycle?)");
  const json& s = resolve(root, s_in);
  if (!s.is_object()) return;
  const auto child = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
  const auto matches_pattern = [&](const std::string& key) {
    if (!s.contains("patternProperties")) return false;
    for (const auto& [pattern, sub] : s["patternProperties"].items())
      if (std::regex_search(key, std::regex(pattern))) return true;
    return false;
  };
  if (s.contains("properties")) {
    for (const auto& [key, sub] : s["properties"].items()) {
      if (matches_pattern(key)) continue;  // a known lever: one of "*"
      out.insert(child(key));
      collect_paths(root, sub, child(key), out, depth + 1);
    }
  }
  if (s.contains("patternProperties")) {
    for (const auto& [pattern, sub] : s["patternProperties"].items()) {
      out.insert(child("*"));
      collect_paths(root, sub, child("*"), out, depth + 1);
    }
  }
  if (s.contains("items")) collect_paths(root, s["items"], path + "[]", out, depth + 1);
  for (const char* k : {"anyOf", "oneOf", "allOf"}) {
    if (s.contains(k))
      for (const auto& branch : s[k]) collect_paths(root, branch, path, out, depth + 1);
  }
}

// A validator for the subset of draft-07 the schema uses: $ref, type, enum,
// const, pattern, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
// minItems, maxItems, maxLength, maxProperties, required, properties,
// patternProperties, additionalProperties, propertyNames, items, allOf,
// anyOf, oneOf, not, if/then. Returns the paths of the values it rejects.
class SchemaValidator {
 public:
  explicit SchemaValidator(json schema) : root_(std::move(schema)) {}

  std::vector<std::string> validate(const json& doc) const {
    std::vector<std::string> errors;
    check(doc, root_, "", errors);
    return errors;
  }

 private:
  static bool has_type(const json& v, const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "number") return v.is_number();
    if (t == "integer") return v.is_number_integer();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    FAIL("schema uses a type the test validator does not know: " << t);
    return false;
  }

  void check(const json& v, const json& s_in, const std::string& path, std::vector<std::string>& errors) const {
    const json& s = resolve(root_, s_in);
    if (!check_value(v, s, path, errors)) return;
    check_combinators(v, s, path, errors);
    if (v.is_object()) check_object(v, s, path, errors);
    if (v.is_array()) check_array(v, s, path, errors);
  }

  // type, enum, const, pattern, bounds and lengths; false when the type is
  // wrong (nothing else is worth checking then).
  bool check_value(const json& v, const json& s, const std::string& path, std::vector<std::string>& errors) const {
    const auto fail = [&](const std::string& what) { errors.push_back(path + ": " + what); };
    if (s.contains("type")) {
      const json& t = s["type"];
      bool ok = false;
      if (t.is_string())
        ok = has_type(v, t.get<std::string>());
      else
        for (const auto& one : t) ok = ok || has_type(v, one.get<std::string>());
      if (!ok) {
        fail("type " + t.dump());
        return false;
      }
    }
    if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end()) fail("not in enum");
    if (s.contains("const") && v != s["const"]) fail("not the const");
    if (s.contains("pattern") && v.is_string() &&
        !std::regex_search(v.get<std::string>(), std::regex(s["pattern"].get<std::string>())))
      fail("pattern");
    if (v.is_number()) {
      const double x = v.get<double>();
      if (s.contains("minimum") && x < s["minimum"].get<double>()) fail("minimum");
      if (s.contains("maximum") && x > s["maximum"].get<double>()) fail("maximum");
      if (s.contains("exclusiveMinimum") && x <= s["exclusiveMinimum"].get<double>()) fail("exclusiveMinimum");
      if (s.contains("exclusiveMaximum") && x >= s["exclusiveMaximum"].get<double>()) fail("exclusiveMaximum");
    }
    if (v.is_string() && s.contains("maxLength")) {
      std::size_t chars = 0;
      for (const unsigned char c : v.get<std::string>()) chars += (c & 0xC0) != 0x80 ? 1 : 0;
      if (chars > s["maxLength"].get<std::size_t>()) fail("maxLength");
    }
    if (v.is_array() && s.contains("maxItems") && v.size() > s["maxItems"].get<std::size_t>()) fail("maxItems");
    if (v.is_object() && s.contains("maxProperties") && v.size() > s["maxProperties"].get<std::size_t>())
      fail("maxProperties");
    return true;
  }

  // How many of `branches` `v` satisfies.
  int passing(const json& v, const json& branches, const std::string& path) const {
    int n = 0;
    for (const auto& branch : branches) {
      std::vector<std::string> sub;
      check(v, branch, path, sub);
      n += sub.empty() ? 1 : 0;
    }
    return n;
  }

  void check_combinators(const json& v, const json& s, const std::string& path,
                         std::vector<std::string>& errors) const {
    const auto fail = [&](const std::string& what) { errors.push_back(path + ": " + what); };
    if (s.contains("allOf")) {
      for (const auto& branch : s["allOf"]) check(v, branch, path, errors);
    }
    if (s.contains("anyOf") && passing(v, s["anyOf"], path) == 0) fail("anyOf");
    if (s.contains("oneOf")) {
      const int n = passing(v, s["oneOf"], path);
      if (n != 1) fail("oneOf (" + std::to_string(n) + " branches match)");
    }
    if (s.contains("not") && passing(v, json::array({s["not"]}), path) == 1) fail("not");
    if (s.contains("if") && passing(v, json::array({s["if"]}), path) == 1 && s.contains("then")) {
      check(v, s["then"], path, errors);
    }
  }

  void check_object(const json& v, const json& s, const std::string& path, std::vector<std::string>& errors) const {
    if (s.contains("required"))
      for (const auto& k : s["required"])
        if (!v.contains(k.get<std::string>())) errors.push_back(path + ": missing " + k.get<std::string>());
    if (s.contains("propertyNames"))
      for (const auto& [key, value] : v.items()) check(json(key), s["propertyNames"], path, errors);
    for (const auto& [key, value] : v.items()) {
      const std::string child = path.empty() ? key : path + "." + key;
      bool matched = false;
      if (s.contains("properties") && s["properties"].contains(key)) {
        matched = true;
        check(value, s["properties"][key], child, errors);
      }
      if (s.contains("patternProperties")) {
        for (const auto& [pattern, sub] : s["patternProperties"].items()) {
          if (std::regex_search(key, std::regex(pattern))) {
            matched = true;
            check(value, sub, child, errors);
          }
        }
      }
      if (!matched && s.contains("additionalProperties") && s["additionalProperties"] == false)
        errors.push_back(child + ": unknown key");
    }
  }

  void check_array(const json& v, const json& s, const std::string& path, std::vector<std::string>& errors) const {
    if (s.contains("minItems") && v.size() < s["minItems"].get<std::size_t>()) errors.push_back(path + ": minItems");
    if (s.contains("items"))
      for (std::size_t i = 0; i < v.size(); ++i) check(v[i], s["items"], path + "[" + std::to_string(i) + "]", errors);
  }

  json root_;
};

// YAML as a JSON document, as a YAML language server sees it: plain scalars
// that look like null, booleans or numbers are those; everything else
// (dates included) is a string.
json to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : n) out.push_back(to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : n) out[kv.first.Scalar()] = to_json(kv.second);
      return out;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted
  if (s == "null" || s == "~") return nullptr;
  if (s == "true") return true;
  if (s == "false") return false;
  if (std::regex_match(s, std::regex("[-+]?[0-9]+"))) return std::stoll(s);
  if (std::regex_match(s, std::regex("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?"))) return std::stod(s);
  return s;
}

std::vector<std::string> schema_errors(const fs::path& file) {
  static const SchemaValidator validator(read_schema());
  return validator.validate(to_json(YAML::LoadFile(file.string())));
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

}  // namespace

TEST_CASE("Schema.KeyPathsMatchTheLoader", "[model][schema]") {
  const json schema = read_schema();
  std::set<std::string> from_schema;
  collect_paths(schema, schema, "", from_schema);
  const auto& known = wsic::scenario::known_key_paths();
  const std::set<std::string> from_loader(known.begin(), known.end());
  CHECK(known.size() == from_loader.size());  // no duplicates

  std::vector<std::string> only_schema, only_loader;
  std::set_difference(from_schema.begin(), from_schema.end(), from_loader.begin(), from_loader.end(),
                      std::back_inserter(only_schema));
  std::set_difference(from_loader.begin(), from_loader.end(), from_schema.begin(), from_schema.end(),
                      std::back_inserter(only_loader));
  INFO("only in schema.json:\n" << joined(only_schema) << "only in the loader:\n" << joined(only_loader));
  CHECK(only_schema.empty());
  CHECK(only_loader.empty());
  CHECK(from_loader.count("programme.codesign_duration") == 1);
  CHECK(from_loader.count("barriers[].trigger.probability") == 1);
}

TEST_CASE("Schema.ValidScenariosPass", "[model][schema]") {
  // at_the_limits.yaml stands at every limit at once: the schema's limits are
  // the loader's, not one off.
  for (const auto& file :
       {source_dir() / "scenarios" / "baseline.yaml", data_dir() / "minimal.yaml", data_dir() / "overlay_valid.yaml",
        data_dir() / "overlay_remove.yaml", data_dir() / "at_the_limits.yaml"}) {
    INFO(file.string());
    const auto errors = schema_errors(file);
    INFO(joined(errors));
    CHECK(errors.empty());
    CHECK(wsic::scenario::check_scenario(file).ok());
  }
}

TEST_CASE("Schema.UnknownKeysAndWrongTypesFlaggedByBoth", "[model][schema]") {
  // The bad files whose problems are unknown keys or values of the wrong type
  // or shape, with the keys the schema must flag; the loader must flag them too.
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"unknown_key.yaml", {"descripton", "schemes[0].readyness", "barriers[1].effect.duraton"}},
      {"wrong_types.yaml",
       {"calendar.horizon", "programme.central_capacity", "workstreams[2].needed_for_go_live", "schemes[0].readiness",
        "barriers[1].trigger.max_occurrences"}},
      {"durations.yaml", {"programme.codesign_duration", "programme.ramp_duration", "workstreams[2].work"}},
      // A key another dist or type takes is flagged by the schema's oneOf.
      {"distributions.yaml", {"programme.design_duration", "workstreams[1].work", "barriers[0].resolution.workaround"}},
      {"trigger_effect_keys.yaml", {"barriers[0].trigger", "barriers[1].effect.type"}},
      {"not_a_map.yaml", {""}},
  };
  for (const auto& [name, paths] : cases) {
    const fs::path file = data_dir() / "bad" / name;
    INFO(file.string());
    const auto errors = schema_errors(file);
    INFO("schema:\n" << joined(errors));
    for (const auto& path : paths) {
      INFO("expected the schema to flag " << (path.empty() ? "the document" : path));
      CHECK(std::any_of(errors.begin(), errors.end(), [&](const std::string& e) {
        return e.rfind(path + ":", 0) == 0 || e.rfind(path + ".", 0) == 0 || e.rfind(path + "[", 0) == 0;
      }));
    }
    const auto loaded = wsic::scenario::check_scenario(file);
    INFO("loader:\n" << wsic::scenario::format_diagnostics(loaded.diagnostics));
    CHECK_FALSE(loaded.ok());
    CHECK(loaded.diagnostics.size() >= paths.size());
  }
}

TEST_CASE("Schema.OverlaysNeedOnlyName", "[model][schema]") {
  CHECK(schema_errors(data_dir() / "overlay_valid.yaml").empty());
  const auto errors = schema_errors(data_dir() / "overlay_no_name.yaml");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == ": missing name");
}

TEST_CASE("Schema.ModelLimitsAndTextRulesFlaggedByBoth", "[model][schema]") {
  // The model's limits and the rules for text are in the schema too, so an
  // editor flags them as the loader does.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"too_many_workstreams.yaml", "workstreams"},
      {"too_many_schemes.yaml", "schemes"},
      {"too_many_barriers.yaml", "barriers"},
      {"too_many_milestones.yaml", "milestones"},
      {"too_many_levers.yaml", "levers"},
      {"name_201_characters.yaml", "schemes[0].name"},
      {"id_65_characters.yaml", "schemes[1].id"},
      {"money_1e308.yaml", "funding[0].central"},
      {"max_occurrences_million.yaml", "barriers[1].trigger.max_occurrences"},
      {"scheme_id_local.yaml", "schemes[1].id"},
      {"name_formula_equals.yaml", "schemes[0].name"},
      {"name_terminal_escape.yaml", "schemes[1].name"},
      {"population_ten_billion.yaml", "schemes[0].populations[0].size"},
  };
  for (const auto& [name, path] : cases) {
    const fs::path file = data_dir() / "hostile" / name;
    INFO(file.string());
    const auto errors = schema_errors(file);
    INFO("schema:\n" << joined(errors));
    CHECK(std::any_of(errors.begin(), errors.end(), [&](const std::string& e) { return e.rfind(path + ":", 0) == 0; }));
    CHECK_FALSE(wsic::scenario::check_scenario(file).ok());
  }
}

// The committed files are what the format's table generates: a change to the
// table shows in them, and neither can drift from it.

namespace {

std::vector<wsic::scenario::KnownLever> baseline_levers() {
  const auto scenario = wsic::scenario::load_scenario(source_dir() / "scenarios" / "baseline.yaml");
  std::vector<wsic::scenario::KnownLever> levers;
  for (const auto& l : scenario.levers) levers.push_back({l.id, l.name});
  return levers;
}

// The text between the key reference's markers in SCENARIO_FORMAT.md.
std::string committed_key_reference() {
  const std::string doc = read_text(source_dir() / "scenario" / "SCENARIO_FORMAT.md");
  const std::string begin = "<!-- BEGIN generated key reference -->";
  const auto from = doc.find(begin);
  const auto to = doc.find("<!-- END generated key reference -->");
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  return doc.substr(from + begin.size(), to - from - begin.size());
}

}  // namespace

TEST_CASE("Schema.CommittedSchemaIsGenerated", "[model][schema]") {
  const std::string generated = wsic::scenario::json_schema(baseline_levers());
  INFO("scenarios/schema.json is not what the format's table gives: run tools/update-schema and commit the result");
  CHECK(read_text(source_dir() / "scenarios" / "schema.json") == generated);
  CHECK(json::parse(generated).contains("definitions"));
}

TEST_CASE("Schema.CommittedKeyReferenceIsGenerated", "[model][schema]") {
  INFO(
      "the key reference in scenario/SCENARIO_FORMAT.md is not what the format's table gives: run "
      "tools/update-schema and commit the result");
  const std::string generated = wsic::scenario::key_reference_markdown();
  const std::string committed = committed_key_reference();
  CHECK(committed.substr(0, 1) == "\n");  // the reference starts on the line after the marker
  CHECK(committed.substr(std::min<std::size_t>(1, committed.size())) == generated);
}

TEST_CASE("Schema.NamesTheBaselineLeversAndAllowsOthers", "[model][schema]") {
  const json schema = json::parse(wsic::scenario::json_schema(baseline_levers()));
  const json& levers = schema["properties"]["levers"];
  CHECK(levers["properties"]["national_ig_action"]["description"] == "National action on information governance");
  CHECK(levers.contains("patternProperties"));
  // Without known levers, only the pattern.
  CHECK_FALSE(json::parse(wsic::scenario::json_schema())["properties"]["levers"].contains("properties"));
}
