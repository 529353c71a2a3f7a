#include "wsic/report/text.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "support.hpp"

using wsic::test::parse_csv;
using wsic::test::repeat;
using wsic::test::valid_utf8;

using wsic::report::count_characters;
using wsic::report::csv_field;
using wsic::report::fit_column;

namespace {}  // namespace

TEST_CASE("Text.CountsCharactersNotBytes", "[cli][text]") {
  CHECK(count_characters("") == 0);
  CHECK(count_characters("Brent") == 5);
  CHECK(count_characters("\xC3\xA9t\xC3\xA9") == 3);             // "été"
  CHECK(count_characters("\xE2\x80\xA6\xF0\x9F\x98\x80") == 2);  // ellipsis, emoji
  CHECK(count_characters("\x80\x80"
                         "a") == 2);  // stray continuation bytes: one character, then "a"
}

TEST_CASE("Text.ShortNamesArePaddedByCharacters", "[cli][text]") {
  CHECK(fit_column("Brent", 10) == "Brent     ");
  CHECK(fit_column("", 3) == "   ");
  CHECK(fit_column("exactly", 7) == "exactly");
  // Three two-byte characters take three columns, so two spaces, not zero.
  CHECK(fit_column("\xC3\xA9\xC3\xA9\xC3\xA9", 5) == "\xC3\xA9\xC3\xA9\xC3\xA9  ");
}

TEST_CASE("Text.LongNamesEndInAnEllipsis", "[cli][text]") {
  CHECK(fit_column("Hammersmith and Fulham", 12) == "Hammersmith\xE2\x80\xA6");
  // A cut just after a space drops the space.
  CHECK(fit_column("Long-term mental health needs (two sites)", 36) ==
        "Long-term mental health needs (two\xE2\x80\xA6 ");
  CHECK(fit_column("abc", 1) == "\xE2\x80\xA6");
  CHECK(fit_column("abc", 0).empty());
}

TEST_CASE("Text.MultiByteNamesAreNeverSplit", "[cli][text]") {
  const std::string name = repeat("\xC3\xA9", 200);  // 200 x "é", 400 bytes
  for (std::size_t width : {1u, 2u, 36u, 42u, 199u}) {
    INFO(width);
    const std::string cell = fit_column(name, width);
    CHECK(valid_utf8(cell));
    CHECK(count_characters(cell) == width);
    CHECK(cell == repeat("\xC3\xA9", width - 1) + "\xE2\x80\xA6");
  }
  CHECK(fit_column(name, 200) == name);
  CHECK(fit_column(name, 201) == name + " ");
  const std::string emoji = repeat("\xF0\x9F\x98\x80", 10);
  CHECK(fit_column(emoji, 4) == repeat("\xF0\x9F\x98\x80", 3) + "\xE2\x80\xA6");
}

TEST_CASE("Text.CsvFieldsNeverRunAsFormulas", "[report][text]") {
  // A spreadsheet runs a cell that starts with =, +, -, @ (or a tab or CR
  // before one) as a formula: such text is written with a leading apostrophe.
  CHECK(csv_field("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"");
  CHECK(csv_field("+1") == "'+1");
  CHECK(csv_field("-1+1") == "'-1+1");
  CHECK(csv_field("@SUM(A1)") == "'@SUM(A1)");
  CHECK(csv_field("\t=1") == "'\t=1");
  // A plain decimal number is a number, also when negative: no apostrophe.
  CHECK(csv_field("-97.0") == "-97.0");
  CHECK(csv_field("-12") == "-12");
  CHECK(csv_field("-0.0312") == "-0.0312");
  CHECK(csv_field("-") == "'-");
  CHECK(csv_field("-.5") == "'-.5");
  CHECK(csv_field("-1.") == "'-1.");
  CHECK(csv_field("-1e5") == "'-1e5");
  CHECK(csv_field("-1-1") == "'-1-1");
  CHECK(csv_field("Ealing") == "Ealing");
  CHECK(csv_field("65+ with LTCs, 75+") == "\"65+ with LTCs, 75+\"");
  CHECK(csv_field("") == "");
}
