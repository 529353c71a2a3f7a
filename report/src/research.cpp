#include "wsic/report/research.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>

#include "style.hpp"
#include "svg.hpp"
#include "wsic/report/text.hpp"

namespace wsic::report {

namespace {

using nlohmann::ordered_json;
using svg::Document;
using svg::escape;
using svg::num;

constexpr double kWidth = 720;
constexpr const char* kGrid = "#E3E3E3";
constexpr const char* kAxis = "#333333";

std::string h(std::string_view s) { return escape(s); }

std::string csv_line(const std::vector<std::string>& fields) {
  std::string row;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) row += ',';
    row += csv_field(fields[i]);
  }
  return row + "\n";
}

/// `csv` with a last column run_id holding `id` on every row.
std::string with_run_id_column(const std::string& csv, const std::string& id) {
  const std::string field = csv_field(id);
  std::string out;
  std::size_t at = 0;
  bool header = true;
  while (at < csv.size()) {
    const std::size_t end = csv.find('\n', at);
    out.append(csv, at, end - at);
    out += ',';
    out += header ? std::string_view("run_id") : std::string_view(field);
    out += '\n';
    header = false;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return out;
}

/// A number for a table: shortest text that reads back the same; "" if not finite.
std::string plain(double v) { return std::isfinite(v) ? fmt::format("{}", v) : ""; }
/// An index or share with 4 decimals; "" if not finite.
std::string four(double v) { return std::isfinite(v) ? svg::fixed(v, 4) : ""; }

std::string iso(const model::Scenario& sc, std::optional<int> day) { return day ? model::iso_day(sc, day) : ""; }

/// Days since 1970-01-01 of day 0 of the scenario's calendar.
int epoch_of(const model::Scenario& sc) { return svg::parse_date(model::iso_day(sc, 0)).value_or(0); }

std::string month_label(int epoch_day) {
  static constexpr const char* kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const svg::Ymd d = svg::to_ymd(epoch_day);
  return fmt::format("{} {}", kMonths[(d.month - 1) % 12], d.year);
}

std::string head(const std::string& title) {
  return "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta "
         "charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>" +
         h(title) + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n<main>\n<header>\n<h1>" + h(title) +
         "</h1>\n";
}

std::string identity_line(const ResearchIdentity& id, const std::string& what) {
  std::string s = "<p class=\"meta\">" + h(what) + "; scenario <code>" + h(id.scenario_file) +
                  "</code> (content hash <code>" + h(id.content_hash) + "</code>)";
  if (!id.overrides.empty()) {
    s += ", with";
    for (const std::string& o : id.overrides) s += " <code>--set " + h(o) + "</code>";
  }
  s += fmt::format("; seed {}; wsic {}; run id <code>{}</code>.</p>\n", id.seed, h(id.version), h(id.run_id));
  return s;
}

std::string figure(const Document& doc, const std::string& caption, const std::string& files) {
  return "<figure>\n" + doc.element() + "\n<figcaption>" + caption + " <span class=\"files\">(" + h(files) +
         ")</span></figcaption>\n</figure>\n";
}

struct Scale {
  double d0, d1, p0, p1;
  double operator()(double v) const { return d1 == d0 ? (p0 + p1) / 2 : p0 + (v - d0) / (d1 - d0) * (p1 - p0); }
};

// ---- sweeps -------------------------------------------------------------------------------

const experiment::SweepRow* find_row(const SweepPoint& p, std::string_view measure) {
  for (const auto& r : p.rows) {
    if (r.measure == measure) return &r;
  }
  return nullptr;
}

std::string unit_name(scenario::Unit u) {
  switch (u) {
    case scenario::Unit::kDays:
      return "days";
    case scenario::Unit::kDay:
      return "date";
    case scenario::Unit::kCount:
      return "count";
    case scenario::Unit::kNumber:
      break;
  }
  return "number";
}

std::string axis_title(const SweepAxis& a) { return a.unit == scenario::Unit::kDays ? a.path + " (days)" : a.path; }

struct Programme {
  const char* measure;
  const char* label;
  const char* colour;
};
constexpr Programme kProgramme[3] = {{"first_live", "First scheme live", "#E69F00"},
                                     {"majority_live", "A majority live", "#009E73"},
                                     {"all_live", "All schemes live", "#0072B2"}};

/// A date axis on the left of the frame (years labelled, quarters ticked).
void date_y_axis(Document& doc, double left, double right, const Scale& y, int d0, int d1) {
  for (const svg::Tick& t : svg::date_ticks(d0, d1, std::abs(y.p1 - y.p0))) {
    const double py = y(t.value);
    if (t.major) {
      doc.line(left, py, right, py, std::string("stroke=\"") + kGrid + "\"");
      doc.text(left - 6, py + 4, t.label, "end", 11, "fill=\"#1A1A1A\" font-weight=\"600\"");
    } else {
      doc.line(left - 3, py, left, py, std::string("stroke=\"") + kAxis + "\"");
    }
  }
  doc.line(left, y.p0, left, y.p1, std::string("stroke=\"") + kAxis + "\"");
}

/// The x axis of a sweep: dates for a date parameter, numbers otherwise.
void sweep_x_axis(Document& doc, const SweepAxis& a, const Scale& x, double top, double bottom, int epoch) {
  const double lo = a.values.front(), hi = a.values.back();
  std::vector<svg::Tick> ticks;
  if (a.unit == scenario::Unit::kDay) {
    for (svg::Tick t : svg::date_ticks(epoch + static_cast<int>(std::min(lo, hi)),
                                       epoch + static_cast<int>(std::max(lo, hi)), std::abs(x.p1 - x.p0))) {
      t.value -= epoch;
      ticks.push_back(t);
    }
  } else {
    ticks = svg::linear_ticks(std::min(lo, hi), std::max(lo, hi), 6, 3);
  }
  for (const svg::Tick& t : ticks) {
    const double px = x(t.value);
    if (px < std::min(x.p0, x.p1) - 0.5 || px > std::max(x.p0, x.p1) + 0.5) continue;
    doc.line(px, top, px, bottom, std::string("stroke=\"") + kGrid + "\"");
    doc.line(px, bottom, px, bottom + 5, std::string("stroke=\"") + kAxis + "\"");
    if (!t.label.empty()) doc.text(px, bottom + 18, t.label, "middle", 11, "fill=\"#1A1A1A\"");
  }
  doc.line(x.p0, bottom, x.p1, bottom, std::string("stroke=\"") + kAxis + "\"");
  doc.text((x.p0 + x.p1) / 2, bottom + 36, svg::fit(axis_title(a), 12, kWidth - 160), "middle", 12, "fill=\"#1A1A1A\"");
}

std::string sweep_lines(const SweepResults& r, Document& doc, std::string& csv) {
  const model::Scenario& sc = *r.scenario;
  const SweepAxis& a = r.axes.front();
  const int epoch = epoch_of(sc);
  const double horizon = sc.horizon_day;
  int dmin = std::numeric_limits<int>::max(), dmax = std::numeric_limits<int>::min();
  for (const SweepPoint& p : r.points) {
    for (const Programme& s : kProgramme) {
      const auto* row = find_row(p, s.measure);
      if (row == nullptr) continue;
      for (const auto& q : {row->p10.value, row->p50.value, row->p90.value}) {
        if (!q) continue;
        dmin = std::min(dmin, *q);
        dmax = std::max(dmax, *q);
      }
    }
  }
  if (dmin > dmax) {
    dmin = 0;
    dmax = static_cast<int>(horizon);
  }
  dmin = std::max(0, dmin - 45);
  dmax = std::min(static_cast<int>(horizon), dmax + 45);
  const double left = 80, right = kWidth - 24, top = 70, bottom = 330;
  const Scale x{a.values.front(), a.values.back(), left, right};
  const Scale y{static_cast<double>(dmin), static_cast<double>(dmax), bottom, top};
  date_y_axis(doc, left, right,
              Scale{static_cast<double>(epoch + dmin), static_cast<double>(epoch + dmax), bottom, top}, epoch + dmin,
              epoch + dmax);
  sweep_x_axis(doc, a, x, top, bottom, epoch);
  csv = "point," + csv_field(a.path) + ",measure,p10,p50,p90\n";
  double lx = left;
  for (const Programme& s : kProgramme) {
    // The P10-P90 band where both ends are within the horizon, then the P50 line.
    std::vector<double> upper, lower, line;
    for (std::size_t k = 0; k < r.points.size(); ++k) {
      const SweepPoint& p = r.points[k];
      const auto* row = find_row(p, s.measure);
      if (row == nullptr) continue;
      const double px = x(a.values[p.at[0]]);
      csv += csv_line({std::to_string(k + 1), axis_value(sc, a, a.values[p.at[0]]), s.measure, iso(sc, row->p10.value),
                       iso(sc, row->p50.value), iso(sc, row->p90.value)});
      const auto clampd = [&](std::optional<int> v) { return y(std::min<double>(v.value_or(dmax), dmax)); };
      lower.push_back(px);
      lower.push_back(clampd(row->p10.value));
      upper.push_back(px);
      upper.push_back(clampd(row->p90.value));
      if (row->p50.value) {
        line.push_back(px);
        line.push_back(y(*row->p50.value));
        doc.circle(px, y(*row->p50.value), 3, fmt::format("fill=\"{}\"", s.colour));
        if (row->p50.low && row->p50.high) {
          doc.line(px, y(*row->p50.low), px, y(std::min<double>(*row->p50.high, dmax)),
                   fmt::format("stroke=\"{}\" stroke-width=\"1.5\"", s.colour));
        }
      } else {
        doc.text(px, top - 4, "\xE2\x86\x91", "middle", 11, fmt::format("fill=\"{}\"", s.colour));
      }
    }
    std::vector<double> band = lower;
    for (std::size_t i = upper.size(); i >= 2; i -= 2) {
      band.push_back(upper[i - 2]);
      band.push_back(upper[i - 1]);
    }
    if (band.size() >= 6) doc.polygon(band, fmt::format("fill=\"{}\" fill-opacity=\"0.13\" stroke=\"none\"", s.colour));
    if (line.size() >= 4) doc.polyline(line, fmt::format("stroke=\"{}\" stroke-width=\"2\"", s.colour));
    doc.rect(lx, 52, 14, 4, fmt::format("fill=\"{}\"", s.colour));
    doc.text(lx + 18, 58, s.label, "start", 12, "fill=\"#1A1A1A\"");
    lx += 24 + svg::text_width(s.label, 12);
  }
  doc.text(lx + 6, 58, "(line: median; band: P10-P90)", "start", 11, "fill=\"#555555\"");
  return "The programme's milestones across the sweep of <code>" + h(a.path) +
         "</code>: the median date (line and dots, with its 95% simulation-error interval as a short vertical bar) "
         "and the P10 to P90 range (band). An arrow at the top marks a median past the horizon. Every point ran the "
         "same replications (common random numbers), so the differences between neighbouring points are the "
         "parameter's, not luck's.";
}

std::string sweep_heatmap(const SweepResults& r, Document& doc, std::string& csv) {
  const model::Scenario& sc = *r.scenario;
  const SweepAxis& ax = r.axes[0];
  const SweepAxis& ay = r.axes[1];
  const int epoch = epoch_of(sc);
  const double left = 150, top = 70, right = kWidth - 24,
               bottom = 70 + std::min(420.0, 34.0 * static_cast<double>(ay.values.size()));
  const double cw = (right - left) / static_cast<double>(ax.values.size());
  const double ch = (bottom - top) / static_cast<double>(ay.values.size());
  int dmin = std::numeric_limits<int>::max(), dmax = std::numeric_limits<int>::min();
  for (const SweepPoint& p : r.points) {
    const auto* row = find_row(p, "all_live");
    if (row && row->p50.value) {
      dmin = std::min(dmin, *row->p50.value);
      dmax = std::max(dmax, *row->p50.value);
    }
  }
  csv = csv_field(ax.path) + "," + csv_field(ay.path) + ",all_live_p50,all_live_p50_low,all_live_p50_high\n";
  const bool labels = cw >= 58 && ch >= 16;
  for (const SweepPoint& p : r.points) {
    const auto* row = find_row(p, "all_live");
    if (row == nullptr) continue;
    const double cx = left + cw * static_cast<double>(p.at[0]);
    // The first value of the second axis at the bottom, as on a plot.
    const double cy = bottom - ch * static_cast<double>(p.at[1] + 1);
    std::string fill = "#DDDDDD", label = "after horizon";
    if (row->p50.value) {
      const double t = dmax > dmin ? static_cast<double>(*row->p50.value - dmin) / (dmax - dmin) : 0.5;
      fill = svg::ramp({"#F7FBFF", "#6BAED6", "#08306B"}, t);
      label = month_label(epoch + *row->p50.value);
    }
    doc.rect(cx, cy, cw, ch, fmt::format("fill=\"{}\" stroke=\"#FFFFFF\"", fill));
    if (labels) {
      doc.text(cx + cw / 2, cy + ch / 2 + 4, label, "middle", 10,
               fmt::format("fill=\"{}\"", svg::luminance(fill) < 0.35 ? "#FFFFFF" : "#1A1A1A"));
    }
    csv += csv_line({axis_value(sc, ax, ax.values[p.at[0]]), axis_value(sc, ay, ay.values[p.at[1]]),
                     iso(sc, row->p50.value), iso(sc, row->p50.low), iso(sc, row->p50.high)});
  }
  const std::size_t every_x = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(70.0 / cw)));
  for (std::size_t i = 0; i < ax.values.size(); i += every_x) {
    doc.text(left + cw * (static_cast<double>(i) + 0.5), bottom + 16, axis_label(sc, ax, ax.values[i]), "middle", 11,
             "fill=\"#1A1A1A\"");
  }
  const std::size_t every_y = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(14.0 / ch)));
  for (std::size_t j = 0; j < ay.values.size(); j += every_y) {
    doc.text(left - 6, bottom - ch * (static_cast<double>(j) + 0.5) + 4, axis_label(sc, ay, ay.values[j]), "end", 11,
             "fill=\"#1A1A1A\"");
  }
  doc.text((left + right) / 2, bottom + 36, svg::fit(axis_title(ax), 12, kWidth - 200), "middle", 12,
           "fill=\"#1A1A1A\"");
  doc.text(16, 58, svg::fit("rows: " + axis_title(ay), 12, kWidth - 32), "start", 12, "fill=\"#1A1A1A\"");
  if (dmin <= dmax) {
    doc.text(right, 58,
             fmt::format("light {} \xE2\x80\x93 dark {}", month_label(epoch + dmin), month_label(epoch + dmax)), "end",
             11, "fill=\"#555555\"");
  }
  return "The median date all schemes are live at every point of the grid (darker is later; grey: the median is "
         "past the horizon). Every point ran the same replications (common random numbers). The intervals are in the "
         "chart's table and <code>sweep.csv</code>.";
}

}  // namespace

/// An axis value for a chart or the page: durations in days to one decimal.
std::string axis_label(const model::Scenario& sc, const SweepAxis& axis, double v) {
  if (axis.unit == scenario::Unit::kDay) return model::iso_day(sc, static_cast<int>(std::lround(v)));
  if (axis.unit == scenario::Unit::kDays) return svg::num(v, 1);
  return svg::num(v, 6);
}

std::string axis_value(const model::Scenario& sc, const SweepAxis& axis, double v) {
  if (axis.unit == scenario::Unit::kDay) return model::iso_day(sc, static_cast<int>(std::lround(v)));
  return plain(v);
}

std::string sweep_csv(const SweepResults& r) {
  const model::Scenario& sc = *r.scenario;
  std::string out = "point";
  for (const SweepAxis& a : r.axes) (out += ',') += csv_field(a.path);
  out +=
      ",measure,unit,p10,p10_low,p10_high,p50,p50_low,p50_high,p90,p90_low,p90_high,reached,mean,mean_se,"
      "replications,run_id\n";
  for (std::size_t k = 0; k < r.points.size(); ++k) {
    const SweepPoint& p = r.points[k];
    std::vector<std::string> lead{std::to_string(k + 1)};
    for (std::size_t i = 0; i < r.axes.size(); ++i)
      lead.push_back(axis_value(sc, r.axes[i], r.axes[i].values[p.at[i]]));
    for (const auto& row : p.rows) {
      const auto q = [&](const std::optional<int>& v) {
        return row.is_date ? iso(sc, v) : (v ? std::to_string(*v) : std::string());
      };
      std::vector<std::string> f = lead;
      for (const std::string& s :
           {row.measure, std::string(row.is_date ? "date" : "schemes"), q(row.p10.value), q(row.p10.low),
            q(row.p10.high), q(row.p50.value), q(row.p50.low), q(row.p50.high), q(row.p90.value), q(row.p90.low),
            q(row.p90.high), row.is_date ? four(row.reached) : std::string(),
            row.is_date ? std::string() : four(row.mean), row.is_date ? std::string() : four(row.mean_se),
            std::to_string(r.replications), r.id.run_id}) {
        f.push_back(s);
      }
      out += csv_line(f);
    }
  }
  return out;
}

namespace {

ordered_json identity_json(const ResearchIdentity& id) {
  return {{"tool_version", id.version},
          {"scenario_file", id.scenario_file},
          {"content_hash", id.content_hash},
          {"overrides", id.overrides},
          {"seed", id.seed},
          {"run_id", id.run_id}};
}

ordered_json quantile_json(const model::Scenario& sc, const experiment::QuantileWithInterval& q, bool date) {
  const auto v = [&](const std::optional<int>& d) -> ordered_json {
    if (!d) return nullptr;
    return date ? ordered_json(model::iso_day(sc, d)) : ordered_json(*d);
  };
  return {{"value", v(q.value)}, {"interval", {v(q.low), v(q.high)}}};
}

}  // namespace

nlohmann::ordered_json sweep_json(const SweepResults& r) {
  const model::Scenario& sc = *r.scenario;
  ordered_json j = identity_json(r.id);
  j["scenario"] = sc.name;
  j["replications_per_point"] = r.replications;
  ordered_json axes = ordered_json::array();
  for (const SweepAxis& a : r.axes) {
    ordered_json values = ordered_json::array();
    for (const double v : a.values) {
      if (a.unit == scenario::Unit::kDay) {
        values.push_back(axis_value(sc, a, v));
      } else {
        values.push_back(v);
      }
    }
    axes.push_back({{"path", a.path}, {"unit", unit_name(a.unit)}, {"values", values}});
  }
  j["axes"] = axes;
  ordered_json points = ordered_json::array();
  for (const SweepPoint& p : r.points) {
    ordered_json at = ordered_json::object();
    for (std::size_t i = 0; i < r.axes.size(); ++i) {
      const double v = r.axes[i].values[p.at[i]];
      at[r.axes[i].path] =
          r.axes[i].unit == scenario::Unit::kDay ? ordered_json(axis_value(sc, r.axes[i], v)) : ordered_json(v);
    }
    ordered_json measures = ordered_json::object();
    for (const auto& row : p.rows) {
      ordered_json m = {{"p10", quantile_json(sc, row.p10, row.is_date)},
                        {"p50", quantile_json(sc, row.p50, row.is_date)},
                        {"p90", quantile_json(sc, row.p90, row.is_date)}};
      if (row.is_date) {
        m["reached"] = row.reached;
      } else {
        m["mean"] = row.mean;
        m["mean_se"] = row.mean_se;
      }
      measures[row.measure] = m;
    }
    points.push_back({{"at", at}, {"measures", measures}});
  }
  j["points"] = points;
  return j;
}

std::map<std::string, std::string> render_sweep(const SweepResults& r) {
  const model::Scenario& sc = *r.scenario;
  std::map<std::string, std::string> files;
  std::string paths;
  for (const SweepAxis& a : r.axes) paths += (paths.empty() ? "" : " and ") + a.path;
  const std::string title = "Sweep of " + paths + " in " + sc.name;
  std::string html = head(title);
  html += identity_line(r.id, fmt::format("{} points, {} replications each", r.points.size(), r.replications));
  html += "</header>\n";

  // The answer first: where the programme is earliest and latest.
  const SweepPoint* earliest = nullptr;
  const SweepPoint* latest = nullptr;
  for (const SweepPoint& p : r.points) {
    const auto* row = find_row(p, "all_live");
    if (row == nullptr) continue;
    const auto key = [](const experiment::SweepRow* x) {
      return x->p50.value.value_or(std::numeric_limits<int>::max());
    };
    if (earliest == nullptr || key(row) < key(find_row(*earliest, "all_live"))) earliest = &p;
    if (latest == nullptr || key(row) > key(find_row(*latest, "all_live"))) latest = &p;
  }
  const auto where = [&](const SweepPoint& p) {
    std::string s;
    for (std::size_t i = 0; i < r.axes.size(); ++i) {
      s += (i ? ", " : "") + std::string("<code>") + h(r.axes[i].path) +
           "</code> = " + h(axis_label(sc, r.axes[i], r.axes[i].values[p.at[i]]));
    }
    return s;
  };
  const auto date_text = [&](const experiment::QuantileWithInterval& q) {
    return q.value ? fmt::format("{} (95% interval {} to {})", iso(sc, q.value), iso(sc, q.low),
                                 q.high ? iso(sc, q.high) : "after the horizon")
                   : std::string("after the horizon");
  };
  html += "<section class=\"summary\">\n<h2>In short</h2>\n<ul>\n";
  if (earliest && latest) {
    html += "<li>All schemes live soonest at " + where(*earliest) + ": median " +
            h(date_text(find_row(*earliest, "all_live")->p50)) + ".</li>\n";
    html +=
        "<li>Latest at " + where(*latest) + ": median " + h(date_text(find_row(*latest, "all_live")->p50)) + ".</li>\n";
  }
  html += "<li>Each point ran the same " + std::to_string(r.replications) +
          " replications (the same seed and indices), so the points differ by the parameters alone; the intervals "
          "are simulation error (order statistics), not forecast uncertainty.</li>\n</ul>\n</section>\n";

  Document doc(
      "sweep", kWidth,
      r.axes.size() == 1 ? 390 : 70 + std::min(420.0, 34.0 * static_cast<double>(r.axes[1].values.size())) + 50, title,
      "The programme's milestones across the sweep");
  doc.text(16, 24, svg::fit(title, 16, kWidth - 32), "start", 16, "font-weight=\"700\" fill=\"#1A1A1A\"");
  std::string csv, caption;
  std::string name;
  if (r.axes.size() == 1) {
    name = "chart_sweep_lines";
    caption = sweep_lines(r, doc, csv);
  } else {
    name = "chart_sweep_heatmap";
    caption = sweep_heatmap(r, doc, csv);
  }
  files[name + ".svg"] = doc.file();
  files[name + ".csv"] = with_run_id_column(csv, r.id.run_id);
  html += "<h2>The programme across the sweep</h2>\n" + figure(doc, caption, name + ".svg, " + name + ".csv");

  // A table of the programme's medians at every point.
  html +=
      "<h2>Every point</h2>\n<table>\n<caption>Median dates with their 95% simulation-error intervals; "
      "the share of futures in which all schemes are live by the horizon</caption>\n<thead><tr><th>#</th>";
  for (const SweepAxis& a : r.axes) html += "<th>" + h(axis_title(a)) + "</th>";
  html +=
      "<th>first live</th><th>majority live</th><th>all live</th><th class=\"num\">all live by the horizon</th>"
      "</tr></thead>\n<tbody>\n";
  for (std::size_t k = 0; k < r.points.size(); ++k) {
    const SweepPoint& p = r.points[k];
    html += "<tr><td>" + std::to_string(k + 1) + "</td>";
    for (std::size_t i = 0; i < r.axes.size(); ++i) {
      html += "<td>" + h(axis_label(sc, r.axes[i], r.axes[i].values[p.at[i]])) + "</td>";
    }
    for (const Programme& s : kProgramme) {
      const auto* row = find_row(p, s.measure);
      if (row == nullptr) {
        html += "<td>\xE2\x80\x94</td>";
        continue;
      }
      html += "<td>" + (row->p50.value ? h(iso(sc, row->p50.value)) : std::string("after horizon")) +
              "<span class=\"ci\">" +
              (row->p50.low ? h(iso(sc, row->p50.low)) + " to " +
                                  (row->p50.high ? h(iso(sc, row->p50.high)) : std::string("after horizon"))
                            : std::string()) +
              "</span></td>";
    }
    const auto* all = find_row(p, "all_live");
    html += "<td class=\"num\">" + (all ? svg::fixed(100.0 * all->reached, 1) + "%" : std::string()) + "</td></tr>\n";
  }
  html += "</tbody>\n</table>\n";
  html +=
      "<h2>How it was run</h2>\n<p>Each point is the scenario with the swept values set as <code>--set</code> "
      "would set them (and checked the same way), run as a batch of " +
      std::to_string(r.replications) + " replications with seed " + std::to_string(r.id.seed) +
      " and replication indices 0 to " + std::to_string(r.replications - 1) +
      ": common random numbers, so a point differs from its neighbours by the parameters alone, and the "
      "curves are smooth where the model is. Quantiles are of the replications' dates; a quantile past the "
      "horizon is shown as such. Intervals are 95% order-statistic intervals for simulation error. "
      "<code>sweep.csv</code> has every measure (each scheme's go-live and the number of schemes live at each "
      "milestone too) at every point; <code>sweep.json</code> the same as one document.</p>\n";
  html += "</main>\n</body>\n</html>\n";
  files["report.html"] = html;
  return files;
}

// ---- sensitivity ------------------------------------------------------------------------------

namespace {

std::string dist_salib(const std::string& d) {
  if (d == "triangular") return "triang";
  if (d == "normal") return "norm";
  return "unif";
}

std::string param_unit(scenario::Unit u) { return u == scenario::Unit::kDays ? "days" : unit_name(u); }

/// A measure id as a file-name part: letters, digits and '_' ("live_at.2015-04-30" -> "live_at_2015_04_30").
std::string file_part(const std::string& id) {
  std::string s = id;
  for (char& c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) c = '_';
  }
  return s;
}

/// A parameter's path on one line, or two broken at a '.', each cut to fit.
std::vector<std::string> path_lines(const std::string& path, double font_px, double max_px) {
  if (svg::text_width(path, font_px) <= max_px) return {path};
  // The longest head ending at a '.' that fits, the rest below.
  std::size_t cut = path.rfind('.');
  while (cut != std::string::npos && cut > 0 && svg::text_width(path.substr(0, cut + 1), font_px) > max_px) {
    cut = path.rfind('.', cut - 1);
  }
  if (cut == std::string::npos || cut == 0) return {svg::fit(path, font_px, max_px)};
  return {path.substr(0, cut + 1), svg::fit(path.substr(cut + 1), font_px, max_px)};
}

std::string sobol_chart(const SensitivityResults& r, std::size_t m, Document& doc, std::string& csv) {
  const auto& idx = r.result.indices[m];
  const auto& meas = r.result.measures[m];
  const std::size_t d = r.parameters.size();
  std::vector<std::size_t> order(d);
  for (std::size_t i = 0; i < d; ++i) order[i] = i;
  const auto st = [&](std::size_t i) { return std::isfinite(idx.ST[i]) ? idx.ST[i] : -1.0; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return st(a) > st(b); });
  double top_value = 1.0;
  for (std::size_t i = 0; i < d; ++i) {
    for (const double v : {idx.ST[i] + idx.ST_conf[i], idx.S1[i] + idx.S1_conf[i]}) {
      if (std::isfinite(v)) top_value = std::max(top_value, v);
    }
  }
  double low_value = 0.0;
  for (std::size_t i = 0; i < d; ++i) {
    const double v = idx.S1[i] - idx.S1_conf[i];
    if (std::isfinite(v)) low_value = std::min(low_value, v);
  }
  const double left = 250, right = kWidth - 24, top = 74, row_h = 30;
  const double bottom = top + row_h * static_cast<double>(d);
  const Scale x{low_value, top_value, left, right};
  for (const svg::Tick& t : svg::linear_ticks(low_value, top_value, 6, 1)) {
    const double px = x(t.value);
    doc.line(px, top, px, bottom, std::string("stroke=\"") + kGrid + "\"");
    doc.text(px, bottom + 16, t.label, "middle", 11, "fill=\"#1A1A1A\"");
  }
  doc.line(x(0), top, x(0), bottom, std::string("stroke=\"") + kAxis + "\"");
  doc.line(left, bottom, right, bottom, std::string("stroke=\"") + kAxis + "\"");
  doc.text((left + right) / 2, bottom + 34, "Sobol index (share of the measure's variance)", "middle", 12,
           "fill=\"#1A1A1A\"");
  doc.rect(left, 50, 14, 10, "fill=\"#0072B2\"");
  doc.text(left + 18, 59, "first order S1", "start", 12, "fill=\"#1A1A1A\"");
  doc.rect(left + 140, 50, 14, 10, "fill=\"#E69F00\"");
  doc.text(left + 158, 59, "total order ST (with interactions)", "start", 12, "fill=\"#1A1A1A\"");
  csv = "parameter,S1,S1_conf,ST,ST_conf\n";
  for (std::size_t k = 0; k < d; ++k) {
    const std::size_t i = order[k];
    const double ry = top + row_h * static_cast<double>(k);
    const std::vector<std::string> label = path_lines(r.parameters[i].path, 11, left - 20);
    doc.text_lines(left - 8, ry + (label.size() > 1 ? row_h / 2 - 2 : row_h / 2 + 4), label, "end", 11,
                   "fill=\"#1A1A1A\"");
    const auto bar = [&](double v, double conf, double y0, const char* colour) {
      if (!std::isfinite(v)) return;
      const double a = x(std::min(0.0, v)), b = x(std::max(0.0, v));
      doc.rect(a, y0, std::max(0.5, b - a), 9, fmt::format("fill=\"{}\"", colour));
      if (std::isfinite(conf)) {
        doc.line(x(v - conf), y0 + 4.5, x(v + conf), y0 + 4.5, "stroke=\"#1A1A1A\" stroke-width=\"1\"");
      }
    };
    bar(idx.S1[i], idx.S1_conf[i], ry + 5, "#0072B2");
    bar(idx.ST[i], idx.ST_conf[i], ry + 15, "#E69F00");
    csv +=
        csv_line({r.parameters[i].path, four(idx.S1[i]), four(idx.S1_conf[i]), four(idx.ST[i]), four(idx.ST_conf[i])});
  }
  return "Sobol indices of <em>" + h(meas.label) +
         "</em>, parameters by total-order index. S1 is the share of the "
         "measure's variance a parameter explains alone; ST adds its interactions with the others. Whiskers: the "
         "bootstrap interval (" +
         svg::fixed(100.0 * r.spec.confidence, 0) + "%). Simulation noise is " +
         (std::isfinite(r.result.noise_share[m]) ? svg::fixed(100.0 * r.result.noise_share[m], 1) + "%"
                                                 : "not defined") +
         " of the sample's variance.";
}

}  // namespace

std::string sobol_indices_csv(const SensitivityResults& r) {
  std::string out = "measure,parameter,S1,S1_conf,ST,ST_conf,run_id\n";
  for (std::size_t m = 0; m < r.result.measures.size(); ++m) {
    const auto& idx = r.result.indices[m];
    for (std::size_t i = 0; i < r.parameters.size(); ++i) {
      out += csv_line({r.result.measures[m].id, r.parameters[i].path, four(idx.S1[i]), four(idx.S1_conf[i]),
                       four(idx.ST[i]), four(idx.ST_conf[i]), r.id.run_id});
    }
  }
  return out;
}

std::string sobol_second_order_csv(const SensitivityResults& r) {
  std::string out = "measure,parameter_1,parameter_2,S2,S2_conf,run_id\n";
  for (std::size_t m = 0; m < r.result.measures.size(); ++m) {
    const auto& idx = r.result.indices[m];
    if (idx.S2.empty()) continue;
    for (std::size_t i = 0; i < r.parameters.size(); ++i) {
      for (std::size_t j = i + 1; j < r.parameters.size(); ++j) {
        out += csv_line({r.result.measures[m].id, r.parameters[i].path, r.parameters[j].path, four(idx.S2[i][j]),
                         four(idx.S2_conf[i][j]), r.id.run_id});
      }
    }
  }
  return out;
}

std::string sobol_samples_header(const std::vector<scenario::ResolvedParameter>& parameters,
                                 const std::vector<experiment::SensitivityMeasure>& measures) {
  std::string out = "row";
  for (const auto& p : parameters) (out += ',') += csv_field(p.path);
  for (const auto& m : measures) (out += ',') += csv_field(m.id);
  return out + ",run_id\n";
}

std::string sobol_samples_row(std::size_t row, std::span<const double> x, std::span<const double> y,
                              const std::string& run_id) {
  std::string out = std::to_string(row);
  for (const double v : x) (out += ',') += plain(v);
  for (const double v : y) (out += ',') += plain(v);
  return out + "," + csv_field(run_id) + "\n";
}

nlohmann::ordered_json sensitivity_json(const SensitivityResults& r) {
  const auto num_or_null = [](double v) -> ordered_json {
    if (!std::isfinite(v)) return nullptr;
    return v;
  };
  const auto list = [&](const std::vector<double>& v) {
    ordered_json a = ordered_json::array();
    for (const double x : v) a.push_back(num_or_null(x));
    return a;
  };
  ordered_json j = identity_json(r.id);
  j["scenario"] = r.scenario->name;
  j["base_samples"] = r.spec.base_samples;
  j["second_order"] = r.spec.second_order;
  j["rows"] = r.result.rows;
  j["replications_per_point"] = r.spec.replications;
  j["noise_sets"] = r.spec.noise_sets;
  j["bootstrap_resamples"] = r.spec.resamples;
  j["confidence"] = r.spec.confidence;
  ordered_json names = ordered_json::array(), bounds = ordered_json::array(), dists = ordered_json::array(),
               units = ordered_json::array();
  for (std::size_t i = 0; i < r.parameters.size(); ++i) {
    const auto& p = r.parameters[i];
    names.push_back(p.path);
    dists.push_back(dist_salib(p.dist));
    units.push_back(param_unit(r.units[i]));
    if (p.dist == "normal") {
      bounds.push_back({p.mean, p.sd});
    } else if (p.dist == "triangular") {
      bounds.push_back({p.low, p.high, (p.mode - p.low) / (p.high - p.low)});
    } else {
      bounds.push_back({p.low, p.high});
    }
  }
  j["problem"] = {
      {"num_vars", r.parameters.size()}, {"names", names}, {"bounds", bounds}, {"dists", dists}, {"units", units}};
  ordered_json measures = ordered_json::object();
  for (std::size_t m = 0; m < r.result.measures.size(); ++m) {
    const auto& idx = r.result.indices[m];
    ordered_json e = {{"label", r.result.measures[m].label},
                      {"unit", r.result.measures[m].unit},
                      {"S1", list(idx.S1)},
                      {"S1_conf", list(idx.S1_conf)},
                      {"ST", list(idx.ST)},
                      {"ST_conf", list(idx.ST_conf)}};
    if (!idx.S2.empty()) {
      ordered_json s2 = ordered_json::array(), s2c = ordered_json::array();
      for (std::size_t i = 0; i < idx.S2.size(); ++i) {
        s2.push_back(list(idx.S2[i]));
        s2c.push_back(list(idx.S2_conf[i]));
      }
      e["S2"] = s2;
      e["S2_conf"] = s2c;
    }
    e["value_at_scenario"] = num_or_null(r.result.base_value[m]);
    e["noise_sd"] = num_or_null(r.result.noise_sd[m]);
    e["sample_sd"] = num_or_null(r.result.sample_sd[m]);
    e["noise_share"] = num_or_null(r.result.noise_share[m]);
    measures[r.result.measures[m].id] = e;
  }
  j["measures"] = measures;
  return j;
}

std::map<std::string, std::string> render_sensitivity(const SensitivityResults& r) {
  const model::Scenario& sc = *r.scenario;
  std::map<std::string, std::string> files;
  const std::string title = "Which assumptions matter: global sensitivity of " + sc.name;
  std::string html = head(title);
  html +=
      identity_line(r.id, fmt::format("{} parameters, N = {} base samples, {} sample points of {} replications",
                                      r.parameters.size(), r.spec.base_samples, r.result.rows, r.spec.replications));
  html += "</header>\n";
  // The answer first, for the headline measure (all schemes live, median).
  const std::size_t d = r.parameters.size();
  const auto& idx = r.result.indices.front();
  std::vector<std::size_t> order(d);
  for (std::size_t i = 0; i < d; ++i) order[i] = i;
  const auto st = [&](std::size_t i) { return std::isfinite(idx.ST[i]) ? idx.ST[i] : -1.0; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return st(a) > st(b); });
  html += "<section class=\"summary\">\n<h2>In short</h2>\n<ul>\n";
  html += "<li>For <em>" + h(r.result.measures.front().label) + "</em>, the parameter that matters most is <code>" +
          h(r.parameters[order.front()].path) + "</code>: alone it explains " +
          svg::fixed(100.0 * idx.S1[order.front()], 0) + "% of the variance, with its interactions " +
          svg::fixed(100.0 * idx.ST[order.front()], 0) + "%.</li>\n";
  std::string small;
  for (std::size_t i = 0; i < d; ++i) {
    if (std::isfinite(idx.ST[i]) && idx.ST[i] + idx.ST_conf[i] < 0.05) {
      small += (small.empty() ? "" : ", ") + std::string("<code>") + h(r.parameters[i].path) + "</code>";
    }
  }
  if (!small.empty()) {
    html += "<li>Barely matter (total-order index below 5% with its interval): " + small + ".</li>\n";
  }
  html +=
      "<li>Luck: replicating the scenario at its own values with other random numbers moves this measure with "
      "a standard deviation of " +
      svg::fixed(r.result.noise_sd.front(), 1) + " " + h(r.result.measures.front().unit) + ", " +
      (std::isfinite(r.result.noise_share.front())
           ? svg::fixed(100.0 * r.result.noise_share.front(), 1) + "% of the variance across the sample"
           : std::string("while the sample does not vary it")) +
      ".</li>\n</ul>\n</section>\n";

  html +=
      "<h2>The parameters</h2>\n<table>\n<thead><tr><th>parameter</th><th>distribution</th><th>unit</th>"
      "</tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < d; ++i) {
    const auto& p = r.parameters[i];
    std::string dist = p.dist == "normal" ? fmt::format("normal, mean {}, sd {}", plain(p.mean), plain(p.sd))
                       : p.dist == "triangular"
                           ? fmt::format("triangular on [{}, {}], mode {}", plain(p.low), plain(p.high), plain(p.mode))
                           : fmt::format("uniform on [{}, {}]", plain(p.low), plain(p.high));
    if (r.units[i] == scenario::Unit::kDay) dist += " (days from the calendar start)";
    html += "<tr><td><code>" + h(p.path) + "</code></td><td>" + h(dist) + "</td><td>" + h(param_unit(r.units[i])) +
            "</td></tr>\n";
  }
  html += "</tbody>\n</table>\n";

  html += "<h2>Indices by measure</h2>\n";
  std::string constant;
  for (std::size_t m = 0; m < r.result.measures.size(); ++m) {
    if (!(r.result.sample_sd[m] > 0.0)) {
      constant += (constant.empty() ? "" : ", ") + h(r.result.measures[m].label);
      continue;
    }
    const std::string name = "chart_sobol_" + file_part(r.result.measures[m].id);
    Document doc(name.substr(6), kWidth, 74 + 30.0 * static_cast<double>(d) + 48,
                 "Sobol indices of " + r.result.measures[m].label, "First- and total-order indices per parameter");
    doc.text(16, 24, svg::fit(r.result.measures[m].label, 16, kWidth - 32), "start", 16,
             "font-weight=\"700\" fill=\"#1A1A1A\"");
    std::string csv;
    const std::string caption = sobol_chart(r, m, doc, csv);
    files[name + ".svg"] = doc.file();
    files[name + ".csv"] = with_run_id_column(csv, r.id.run_id);
    html += "<h3>" + h(r.result.measures[m].label) + "</h3>\n" + figure(doc, caption, name + ".svg, " + name + ".csv");
  }

  if (!constant.empty()) {
    html += "<p class=\"skipped\">No indices for measures the sample does not move at all: " + constant + ".</p>\n";
  }
  html +=
      "<h2>Luck against the parameters</h2>\n<table>\n<thead><tr><th>measure</th><th class=\"num\">at the "
      "scenario's values</th><th class=\"num\">simulation noise (sd)</th><th class=\"num\">spread over the sample "
      "(sd)</th><th class=\"num\">noise share of the variance</th></tr></thead>\n<tbody>\n";
  for (std::size_t m = 0; m < r.result.measures.size(); ++m) {
    html += "<tr><td>" + h(r.result.measures[m].label) + " (" + h(r.result.measures[m].unit) +
            ")</td><td class=\"num\">" + svg::fixed(r.result.base_value[m], 2) + "</td><td class=\"num\">" +
            svg::fixed(r.result.noise_sd[m], 2) + "</td><td class=\"num\">" + svg::fixed(r.result.sample_sd[m], 2) +
            "</td><td class=\"num\">" +
            (std::isfinite(r.result.noise_share[m]) ? svg::fixed(100.0 * r.result.noise_share[m], 1) + "%"
                                                    : std::string("\xE2\x80\x94")) +
            "</td></tr>\n";
  }
  html += "</tbody>\n</table>\n";
  html += "<h2>How it was computed</h2>\n<p>Saltelli's sampling scheme on a Sobol sequence (" +
          std::to_string(r.spec.base_samples) + " base samples; " + std::to_string(r.result.rows) +
          " points in SALib's row order, written to <code>sobol_samples.csv</code>), first-order indices by the "
          "Saltelli et al. (2010) estimator, total-order by Jansen's, second-order as SALib computes them, and " +
          svg::fixed(100.0 * r.spec.confidence, 0) + "% intervals from " + std::to_string(r.spec.resamples) +
          " bootstrap resamples of the base samples; the outputs are standardised first, as SALib does. "
          "<code>sobol_indices.csv</code> and <code>sensitivity.json</code> hold the indices in SALib's names "
          "(S1, S1_conf, ST, ST_conf, S2, S2_conf).</p>\n<p>The replications' own randomness: each point is the "
          "measure over the same " +
          std::to_string(r.spec.replications) +
          " replications (common random numbers: the same seed and indices at every point), so it is a "
          "deterministic function of the parameters and the indices apportion its variance among them. What luck "
          "alone would change is measured apart: the measure at the scenario's own values over " +
          std::to_string(r.spec.noise_sets) +
          " further independent sets of replications. When its share of the sample's variance is small, the "
          "indices describe the parameters; when it is not, use more replications per point.</p>\n";
  html += "</main>\n</body>\n</html>\n";
  files["report.html"] = html;
  return files;
}

// ---- calibration ------------------------------------------------------------------------------

std::string target_text(const scenario::CalibrationTarget& t, const model::Scenario& sc) {
  using K = scenario::CalibrationTarget::Kind;
  switch (t.kind) {
    case K::kLiveCount:
      return fmt::format("schemes live at {}: {}", t.date, t.observed_text);
    case K::kSchemesLive: {
      std::string ids;
      for (std::size_t s = 0; s < t.live.size() && s < sc.schemes.size(); ++s) {
        if (t.live[s]) ids += (ids.empty() ? "" : ", ") + sc.schemes[s].id;
      }
      return fmt::format("which schemes are live at {}: {}", t.date, ids.empty() ? "none" : ids);
    }
    case K::kSpend:
      return fmt::format("spent on {} in {}/{:02}: \xC2\xA3{}m", t.of == "total" ? "everything" : t.of, t.year_text,
                         (std::atoi(t.year_text.c_str()) + 1) % 100, t.observed_text);
    case K::kDate:
      break;
  }
  return fmt::format("{}: {}", t.of, t.observed_text);
}

std::string parameter_value(const model::Scenario& sc, scenario::Unit unit, double v) {
  if (!std::isfinite(v)) return "";
  if (unit == scenario::Unit::kDay) return model::iso_day(sc, static_cast<int>(std::lround(v)));
  if (unit == scenario::Unit::kDays) return svg::fixed(v, 1) + " days";
  return svg::num(v, 4);
}

namespace {

/// A target's statistic for a page: a date for a date target, else a number.
std::string statistic_text(const scenario::CalibrationTarget& t, const model::Scenario& sc, double v) {
  if (t.kind == scenario::CalibrationTarget::Kind::kDate) {
    return v > sc.horizon_day ? std::string("after horizon") : model::iso_day(sc, static_cast<int>(std::lround(v)));
  }
  return svg::num(v, 2);
}

std::string what_it_compares(const scenario::CalibrationTarget& t) {
  using K = scenario::CalibrationTarget::Kind;
  if (t.kind == K::kSchemesLive) return "schemes whose state differs (observed 0)";
  if (t.kind == K::kLiveCount) return "schemes live";
  if (t.kind == K::kSpend) return "money spent, \xC2\xA3m";
  return "date";
}

std::string pairs_chart(const CalibrationResults& r, Document& doc, std::string& csv) {
  const auto& abc = r.result.abc;
  const std::size_t n = abc.weights.size();
  // At most six parameters: those the targets narrowed most (the smallest
  // posterior sd against the uniform prior's), in the file's order.
  std::vector<std::size_t> shown(abc.dimensions);
  for (std::size_t i = 0; i < shown.size(); ++i) shown[i] = i;
  const auto narrowing = [&](std::size_t i) {
    const std::vector<double> col = abc.parameter(i);
    const double m = experiment::weighted_mean(col, abc.weights);
    double v = 0.0;
    for (std::size_t k = 0; k < n; ++k) v += abc.weights[k] * (col[k] - m) * (col[k] - m);
    return std::sqrt(v) / ((r.parameters[i].high - r.parameters[i].low) / std::sqrt(12.0));
  };
  if (shown.size() > 6) {
    std::vector<double> ratio(shown.size());
    for (std::size_t i = 0; i < shown.size(); ++i) ratio[i] = narrowing(i);
    std::stable_sort(shown.begin(), shown.end(), [&](std::size_t x, std::size_t y) { return ratio[x] < ratio[y]; });
    shown.resize(6);
    std::sort(shown.begin(), shown.end());
  }
  const std::size_t d = shown.size();
  const double left = 20, top = 40, size = kWidth - 40;
  const double cell = size / static_cast<double>(d);
  double wmax = 0;
  for (const double w : abc.weights) wmax = std::max(wmax, w);
  for (std::size_t si = 0; si < d; ++si) {
    const std::size_t i = shown[si];
    const double lo = r.parameters[i].low, hi = r.parameters[i].high;
    for (std::size_t sj = 0; sj < d; ++sj) {
      const std::size_t j = shown[sj];
      const double x0 = left + cell * static_cast<double>(sj), y0 = top + cell * static_cast<double>(si);
      doc.rect(x0 + 2, y0 + 2, cell - 4, cell - 4, "fill=\"#FAFAFA\" stroke=\"#DDDDDD\"");
      if (i == j) {
        // The weighted histogram of parameter i over its prior range.
        constexpr int kBins = 20;
        std::vector<double> h(kBins, 0.0);
        for (std::size_t k = 0; k < n; ++k) {
          const double u = (abc.particles[k * abc.dimensions + i] - lo) / (hi - lo);
          h[static_cast<std::size_t>(std::clamp(static_cast<int>(u * kBins), 0, kBins - 1))] += abc.weights[k];
        }
        const double top_h = *std::max_element(h.begin(), h.end());
        for (int b = 0; b < kBins; ++b) {
          const double bh = top_h > 0 ? h[static_cast<std::size_t>(b)] / top_h * (cell - 56) : 0;  // below the labels
          doc.rect(x0 + 4 + (cell - 8) * b / kBins, y0 + cell - 6 - bh, (cell - 8) / kBins - 0.5, bh,
                   "fill=\"#0072B2\"");
        }
        const std::vector<std::string> label = path_lines(r.parameters[i].path, 10, cell - 10);
        doc.text_lines(x0 + 6, y0 + 14, label, "start", 10, "fill=\"#1A1A1A\"");
        doc.text(x0 + 6, y0 + 14 + 12.0 * static_cast<double>(label.size()),
                 svg::fit(parameter_value(*r.scenario, r.units[i], lo) + " to " +
                              parameter_value(*r.scenario, r.units[i], hi),
                          9, cell - 10),
                 "start", 9, "fill=\"#555555\"");
        continue;
      }
      if (si < sj) continue;  // the lower triangle only: parameter j across, i up
      const double jlo = r.parameters[j].low, jhi = r.parameters[j].high;
      for (std::size_t k = 0; k < n; ++k) {
        const double px = x0 + 4 + (cell - 8) * (abc.particles[k * abc.dimensions + j] - jlo) / (jhi - jlo);
        const double py = y0 + cell - 4 - (cell - 8) * (abc.particles[k * abc.dimensions + i] - lo) / (hi - lo);
        doc.circle(px, py, 1.6,
                   fmt::format("fill=\"#D55E00\" fill-opacity=\"{}\"", num(0.15 + 0.85 * abc.weights[k] / wmax, 2)));
      }
    }
  }
  csv = "particle,weight";
  for (std::size_t i = 0; i < abc.dimensions; ++i) (csv += ',') += csv_field(r.parameters[i].path);
  csv += "\n";
  for (std::size_t k = 0; k < n; ++k) {
    csv += std::to_string(k + 1) + "," + plain(abc.weights[k]);
    for (std::size_t i = 0; i < abc.dimensions; ++i) (csv += ',') += plain(abc.particles[k * abc.dimensions + i]);
    csv += "\n";
  }
  return fmt::format(
      "The posterior sample: each parameter's weighted histogram over its prior range (diagonal) and each pair's "
      "particles (below it; darker is heavier){}. A histogram flat across its range says the targets do not "
      "inform that parameter; a ridge in a pair says the targets fix a combination of the two, not each.",
      abc.dimensions > d ? fmt::format(" (the {} of {} parameters the targets narrowed most)", d, abc.dimensions)
                         : std::string());
}

}  // namespace

std::string posterior_csv(const CalibrationResults& r) {
  const auto& abc = r.result.abc;
  std::string out = "particle,weight,distance";
  for (const auto& p : r.parameters) (out += ',') += csv_field(p.path);
  out += ",run_id\n";
  for (std::size_t k = 0; k < abc.weights.size(); ++k) {
    out += std::to_string(k + 1) + "," + plain(abc.weights[k]) + "," + plain(abc.distances[k]);
    for (std::size_t i = 0; i < abc.dimensions; ++i) (out += ',') += plain(abc.particles[k * abc.dimensions + i]);
    (out += ',') += csv_field(r.id.run_id) + "\n";
  }
  return out;
}

std::string generations_csv(const CalibrationResults& r) {
  std::string out = "generation,epsilon,attempts,simulations,accepted,acceptance_rate,ess,run_id\n";
  const auto& g = r.result.abc.generations;
  for (std::size_t t = 0; t < g.size(); ++t) {
    out += csv_line({std::to_string(t), std::isfinite(g[t].epsilon) ? plain(g[t].epsilon) : std::string("inf"),
                     std::to_string(g[t].attempts), std::to_string(g[t].simulations), std::to_string(g[t].accepted),
                     four(g[t].acceptance_rate), svg::fixed(g[t].ess, 1), r.id.run_id});
  }
  return out;
}

std::string predictive_csv(const CalibrationResults& r) {
  std::string out =
      "target,type,statistic,observed,prior_p10,prior_p50,prior_p90,prior_within,posterior_p10,posterior_p50,"
      "posterior_p90,posterior_within,run_id\n";
  for (std::size_t t = 0; t < r.targets.size(); ++t) {
    const auto& tg = r.targets[t];
    const auto& a = r.result.prior_check[t];
    const auto& b = r.result.posterior_check[t];
    const std::string type = tg.kind == scenario::CalibrationTarget::Kind::kLiveCount     ? "live_count"
                             : tg.kind == scenario::CalibrationTarget::Kind::kSchemesLive ? "schemes_live"
                             : tg.kind == scenario::CalibrationTarget::Kind::kSpend       ? "spend"
                                                                                          : "date";
    out += csv_line({target_text(tg, *r.scenario), type, what_it_compares(tg), plain(tg.observed), plain(a.p10),
                     plain(a.p50), plain(a.p90), four(a.within), plain(b.p10), plain(b.p50), plain(b.p90),
                     four(b.within), r.id.run_id});
  }
  return out;
}

nlohmann::ordered_json calibration_json(const CalibrationResults& r) {
  const model::Scenario& sc = *r.scenario;
  const auto& abc = r.result.abc;
  ordered_json j = identity_json(r.id);
  j["scenario"] = sc.name;
  j["targets_file"] = r.targets_file;
  j["population"] = r.spec.abc.population;
  j["max_generations"] = r.spec.abc.max_generations;
  j["quantile"] = r.spec.abc.quantile;
  j["min_acceptance"] = r.spec.abc.min_acceptance;
  j["stopped_because"] = abc.stopped_because;
  j["in_sample"] = true;
  ordered_json params = ordered_json::array();
  for (std::size_t i = 0; i < r.parameters.size(); ++i) {
    const std::vector<double> col = abc.parameter(i);
    params.push_back({{"path", r.parameters[i].path},
                      {"prior", {{"dist", "uniform"}, {"low", r.parameters[i].low}, {"high", r.parameters[i].high}}},
                      {"mean", experiment::weighted_mean(col, abc.weights)},
                      {"p05", experiment::weighted_quantile(col, abc.weights, 0.05)},
                      {"p50", experiment::weighted_quantile(col, abc.weights, 0.5)},
                      {"p95", experiment::weighted_quantile(col, abc.weights, 0.95)}});
  }
  j["parameters"] = params;
  ordered_json gens = ordered_json::array();
  for (const auto& g : abc.generations) {
    gens.push_back({{"epsilon", std::isfinite(g.epsilon) ? ordered_json(g.epsilon) : ordered_json(nullptr)},
                    {"attempts", g.attempts},
                    {"simulations", g.simulations},
                    {"accepted", g.accepted},
                    {"acceptance_rate", g.acceptance_rate},
                    {"ess", g.ess}});
  }
  j["generations"] = gens;
  ordered_json targets = ordered_json::array();
  for (std::size_t t = 0; t < r.targets.size(); ++t) {
    const auto summary = [](const experiment::PredictiveSummary& s) {
      return ordered_json{{"p10", s.p10}, {"p50", s.p50}, {"p90", s.p90}, {"mean", s.mean}, {"within", s.within}};
    };
    targets.push_back({{"target", target_text(r.targets[t], sc)},
                       {"label", r.targets[t].label},
                       {"statistic", what_it_compares(r.targets[t])},
                       {"observed", r.targets[t].observed},
                       {"scale", r.targets[t].scale},
                       {"weight", r.targets[t].weight},
                       {"prior_predictive", summary(r.result.prior_check[t])},
                       {"posterior_predictive", summary(r.result.posterior_check[t])}});
  }
  j["targets"] = targets;
  j["calibrated_scenario"] = r.overlay_file.empty() ? ordered_json(nullptr) : ordered_json(r.overlay_file);
  if (!r.overlay_note.empty()) j["calibrated_scenario_note"] = r.overlay_note;
  return j;
}

std::map<std::string, std::string> render_calibration(const CalibrationResults& r) {
  const model::Scenario& sc = *r.scenario;
  const auto& abc = r.result.abc;
  std::map<std::string, std::string> files;
  const std::string title = "Calibration of " + sc.name + " to what was observed";
  std::string html = head(title);
  html += identity_line(
      r.id, fmt::format("ABC-SMC, {} particles, {} generations ({}); targets <code>{}</code>", r.spec.abc.population,
                        abc.generations.size(), abc.stopped_because, h(r.targets_file)));
  html += "</header>\n<section class=\"summary\">\n<h2>In short</h2>\n<ul>\n";
  for (std::size_t t = 0; t < r.targets.size(); ++t) {
    const auto& a = r.result.prior_check[t];
    const auto& b = r.result.posterior_check[t];
    html += "<li>" + h(target_text(r.targets[t], sc)) + ": " + svg::fixed(100.0 * b.within, 0) +
            "% of posterior-predictive futures match it" +
            (r.targets[t].kind == scenario::CalibrationTarget::Kind::kSchemesLive ? "" : " within its scale") +
            ", against " + svg::fixed(100.0 * a.within, 0) + "% under the prior.</li>\n";
  }
  html +=
      "<li>This fit is in-sample: the same observations chose the parameters. It shows the model can "
      "reproduce them, not that it predicts.</li>\n";
  if (!r.overlay_file.empty()) {
    html += "<li>The calibrated scenario, each parameter at its posterior median: <code>" + h(r.overlay_file) +
            "</code> (<code>wsic run " + h(r.overlay_file) + "</code>).</li>\n";
  } else if (!r.overlay_note.empty()) {
    html += "<li>No calibrated scenario file: " + h(r.overlay_note) + "</li>\n";
  }
  html += "</ul>\n</section>\n";

  html +=
      "<h2>The posterior</h2>\n<table>\n<thead><tr><th>parameter</th><th>prior (uniform)</th><th class=\"num\">"
      "P5</th><th class=\"num\">median</th><th class=\"num\">P95</th><th class=\"num\">mean</th></tr></thead>\n"
      "<tbody>\n";
  for (std::size_t i = 0; i < r.parameters.size(); ++i) {
    const std::vector<double> col = abc.parameter(i);
    const auto v = [&](double x) { return h(parameter_value(sc, r.units[i], x)); };
    html += "<tr><td><code>" + h(r.parameters[i].path) + "</code></td><td>" + v(r.parameters[i].low) + " to " +
            v(r.parameters[i].high) + "</td><td class=\"num\">" +
            v(experiment::weighted_quantile(col, abc.weights, 0.05)) + "</td><td class=\"num\">" +
            v(experiment::weighted_quantile(col, abc.weights, 0.5)) + "</td><td class=\"num\">" +
            v(experiment::weighted_quantile(col, abc.weights, 0.95)) + "</td><td class=\"num\">" +
            v(experiment::weighted_mean(col, abc.weights)) + "</td></tr>\n";
  }
  html += "</tbody>\n</table>\n";
  Document doc("posterior_pairs", kWidth, kWidth, "Posterior sample, pairwise",
               "Weighted histograms and pairwise scatter of the posterior particles");
  doc.text(16, 24, "The posterior, parameter by parameter and in pairs", "start", 16,
           "font-weight=\"700\" fill=\"#1A1A1A\"");
  std::string csv;
  const std::string caption = pairs_chart(r, doc, csv);
  files["chart_posterior_pairs.svg"] = doc.file();
  files["chart_posterior_pairs.csv"] = with_run_id_column(csv, r.id.run_id);
  html += figure(doc, caption, "chart_posterior_pairs.svg, chart_posterior_pairs.csv");

  html +=
      "<h2>Posterior-predictive check (in-sample)</h2>\n<table>\n<caption>Each target's statistic simulated "
      "at the prior and at the posterior, against what was observed</caption>\n<thead><tr><th>target</th>"
      "<th>source</th><th>compares</th><th class=\"num\">prior P10 / P50 / P90</th><th class=\"num\">posterior "
      "P10 / P50 / P90</th><th class=\"num\">matched: prior</th><th class=\"num\">matched: posterior</th></tr>"
      "</thead>\n<tbody>\n";
  for (std::size_t t = 0; t < r.targets.size(); ++t) {
    const auto& tg = r.targets[t];
    const auto& a = r.result.prior_check[t];
    const auto& b = r.result.posterior_check[t];
    const auto three = [&](const experiment::PredictiveSummary& s) {
      return h(statistic_text(tg, sc, s.p10)) + " / " + h(statistic_text(tg, sc, s.p50)) + " / " +
             h(statistic_text(tg, sc, s.p90));
    };
    html += "<tr><td>" + h(target_text(tg, sc)) + "</td><td>" + h(tg.label) + "</td><td>" + h(what_it_compares(tg)) +
            "</td><td class=\"num\">" + three(a) + "</td><td class=\"num\">" + three(b) + "</td><td class=\"num\">" +
            svg::fixed(100.0 * a.within, 1) + "%</td><td class=\"num\">" + svg::fixed(100.0 * b.within, 1) +
            "%</td></tr>\n";
  }
  html += "</tbody>\n</table>\n";

  html +=
      "<h2>Generations</h2>\n<table>\n<thead><tr><th class=\"num\">generation</th><th class=\"num\">tolerance"
      "</th><th class=\"num\">attempts</th><th class=\"num\">acceptance</th><th class=\"num\">effective sample "
      "size</th></tr></thead>\n<tbody>\n";
  for (std::size_t t = 0; t < abc.generations.size(); ++t) {
    const auto& g = abc.generations[t];
    html += "<tr><td class=\"num\">" + std::to_string(t) + "</td><td class=\"num\">" +
            (std::isfinite(g.epsilon) ? svg::fixed(g.epsilon, 3) : std::string("none (the prior)")) +
            "</td><td class=\"num\">" + std::to_string(g.attempts) + "</td><td class=\"num\">" +
            svg::fixed(100.0 * g.acceptance_rate, 1) + "%</td><td class=\"num\">" + svg::fixed(g.ess, 0) +
            "</td></tr>\n";
  }
  html += "</tbody>\n</table>\n";
  html +=
      "<h2>How it was computed</h2>\n<p>Approximate Bayesian computation by sequential Monte Carlo (Toni et "
      "al. 2009; weights and kernel as Beaumont et al. 2009): uniform priors; each particle is judged by one "
      "replication simulated at its parameters, since what was observed is one history; the distance is the "
      "sum over targets of weight &#xD7; |simulated &#x2212; observed| / scale (schemes live at a date in "
      "schemes; which schemes, as the number whose state differs; a date in days, scale 30 days unless the "
      "file says; money in \xC2\xA3m, scale \xC2\xA3"
      "0.5m unless the file says). Each generation's tolerance is the weighted median (or the file's quantile) of the "
      "previous distances; it stops after " +
      std::to_string(r.spec.abc.max_generations) + " generations, or when fewer than " +
      svg::fixed(100.0 * r.spec.abc.min_acceptance, 1) + "% of attempts are accepted. The predictive check simulates " +
      std::to_string(r.spec.predictive) +
      " replications at the posterior particles (and at a prior sample) with fresh random numbers. "
      "<code>posterior.csv</code> is the weighted sample, <code>generations.csv</code> the run, "
      "<code>posterior_predictive.csv</code> the check.</p>\n";
  html += "</main>\n</body>\n</html>\n";
  files["report.html"] = html;
  return files;
}

}  // namespace wsic::report
