#pragma once
/// The report: one self-contained, printable report.html (inline SVG and CSS,
/// no scripts, nothing fetched) plus one .svg and one .csv per chart, from the
/// report data described in report/REPORT_DATA.md (which also lists the
/// files and their columns).

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace wsic::report {

/// Renders the report: returns file name -> content: "report.html", and one
/// "chart_<chart>.svg" and one "chart_<chart>.csv" per chart drawn:
///   chart_s_curves, chart_fan, chart_gantt, chart_barrier_tornado,
///   chart_lever_tornado, chart_criticality, chart_spend,
///   chart_workstream_graph, and chart_comparison for kind "compare".
/// Every name but report.html starts with "chart_", so none can collide with
/// the run's own tables written to the same folder (summary_csvs():
/// spend.csv, criticality.csv, ...; summary.json, run.json, ...).
/// Charts whose data is absent or unusable are skipped, and report.html says
/// why in one line. Missing or null values render as "after horizon" (dates
/// of quantiles) or an em dash; the function does not throw on malformed
/// parts of the input. Output is byte-identical for identical input (no
/// clock, no locale). Pure and thread-safe.
std::map<std::string, std::string> render_report(const nlohmann::json& data);

}  // namespace wsic::report
