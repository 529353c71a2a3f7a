#pragma once
/// The report: one self-contained, printable report.html (inline SVG and CSS,
/// no scripts, nothing fetched) plus one .svg and one .csv per chart, from the
/// report data described in report/REPORT_DATA.md (which also lists the
/// files and their columns).

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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

/// One chart as render_report draws it into report.html.
struct RenderedChart {
  std::string name;  ///< as in chart_<name>.svg
  std::string title;
  std::string caption;
  std::string svg;      ///< the inline <svg> element report.html has
  std::string csv;      ///< chart_<name>.csv (its first table)
  std::string skipped;  ///< why it was not drawn; empty if it was
};

/// The charts named (see render_report), drawn exactly as report.html draws
/// them, for front ends that show some of the report's charts (the lab).
/// Throws std::invalid_argument for a name that is no chart. Pure and
/// thread-safe.
std::vector<RenderedChart> render_charts(const nlohmann::json& data, const std::vector<std::string>& names);

}  // namespace wsic::report
