// `wsic story`: one future in words, the same future `wsic run` numbers.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support.hpp"

namespace fs = std::filesystem;
using namespace wsic::test;

TEST_CASE("Story.TellsTheFutureWsicRunNumbers", "[cli][story]") {
  // Each scheme's pilot in the story of replication 5 is on the go-live date
  // of that scheme in replication 5 of `wsic run`'s rows, seed for seed.
  const fs::path dir = fresh_dir("story");
  fs::create_directories(dir);
  REQUIRE(run(wsic_bin() +
              " run scenarios/baseline.yaml -n 64 --seed 9 --per-replication --analysis-replications 0 "
              "-q -o " +
              (dir / "run").string()) == 0);
  REQUIRE(run(wsic_bin() + " story scenarios/baseline.yaml --seed 9 -r 5 --json > " + (dir / "story.json").string()) ==
          0);
  const auto story = nlohmann::json::parse(slurp(dir / "story.json"));
  CHECK(story["replication"] == 5);
  std::map<std::string, std::string> pilot;
  for (const auto& l : story["lines"])
    if (l["kind"] == "pilot") pilot[l["scheme"].get<std::string>()] = l["date"].get<std::string>();
  std::istringstream rows(slurp(dir / "run" / "per_replication.csv"));
  std::string line;
  std::getline(rows, line);  // replication,scheme_id,design_start,design_end,go_live,...
  int checked = 0;
  while (std::getline(rows, line)) {
    std::vector<std::string> cells;
    std::istringstream cs(line);
    for (std::string c; std::getline(cs, c, ',');) cells.push_back(c);
    if (cells.at(0) != "5") continue;
    INFO(line);
    if (cells.at(4).empty() || cells.at(4) == "after") continue;
    CHECK(pilot[cells.at(1)] == cells.at(4));
    ++checked;
  }
  CHECK(checked >= 5);
  fs::remove_all(dir);
}

TEST_CASE("Story.BadDatesAreRefused", "[cli][story]") {
  const fs::path err = fresh_dir("story-err.txt");
  REQUIRE(run(wsic_bin() + " story scenarios/baseline.yaml --from 2015-13-01 2> " + err.string()) == 2);
  CHECK(slurp(err).find("--from: expected a date like 2015-04-01, got '2015-13-01'") != std::string::npos);
  REQUIRE(run(wsic_bin() + " story scenarios/baseline.yaml --from 2016-01-01 --to 2015-01-01 2> " + err.string()) == 2);
  CHECK(slurp(err).find("--from must come before --to") != std::string::npos);
  REQUIRE(run(wsic_bin() + " story scenarios/baseline.yaml --set levers.central_share.value=7 2> " + err.string()) ==
          2);
  CHECK(slurp(err).find("--set:1:") != std::string::npos);
}
