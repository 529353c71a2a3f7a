#pragma once
// Helpers the scenario library's sources share; not part of its interface.

#include <string>

#include "wsic/scenario/format.hpp"

namespace wsic::scenario::detail {

/// A number as messages and generated documents write it: up to ten
/// significant digits, in the classic locale ("0.5", "1000", "1.7e+308").
std::string format_number(double v);

/// As expected_number(), optionally without the reason for the range (which
/// a message about a value of the wrong type leaves out).
std::string expected_number(const KeySpec& key, bool with_why);

}  // namespace wsic::scenario::detail
