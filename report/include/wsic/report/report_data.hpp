#pragma once
/// The data behind a run's report (report/REPORT_DATA.md): one JSON document
/// the renderer and other front ends read.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "wsic/experiment/analysis.hpp"
#include "wsic/experiment/compare.hpp"
#include "wsic/model/outcomes.hpp"
#include "wsic/model/scenario.hpp"

namespace wsic::report {

/// Everything the report renderer needs for a run (report/REPORT_DATA.md).
struct RunFacts {
  std::string version;
  std::uint64_t seed = 0;
  std::uint64_t replications = 0;
  std::uint64_t block_size = 0;
  std::uint64_t analysis_replications = 0;
  double wall_seconds = 0.0;
  unsigned threads = 0;
};
nlohmann::ordered_json run_report_data(const model::Scenario& sc, const model::Outcomes& o, const RunFacts& facts,
                                       const std::vector<experiment::TornadoBar>& barriers,
                                       const std::vector<experiment::TornadoBar>& levers,
                                       const std::optional<experiment::TornadoBar>& all_barriers = std::nullopt);

/// The parts of a run's report data that the named charts draw from (a
/// run's charts only: "s_curves", "fan", "people", "spend"), each built as
/// run_report_data builds it, so those charts render the same; for a front
/// end that redraws a few charts on every change (the lab). A chart whose
/// inputs are not known here is refused (std::invalid_argument).
nlohmann::ordered_json chart_report_data(const model::Scenario& sc, const model::Outcomes& o,
                                         const std::vector<std::string>& charts);

/// A comparison's own part of the report data ("comparison" in
/// report/REPORT_DATA.md): the base, the scenarios with their files, the
/// answers in dates, each scenario's dates side by side, each scenario's
/// programme S-curves (first and all live) on its own calendar, and the
/// paired figures of each what-if (`whatifs`, as comparison.json has them).
nlohmann::ordered_json comparison_report_data(const std::vector<model::Scenario>& scenarios,
                                              const experiment::CompareAcc& total,
                                              const std::vector<std::string>& answers,
                                              const nlohmann::ordered_json& dates,
                                              const nlohmann::ordered_json& whatifs);

}  // namespace wsic::report
