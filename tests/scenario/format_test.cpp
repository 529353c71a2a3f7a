// The format's table as other code sees it: looking a key up by path, and
// checking a number against it in the loader's words.

#include "wsic/scenario/format.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "wsic/scenario/loader.hpp"

namespace {

namespace fs = std::filesystem;
using wsic::scenario::find_key;
using wsic::scenario::Kind;
using wsic::scenario::number_problem;

fs::path data_dir() { return fs::path(__FILE__).parent_path().parent_path() / "data" / "scenarios"; }

}  // namespace

TEST_CASE("Format.FindKeyByPath", "[scenario][format]") {
  const auto* readiness = find_key("schemes[].readiness");
  REQUIRE(readiness != nullptr);
  CHECK(readiness->kind == Kind::kNumber);
  CHECK(readiness->range.min == 0.0);
  CHECK(readiness->range.min_exclusive);
  CHECK_FALSE(readiness->doc.empty());

  // Into a lever-scaled value: the value has the range of the key it scales.
  const auto* probability = find_key("barriers[].trigger.probability.value");
  REQUIRE(probability != nullptr);
  CHECK(probability->kind == Kind::kNumber);
  CHECK(probability->range.max == 1.0);
  REQUIRE(find_key("barriers[].trigger.probability") != nullptr);
  CHECK(find_key("barriers[].trigger.probability")->kind == Kind::kScaled);

  // Into a distribution, with the dists a parameter applies to.
  const auto* mode = find_key("workstreams[].work.mode");
  REQUIRE(mode != nullptr);
  CHECK(mode->kind == Kind::kDuration);
  CHECK(mode->only_for == std::vector<std::string_view>{"triangular", "pert"});

  REQUIRE(find_key("levers.*.value") != nullptr);
  CHECK(find_key("levers.*.value")->kind == Kind::kLeverValue);
  const auto* max_occurrences = find_key("barriers[].trigger.max_occurrences");
  REQUIRE(max_occurrences != nullptr);
  CHECK(max_occurrences->kind == Kind::kInteger);
  CHECK(max_occurrences->only_for == std::vector<std::string_view>{"hazard"});

  CHECK(find_key("schemes[].readyness") == nullptr);
  CHECK(find_key("schemes.readiness") == nullptr);
  CHECK(find_key("") == nullptr);
}

TEST_CASE("Format.EveryKnownPathIsFound", "[scenario][format]") {
  const auto& paths = wsic::scenario::known_key_paths();
  CHECK(std::is_sorted(paths.begin(), paths.end()));
  for (const auto& path : paths) {
    INFO(path);
    CHECK(find_key(path) != nullptr);
  }
}

TEST_CASE("Format.RangeText", "[scenario][format]") {
  using wsic::scenario::Range;
  CHECK(Range{.min = 0, .max = 1}.text(false) == "in [0, 1]");
  CHECK(Range{.min = 0, .max = 1000, .min_exclusive = true}.text(false) == "in (0, 1000]");
  CHECK(Range{.min = 1}.text(false) == ">= 1");
  CHECK(Range{.min = 0, .min_exclusive = true}.text(false) == "> 0");
  CHECK(Range{.min = 1, .max = 100}.text(true) == "from 1 to 100");
  CHECK(Range{}.text(false).empty());
  CHECK_FALSE(Range{.min = 0, .max = 1}.contains(std::nan("")));
}

TEST_CASE("Format.NumberProblemSpeaksAsTheLoader", "[scenario][format]") {
  const auto& readiness = *find_key("schemes[].readiness");
  CHECK_FALSE(number_problem(readiness, 1.2).has_value());
  CHECK(number_problem(readiness, 0) == "expected a number > 0, got 0");
  CHECK(number_problem(*find_key("barriers[].trigger.probability"), 1.5) ==
        "expected a probability in [0, 1], got 1.5");
  CHECK(number_problem(*find_key("barriers[].trigger.probability.value"), -0.5) ==
        "expected a probability in [0, 1], got -0.5");
  const auto& max_occurrences = *find_key("barriers[].trigger.max_occurrences");
  CHECK(number_problem(max_occurrences, 1000000) ==
        "expected a whole number from 1 to 100 (each occurrence opens a window the scheme's work is planned "
        "through), got 1000000");
  CHECK(number_problem(max_occurrences, 2.5).has_value());  // not a whole number
  CHECK_FALSE(number_problem(max_occurrences, 3).has_value());
  // Keys that hold no number are not checked here.
  CHECK_FALSE(number_problem(*find_key("calendar.start"), 5).has_value());
}

TEST_CASE("Format.NumberProblemIsTheLoadersMessage", "[scenario][format]") {
  // The same value in a file and through number_problem() gives the same words.
  std::random_device rd;
  const fs::path dir = fs::temp_directory_path() / ("wsic_format_test_" + std::to_string(rd()));
  fs::create_directories(dir);
  std::ifstream in(data_dir() / "minimal.yaml");
  std::ostringstream read;
  read << in.rdbuf();
  std::string text = read.str();
  text.replace(text.find("readiness: 1.9"), 14, "readiness: -0.25");
  const fs::path file = dir / "readiness.yaml";
  std::ofstream(file) << text;
  const auto result = wsic::scenario::check_scenario(file);
  fs::remove_all(dir);
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].key_path == "schemes[ealing].readiness");
  CHECK(result.diagnostics[0].message == *number_problem(*find_key("schemes[].readiness"), -0.25));
}

TEST_CASE("Format.TableIsConsistent", "[scenario][format]") {
  // Every key restricted to some variants names values its object's selector
  // allows, and every object a key holds is in the table.
  for (const auto& path : wsic::scenario::known_key_paths()) {
    const auto& k = *find_key(path);
    INFO(path);
    if (k.kind == Kind::kObject || k.kind == Kind::kIdMap || k.kind == Kind::kDistribution || k.kind == Kind::kScaled ||
        (k.kind == Kind::kList && k.item == Kind::kObject)) {
      REQUIRE(k.object != nullptr);
      const auto& object = *k.object;
      if (object.selector.empty()) continue;
      const auto* selector = object.find(object.selector);
      REQUIRE(selector != nullptr);
      for (const auto& key : object.keys) {
        for (const auto v : key.only_for)
          CHECK(std::find(selector->allowed.begin(), selector->allowed.end(), v) != selector->allowed.end());
      }
    }
    if (k.kind == Kind::kList || k.kind == Kind::kIdMap) CHECK((k.max_items == 0 || !k.items.empty()));
  }
}
