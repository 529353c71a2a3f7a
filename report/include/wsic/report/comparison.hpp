#pragma once
/// A comparison's results as files and text: comparison.json, the paired
/// differences CSV and the terminal table.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "wsic/experiment/compare.hpp"
#include "wsic/model/scenario.hpp"
#include "wsic/report/summary.hpp"

namespace wsic::report {

/// comparison.json's what-ifs, paired_differences.csv and the terminal table.
struct CompareTables {
  nlohmann::ordered_json whatifs = nlohmann::ordered_json::array();
  std::string csv;
  std::string table;
  /// dates.csv: each scenario's P10/P50/P80/P90 dates per series.
  std::string dates_csv;
  /// The same per scenario name and series id, for comparison.json.
  nlohmann::ordered_json dates = nlohmann::ordered_json::object();
  /// Per what-if, the answer in dates for all schemes live (one line each).
  std::vector<std::string> answers;
  /// Per scenario, what it bought and what it cost: co-design's end, the
  /// schemes live when the evidence counted them, barrier strikes, money.
  nlohmann::ordered_json tradeoffs = nlohmann::ordered_json::array();
};

/// When the funding ends: 1 April after the last funded year, as a day of
/// the scenario's calendar; nothing without funding years.
std::optional<double> end_of_funding(const model::Scenario& sc);

/// The mean people covered on `day`, the first of a month of `o`'s time axis;
/// nothing for another day.
std::optional<double> people_covered_on(const model::Outcomes& o, double day);

CompareTables compare_tables(const std::vector<model::Scenario>& scenarios,
                             const std::vector<experiment::Series>& series, const experiment::CompareAcc& total);

/// comparison.json: the batch, the common time axis, each what-if's paired
/// differences and every scenario's summary.
nlohmann::ordered_json comparison_json(const BatchInfo& info, const std::vector<model::Scenario>& scenarios,
                                       const experiment::Epoch& ep, const CompareTables& tables,
                                       const experiment::CompareAcc& total);

}  // namespace wsic::report
