#pragma once
/// What every command does with its output folder and the terminal.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>

#include "wsic/sim/runner.hpp"

namespace wsic::cli {

/// Makes sure `dir` exists and holds no earlier results (recognised by
/// `marker`, e.g. summary.json) unless `force`. Prints why not and returns
/// a non-zero exit code when it cannot be used; kExitOk otherwise.
int prepare_output_folder(const std::filesystem::path& dir, std::string_view marker, bool force, std::string_view who);

/// A one-line progress bar with rate and time left, redrawn on stderr.
void draw_progress(const sim::Progress& p);

/// Renders the report (report.html, one .svg and .csv per chart) into `dir`,
/// every file written atomically, plus report_data.json: the numbers behind it.
void write_report(const std::filesystem::path& dir, const nlohmann::ordered_json& data);

}  // namespace wsic::cli
