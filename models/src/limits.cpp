#include "wsic/model/limits.hpp"

#include <fmt/format.h>

#include "wsic/model/scenario.hpp"

namespace wsic::model::limits {

bool calendar_too_long(sim::Date start, sim::Date horizon) {
  return horizon > start + std::chrono::years(kCalendarYears);
}

std::string exceeded(const Scenario& sc) {
  const auto over = [](std::size_t n, std::size_t limit, const char* what) {
    return n > limit ? fmt::format("the scenario has {} {}; the model supports at most {}", n, what, limit)
                     : std::string();
  };
  for (const std::string& s :
       {over(sc.schemes.size(), kSchemes, "schemes"), over(sc.workstreams.size(), kWorkstreams, "workstreams"),
        over(sc.barriers.size(), kBarriers, "barriers"), over(sc.levers.size(), kLevers, "levers"),
        over(sc.milestones.size(), kMilestones, "milestones"), over(sc.components.size(), kComponents, "components")}) {
    if (!s.empty()) return s;
  }
  if (calendar_too_long(sc.calendar_start, sc.horizon)) {
    return fmt::format("the calendar runs from {} to {}; the model supports at most {} years",
                       sim::format_iso_date(sc.calendar_start), sim::format_iso_date(sc.horizon), kCalendarYears);
  }
  std::size_t changes = 0;
  for (const Lever& l : sc.levers) changes += l.changes.size();
  if (const std::string s = over(changes, kLeverChanges, "changes of lever values"); !s.empty()) return s;
  for (const Barrier& b : sc.barriers) {
    if (b.max_occurrences > kHazardOccurrences) {
      return fmt::format("barrier '{}' may occur {} times; the model supports at most {}", b.id, b.max_occurrences,
                         kHazardOccurrences);
    }
  }
  return {};
}

}  // namespace wsic::model::limits
