// wsic-schema: writes scenarios/schema.json and the key reference of
// scenario/SCENARIO_FORMAT.md from the scenario format's table. The levers of
// the baseline scenario are named in the schema so that editors complete them.
//
//   wsic-schema --baseline scenarios/baseline.yaml --schema scenarios/schema.json
//               --format-doc scenario/SCENARIO_FORMAT.md
// (tools/update-schema runs it so on the shipped files).
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "wsic/scenario/format.hpp"
#include "wsic/scenario/loader.hpp"

namespace {

constexpr std::string_view kBegin = "<!-- BEGIN generated key reference -->";
constexpr std::string_view kEnd = "<!-- END generated key reference -->";

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

// `doc` with the text between the markers replaced by the key reference.
std::string with_reference(const std::string& doc, const std::string& path) {
  const auto begin = doc.find(kBegin);
  const auto end = doc.find(kEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin)
    throw std::runtime_error(path + " has no '" + std::string(kBegin) + "' ... '" + std::string(kEnd) + "' section");
  const auto from = begin + kBegin.size();
  return doc.substr(0, from) + "\n" + wsic::scenario::key_reference_markdown() + doc.substr(end);
}

int usage() {
  std::cerr << "usage: wsic-schema --baseline BASELINE.yaml [--schema OUT.json] [--format-doc SCENARIO_FORMAT.md]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string baseline, schema, format_doc;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--baseline")
      baseline = argv[i + 1];
    else if (flag == "--schema")
      schema = argv[i + 1];
    else if (flag == "--format-doc")
      format_doc = argv[i + 1];
    else
      return usage();
  }
  if (argc % 2 == 0 || baseline.empty()) return usage();
  try {
    const auto scenario = wsic::scenario::load_scenario(baseline);
    std::vector<wsic::scenario::KnownLever> levers;
    for (const auto& l : scenario.levers) levers.push_back({l.id, l.name});
    if (!schema.empty()) write(schema, wsic::scenario::json_schema(levers));
    if (!format_doc.empty()) write(format_doc, with_reference(read(format_doc), format_doc));
  } catch (const std::exception& e) {
    std::cerr << "wsic-schema: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
