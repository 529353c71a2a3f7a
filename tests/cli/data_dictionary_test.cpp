// The data dictionary (results/README.md) against the CSV files the
// commands write: every file and column written is described there, and
// nothing described there has stopped being written.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "support.hpp"

namespace fs = std::filesystem;
using namespace wsic::test;

namespace {

/// The dictionary's sections: file name -> the columns its table lists.
/// A section starts at a line "### `NAME.csv`"; a table row's first cell
/// names one column, or several ("`a`, `b`").
std::map<std::string, std::set<std::string>> read_dictionary(const std::string& text) {
  std::map<std::string, std::set<std::string>> out;
  std::istringstream in(text);
  std::string line, file;
  while (std::getline(in, line)) {
    if (line.rfind("### `", 0) == 0) {
      const auto end = line.find('`', 5);
      file = line.substr(5, end - 5);
      out[file];
      continue;
    }
    if (line.rfind("## ", 0) == 0) file.clear();
    if (file.empty() || line.rfind("| `", 0) != 0) continue;
    const std::string cell = line.substr(1, line.find('|', 1) - 1);
    for (std::size_t at = cell.find('`'); at != std::string::npos; at = cell.find('`', at)) {
      const auto close = cell.find('`', at + 1);
      out[file].insert(cell.substr(at + 1, close - at - 1));
      at = close + 1;
    }
  }
  return out;
}

std::set<std::string> header_of(const fs::path& csv) {
  const auto rows = parse_csv(slurp(csv));
  REQUIRE_FALSE(rows.empty());
  return {rows.front().begin(), rows.front().end()};
}

using Files = std::map<std::string, std::set<std::string>>;  // file -> its columns

/// Every file and column of `some` is also in `all`.
void check_within(const Files& some, const Files& all, const char* what) {
  for (const auto& [file, columns] : some) {
    INFO(what << ": " << file);
    REQUIRE(all.count(file) == 1);
    for (const auto& c : columns) {
      INFO("column " << c);
      CHECK(all.at(file).count(c) == 1);
    }
  }
}

}  // namespace

TEST_CASE("DataDictionary.DescribesEveryColumnWritten", "[cli][dictionary]") {
  const auto dictionary = read_dictionary(slurp("results/README.md"));
  REQUIRE(dictionary.size() >= 10);

  const fs::path out = fresh_dir("dictionary");
  REQUIRE(run(wsic_bin() + " run scenarios/baseline.yaml -n 200 --analysis-replications 100 --per-replication -q -o " +
              (out / "run").string()) == 0);
  REQUIRE(run(wsic_bin() + " compare scenarios/baseline.yaml scenarios/early-national-action.yaml -n 200" +
              " --per-replication -q -o " + (out / "compare").string()) == 0);

  REQUIRE(run(wsic_bin() + " sweep scenarios/baseline.yaml --vary levers.central_share.value=0.3:0.5:2 -n 50 -q -o " +
              (out / "sweep").string()) == 0);
  REQUIRE(run(wsic_bin() +
              " sweep scenarios/baseline.yaml --vary levers.central_share.value=0.3,0.5 --vary "
              "schemes.ealing.readiness=1,2 -n 50 -q -o " +
              (out / "sweep2").string()) == 0);
  REQUIRE(run(wsic_bin() +
              " sensitivity scenarios/baseline.yaml --param levers.central_share.value=0.3:0.7 --param "
              "schemes.ealing.readiness=1:2 -N 4 -n 10 --second-order -q -o " +
              (out / "sensitivity").string()) == 0);

  {
    const fs::path targets = out / "targets.yaml";
    std::ofstream f(targets);
    f << "parameters:\n  - {path: schemes.ealing.readiness, range: [1, 4]}\n"
         "targets:\n  - {type: live_count, date: 2015-04-30, observed: 2}\n"
         "population: 20\ngenerations: 2\n";
    f.close();
    REQUIRE(run(wsic_bin() + " calibrate scenarios/baseline.yaml --predictive 20 -q --targets " + targets.string() +
                " -o " + (out / "calibrate").string()) == 0);
  }

  {
    // A class's debrief.
    const std::string file = (out / "class.json").string();
    REQUIRE(run(wsic_bin() + " class new " + file + " --lesson scenarios/baseline.yaml --round 2014-01-01 > " +
                (out / "new.txt").string()) == 0);
    const std::string made = slurp(out / "new.txt");
    const std::string code = made.substr(made.find("join code: ") + 11, 6);
    REQUIRE(run(wsic_bin() + " class join " + file + " --code " + code + " --name A > /dev/null") == 0);
    REQUIRE(run(wsic_bin() + " class debrief " + file + " -n 100 -o " + (out / "class").string() + " > /dev/null") ==
            0);
  }

  // Columns named by a parameter's path stand as PATH, a milestone's measure
  // as live_at.DATE, and the per-measure chart tables as chart_sobol_MEASURE.csv.
  const auto generic_column = [](const std::string& c) {
    if (c.rfind("live_at.", 0) == 0) return std::string("live_at.DATE");
    return c.find('.') != std::string::npos ? std::string("PATH") : c;
  };
  Files written;  // file -> the union of its headers
  for (const char* folder : {"run", "compare", "sweep", "sweep2", "sensitivity", "calibrate", "class"}) {
    const bool research =
        std::string(folder) != "run" && std::string(folder) != "compare" && std::string(folder) != "class";
    for (const auto& entry : fs::directory_iterator(out / folder)) {
      if (entry.path().extension() != ".csv") continue;
      std::string name = entry.path().filename().string();
      if (name.rfind("chart_sobol_", 0) == 0) name = "chart_sobol_MEASURE.csv";
      for (const auto& c : header_of(entry.path())) written[name].insert(research ? generic_column(c) : c);
    }
  }
  REQUIRE(written.size() >= 10);

  // Both ways: written but not described, and described but not written.
  check_within(written, dictionary, "written by the commands, but not in the dictionary");
  check_within(dictionary, written, "in the dictionary, but not written");
  fs::remove_all(out);
}
