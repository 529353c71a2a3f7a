#include "wsic/report/report.hpp"

#include "wsic/experiment/batch.hpp"
#include "wsic/report/report_data.hpp"
#include "wsic/report/summary.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/scenario/parameters.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support.hpp"

using wsic::test::parse_csv;
using wsic::test::repeat;
using wsic::test::valid_utf8;

namespace {

using nlohmann::json;
using wsic::report::render_report;

const char* const kCharts[] = {"s_curves",    "fan",   "gantt",  "barrier_tornado", "lever_tornado",
                               "criticality", "spend", "people", "workstream_graph"};

json load_fixture(const std::string& name) {
  // ctest runs from the source tree; a hand-run binary may sit in a build folder below it.
  for (const char* prefix : {"", "../", "../../"}) {
    const std::filesystem::path p = std::filesystem::path(prefix) / "tests/data/report" / name;
    if (std::filesystem::exists(p)) {
      std::ifstream in(p);
      return json::parse(in);
    }
  }
  FAIL("fixture not found: tests/data/report/" << name);
  return {};
}

const xmlChar* xc(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

/// A parsed XML document (libxml2, strict: no recovery, no network).
class Xml {
 public:
  explicit Xml(const std::string& text)
      : doc_(xmlReadMemory(text.data(), static_cast<int>(text.size()), "report.xml", "UTF-8",
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
             xmlFreeDoc) {}

  bool well_formed() const { return doc_ != nullptr; }

  /// Number of nodes an XPath expression selects; `s:` is the SVG namespace, `x:` XHTML.
  int count(const std::string& xpath) const {
    if (!doc_) return -1;
    std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)> ctx(xmlXPathNewContext(doc_.get()),
                                                                         xmlXPathFreeContext);
    xmlXPathRegisterNs(ctx.get(), xc("s"), xc("http://www.w3.org/2000/svg"));
    xmlXPathRegisterNs(ctx.get(), xc("x"), xc("http://www.w3.org/1999/xhtml"));
    std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)> res(
        xmlXPathEvalExpression(xc(xpath.c_str()), ctx.get()), xmlXPathFreeObject);
    if (!res || res->nodesetval == nullptr) return 0;
    return res->nodesetval->nodeNr;
  }

  /// The string value (all text, tags dropped) of the first node `xpath` selects.
  std::string text_of(const std::string& xpath) const {
    if (!doc_) return "";
    std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)> ctx(xmlXPathNewContext(doc_.get()),
                                                                         xmlXPathFreeContext);
    xmlXPathRegisterNs(ctx.get(), xc("x"), xc("http://www.w3.org/1999/xhtml"));
    std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)> res(
        xmlXPathEvalExpression(xc(("string(" + xpath + ")").c_str()), ctx.get()), xmlXPathFreeObject);
    if (!res || res->stringval == nullptr) return "";
    return reinterpret_cast<const char*>(res->stringval);
  }

 private:
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc_;
};

int class_count(const std::string& svg, const std::string& element, const std::string& cls) {
  return Xml(svg).count("//s:" + element + "[contains(concat(' ', @class, ' '), ' " + cls + " ')]");
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string without(std::string s, const std::string& what) {
  for (std::size_t at; (at = s.find(what)) != std::string::npos;) s.erase(at, what.size());
  return s;
}

/// A batch of `sc` on one thread.
wsic::model::Outcomes one_thread_batch(const wsic::model::Scenario& sc, std::uint64_t seed, std::uint64_t n,
                                       std::uint64_t block_size = wsic::sim::kDefaultBlockSize) {
  wsic::experiment::BatchSpec spec;
  spec.seed = seed;
  spec.replications = n;
  spec.threads = 1;
  spec.block_size = block_size;
  return wsic::experiment::run_batch(sc, spec);
}

}  // namespace

TEST_CASE("Report.RunProducesEveryFile", "[cli][report]") {
  const auto files = render_report(load_fixture("run.json"));
  REQUIRE(files.count("report.html") == 1);
  for (const char* c : kCharts) {
    INFO(c);
    CHECK(files.count("chart_" + std::string(c) + ".svg") == 1);
    CHECK(files.count("chart_" + std::string(c) + ".csv") == 1);
  }
  CHECK(files.count("chart_workstream_graph_edges.csv") == 1);  // the graph's second table
  CHECK(files.count("chart_comparison.svg") == 0);
  CHECK(files.size() == 1 + 2 * std::size(kCharts) + 1);
}

TEST_CASE("Report.OutputIsWellFormedXml", "[cli][report]") {
  for (const char* fixture : {"run.json", "compare.json"}) {
    const auto files = render_report(load_fixture(fixture));
    for (const auto& [name, content] : files) {
      if (name.size() < 4 || (name.substr(name.size() - 4) != ".svg" && name != "report.html")) continue;
      INFO(fixture << ": " << name);
      CHECK(Xml(content).well_formed());
    }
    const std::string& html = files.at("report.html");
    CHECK(html.rfind("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">", 0) == 0);
    // Every chart is inlined in the page as the very same markup as its file.
    for (const auto& [name, content] : files) {
      if (name.size() > 4 && name.substr(name.size() - 4) == ".svg") {
        INFO(name);
        const std::string prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
        REQUIRE(content.rfind(prolog, 0) == 0);
        CHECK(html.find(content.substr(prolog.size())) != std::string::npos);
      }
    }
  }
}

TEST_CASE("Report.NothingIsFetched", "[cli][report]") {
  for (const char* fixture : {"run.json", "compare.json"}) {
    for (const auto& [name, content] : render_report(load_fixture(fixture))) {
      if (name.size() > 4 && name.substr(name.size() - 4) == ".csv") continue;
      INFO(fixture << ": " << name);
      const std::string rest = lower(
          without(without(content, "xmlns=\"http://www.w3.org/2000/svg\""), "xmlns=\"http://www.w3.org/1999/xhtml\""));
      CHECK(rest.find("http") == std::string::npos);
      CHECK(rest.find("//") == std::string::npos);
      CHECK(rest.find("<script") == std::string::npos);
      CHECK(rest.find("@import") == std::string::npos);
      CHECK(rest.find("url(") == std::string::npos);
      CHECK(rest.find("<link") == std::string::npos);
      CHECK(rest.find("href") == std::string::npos);
      CHECK(rest.find(" src=") == std::string::npos);
    }
  }
}

TEST_CASE("Report.ChartsHoldTheirData", "[cli][report]") {
  const json data = load_fixture("run.json");
  const auto files = render_report(data);

  SECTION("one line per s-curve series") {
    CHECK(class_count(files.at("chart_s_curves.svg"), "path", "series") ==
          static_cast<int>(data["s_curves"]["series"].size()));
  }
  SECTION("fan bands, median and observed points") {
    const std::string& fan = files.at("chart_fan.svg");
    CHECK(class_count(fan, "polygon", "band-p10-p90") >= 1);
    CHECK(class_count(fan, "polygon", "band-p25-p75") >= 1);
    CHECK(class_count(fan, "path", "median") == 1);
    CHECK(class_count(fan, "polygon", "observed") == static_cast<int>(data["fan"]["observed"].size()));
  }
  SECTION("one Gantt bar per phase that starts within the horizon") {
    int phases = 0;
    for (const json& row : data["gantt"])
      for (const json& p : row["phases"]) phases += p["start"]["p50"].is_string() ? 1 : 0;
    CHECK(phases > 0);
    CHECK(class_count(files.at("chart_gantt.svg"), "rect", "phase-bar") == phases);
  }
  SECTION("one tornado bar per barrier and per lever setting") {
    const int barriers = static_cast<int>(data["barrier_tornado"]["bars"].size());
    CHECK(class_count(files.at("chart_barrier_tornado.svg"), "rect", "bar-p50") == barriers);
    CHECK(class_count(files.at("chart_barrier_tornado.svg"), "rect", "bar-p80") == barriers);
    const int levers = static_cast<int>(data["lever_tornado"]["bars"].size());
    CHECK(class_count(files.at("chart_lever_tornado.svg"), "rect", "bar-low") == levers);
    CHECK(class_count(files.at("chart_lever_tornado.svg"), "rect", "bar-high") == levers);
  }
  SECTION("one criticality cell per scheme and workstream, each with its number") {
    const auto& c = data["criticality"];
    const int cells = static_cast<int>(c["schemes"].size() * c["workstreams"].size());
    CHECK(class_count(files.at("chart_criticality.svg"), "rect", "cell") == cells);
    CHECK(Xml(files.at("chart_criticality.svg")).count("//s:text[contains(., '%')]") >=
          cells - 1);  // one cell is null in the fixture
  }
  SECTION("spend: a funded marker per funded year, a segment per category spent on") {
    int funded = 0, segments = 0;
    for (const auto& y : data["spend"]) {
      funded += y["funded_central"].is_null() ? 0 : 1;
      for (const auto& [k, v] : y["spent"].items()) segments += v.get<double>() > 0 ? 1 : 0;
    }
    REQUIRE(funded + 1 == static_cast<int>(data["spend"].size()));  // the fixture has a row after the funded years
    CHECK(class_count(files.at("chart_spend.svg"), "line", "funded") == funded);
    CHECK(class_count(files.at("chart_spend.svg"), "rect", "bar") == segments);
  }
  SECTION("people: a point per month, the population's line, the CSV's numbers the data's") {
    const auto& pc = data["people_covered"];
    CHECK(class_count(files.at("chart_people.svg"), "line", "population") == 1);
    const auto rows = parse_csv(files.at("chart_people.csv"));
    REQUIRE(rows.size() == 1 + pc["by_month"].size());
    CHECK(rows[0] == std::vector<std::string>{"month", "people_covered_mean", "population"});
    for (std::size_t i = 0; i < pc["by_month"].size(); ++i) {
      CHECK(rows[i + 1][0] == pc["by_month"][i]["month"].get<std::string>());
      CHECK(std::stod(rows[i + 1][1]) == Approx(pc["by_month"][i]["mean"].get<double>()).margin(0.05));
    }
  }
  SECTION("workstream graph: one box per workstream, one arrow per edge, kinds tagged") {
    const std::string& g = files.at("chart_workstream_graph.svg");
    const auto& wg = data["workstream_graph"];
    CHECK(class_count(g, "rect", "node") == static_cast<int>(wg["nodes"].size()));
    CHECK(class_count(g, "path", "edge") == static_cast<int>(wg["edges"].size()));
    CHECK(class_count(g, "rect", "phase") == static_cast<int>(data["phases"].size()));
    CHECK(g.find("[transactional]") != std::string::npos);
    CHECK(g.find("[engagement]") != std::string::npos);
    // Its numbers in two tidy tables: the nodes, and the edges as the data gives them.
    const auto nodes = parse_csv(files.at("chart_workstream_graph.csv"));
    REQUIRE(nodes.size() == 1 + data["phases"].size() + wg["nodes"].size());
    for (std::size_t i = 1; i < nodes.size(); ++i) CHECK(nodes[i].size() == nodes.front().size());
    const auto edges = parse_csv(files.at("chart_workstream_graph_edges.csv"));
    REQUIRE(edges.front() == std::vector<std::string>{"from_workstream_id", "to_workstream_id"});
    std::set<std::vector<std::string>> want, got(edges.begin() + 1, edges.end());
    for (const json& e : wg["edges"]) want.insert({e[0].get<std::string>(), e[1].get<std::string>()});
    CHECK(got == want);
    CHECK(files.at("report.html").find("chart_workstream_graph_edges.csv") != std::string::npos);
  }
}

TEST_CASE("Report.ChartsAreAccessible", "[cli][report]") {
  const auto files = render_report(load_fixture("compare.json"));
  for (const auto& [name, content] : files) {
    if (name.size() < 4 || name.substr(name.size() - 4) != ".svg") continue;
    INFO(name);
    const Xml xml(content);
    CHECK(xml.count("/s:svg/s:title") == 1);
    CHECK(xml.count("/s:svg/s:desc") == 1);
    CHECK(xml.count("/s:svg[@viewBox]") == 1);
    CHECK(content.find("font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif\"") !=
          std::string::npos);
    // No label smaller than 11 px.
    for (std::size_t at = 0; (at = content.find("font-size=\"", at)) != std::string::npos;) {
      at += 11;
      CHECK(std::atof(content.c_str() + at) >= 11.0);
    }
  }
}

TEST_CASE("Report.CsvFilesAreTidy", "[cli][report]") {
  const json data = load_fixture("compare.json");
  const auto files = render_report(data);
  for (const auto& [name, content] : files) {
    if (name.size() < 4 || name.substr(name.size() - 4) != ".csv") continue;
    INFO(name);
    const auto rows = parse_csv(content);
    REQUIRE(rows.size() >= 2);
    for (const auto& r : rows) CHECK(r.size() == rows.front().size());
  }
  const auto crit = parse_csv(files.at("chart_criticality.csv"));
  CHECK(crit.size() == 1 + data["criticality"]["schemes"].size() * data["criticality"]["workstreams"].size());
  CHECK(crit.front() ==
        std::vector<std::string>{"scheme_id", "scheme_name", "workstream_id", "workstream_name", "criticality"});
  const auto s = parse_csv(files.at("chart_s_curves.csv"));
  CHECK(s.size() == 1 + data["s_curves"]["series"].size() * data["s_curves"]["dates"].size());
}

TEST_CASE("Report.CompareHasComparisonFirst", "[cli][report]") {
  const json data = load_fixture("compare.json");
  const auto files = render_report(data);
  REQUIRE(files.count("chart_comparison.svg") == 1);
  REQUIRE(files.count("chart_comparison.csv") == 1);
  int dots = 0;
  for (const json& w : data["comparison"]["whatifs"])
    for (const json& r : w["rows"]) dots += r["p50_shift"].is_number() ? 1 : 0;
  CHECK(class_count(files.at("chart_comparison.svg"), "circle", "p50-dot") == dots);
  CHECK(class_count(files.at("chart_comparison.svg"), "line", "ci") == dots);
  const std::string& html = files.at("report.html");
  const Xml xml(html);
  CHECK(xml.count("//x:table[@class='comparison']") == static_cast<int>(data["comparison"]["whatifs"].size()));
  const auto comparison = html.find("id=\"comparison\""), results = html.find("id=\"results\"");
  REQUIRE(comparison != std::string::npos);
  CHECK(comparison < results);
}

TEST_CASE("Report.HtmlFollowsStress", "[cli][report]") {
  const auto files = render_report(load_fixture("run.json"));
  const std::string& html = files.at("report.html");
  const Xml xml(html);
  CHECK(xml.count("//x:section[@class='summary']//x:li") == 4);
  std::size_t last = html.find("class=\"summary\"");
  REQUIRE(last != std::string::npos);
  for (const char* heading :
       {"Key results", "1 Objectives", "2 Model logic", "3 Data", "4 Experimentation", "5 Implementation"}) {
    INFO(heading);
    const auto at = html.find(std::string("<h2>") + heading + "</h2>");
    REQUIRE(at != std::string::npos);
    CHECK(at > last);
    last = at;
  }
  CHECK(xml.count("//x:figure") == static_cast<int>(std::size(kCharts)));
  CHECK(xml.count("//x:figure/x:figcaption") == static_cast<int>(std::size(kCharts)));
  CHECK(html.find("@media print") != std::string::npos);
  CHECK(html.find("20131001") != std::string::npos);  // the seed
}

TEST_CASE("Report.StressDesCoversEveryItem", "[cli][report]") {
  // Each of the checklist's 24 items has a numbered section of its own with
  // content, and the items the scenario and the run decide are generated
  // from them, not boilerplate.
  const wsic::model::Scenario sc = wsic::scenario::load_scenario("scenarios/baseline.yaml");
  const wsic::model::Outcomes o = one_thread_batch(sc, 5, 300);
  wsic::report::RunFacts facts;
  facts.version = "9.8.7";
  facts.replications = 300;
  const json data = json::parse(wsic::report::run_report_data(sc, o, facts, {}, {}).dump());
  const std::string html = render_report(data).at("report.html");
  const Xml xml(html);
  REQUIRE(xml.well_formed());
  const char* const kItems[] = {"1.1",   "1.2",   "1.3",   "2.1",   "2.2", "2.3", "2.4", "2.5.1",
                                "2.5.2", "2.5.3", "2.5.4", "2.5.5", "3.1", "3.2", "3.3", "3.4",
                                "4.1",   "4.2",   "4.3",   "5.1",   "5.2", "5.3", "5.4", "6.1"};
  CHECK(xml.count("//x:section[@class='stress-item']") == 24);
  const auto section = [](const std::string& number) {
    std::string id = number;
    std::replace(id.begin(), id.end(), '.', '-');
    return "//x:section[@id='stress-" + id + "']";
  };
  for (const char* number : kItems) {
    INFO("item " << number);
    REQUIRE(xml.count(section(number)) == 1);
    const std::string heading = xml.text_of(section(number) + "/x:h3");
    CHECK(heading.rfind(std::string(number) + " ", 0) == 0);
    CHECK(xml.text_of(section(number)).size() > heading.size() + 100);  // more than a sentence
  }
  const auto holds = [&](const std::string& number, const std::string& what) {
    INFO("item " << number << " should hold " << what);
    CHECK(xml.text_of(section(number)).find(what) != std::string::npos);
  };
  // 3.3: every number, as --set names it, with its value.
  const wsic::scenario::ParameterSpace space(sc);
  REQUIRE(space.parameters().size() > 50);
  CHECK(xml.count(section("3.3") + "//x:table//x:tbody/x:tr") == static_cast<int>(space.parameters().size()));
  holds("3.3", "schemes.ealing.readiness");
  holds("3.3", wsic::model::content_hash(sc));
  // 3.2: the observation the scenario was calibrated to, and this run's fit, said to be in-sample.
  holds("3.2", "in-sample");
  holds("3.2", "2 schemes live at 2015-04-30");
  // 2.3: what each lever scales; 2.5.1: every scheme with its readiness.
  holds("2.3", "the date national action ends every national_ig block");
  for (const auto& scheme : sc.schemes) holds("2.5.1", scheme.name);
  // 4.3: this run's replications and simulation error; 5.4: the machine; 6.1: the version.
  holds("4.3", "With 300 replications");
  holds("5.4", "Processor");
  holds("5.4", __VERSION__);
  holds("6.1", "wsic 9.8.7");
}

TEST_CASE("Report.NullsRenderAsAfterHorizonOrDash", "[cli][report]") {
  const std::string html = render_report(load_fixture("run.json")).at("report.html");
  CHECK(html.find("after horizon") != std::string::npos);
  json data = load_fixture("run.json");
  data["quantiles"][0]["p50"]["date"] = nullptr;
  data["quantiles"][0]["p50"]["ci"] = {nullptr, nullptr};
  data["spend"][0]["consultancy"] = nullptr;
  data["implementation"].erase("wall_seconds");
  const auto files = render_report(data);
  CHECK(Xml(files.at("report.html")).well_formed());
  CHECK(Xml(files.at("chart_spend.svg")).well_formed());
}

TEST_CASE("Report.IsByteReproducible", "[cli][report]") {
  for (const char* fixture : {"run.json", "compare.json"}) {
    const json data = load_fixture(fixture);
    const auto a = render_report(data);
    const auto b = render_report(json::parse(data.dump()));
    CHECK(a == b);
  }
}

TEST_CASE("Report.MissingChartsAreSkipped", "[cli][report]") {
  json data = load_fixture("run.json");
  data.erase("s_curves");
  data["fan"] = nullptr;
  data["gantt"] = "not a list";
  data["lever_tornado"]["bars"] = json::array();
  data["criticality"]["values"] = {{"x"}};
  data["workstream_graph"]["edges"] = {{"ig"}, {"ig", "nowhere"}, 7};
  const auto files = render_report(data);
  for (const char* gone : {"s_curves", "fan", "gantt", "lever_tornado"}) {
    INFO(gone);
    CHECK(files.count("chart_" + std::string(gone) + ".svg") == 0);
    CHECK(files.count("chart_" + std::string(gone) + ".csv") == 0);
  }
  CHECK(files.count("chart_criticality.svg") == 1);  // malformed cells render as "no value"
  CHECK(files.count("chart_workstream_graph.svg") == 1);
  CHECK(class_count(files.at("chart_workstream_graph.svg"), "path", "edge") == 0);
  const std::string& html = files.at("report.html");
  CHECK(Xml(html).well_formed());
  CHECK(Xml(html).count("//x:p[@class='skipped']") == 4);

  SECTION("an empty input still gives a readable page") {
    const auto empty = render_report(json::object());
    CHECK(empty.size() == 1);
    CHECK(Xml(empty.at("report.html")).well_formed());
  }
  SECTION("a non-object input does not throw") {
    CHECK_NOTHROW(render_report(json::array({1, 2, 3})));
    CHECK_NOTHROW(render_report(json()));
  }
  SECTION("a cycle in the workstream graph does not hang") {
    json cyc = load_fixture("run.json");
    cyc["workstream_graph"]["edges"] = {{"ig", "it"}, {"it", "ig"}};
    const auto f = render_report(cyc);
    CHECK(Xml(f.at("chart_workstream_graph.svg")).well_formed());
  }
}

TEST_CASE("Report.TextIsEscaped", "[cli][report]") {
  json data = load_fixture("run.json");
  data["title"] = "Tom & Jerry's <b>\"plan\"</b>";
  data["data_sources"].push_back("See https://example.org/report and HTTP://EXAMPLE.ORG//x");
  data["s_curves"]["series"][0]["name"] = "<Brent & co>";
  data["barriers"][0]["description"] = "a\x01 control character";
  const auto files = render_report(data);
  for (const auto& [name, content] : files) {
    if (name.size() > 4 && name.substr(name.size() - 4) == ".csv") continue;
    INFO(name);
    CHECK(Xml(content).well_formed());
    const std::string rest = lower(
        without(without(content, "xmlns=\"http://www.w3.org/2000/svg\""), "xmlns=\"http://www.w3.org/1999/xhtml\""));
    CHECK(rest.find("http") == std::string::npos);
    CHECK(rest.find("//") == std::string::npos);
  }
  CHECK(files.at("report.html").find("Tom &amp; Jerry&#39;s &lt;b&gt;&quot;plan&quot;&lt;/b&gt;") != std::string::npos);
  CHECK(files.at("chart_s_curves.csv").find("<Brent & co>") != std::string::npos);  // CSV keeps the raw text
}

TEST_CASE("Report.ShortSpansStillNameTheYear", "[cli][report]") {
  json data = load_fixture("run.json");
  data.erase("calendar");
  data["s_curves"]["dates"] = {"2014-03-01", "2014-04-01", "2014-05-01", "2014-06-01"};
  for (json& s : data["s_curves"]["series"]) s["cdf"] = {0.0, 0.1, 0.4, 0.9};
  const auto files = render_report(data);
  const std::string& svg = files.at("chart_s_curves.svg");
  CHECK(Xml(svg).well_formed());
  CHECK(Xml(svg).count("//s:text[contains(., '2014')]") >= 1);
}

TEST_CASE("Report.CompareWithoutComparisonSaysSo", "[cli][report]") {
  json data = load_fixture("compare.json");
  data.erase("comparison");
  const auto files = render_report(data);
  CHECK(files.count("chart_comparison.svg") == 0);
  const std::string& html = files.at("report.html");
  CHECK(Xml(html).well_formed());
  CHECK(html.find("the input has no comparison data") != std::string::npos);
}

TEST_CASE("Report.HugeAmountsStillRender", "[cli][report]") {
  // A funding amount of 1.7e308 (GBP m) made the spend axis's tick loop run
  // until memory ran out; huge counts and shifts must not hang either.
  json data = load_fixture("run.json");
  data["spend"][0]["funded_central"] = 1.7e308;
  data["spend"][0]["spent"]["central_team"] = 1.7e308;
  data["spend"][1]["funded_local"] = 1e300;
  data["fan"]["max"] = 1e300;
  data["barrier_tornado"]["bars"][0]["p50_shift"] = -1.7e308;
  data["lever_tornado"]["bars"][0]["high_shift"] = 1.7e308;
  const auto files = render_report(data);
  for (const auto& [name, content] : files) {
    if (name.size() < 4 || (name.substr(name.size() - 4) != ".svg" && name != "report.html")) continue;
    INFO(name);
    CHECK(Xml(content).well_formed());
  }
  // Every funded year keeps its marker (the last row is after the funded years).
  CHECK(class_count(files.at("chart_spend.svg"), "line", "funded") == static_cast<int>(data["spend"].size()) - 1);
}

TEST_CASE("Report.ChartFilesNeverCollideWithTheRunsTables", "[cli][report]") {
  // render_report's files and summary_csvs' tables go to the same folder: a
  // chart named like a table (spend, criticality) used to overwrite it.
  const wsic::model::Scenario sc = wsic::scenario::load_scenario("tests/data/scenarios/minimal.yaml");
  const wsic::model::Outcomes o = one_thread_batch(sc, 1, 20, 8);
  const auto tables = wsic::report::summary_csvs(sc, o);
  REQUIRE(tables.count("spend.csv") == 1);
  REQUIRE(tables.count("criticality.csv") == 1);
  // Written by run and compare beside the report (run.cpp, commands.cpp).
  const char* const kOtherFiles[] = {"summary.json",    "run.json",    "report_data.json",      "per_replication.csv",
                                     "comparison.json", "report.html", "paired_differences.csv"};
  for (const auto& [name, content] : tables) {
    INFO(name);
    CHECK(name.rfind("chart_", 0) != 0);
    CHECK(std::find(std::begin(kOtherFiles), std::end(kOtherFiles), name) == std::end(kOtherFiles));
  }
  json real = json::parse(wsic::report::run_report_data(sc, o, wsic::report::RunFacts{}, {}, {}).dump());
  for (const json& data : {real, load_fixture("run.json"), load_fixture("compare.json")}) {
    const auto files = render_report(data);
    CHECK(files.size() > 1);
    for (const auto& [name, content] : files) {
      INFO(name);
      CHECK(tables.count(name) == 0);
      if (name == "report.html") continue;
      CHECK(name.rfind("chart_", 0) == 0);
      CHECK(std::find(std::begin(kOtherFiles), std::end(kOtherFiles), name) == std::end(kOtherFiles));
    }
  }
}

TEST_CASE("Report.SpendCsvKeepsFundedAndSpentApart", "[cli][report]") {
  const json data = load_fixture("run.json");
  const auto rows = parse_csv(render_report(data).at("chart_spend.csv"));
  REQUIRE(rows.size() == 1 + data["spend"].size());
  // A column per category the data lists, in its order.
  std::vector<std::string> header{"financial_year", "funded_central_gbp_m", "funded_local_gbp_m", "funded_total_gbp_m"};
  for (const auto& c : data["spend_categories"]) header.push_back("spent_" + c["id"].get<std::string>() + "_gbp_m");
  header.push_back("spent_total_gbp_m");
  REQUIRE(header.size() == 9);
  CHECK(rows[0] == header);
  for (std::size_t i = 0; i < data["spend"].size(); ++i) {
    const json& y = data["spend"][i];
    const auto& r = rows[i + 1];
    INFO(r[0]);
    REQUIRE(r.size() == header.size());
    CHECK(r[0] == y["financial_year"].get<std::string>());
    if (y["funded_central"].is_null()) {  // after the funded years: nothing funded
      CHECK(r[1].empty());
      CHECK(r[3].empty());
    } else {
      CHECK(std::stod(r[1]) == Approx(y["funded_central"].get<double>()).margin(5e-4));
      CHECK(std::stod(r[2]) == Approx(y["funded_local"].get<double>()).margin(5e-4));
      CHECK(std::stod(r[3]) ==
            Approx(y["funded_central"].get<double>() + y["funded_local"].get<double>()).margin(1e-3));
    }
    double spent = 0;
    for (std::size_t k = 0; k < data["spend_categories"].size(); ++k) {
      const double v = y["spent"][data["spend_categories"][k]["id"].get<std::string>()].get<double>();
      CHECK(std::stod(r[4 + k]) == Approx(v).margin(5e-4));
      spent += v;
    }
    CHECK(std::stod(r.back()) == Approx(spent).margin(1e-3));
  }
}

TEST_CASE("Report.CsvNumbersStayNumbers", "[cli][report]") {
  // Every cell of a numeric column parses whole as a number, negative shifts
  // included: the formula defence is for text, and "'-97.0" would load as a
  // string in any data tool.
  const auto numeric = [](const std::string& column) {
    static const char* const kNames[] = {"shift_days", "value",        "criticality", "cumulative_probability",
                                         "layer",      "setting_value"};
    return std::find(std::begin(kNames), std::end(kNames), column) != std::end(kNames) ||
           (column.size() > 6 && column.substr(column.size() - 6) == "_gbp_m");
  };
  int negatives = 0, cells = 0;
  for (const char* fixture : {"run.json", "compare.json"}) {
    for (const auto& [name, content] : render_report(load_fixture(fixture))) {
      if (name.size() < 4 || name.substr(name.size() - 4) != ".csv") continue;
      const auto rows = parse_csv(content);
      REQUIRE(!rows.empty());
      for (std::size_t c = 0; c < rows.front().size(); ++c) {
        if (!numeric(rows.front()[c])) continue;
        for (std::size_t r = 1; r < rows.size(); ++r) {
          if (c >= rows[r].size() || rows[r][c].empty()) continue;
          const std::string& cell = rows[r][c];
          INFO(fixture << ": " << name << " row " << r << ", " << rows.front()[c] << " = " << cell);
          char* end = nullptr;
          std::strtod(cell.c_str(), &end);
          CHECK(end == cell.c_str() + cell.size());
          ++cells;
          negatives += cell.front() == '-' ? 1 : 0;
        }
      }
    }
  }
  CHECK(cells > 100);
  CHECK(negatives > 0);  // the fixtures' shifts include negative ones
}

TEST_CASE("Report.RenderChartsDrawsAsTheReportDoes", "[report]") {
  // The lab shows charts by name; each must be the report's own, byte for byte.
  for (const char* fixture : {"run.json", "compare.json"}) {
    const json data = load_fixture(fixture);
    const auto files = render_report(data);
    const std::string& html = files.at("report.html");
    const bool compare = std::string(fixture) == "compare.json";
    std::vector<std::string> names{"s_curves", "fan", "spend"};
    if (compare) names.insert(names.begin(), {"comparison_s_curves", "comparison"});
    const auto charts = wsic::report::render_charts(data, names);
    REQUIRE(charts.size() == names.size());
    std::size_t shown = 0;
    for (std::size_t i = 0; i < names.size(); ++i) {
      INFO(fixture << " " << names[i]);
      CHECK(charts[i].name == names[i]);
      // Drawn exactly when the report draws it (a fixture may lack a chart's data).
      const bool drawn = files.count("chart_" + names[i] + ".csv") > 0;
      CHECK(charts[i].skipped.empty() == drawn);
      if (!drawn) continue;
      ++shown;
      CHECK(charts[i].csv == files.at("chart_" + names[i] + ".csv"));
      CHECK(html.find(charts[i].svg) != std::string::npos);  // the very element report.html has
      CHECK(charts[i].svg.starts_with("<svg"));
    }
    CHECK(shown >= (compare ? 4u : 3u));
  }
  CHECK_THROWS_AS(wsic::report::render_charts(load_fixture("run.json"), {"no_such_chart"}), std::invalid_argument);
}

TEST_CASE("Report.DecisionsAndUncertaintiesApart", "[cli][report]") {
  // What was chosen apart from what happened: a lever whose role is
  // uncertainty goes to the second table, the others (and levers with no
  // role, as older data has them) to the decisions, with their cost.
  json data = load_fixture("run.json");
  REQUIRE(data["levers"].size() >= 2);
  data["levers"][0]["role"] = "uncertainty";
  data["levers"][1]["role"] = "decision";
  data["levers"][1]["cost"] = "£0.45m a year per unit, local pot";
  const std::string html = render_report(data).at("report.html");
  const auto decisions = html.find("Decisions: what the programme's leaders choose");
  const auto uncertainties = html.find("Uncertainties: what happens to them");
  REQUIRE(decisions != std::string::npos);
  REQUIRE(uncertainties != std::string::npos);
  const std::string first = data["levers"][0]["name"], second = data["levers"][1]["name"];
  CHECK(html.find(first, uncertainties) != std::string::npos);
  CHECK(html.find(first, decisions) > uncertainties);  // not among the decisions
  const auto in_decisions = html.find(second, decisions);
  CHECK(in_decisions < uncertainties);
  CHECK(html.find("£0.45m a year per unit, local pot", decisions) < uncertainties);
  // A value that changes over time shows each change with its date.
  data["levers"][1]["value"] = "0.65";
  data["levers"][1]["changes"] =
      json::array({{{"from", "2015-01-01"}, {"value", "0.3"}}, {{"from", "2016-01-01"}, {"value", "0.4"}}});
  const std::string changed = render_report(data).at("report.html");
  const auto at = changed.find("0.65; 0.3 from 2015-01-01; 0.4 from 2016-01-01");
  CHECK(at > changed.find("Decisions: what the programme's leaders choose"));
  CHECK(at < changed.find("Uncertainties: what happens to them"));
}
