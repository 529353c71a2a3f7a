#pragma once
/// The scenario format, declared once: every object of a scenario file, its
/// keys, what each key holds (kind, range, allowed values, limits), whether it
/// is required, and what it means. The loader's structural checks walk this
/// table; scenarios/schema.json and the key reference in
/// scenario/SCENARIO_FORMAT.md are generated from it (`wsic-schema`); other
/// front ends look a key up here to check a value the way the loader would.
///
/// The table is immutable and built on first use; every function here is
/// thread-safe.

#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wsic::scenario {

/// What a key holds.
enum class Kind {
  kObject,        ///< a map of the keys its ObjectSpec lists
  kIdMap,         ///< a map from ids to objects (`levers`)
  kList,          ///< a list; KeySpec::item says of what
  kPath,          ///< a file path (`extends`)
  kName,          ///< the scenario's name: like an id, and '-' is allowed
  kId,            ///< an id: an item's own, or a reference to one
  kLine,          ///< one line of text: a name or a label
  kProse,         ///< text that may hold new lines and tabs: a description, a note
  kString,        ///< a string of another kind (a barrier's scope)
  kEnum,          ///< one of KeySpec::allowed
  kDate,          ///< an ISO calendar date, 2015-04-30
  kDuration,      ///< a number and a unit: '6 weeks'
  kDistribution,  ///< a duration, or a map with `dist:` and its parameters
  kScaled,        ///< a number, or {value, lever, power | form}: a number a lever scales
  kLeverValue,    ///< a number or a date (a lever's value, low and high)
  kNumber,        ///< a plain number
  kInteger,       ///< a whole number
  kBool,          ///< true or false
};

/// When a key must be given.
enum class Required {
  kNo,       ///< never (it has a default, or is simply optional)
  kNewItem,  ///< only when an overlay adds a new item (a lever, a scheme, ...) to the scenario it extends
  kFull,     ///< in the merged scenario; an overlay may leave it to the scenario it extends
  kAlways,   ///< in every file, overlays included (a list item an overlay replaces whole, an id)
};

/// Bounds of a number; unbounded sides are infinite.
struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
  bool max_exclusive = false;

  bool contains(double x) const;  ///< false for NaN and for infinities outside the bounds
  /// The bounds in words: "in [0, 1]", "in (0, 1000]", ">= 1", "> 0"; with
  /// `integer`, a closed range is "from 1 to 100". Empty when unbounded.
  std::string text(bool integer) const;
};

struct ObjectSpec;

/// One key of an object.
struct KeySpec {
  std::string_view key;  ///< "readiness"; "*" for the ids of an id map
  Kind kind = Kind::kString;
  Required required = Required::kNo;
  std::string_view doc;  ///< what the value means, one or two sentences
  Range range;           ///< kNumber, kInteger, kScaled (at every setting of the lever)
  /// How a message names the value: "a probability" gives "expected a
  /// probability in [0, 1]" (empty: "a number", "a whole number" for
  /// kInteger); for a list, what it is ("a list of workstream ids"); for an
  /// enum, what its values are ("trigger type": "unknown trigger type 'x'").
  std::string_view noun;
  std::string_view why;                    ///< why the range (or the list's length) is limited; said past it
  std::vector<std::string_view> allowed;   ///< kEnum: the values, in the order they are listed
  std::vector<std::string_view> reserved;  ///< kId: ids taken for something else, so not allowed here
  std::size_t max_length = 0;              ///< kName, kId, kLine, kProse: characters; 0 when unlimited
  std::size_t min_items = 0;               ///< kList
  std::size_t max_items = 0;               ///< kList, kIdMap: 0 when unlimited
  std::string_view items;                  ///< kList, kIdMap: the items in the plural, for messages ("financial years")
  Kind item = Kind::kString;               ///< kList: what its items are (kObject: `object`)
  /// kObject, kIdMap (its values), kList of kObject (its items), and the
  /// maps kDistribution and kScaled may be.
  const ObjectSpec* object = nullptr;
  /// The values of the object's selector (`type`, `dist`) this key applies
  /// to; empty when it applies whatever the selector says.
  std::vector<std::string_view> only_for;
  bool nullable = false;    ///< null is a value (a population not reported)
  std::string_view target;  ///< where the value goes in the resolved model::Scenario
};

/// A map of known keys: the scenario, `programme`, a barrier, a trigger, ...
struct ObjectSpec {
  std::string_view name;  ///< "trigger": names it in the key reference and in the schema's definitions
  /// What it is, for messages: "a map with type: block, delay, slowdown or rework".
  std::string_view noun;
  std::string_view doc;
  /// The key whose value decides which other keys apply ("type", "dist"), or empty.
  std::string_view selector;
  /// How a message names one variant: "a trigger of type {}", "a {} distribution".
  std::string_view variant;
  /// Said after a key that does not apply to a variant: "does not apply to", "is not a parameter of".
  std::string_view not_for;
  std::vector<KeySpec> keys;  ///< in the order the key reference lists them

  const KeySpec* find(std::string_view key) const;  ///< nullptr when it has no such key
  /// Whether `key` applies to the variant `selected` (every key does when
  /// there is no selector).
  static bool applies(const KeySpec& key, std::string_view selected);
};

/// The top level of a scenario file.
const ObjectSpec& scenario_format();

/// The spec of a key path in the loader's notation, or nullptr when the
/// format has no such key: "[]" marks the items of a list, "*" any lever id,
/// and a path may go on into a distribution's or a lever-scaled value's map:
/// "programme.central_capacity", "barriers[].trigger.probability.value",
/// "levers.*.value", "workstreams[].work.mode", "schemes[].readiness".
/// The `value` of a lever-scaled map has the range of the scaled key it
/// belongs to (a probability's value is in [0, 1]). The pointer is valid for
/// the life of the program.
const KeySpec* find_key(std::string_view path);

/// Every key path of the format, sorted: "programme.codesign_duration",
/// "barriers[].trigger.probability", "levers.*.value", ...
const std::vector<std::string>& known_key_paths();

/// What a number for `key` should be, as a message says it: "a probability
/// in [0, 1]", "a whole number from 1 to 100 (each occurrence ...)".
std::string expected_number(const KeySpec& key);

/// What is wrong with `value` as a value of `key`, in the words the loader
/// uses for the same value in a file ("expected a number > 0, got 0"), or
/// nullopt when it is fine: the key's range, and for kInteger a whole
/// number. Keys that hold no number (a date, a text) are not checked here.
/// For kScaled keys this checks the value as written; the loader also checks
/// it at every setting of its lever.
std::optional<std::string> number_problem(const KeySpec& key, double value);

/// A lever of a shipped scenario, for the schema to name.
struct KnownLever {
  std::string id;
  std::string name;
};

/// The format as a JSON Schema (draft-07), the text of scenarios/schema.json.
/// `levers` become named properties of `levers:` (with their names as
/// descriptions) so that an editor completes them; other ids stay allowed.
std::string json_schema(std::span<const KnownLever> levers = {});

/// The key reference of scenario/SCENARIO_FORMAT.md (Markdown): a table per
/// object, of each key's kind, whether it is required, its range or allowed
/// values, and its description. Without the marker comments around it.
std::string key_reference_markdown();

}  // namespace wsic::scenario
