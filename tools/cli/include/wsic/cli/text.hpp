#pragma once
/// Plain-text helpers for what the command line prints to a terminal.

#include <cstddef>
#include <string>
#include <string_view>

namespace wsic::cli {

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

}  // namespace wsic::cli
