#include "wsic/model/scenario.hpp"

namespace wsic::model {

std::string iso_day(const Scenario& sc, std::optional<int> day) {
  if (!day) return "";
  const sim::Calendar cal(sc.calendar_start);
  return sim::format_iso_date(cal.to_date(sim::Time::from_days(*day)));
}

}  // namespace wsic::model
