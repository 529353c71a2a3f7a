#pragma once
/// Turns a batch's outcomes into the files people read: summary.json, tidy
/// CSV tables and the table printed at the end of a run.

#include <cstdint>
#include <map>
#include <string>

#include "wsic/model/outcomes.hpp"
#include "wsic/model/scenario.hpp"

namespace wsic::report {

using model::iso_day;

/// What identifies a batch (everything here is part of its result; nothing
/// depends on the thread count or the clock).
struct BatchInfo {
  std::string tool_version;
  std::uint64_t seed = 0;
  std::uint64_t replications = 0;
  std::uint64_t block_size = 0;
  std::string run_id;  ///< the run's id (experiment::run_id), when it has one
};

/// summary.json, pretty-printed, ending in a newline.
std::string summary_json(const model::Scenario& sc, const model::Outcomes& o, const BatchInfo& info);

/// The tidy CSV tables: file name -> contents.
std::map<std::string, std::string> summary_csvs(const model::Scenario& sc, const model::Outcomes& o);

/// A table for the terminal.
std::string summary_table(const model::Scenario& sc, const model::Outcomes& o, const BatchInfo& info);

}  // namespace wsic::report
