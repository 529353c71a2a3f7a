// svg.hpp is the report's private header (report/src), not part of the
// library's public interface; the tests reach it by its path.
#include "../../report/src/svg.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace svg = wsic::report::svg;

TEST_CASE("Svg.NumbersKeepEveryDigit", "[cli][svg]") {
  // The old 64-byte buffer cut a value of 64 digits or more.
  const std::string whole = std::to_string(1e100);  // "%f": every digit, then ".000000"
  CHECK(svg::fixed(1e100, 0) == whole.substr(0, whole.size() - 7));
  CHECK(svg::fixed(1e100, 2) == whole.substr(0, whole.size() - 4));
  CHECK(svg::num(-1.7e308, 0).size() == 1 + 309);
  // Ordinary values: the bytes printf gave.
  CHECK(svg::fixed(3.14159, 2) == "3.14");
  CHECK(svg::fixed(2.5, 0) == "2");  // ties to even, as printf
  CHECK(svg::fixed(-0.04, 1) == "0.0");
  CHECK(svg::fixed(-0.0, 0) == "0");
  CHECK(svg::fixed(-1.25, 1) == "-1.2");
  CHECK(svg::fixed(1.0 / 0.0, 1).empty());
  CHECK(svg::num(12.50, 2) == "12.5");
  CHECK(svg::num(-0.001, 1) == "0");
  CHECK(svg::signed_days(-120.4) == "-120 d");
  CHECK(svg::signed_days(0.2) == "0 d");
}

TEST_CASE("Svg.DatesAndColours", "[cli][svg]") {
  CHECK(svg::format_date(0) == "1970-01-01");
  CHECK(svg::format_date(svg::from_ymd(2015, 4, 30)) == "2015-04-30");
  CHECK(svg::format_date(svg::from_ymd(12345, 12, 31)) == "12345-12-31");
  CHECK(svg::ramp({"#000000", "#FFFFFF"}, 0.5) == "#808080");
  CHECK(svg::ramp({"#0072B2", "#E69F00"}, 0.0) == "#0072B2");
  CHECK(svg::ramp({"#0072B2", "#E69F00"}, 1.0) == "#E69F00");
}

TEST_CASE("Svg.FitAndWrapGiveTheSameCutsAsBefore", "[cli][svg]") {
  // Hand-checked against the per-character em table (width = em x size x 1.08).
  CHECK(svg::fit("Hammersmith and Fulham", 12, 100) == "Hammersmith \xE2\x80\xA6");
  CHECK(svg::fit("Ealing", 12, 100) == "Ealing");
  CHECK(svg::fit("Brent", 12, 1) == "\xE2\x80\xA6");
  CHECK(svg::fit("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 12, 30) == "\xC3\xA9\xC3\xA9\xC3\xA9\xE2\x80\xA6");
  // The old loop dropped a multi-byte character that came just before an
  // ASCII one ("éé…" here) although "ééé…" fits; the cut is now the longest that fits.
  CHECK(svg::fit("\xC3\xA9\xC3\xA9\xC3\xA9"
                 "aaaa",
                 12, 30) == "\xC3\xA9\xC3\xA9\xC3\xA9\xE2\x80\xA6");
  using Lines = std::vector<std::string>;
  CHECK(svg::wrap("Information governance and contracts", 11, 100, 2) ==
        Lines{"Information", "governance and \xE2\x80\xA6"});
  CHECK(svg::wrap("Long-term mental health needs (two sites)", 11, 120, 2) ==
        Lines{"Long-term mental", "health needs (two s\xE2\x80\xA6"});
  CHECK(svg::wrap("Long-term mental health needs (two sites)", 11, 120, 3) ==
        Lines{"Long-term mental", "health needs (two", "sites)"});
  CHECK(svg::wrap("Supercalifragilisticexpialidocious word", 11, 80, 3) == Lines{"Supercalifra\xE2\x80\xA6", "word"});
  CHECK(svg::wrap("  spaced   out  ", 11, 200, 2) == Lines{"spaced out"});
  // At most max_lines, also for one line (it used to be unlimited then).
  CHECK(svg::wrap("Long-term mental health needs (two sites)", 11, 120, 1) == Lines{"Long-term mental h\xE2\x80\xA6"});
  CHECK(svg::wrap("Long-term mental health needs (two sites)", 11, 120, 0).empty());
}

TEST_CASE("Svg.FitAndWrapAreLinear", "[cli][svg]") {
  // A hang guard, not a benchmark: the old fit re-measured every prefix, so a
  // 100,000-character name took hours; now it is one pass.
  std::string word, words;
  for (int i = 0; i < 100'000; ++i) word += (i % 7 == 0) ? "\xC3\xA9" : "m";
  for (int i = 0; i < 20'000; ++i) words += "word ";
  const auto t0 = std::chrono::steady_clock::now();
  const std::string cut = svg::fit(word, 12, 300);
  const auto lines = svg::wrap(word + " " + words + word, 11, 200, 3);
  const auto many = svg::wrap(words, 11, 200, 100'000);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(seconds < 1.0);
  CHECK(svg::text_width(cut, 12) <= 300);
  CHECK(cut.size() < 100);
  REQUIRE(lines.size() == 3);
  for (const std::string& l : lines) CHECK(svg::text_width(l, 11) <= 200);
  CHECK(many.size() > 1000);
}

TEST_CASE("Svg.LinearTicksAsBefore", "[cli][svg]") {
  auto labels = [](const std::vector<svg::Tick>& ticks) {
    std::vector<std::string> out;
    for (const auto& t : ticks) out.push_back(t.label);
    return out;
  };
  using Labels = std::vector<std::string>;
  CHECK(labels(svg::linear_ticks(0, 10, 5)) == Labels{"0", "2", "4", "6", "8", "10"});
  CHECK(labels(svg::linear_ticks(0, 1, 4, 2)) == Labels{"0", "0.25", "0.5", "0.75", "1"});
  CHECK(labels(svg::linear_ticks(-130, 45, 6)) == Labels{"-100", "-50", "0"});
  CHECK(labels(svg::linear_ticks(0, 9.5 * 1.12, 6, 0)) == Labels{"0", "2", "4", "6", "8", "10"});
  CHECK(labels(svg::linear_ticks(3, 3, 6)) == Labels{"3"});
  CHECK(labels(svg::linear_ticks(5, 3, 6)) == Labels{"5"});
}

TEST_CASE("Svg.LinearTicksAreBoundedForEveryInput", "[cli][svg]") {
  // The old loop ran until memory ran out when the step was 0, inf or NaN
  // (a funding amount of 1.7e308, a range of denormals, a NaN), and made as
  // many ticks as asked for.
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const double max = std::numeric_limits<double>::max(), tiny = std::numeric_limits<double>::denorm_min();
  const std::pair<double, double> ranges[] = {{0, 1000},
                                              {0, 1.7e308},
                                              {0, 1.7e308 * 1.12},
                                              {0, 1e300},
                                              {-1.7e308, 1.7e308},
                                              {-max, max},
                                              {1e300, 1e300 * (1 + 4e-16)},
                                              {1, 1 + 2.3e-16},
                                              {0, tiny},
                                              {tiny, 2 * tiny},
                                              {0, 1e-310},
                                              {-1e-320, 1e-320},
                                              {nan, 1},
                                              {0, nan},
                                              {nan, nan},
                                              {0, inf},
                                              {-inf, inf},
                                              {inf, inf},
                                              {-inf, 0},
                                              {1, 1},
                                              {5, 3}};
  for (const auto& [lo, hi] : ranges) {
    for (int target : {1, 6, 9, 1000, std::numeric_limits<int>::max(), 0, -3}) {
      INFO("lo " << lo << ", hi " << hi << ", target " << target);
      const auto ticks = svg::linear_ticks(lo, hi, target);
      REQUIRE_FALSE(ticks.empty());
      CHECK(ticks.size() <= 26);
      for (std::size_t i = 0; i < ticks.size(); ++i) {
        CHECK(std::isfinite(ticks[i].value));
        if (i > 0) CHECK(ticks[i].value > ticks[i - 1].value);
        if (std::isfinite(lo) && std::isfinite(hi) && hi > lo) {
          CHECK(ticks[i].value >= lo - (hi / 2 - lo / 2));
          CHECK(ticks[i].value <= hi + (hi / 2 - lo / 2));
        }
      }
    }
  }
}
