#include "wsic/cli/commands.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "wsic/report/text.hpp"

#include "support.hpp"

using wsic::test::parse_csv;
using wsic::test::repeat;
using wsic::test::valid_utf8;

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void replace_once(std::string& s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
}

/// Sends std::cout to a string for as long as it lives.
class CaptureCout {
 public:
  CaptureCout() : old_(std::cout.rdbuf(out_.rdbuf())) {}
  ~CaptureCout() { std::cout.rdbuf(old_); }
  CaptureCout(const CaptureCout&) = delete;
  CaptureCout& operator=(const CaptureCout&) = delete;
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::streambuf* old_;
};

}  // namespace

TEST_CASE("Commands.CompareKeepsLongNamesWhole", "[cli][compare]") {
  // Scheme names may be 200 characters of multi-byte UTF-8; the old 512-byte
  // row buffer cut such a row, merging it with the next, and the old table cut
  // names by bytes, splitting a character.
  const fs::path dir = fs::temp_directory_path() / ("wsic-commands-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string e200 = repeat("\xC3\xA9", 200);
  const std::string h200 = 'H' + repeat("\xE2\x82\xAC", 198) + ",";  // 200 characters, 596 bytes, and a comma to quote
  std::string base = slurp("tests/data/scenarios/minimal.yaml");
  REQUIRE_FALSE(base.empty());
  replace_once(base, "name: Ealing", "name: \"" + e200 + "\"");
  replace_once(base, "name: Harrow", "name: \"" + h200 + "\"");
  std::string whatif = base;
  const std::string whatif_name = "minimal-with-a-long-but-valid-scenario-name";
  replace_once(whatif, "name: minimal", "name: " + whatif_name);
  replace_once(whatif, "value: 2016-04-01",
               "value: 2014-06-01");  // earlier national action: shifts that are not all zero
  {
    std::ofstream(dir / "base.yaml") << base;
    std::ofstream(dir / "whatif.yaml") << whatif;
  }

  wsic::cli::CompareOptions opt;
  opt.scenarios = {dir / "base.yaml", dir / "whatif.yaml"};
  opt.replications = 30;
  opt.seed = 9;
  opt.threads = 1;
  opt.out = dir / "out";
  opt.progress = false;
  std::string printed;
  {
    CaptureCout capture;
    REQUIRE(wsic::cli::compare_command(opt) == wsic::cli::kExitOk);
    printed = capture.text();
  }

  const auto rows = parse_csv(slurp(dir / "out" / "paired_differences.csv"));
  REQUIRE(rows.size() == 1 + 4);  // header; two schemes, first live, all live
  for (const auto& r : rows) {
    INFO(r.front());
    CHECK(r.size() == 22);
  }
  CHECK(rows[1][0] == whatif_name);
  CHECK(rows[1][2] == e200);
  CHECK(rows[2][2] == h200);

  // The terminal table: valid UTF-8, names cut to 28 characters with an
  // ellipsis, numbers starting in the same column on every row.
  CHECK(valid_utf8(printed));
  CHECK(printed.find('\n' + repeat("\xC3\xA9", 27) + "\xE2\x80\xA6 ") != std::string::npos);
  CHECK(printed.find("\nH" + repeat("\xE2\x82\xAC", 26) + "\xE2\x80\xA6 ") != std::string::npos);
  std::istringstream lines(printed);
  int table_rows = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.size() < 2 || line.back() != '%') continue;  // table rows end with P(later)
    INFO(line);
    ++table_rows;
    CHECK(wsic::report::count_characters(line) == 28 + 2 * (1 + 6 + 1 + 13) + 3 * 8 + 11 + 9);
  }
  CHECK(table_rows == 4);
  fs::remove_all(dir);
}

TEST_CASE("Commands.CompareFolderNamesStayShort", "[cli][compare]") {
  using wsic::cli::compare_folder_name;
  CHECK(compare_folder_name({"baseline", "early-national-action"}) == "compare-baseline-early-national-action");
  std::vector<std::string> many{"baseline"};
  for (int i = 0; i < 200; ++i) many.push_back("what-if-number-" + std::to_string(i));
  const std::string name = compare_folder_name(many);
  CHECK(name.size() <= 80);
  CHECK(name.rfind("compare-baseline-and-200-whatifs-", 0) == 0);
  // Another set of what-ifs, another folder.
  many.back() = "something-else";
  CHECK(compare_folder_name(many) != name);
  CHECK(compare_folder_name({std::string(300, 'b'), "x"}).size() <= 80);
}
