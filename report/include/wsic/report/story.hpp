#pragma once
/// The story of one future: what happened in one replication, in order and
/// in words. "2014-05-02 Hillingdon: information governance is held up by
/// the national IG framework until national action (2016-05-12)." A class
/// lives through one future round by round; a researcher asks why a future
/// was so late.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "wsic/model/model.hpp"

namespace wsic::report {

/// One thing that happened.
struct StoryLine {
  double day = 0.0;  ///< days since the calendar's start
  int scheme = -1;   ///< the scheme it happened to, or -1 for the programme (or every scheme)
  std::string kind;  ///< "codesign", "design", "support", "change", "strike", "pilot", "full_model", "covered"
  std::string text;  ///< a sentence, the scheme's name first when there is one
};

/// What happened in the replication whose outcome is `o` and trace `t`, on
/// days [from, to), in order of day (then scheme order, then kind). A strike
/// is told only when it held up work not yet done; a national strike with
/// the same effect on every scheme it struck is told once.
std::vector<StoryLine> story(const model::Scenario& sc, const model::ReplicationOutcome& o, const model::Trace& t,
                             double from, double to);

/// The story as JSON: {"replication", "seed", "from", "to", "lines": [{"date", "scheme", "kind", "text"}]}.
nlohmann::ordered_json story_json(const model::Scenario& sc, const std::vector<StoryLine>& lines, std::uint64_t seed,
                                  std::uint64_t replication, double from, double to);

/// The story as text, a line each: "2014-05-02  Hillingdon: ...".
std::string story_text(const model::Scenario& sc, const std::vector<StoryLine>& lines);

}  // namespace wsic::report
