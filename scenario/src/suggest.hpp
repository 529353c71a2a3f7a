#pragma once
// Suggestions for misspelt names ("did you mean ..."), shared by the loader
// and the parameter space.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wsic::scenario {

/// Optimal-string-alignment distance (Damerau-Levenshtein with adjacent
/// transpositions): "duraton" -> "duration" is 1, "form" -> "from" is 1.
/// Memory is linear in the shorter string.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The nearest candidate, if it is near enough to be a plausible misspelling.
/// Words and candidates longer than any name are not misspellings of one
/// another; the length difference bounds the distance from below, so most
/// candidates cost nothing.
std::optional<std::string> nearest_word(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace wsic::scenario
