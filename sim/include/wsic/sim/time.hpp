#pragma once
/// Simulation time: a strong type over days, with calendar dates at the edges.

#include <chrono>
#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace wsic::sim {

/// A span of simulated time, in days. Months and years are the mean Gregorian
/// lengths (365.2425 / 12 and 365.2425 days): scenario durations such as
/// "9 months" are planning estimates, not calendar arithmetic.
class Duration {
 public:
  static constexpr double kDaysPerYear = 365.2425;
  static constexpr double kDaysPerMonth = kDaysPerYear / 12.0;

  constexpr Duration() = default;
  static constexpr Duration days(double d) { return Duration(d); }
  static constexpr Duration weeks(double w) { return Duration(w * 7.0); }
  static constexpr Duration months(double m) { return Duration(m * kDaysPerMonth); }
  static constexpr Duration years(double y) { return Duration(y * kDaysPerYear); }
  static constexpr Duration zero() { return Duration(0.0); }
  static constexpr Duration infinity() { return Duration(std::numeric_limits<double>::infinity()); }

  constexpr double in_days() const { return d_; }
  constexpr double in_months() const { return d_ / kDaysPerMonth; }

  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration(d_ + o.d_); }
  constexpr Duration operator-(Duration o) const { return Duration(d_ - o.d_); }
  constexpr Duration operator-() const { return Duration(-d_); }
  constexpr Duration operator*(double k) const { return Duration(d_ * k); }
  constexpr Duration operator/(double k) const { return Duration(d_ / k); }
  constexpr double operator/(Duration o) const { return d_ / o.d_; }
  constexpr Duration& operator+=(Duration o) {
    d_ += o.d_;
    return *this;
  }
  constexpr Duration& operator-=(Duration o) {
    d_ -= o.d_;
    return *this;
  }

 private:
  constexpr explicit Duration(double d) : d_(d) {}
  double d_ = 0.0;
};

constexpr Duration operator*(double k, Duration d) { return d * k; }

/// A point in simulated time: days since the simulation's epoch (time zero).
/// A wrapped double, so a time can never be confused with a duration or a
/// bare number.
class Time {
 public:
  constexpr Time() = default;
  static constexpr Time from_days(double d) { return Time(d); }
  static constexpr Time zero() { return Time(0.0); }
  static constexpr Time never() { return Time(std::numeric_limits<double>::infinity()); }

  constexpr double in_days() const { return d_; }
  constexpr bool is_finite() const { return d_ < std::numeric_limits<double>::infinity() && d_ == d_; }

  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Duration d) const { return Time(d_ + d.in_days()); }
  constexpr Time operator-(Duration d) const { return Time(d_ - d.in_days()); }
  constexpr Duration operator-(Time o) const { return Duration::days(d_ - o.d_); }
  constexpr Time& operator+=(Duration d) {
    d_ += d.in_days();
    return *this;
  }

 private:
  constexpr explicit Time(double d) : d_(d) {}
  double d_ = 0.0;
};

/// A calendar date (proleptic Gregorian).
using Date = std::chrono::year_month_day;

/// Parses an ISO 8601 calendar date, "YYYY-MM-DD"; nullopt if malformed or
/// not a real date (2015-02-30).
std::optional<Date> parse_iso_date(std::string_view text);

/// Formats a date as "YYYY-MM-DD".
std::string format_iso_date(Date date);

/// Maps simulation time to calendar dates: time zero is midnight at the start
/// of `epoch`. Immutable, so safe to share between threads.
class Calendar {
 public:
  explicit Calendar(Date epoch) : epoch_(std::chrono::sys_days(epoch)) {}

  Date epoch() const { return Date(epoch_); }
  /// The time at the start of `date`.
  Time to_time(Date date) const {
    return Time::from_days(static_cast<double>((std::chrono::sys_days(date) - epoch_).count()));
  }
  /// The calendar day containing time `t` (floored); `t` must be finite.
  Date to_date(Time t) const;

 private:
  std::chrono::sys_days epoch_;
};

}  // namespace wsic::sim
