#include "wsic/sim/time.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdio>

#include "wsic/sim/error.hpp"

namespace wsic::sim {

namespace {
std::optional<int> parse_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}
}  // namespace

std::optional<Date> parse_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto y = parse_digits(text.substr(0, 4));
  auto m = parse_digits(text.substr(5, 2));
  auto d = parse_digits(text.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  Date date{std::chrono::year(*y), std::chrono::month(static_cast<unsigned>(*m)),
            std::chrono::day(static_cast<unsigned>(*d))};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string format_iso_date(Date date) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                     static_cast<unsigned>(date.day()));
}

Date Calendar::to_date(Time t) const {
  WSIC_ASSERT(t.is_finite(), "calendar date of a non-finite time");
  const double days = std::floor(t.in_days());
  return Date(epoch_ + std::chrono::days(static_cast<long>(days)));
}

}  // namespace wsic::sim
