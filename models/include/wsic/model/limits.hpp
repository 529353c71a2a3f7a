#pragma once
/// The model's limits, declared once. The loader enforces each with a
/// position in the file, scenarios/schema.json states them for editors, and
/// scenario/SCENARIO_FORMAT.md explains them. They keep every scenario that
/// `wsic validate` accepts within bounded memory (a batch accumulator is
/// kept per block in flight, and it grows with schemes x calendar days) and
/// time per replication, with room to spare for what the programme needs:
/// nine schemes, seven workstreams, ten barriers, six years.

#include <cstddef>
#include <string>

#include "wsic/sim/time.hpp"

namespace wsic::model {
struct Scenario;
}

namespace wsic::model::limits {

/// Schemes in one scenario: NW London had nine; 64 leaves room for a
/// national model of every integrated care pioneer (25 by 2016).
inline constexpr std::size_t kSchemes = 64;
/// Workstreams: one bit each in a 64-bit mask, whose top bit marks the local
/// design phase.
inline constexpr std::size_t kWorkstreams = 63;
/// Components of models of care: one bit each in a 64-bit mask.
inline constexpr std::size_t kComponents = 64;
inline constexpr std::size_t kBarriers = 100;
inline constexpr std::size_t kLevers = 100;
inline constexpr std::size_t kMilestones = 100;
/// Changes of lever values over time, in the whole scenario: each starts a
/// period, and each period holds every barrier's numbers.
inline constexpr std::size_t kLeverChanges = 100;
inline constexpr std::size_t kPopulationsPerScheme = 100;
/// From calendar.start to calendar.horizon. Outcomes are counted per
/// calendar day, so this and kSchemes bound a batch accumulator at about
/// 19 MB.
inline constexpr int kCalendarYears = 25;
/// Occurrences of one hazard barrier at one scheme (or nationally): each
/// opens a window that the scheme's work is planned through.
inline constexpr long long kHazardOccurrences = 100;
/// A hazard rate, at any lever setting: more than one a day is not a hazard
/// the programme meets, it is a constant state (use a slowdown instead).
inline constexpr double kHazardPerYear = 365.0;
/// Schemes the central team supports at once (the model uses at most one
/// unit per scheme).
inline constexpr double kCentralCapacity = 1000.0;
/// Money in one funding line, £m (£100bn: forty times NHS England's annual
/// transformation spend would still fit).
inline constexpr double kMoney = 100000.0;
/// A whole number of people in one population group.
inline constexpr long long kPopulation = 1'000'000'000;
/// Characters (not bytes) of text: ids, names and labels, longer prose.
inline constexpr std::size_t kIdChars = 64;
inline constexpr std::size_t kNameChars = 200;
inline constexpr std::size_t kTextChars = 4000;

/// True when `horizon` is more than kCalendarYears after `start`.
bool calendar_too_long(sim::Date start, sim::Date horizon);

/// The first limit `sc` exceeds, as a sentence, or "" when it is within all
/// of them (for scenarios built in code; the loader says where in the file).
std::string exceeded(const Scenario& sc);

}  // namespace wsic::model::limits
