#pragma once
/// Plain-text helpers: table cells cut by characters, CSV fields.

#include <cstddef>
#include <string>
#include <string_view>

namespace wsic::report {

/// "…", which ends text cut short.
inline constexpr std::string_view kEllipsis = "\xE2\x80\xA6";

/// True for a byte that continues a UTF-8 character rather than starting one.
inline bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// Number of characters (Unicode code points) in UTF-8 text. A byte that
/// cannot start or continue a character counts as one, so malformed text
/// still gives a sensible count. Pure and thread-safe.
std::size_t count_characters(std::string_view utf8);

/// `utf8` as a left-aligned table cell exactly `width` characters wide:
/// padded with spaces if shorter; if longer, cut to fewer than `width`
/// characters (trailing spaces dropped) and ended with an ellipsis "…", then
/// padded. Cuts fall between characters, never inside one, so the cell is
/// still valid UTF-8. Widths count code points: a wide (East Asian) character
/// or a combining mark counts as one. Pure and thread-safe.
std::string fit_column(std::string_view utf8, std::size_t width);

/// Quotes a CSV field when it needs it (RFC 4180). A field a spreadsheet
/// would run as a formula (starting with =, +, -, @, a tab or a carriage
/// return) is prefixed with an apostrophe, the usual defence. A plain
/// decimal number ("-97.0", "-12") is left as it is: a spreadsheet reads it
/// as a number, never as a formula, and a negative shift must stay a number
/// for whoever loads the file.
std::string csv_field(std::string_view s);

}  // namespace wsic::report
