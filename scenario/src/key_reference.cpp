// The key reference of scenario/SCENARIO_FORMAT.md, generated from the
// format's table (format.hpp): one Markdown table per object.

#include <fmt/format.h>

#include <set>
#include <string>

#include "internal.hpp"
#include "wsic/scenario/format.hpp"

namespace wsic::scenario {

namespace {

std::string code_list(const std::vector<std::string_view>& items, std::string_view last_sep = ", ") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? last_sep : std::string_view(", ");
    out += fmt::format("`{}`", items[i]);
  }
  return out;
}

std::string kind_name(const KeySpec& k) {
  switch (k.kind) {
    case Kind::kObject:
      return "map";
    case Kind::kIdMap:
      return "map of id to " + std::string(k.object->name);
    case Kind::kList:
      return "list of " + std::string(k.item == Kind::kObject ? k.object->name
                                      : k.item == Kind::kId   ? "ids"
                                                              : "durations");
    case Kind::kPath:
      return "path";
    case Kind::kName:
      return "name";
    case Kind::kId:
      return "id";
    case Kind::kLine:
      return "text, one line";
    case Kind::kProse:
      return "text";
    case Kind::kString:
      return "string";
    case Kind::kEnum:
      return "one of";
    case Kind::kDate:
      return "date";
    case Kind::kDuration:
      return "duration";
    case Kind::kDistribution:
      return "distribution";
    case Kind::kScaled:
      return "scaled number";
    case Kind::kLeverValue:
      return "number or date";
    case Kind::kNumber:
      return "number";
    case Kind::kInteger:
      return "whole number";
    case Kind::kBool:
      return "true or false";
  }
  return "";
}

std::string required_text(const KeySpec& k, std::string_view selector) {
  std::string out;
  switch (k.required) {
    case Required::kAlways:
      out = "yes, in an overlay too";
      break;
    case Required::kFull:
      out = "yes";
      break;
    case Required::kNewItem:
      out = "to add one in an overlay";
      break;
    case Required::kNo:
      out = "no";
      break;
  }
  if (!k.only_for.empty()) out += "; " + std::string(selector) + ": " + code_list(k.only_for);
  return out;
}

// The range, allowed values or limits of a key's value.
std::string values_text(const KeySpec& k) {
  std::vector<std::string> parts;
  const std::string range = k.range.text(k.kind == Kind::kInteger);
  if (!range.empty()) parts.push_back(range);
  if (!k.allowed.empty()) parts.push_back(code_list(k.allowed, " or "));
  if (!k.reserved.empty()) parts.push_back("not " + code_list(k.reserved, " or "));
  if (k.min_items != 0) parts.push_back(fmt::format("at least {}", k.min_items));
  if (k.max_items != 0) parts.push_back(fmt::format("at most {}", k.max_items));
  if (k.max_length != 0) parts.push_back(fmt::format("at most {} characters", k.max_length));
  if (k.nullable) parts.push_back("or null");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::string table(const ObjectSpec& object) {
  std::string out = "| key | kind | required | values | description |\n|---|---|---|---|---|\n";
  for (const KeySpec& k : object.keys) {
    out += fmt::format("| `{}` | {} | {} | {} | {} |\n", k.key, kind_name(k), required_text(k, object.selector),
                       values_text(k), k.doc);
  }
  return out;
}

// Each object once, at the first path that holds it, in the order of the keys.
class Reference {
 public:
  std::string text() {
    const ObjectSpec& top = scenario_format();
    out_ = "### Top level\n\n" + std::string(top.doc) + "\n\n" + table(top);
    below(top, "");
    return out_;
  }

 private:
  void below(const ObjectSpec& parent, const std::string& prefix) {
    for (const KeySpec& k : parent.keys) {
      const std::string path = prefix.empty() ? std::string(k.key) : prefix + "." + std::string(k.key);
      switch (k.kind) {
        case Kind::kObject:
          section(*k.object, path);
          break;
        case Kind::kIdMap:
          section(*k.object, path + ".*");
          break;
        case Kind::kList:
          if (k.item == Kind::kObject) section(*k.object, path + "[]");
          break;
        case Kind::kDistribution:
          section(*k.object, path, "A distribution (here `" + path + "`)");
          break;
        case Kind::kScaled:
          section(*k.object, path, "A lever-scaled number (here `" + path + "`)");
          break;
        default:
          break;
      }
    }
  }

  // The table of `object`, first met at `path`, titled by it unless `title` says otherwise.
  void section(const ObjectSpec& object, const std::string& path, const std::string& title = "") {
    if (!done_.insert(&object).second) return;
    out_ += "\n### " + (title.empty() ? "`" + path + "`" : title) + "\n\n" + std::string(object.doc) + "\n\n" +
            table(object);
    below(object, path);
  }

  std::string out_;
  std::set<const ObjectSpec*> done_;
};

}  // namespace

std::string key_reference_markdown() { return Reference().text(); }

}  // namespace wsic::scenario
