// svg.hpp is the report's private header (tools/cli/src), not part of the
// library's public interface; the tests reach it by its path.
#include "../../tools/cli/src/svg.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace svg = wsic::cli::svg;

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
