// scenarios/schema.json, generated from the format's table (format.hpp): a
// draft-07 JSON Schema that editors with a YAML language server use to
// complete keys and flag what the loader would refuse.

#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "internal.hpp"
#include "wsic/model/limits.hpp"
#include "wsic/scenario/format.hpp"

namespace wsic::scenario {

namespace {

using Json = nlohmann::ordered_json;
namespace limits = model::limits;

constexpr std::string_view kIdPattern = "^[a-z][a-z0-9_]*$";

Json ref(std::string_view definition) { return Json{{"$ref", "#/definitions/" + std::string(definition)}}; }

std::vector<std::string> strings(const std::vector<std::string_view>& views) {
  return std::vector<std::string>(views.begin(), views.end());
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string capitalised(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// A bound as JSON: whole numbers without a fraction ("1", not "1.0").
Json bound(double x) {
  if (x == std::floor(x) && std::abs(x) < 1e15) return static_cast<long long>(x);
  return x;
}

// minimum, maximum and their exclusive forms, for the bounds that are finite.
void add_range(Json& s, const Range& r) {
  if (std::isfinite(r.min)) s[r.min_exclusive ? "exclusiveMinimum" : "minimum"] = bound(r.min);
  if (std::isfinite(r.max)) s[r.max_exclusive ? "exclusiveMaximum" : "maximum"] = bound(r.max);
}

const KeySpec& selector_of(const ObjectSpec& object) { return *object.find(object.selector); }

// The keys of one variant of an object with a selector, besides the selector.
std::vector<std::string> variant_keys(const ObjectSpec& object, std::string_view selected) {
  std::vector<std::string> keys;
  for (const KeySpec& k : object.keys) {
    if (k.key != object.selector && ObjectSpec::applies(k, selected)) keys.emplace_back(k.key);
  }
  return keys;
}

// The object's doc, with the keys a merged scenario must have and, for an
// object with a selector, the keys each variant takes.
std::string object_description(const ObjectSpec& object) {
  std::string out(object.doc);
  std::vector<std::string> required;
  for (const KeySpec& k : object.keys) {
    if (k.required >= Required::kFull && k.only_for.empty()) required.emplace_back(k.key);
  }
  if (!required.empty()) out += " Required: " + join(required) + ".";
  if (!object.selector.empty()) {
    std::string by;
    for (const auto v : selector_of(object).allowed) {
      const auto keys = variant_keys(object, v);
      by += (by.empty() ? "" : "; ") + std::string(v) + ": " + (keys.empty() ? "no other keys" : join(keys));
    }
    out += " Keys by " + std::string(object.selector) + ": " + by + ".";
  }
  return out;
}

// What an editor shows for a key: its doc and what the table adds to it.
std::string key_description(const KeySpec& k, std::string_view selector) {
  std::string out(k.doc);
  if (k.kind == Kind::kScaled)
    out += " " + capitalised(detail::expected_number(k, true)) + " at every setting of its lever.";
  if (k.max_items != 0)
    out += " At most " + std::to_string(k.max_items) + " " + std::string(k.items) +
           (k.why.empty() ? "" : " (" + std::string(k.why) + ")") + ".";
  if (!k.reserved.empty()) out += " Not " + join(strings(k.reserved)) + ": those are taken.";
  if (!k.only_for.empty()) {
    out += " Only with " + std::string(selector) + ": " + join(strings(k.only_for)) + ".";
  }
  return out;
}

class SchemaWriter {
 public:
  explicit SchemaWriter(std::span<const KnownLever> levers) : levers_(levers) {}

  Json document() {
    const ObjectSpec& top = scenario_format();
    Json doc = {{"$schema", "http://json-schema.org/draft-07/schema#"},
                {"title", "WSIC scenario"},
                {"description",
                 "A scenario of the WSIC simulator (scenario/SCENARIO_FORMAT.md; this file is generated from the "
                 "format's table by tools/update-schema). A file with extends: is an overlay: it needs only name: and "
                 "the keys it changes; the required keys of each object are then those of the merged scenario, as "
                 "each description says. In an overlay, a key set to null (~) is deleted from the scenario "
                 "underneath."},
                {"type", "object"}};
    Json always = Json::array();
    Json full = Json::array();
    for (const KeySpec& k : top.keys) {
      if (k.required == Required::kAlways) always.push_back(k.key);
      if (k.required >= Required::kFull) full.push_back(k.key);
    }
    doc["properties"] = properties(top);
    doc["required"] = always;
    doc["if"] = {{"not", {{"required", {"extends"}}}}};
    doc["then"] = {{"required", full}};
    doc["additionalProperties"] = false;
    doc["definitions"] = definitions();
    return doc;
  }

 private:
  Json properties(const ObjectSpec& object) {
    Json out = Json::object();
    for (const KeySpec& k : object.keys) out[std::string(k.key)] = key(k, object.selector);
    return out;
  }

  Json key(const KeySpec& k, std::string_view selector) {
    Json s = value(k);
    s["description"] = key_description(k, selector);
    return s;
  }

  // The schema of what `k` holds.
  Json value(const KeySpec& k) {
    switch (k.kind) {
      case Kind::kObject:  // a nullable one's definition allows null (see add_objects)
        return ref(k.object->name);
      case Kind::kIdMap:
        return id_map(k);
      case Kind::kList:
        return list(k);
      case Kind::kName:
        return {{"type", "string"}, {"pattern", "^[a-z][a-z0-9_-]*$"}, {"maxLength", k.max_length}};
      case Kind::kId:
        if (!k.reserved.empty()) return {{"allOf", {ref("id"), {{"not", {{"enum", strings(k.reserved)}}}}}}};
        return ref("id");
      case Kind::kLine:
        return ref("name");
      case Kind::kProse:
        return ref("text");
      case Kind::kEnum:
        return {{"enum", strings(k.allowed)}};
      case Kind::kDate:
        return ref("date");
      case Kind::kDuration:
        return ref("duration");
      case Kind::kDistribution:
        return ref("distribution");
      case Kind::kScaled:
        return scaled(k);
      case Kind::kLeverValue:
        return ref("lever_value");
      case Kind::kNumber:
      case Kind::kInteger: {
        Json s = {{"type", k.kind == Kind::kNumber ? Json("number")
                           : k.nullable            ? Json({"integer", "null"})
                                                   : Json("integer")}};
        add_range(s, k.range);
        return s;
      }
      case Kind::kBool:
        return {{"type", "boolean"}};
      default:
        return {{"type", "string"}};
    }
  }

  // A number in the key's range, or a lever-scaled map whose value is.
  Json scaled(const KeySpec& k) {
    Json number = {{"type", "number"}};
    add_range(number, k.range);
    Json map = {{"allOf", {ref("scaled"), {{"properties", {{"value", number}}}}}}};
    return {{"anyOf", {number, map}}};
  }

  Json list(const KeySpec& k) {
    Json s = {{"type", "array"}};
    if (k.min_items != 0) s["minItems"] = k.min_items;
    if (k.max_items != 0) s["maxItems"] = k.max_items;
    switch (k.item) {
      case Kind::kObject:
        s["items"] = ref(k.object->name);
        break;
      case Kind::kDuration:
        s["items"] = ref("duration");
        break;
      default:
        s["items"] = ref("id");
    }
    return s;
  }

  // The levers map: the known levers by name (so that an editor completes
  // them), any other id by pattern.
  Json id_map(const KeySpec& k) {
    Json s = {{"type", "object"}};
    if (!levers_.empty()) {
      Json known = Json::object();
      for (const KnownLever& l : levers_) {
        Json one = ref(k.object->name);
        one["description"] = l.name;
        known[l.id] = one;
      }
      s["properties"] = known;
    }
    s["patternProperties"] = {{kIdPattern, ref(k.object->name)}};
    s["additionalProperties"] = false;
    s["maxProperties"] = k.max_items;
    s["propertyNames"] = {{"maxLength", limits::kIdChars}};
    return s;
  }

  // An object's definition; with a selector, one branch per variant (and one
  // for an overlay that leaves the selector to the scenario it extends), so
  // that an editor flags a key the variant does not take.
  Json object(const ObjectSpec& o) {
    Json s = {{"type", "object"}, {"description", object_description(o)}, {"properties", properties(o)}};
    Json always = Json::array();
    for (const KeySpec& k : o.keys) {
      if (k.required == Required::kAlways) always.push_back(k.key);
    }
    if (!always.empty()) s["required"] = always;
    s["additionalProperties"] = false;
    if (o.selector.empty()) return s;
    Json branches = Json::array();
    for (const auto v : selector_of(o).allowed) {
      Json keys = {o.selector};
      for (const auto& k : variant_keys(o, v)) keys.push_back(k);
      branches.push_back({{"title", v},
                          {"properties", {{o.selector, {{"const", v}}}}},
                          {"required", {o.selector}},
                          {"propertyNames", {{"enum", keys}}}});
    }
    branches.push_back(
        {{"title", "an overlay's change to a " + std::string(o.name) + " of the same " + std::string(o.selector)},
         {"not", {{"required", {o.selector}}}}});
    s["oneOf"] = branches;
    return s;
  }

  Json definitions();

  // Definitions of the objects below `parent`, in the order its keys name them.
  void add_objects(const ObjectSpec& parent, Json& d) {
    for (const KeySpec& k : parent.keys) {
      const bool holds_object =
          k.kind == Kind::kObject || k.kind == Kind::kIdMap || (k.kind == Kind::kList && k.item == Kind::kObject);
      if (!holds_object || d.contains(k.object->name)) continue;
      Json& definition = d[std::string(k.object->name)] = object(*k.object);
      if (k.nullable) definition["type"] = {"object", "null"};
      add_objects(*k.object, d);
    }
  }

  std::span<const KnownLever> levers_;
};

// Every object of the format but the top level, and the kinds of value that
// several keys share.
Json SchemaWriter::definitions() {
  Json d = Json::object();
  d["id"] = {{"type", "string"},
             {"pattern", kIdPattern},
             {"maxLength", limits::kIdChars},
             {"description", "A stable id: at most 64 lower-case letters, digits and '_', starting with a letter."}};
  d["name"] = {{"type", "string"},
               {"maxLength", limits::kNameChars},
               {"pattern", "^([^=+\\-@\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*)?$"},
               {"description",
                "A name or label: one line of at most 200 characters, no control characters (C0 or C1), not starting "
                "with '=', '+', '-' or '@' (spreadsheets would read it as a formula)."}};
  d["text"] = {{"type", "string"},
               {"maxLength", limits::kTextChars},
               {"pattern", "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f]*$"},
               {"description",
                "Prose (a description or a note): at most 4000 characters; new lines and tabs allowed, no other "
                "control characters."}};
  d["date"] = {{"type", "string"},
               {"pattern", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
               {"description",
                "An ISO calendar date, e.g. 2015-04-30; strictly between calendar.start and calendar.horizon (except "
                "those two)."}};
  d["duration"] = {{"type", "string"},
                   {"pattern", "^[0-9]+(\\.[0-9]+)?\\s*(day|days|week|weeks|month|months|year|years)$"},
                   {"description",
                    "A number and a unit: '6 weeks', '9 months', '1.5 years'. A month is 365.2425/12 days, a year "
                    "365.2425 days. A bare number is an error."}};
  d["lever_value"] = {{"description", "A number or a date; a lever's value, low and high are all of one kind."},
                      {"anyOf", {{{"type", "number"}}, ref("date")}}};
  const ObjectSpec& top = scenario_format();
  const KeySpec& dist_key = *top.find("programme")->object->find("codesign_duration");
  d["distribution"] = {{"description", std::string(dist_key.object->doc)},
                       {"anyOf", {ref("duration"), object(*dist_key.object)}}};
  const KeySpec& scaled_key = *top.find("programme")->object->find("central_capacity");
  d["scaled"] = object(*scaled_key.object);
  add_objects(top, d);
  return d;
}

}  // namespace

std::string json_schema(std::span<const KnownLever> levers) { return SchemaWriter(levers).document().dump(2) + "\n"; }

}  // namespace wsic::scenario
