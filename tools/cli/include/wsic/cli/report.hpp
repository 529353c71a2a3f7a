#pragma once
/// The report: one self-contained, printable report.html (inline SVG and CSS,
/// no scripts, nothing fetched) plus one .svg and one .csv per chart, from the
/// report data described in tools/cli/REPORT_DATA.md.

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace wsic::cli {

/// Renders the report: returns file name -> content: "report.html", one
/// "<chart>.svg" and one "<chart>.csv" per chart (charts: s_curves, fan,
/// gantt, barrier_tornado, lever_tornado, criticality, spend,
/// workstream_graph; plus "comparison" for kind "compare").
/// Charts whose data is absent or unusable are skipped, and report.html says
/// why in one line. Missing or null values render as "after horizon" (dates
/// of quantiles) or an em dash; the function does not throw on malformed
/// parts of the input. Output is byte-identical for identical input (no
/// clock, no locale). Pure and thread-safe.
std::map<std::string, std::string> render_report(const nlohmann::json& data);

}  // namespace wsic::cli
