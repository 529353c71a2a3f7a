#include "wsic/report/report_data.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "wsic/scenario/loader.hpp"

using namespace wsic;

TEST_CASE("ReportData.PlainSummaryKeepsLongNamesWhole", "[report][data]") {
  // The sentences were built in 160- and 200-byte buffers: a long barrier
  // name cut the sentence off mid-word (or mid-character).
  model::Scenario sc = scenario::load_scenario("tests/data/scenarios/dominant_barrier.yaml");
  std::string name;
  for (int i = 0; i < 200; ++i) name += "\xC3\xA9";  // 200 x "é"
  for (auto& b : sc.barriers) {
    if (b.id == "long_block") b.name = name;
  }
  experiment::BatchSpec spec;
  spec.seed = 3;
  spec.replications = 200;
  spec.threads = 1;
  spec.block_size = 64;
  const model::Outcomes base = experiment::run_batch(sc, spec);
  const auto bars = experiment::barrier_attribution(sc, base, spec);
  REQUIRE(bars.front().id == "long_block");
  REQUIRE(bars.front().all_live.p50 < 0);
  const auto data = report::run_report_data(sc, base, report::RunFacts{}, bars, {});
  std::string sentence;
  for (const auto& s : data["plain_summary"]) {
    if (s.get<std::string>().rfind("The barrier that delays", 0) == 0) sentence = s.get<std::string>();
  }
  INFO(sentence);
  CHECK(sentence.find("'" + name + "': without it, all schemes would be live ") != std::string::npos);
  const std::string end = " days earlier (median).";
  REQUIRE(sentence.size() > end.size());
  CHECK(sentence.substr(sentence.size() - end.size()) == end);
}
