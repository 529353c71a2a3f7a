#include "wsic/report/summary.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "wsic/experiment/batch.hpp"
#include "wsic/report/text.hpp"
#include "wsic/scenario/loader.hpp"

#include "support.hpp"

using wsic::test::parse_csv;
using wsic::test::repeat;
using wsic::test::valid_utf8;

using namespace wsic;

namespace {

/// The line of `text` that starts with `prefix`, or "".
std::string line_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

/// `s` without its first `n` characters.
std::string after_characters(const std::string& s, std::size_t n) {
  std::size_t at = 0;
  for (std::size_t seen = 0; at < s.size(); ++at) {
    if ((static_cast<unsigned char>(s[at]) & 0xC0) != 0x80 && seen++ == n) break;
  }
  return s.substr(at);
}

model::Outcomes small_batch(const model::Scenario& sc) {
  experiment::BatchSpec spec;
  spec.seed = 5;
  spec.replications = 40;
  spec.threads = 1;
  spec.block_size = 8;
  return experiment::run_batch(sc, spec);
}

}  // namespace

TEST_CASE("Summary.TableCutsLongNamesByCharacters", "[cli][summary]") {
  model::Scenario sc = scenario::load_scenario("tests/data/scenarios/minimal.yaml");
  REQUIRE(sc.schemes.size() == 2);
  const std::string e200 = repeat("\xC3\xA9", 200);  // 200 x "é": 400 bytes
  sc.schemes[0].name = e200;
  sc.schemes[1].name = 'H' + repeat("\xC3\xA9", 199);  // an odd byte count: a 42-byte cut splits an "é"
  const std::string table = report::summary_table(sc, small_batch(sc), report::BatchInfo{"test", 5, 40, 8, ""});
  CHECK(valid_utf8(table));
  const std::string header = line_starting(table, "go-live");
  REQUIRE_FALSE(header.empty());
  const std::string first = line_starting(table, "\xC3\xA9");
  const std::string second = line_starting(table, "H\xC3\xA9");
  REQUIRE_FALSE(first.empty());
  REQUIRE_FALSE(second.empty());
  // The name column is 42 characters wide, cut with an ellipsis; the P10
  // column starts where the header's does, counted in characters.
  CHECK(first.rfind(repeat("\xC3\xA9", 41) + "\xE2\x80\xA6 ", 0) == 0);
  CHECK(second.rfind('H' + repeat("\xC3\xA9", 40) + "\xE2\x80\xA6 ", 0) == 0);
  const std::size_t p10_column = report::count_characters(header.substr(0, header.find("P10")));
  CHECK(p10_column == 43);
  for (const std::string& line : {first, second, line_starting(table, "Programme: first scheme live")}) {
    INFO(line);
    const std::string rest = after_characters(line, 42);
    REQUIRE(rest.size() > 2);
    CHECK(rest[0] == ' ');
    CHECK(rest[1] != ' ');
  }
}

TEST_CASE("Summary.CsvNumbersAreWrittenWhole", "[cli][summary]") {
  // A value too wide for the old 64-byte buffer lost its tail silently.
  model::Scenario sc = scenario::load_scenario("tests/data/scenarios/minimal.yaml");
  REQUIRE_FALSE(sc.funding.empty());
  sc.funding[0].central = 1e100;
  sc.funding[0].consultancy = 0.0;
  const auto files = report::summary_csvs(sc, model::Outcomes(sc));
  const std::string& spend = files.at("spend.csv");
  const std::string whole = std::to_string(1e100);             // "%f": every digit, then ".000000"
  const std::string want = whole.substr(0, whole.size() - 2);  // four decimals
  REQUIRE(want.size() == 101 + 5);
  CHECK(spend.find(",central_team,central," + want + ",") != std::string::npos);
}

TEST_CASE("Summary.SchemesCsvHasEveryProgrammeMeasureOfTheJson", "[report][summary]") {
  // The programme rows of schemes.csv are the programme's dates in
  // summary.json, the majority of schemes live included.
  const model::Scenario sc = scenario::load_scenario("scenarios/baseline.yaml");
  const model::Outcomes o = small_batch(sc);
  const std::string csv = report::summary_csvs(sc, o).at("schemes.csv");
  const auto json = nlohmann::json::parse(report::summary_json(sc, o, report::BatchInfo{"test", 5, 40, 8, ""}));
  for (const char* measure : {"first_live", "majority_live", "all_live", "all_full_coverage"}) {
    INFO(measure);
    const std::string line = line_starting(csv, std::string("programme,Programme,") + measure + ",");
    REQUIRE_FALSE(line.empty());
    const auto& q = json["programme"][measure];
    const std::string p50 = q["p50"].is_null() ? std::string() : q["p50"].get<std::string>();
    CHECK(line.find("," + p50 + ",") != std::string::npos);
  }
}
