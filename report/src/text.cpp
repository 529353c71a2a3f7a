#include "wsic/report/text.hpp"

namespace wsic::report {

namespace {

/// A character starts at every byte that is not a continuation byte, and at
/// the first byte whatever it is.
bool starts_character(std::string_view s, std::size_t i) { return i == 0 || !is_utf8_continuation(s[i]); }

/// Byte offset where character `n` (from 0) starts, or s.size() if there are
/// not that many.
std::size_t character_offset(std::string_view s, std::size_t n) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (starts_character(s, i) && seen++ == n) return i;
  }
  return s.size();
}

}  // namespace

std::size_t count_characters(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) n += starts_character(s, i) ? 1 : 0;
  return n;
}

std::string fit_column(std::string_view s, std::size_t width) {
  std::size_t chars = count_characters(s);
  std::string out;
  if (chars <= width) {
    out.assign(s);
  } else if (width > 0) {
    out.assign(s.substr(0, character_offset(s, width - 1)));
    while (!out.empty() && out.back() == ' ') out.pop_back();  // "two …" reads worse than "two…"
    out += kEllipsis;
    chars = count_characters(out);
  } else {
    chars = 0;
  }
  out.append(width - chars, ' ');
  return out;
}

namespace {
/// An optional minus sign, digits, and optionally a point and more digits.
bool plain_decimal(std::string_view s) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = !s.empty() && s.front() == '-' ? 1 : 0;
  const std::size_t int_from = i;
  while (i < s.size() && digit(s[i])) ++i;
  if (i == int_from) return false;
  if (i < s.size() && s[i] == '.') {
    const std::size_t frac_from = ++i;
    while (i < s.size() && digit(s[i])) ++i;
    if (i == frac_from) return false;
  }
  return i == s.size();
}
}  // namespace

std::string csv_field(std::string_view s) {
  std::string text(s);
  if (!text.empty() && !plain_decimal(text) &&
      (text.front() == '=' || text.front() == '+' || text.front() == '-' || text.front() == '@' ||
       text.front() == '\t' || text.front() == '\r')) {
    text.insert(text.begin(), '\'');
  }
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace wsic::report
