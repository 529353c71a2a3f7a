// `wsic validate` on hostile and careless input: every file of the corpus in
// tests/data/scenarios/hostile/ says, in "# expect:" lines, exactly which
// diagnostics it must get (position, key path, a fragment of the message).
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "support.hpp"

namespace fs = std::filesystem;
using namespace wsic::test;

namespace {

// Lines of `text`, whatever its line ends (LF, CRLF or CR).
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      out.push_back(cur);
      cur.clear();
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      cur += text[i];
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

struct Expected {
  std::string position;  // "line:col"
  std::string key_path;
  std::string fragment;
};

// "# expect: 12:5 schemes[ealing].name | fragment of the message"
std::vector<Expected> expectations(const std::string& text) {
  std::vector<Expected> out;
  const std::string tag = "# expect: ";
  for (const std::string& line : lines_of(text)) {
    if (line.rfind(tag, 0) != 0) continue;
    const std::string rest = line.substr(tag.size());
    const auto space = rest.find(' ');
    const auto bar = rest.find(" | ");
    REQUIRE(space != std::string::npos);
    REQUIRE(bar != std::string::npos);
    out.push_back({rest.substr(0, space), rest.substr(space + 1, bar - space - 1), rest.substr(bar + 3)});
  }
  return out;
}

}  // namespace

TEST_CASE("Validate.HostileCorpusGetsExitCodePositionAndMessage", "[cli][validate][hostile]") {
  const fs::path dir = "tests/data/scenarios/hostile";
  const fs::path err = fresh_dir("hostile-err.txt");
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    const fs::path file = entry.path();
    INFO(file.string());
    const std::vector<Expected> expected = expectations(slurp(file));
    REQUIRE_FALSE(expected.empty());
    REQUIRE(run(wsic_bin() + " validate " + file.string() + " > /dev/null 2> " + err.string()) == 2);
    const std::vector<std::string> got = lines_of(slurp(err));
    INFO(slurp(err));
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      const Expected& e = expected[i];
      const std::string where =
          file.string() + ":" + e.position + ": error: " + (e.key_path.empty() ? "" : e.key_path + ": ");
      CHECK(got[i].rfind(where, 0) == 0);
      CHECK(got[i].find(e.fragment, where.size()) != std::string::npos);
    }
  }
  fs::remove(err);
  REQUIRE(files >= 40);
}
