#include "wsic/report/report.hpp"

#include "wsic/report/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "style.hpp"
#include "svg.hpp"

namespace wsic::report {

namespace {

using nlohmann::json;
using svg::Document;
using svg::escape;
using svg::num;

// ---- reading the input defensively ---------------------------------------------
// The renderer must never fail on a partial input: every accessor returns
// "absent" for a missing key, a null or a value of the wrong type.

const json* get(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(std::string(key));
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

bool has_key(const json& j, std::string_view key) { return j.is_object() && j.contains(std::string(key)); }

std::optional<double> number(const json* v) {
  if (v == nullptr || !v->is_number()) return std::nullopt;
  const double d = v->get<double>();
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}
std::optional<double> number(const json& j, std::string_view key) { return number(get(j, key)); }

std::string text(const json* v, std::string fallback = "") {
  if (v == nullptr) return fallback;
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number_integer()) return std::to_string(v->get<long long>());
  if (v->is_number()) return svg::num(v->get<double>(), 3);
  if (v->is_boolean()) return v->get<bool>() ? "yes" : "no";
  return fallback;
}
std::string text(const json& j, std::string_view key, std::string fallback = "") {
  return text(get(j, key), std::move(fallback));
}

std::optional<int> date(const json* v) {
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return svg::parse_date(v->get<std::string>());
}
std::optional<int> date(const json& j, std::string_view key) { return date(get(j, key)); }

const json& array_or_empty(const json* v) {
  static const json empty = json::array();  // immutable: a shared "nothing here"
  return (v != nullptr && v->is_array()) ? *v : empty;
}
const json& array(const json& j, std::string_view key) { return array_or_empty(get(j, key)); }

/// A member's value, or an empty object where it is absent or null.
const json& member_or_empty(const json& j, std::string_view key) {
  static const json empty = json::object();  // immutable, like array_or_empty's
  const json* v = get(j, key);
  return v != nullptr ? *v : empty;
}

/// (id, name) pairs in the order they are first seen.
using NamedList = std::vector<std::pair<std::string, std::string>>;

/// Adds `item`'s id and name (the id if it has none) unless the id is listed already.
void add_first_seen(NamedList& list, const json& item) {
  const std::string id = text(item, "id");
  if (std::none_of(list.begin(), list.end(), [&](const auto& e) { return e.first == id; }))
    list.emplace_back(id, text(item, "name", id));
}

/// Escaped text for HTML and SVG.
std::string h(std::string_view s) { return escape(s); }

constexpr const char* kDash = "\xE2\x80\x94";   // em dash, for a missing value
constexpr const char* kMinus = "\xE2\x88\x92";  // a true minus sign reads better than a hyphen in labels

std::string pct(std::optional<double> p) {
  if (!p) return kDash;
  const double v = *p * 100.0;
  if (v > 0.0 && v < 0.5) return "<1%";
  if (v < 100.0 && v > 99.5) return ">99%";
  return svg::fixed(v, 0) + "%";
}

std::string days_label(double v) {
  std::string s = svg::signed_days(v);
  if (!s.empty() && s[0] == '-') s = kMinus + s.substr(1);
  return s;
}

std::string money(double v) { return "\xC2\xA3" + svg::fixed(v, 1) + "m"; }

// ---- one rendered chart ------------------------------------------------------------

struct Chart {
  std::string name;
  std::string title;
  std::string caption;
  std::string element;  // inline <svg>
  std::string file;     // standalone .svg
  std::string csv;
  /// Further tables of the chart: (suffix, CSV), written as chart_<name>_<suffix>.csv.
  std::vector<std::pair<std::string, std::string>> more_csv;
  std::string skipped;  // why it was not drawn; empty if it was
};

/// A chart's file name: "chart_<name>" plus `extension`. The prefix keeps the
/// report's files apart from the run's own tables in the same folder
/// (spend.csv, criticality.csv, ...), which a chart of the same name would
/// overwrite.
std::string chart_file(std::string_view name, std::string_view extension) {
  return "chart_" + std::string(name) + std::string(extension);
}

Chart skipped(std::string name, std::string title, std::string why) {
  Chart c;
  c.name = std::move(name);
  c.title = std::move(title);
  c.skipped = std::move(why);
  return c;
}

/// Runs a chart's renderer; a malformed part of the input skips that chart
/// (with the reason in the report) instead of losing the whole report.
Chart guarded(const std::string& name, const std::string& title, const std::function<Chart()>& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return skipped(name, title, std::string("its data could not be read (") + e.what() + ")");
  }
}

Chart finish(Document& doc, std::string name, std::string title, std::string caption, std::string csv) {
  Chart c;
  c.name = std::move(name);
  c.title = std::move(title);
  c.caption = std::move(caption);
  c.element = doc.element();
  c.file = doc.file();
  c.csv = std::move(csv);
  return c;
}

std::string csv_row(std::initializer_list<std::string> fields) {
  std::string row;
  bool first = true;
  for (const std::string& f : fields) {
    if (!first) row += ',';
    row += csv_field(f);
    first = false;
  }
  return row + "\n";
}

/// The two bounds of an interval given as a two-element array; both absent otherwise.
std::pair<std::optional<double>, std::optional<double>> interval(const json& arr) {
  if (arr.size() != 2) return {std::nullopt, std::nullopt};
  return {number(&arr[0]), number(&arr[1])};
}

std::string csv_num(std::optional<double> v, int decimals) { return v ? svg::fixed(*v, decimals) : ""; }

// ---- shared chart furniture -----------------------------------------------------------

constexpr double kWidth = 720;
constexpr const char* kGrid = "#E3E3E3";
constexpr const char* kAxis = "#333333";

/// Colours for schemes, yellow last: it is the hardest to see on white.
constexpr const char* kSeriesColours[7] = {"#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442"};
/// Dash patterns for series beyond the seven colours, so no two series differ by colour alone.
constexpr const char* kSeriesDashes[3] = {"", "7 3", "2 3"};

struct Frame {
  double left, top, right, bottom;
  double width() const { return right - left; }
  double height() const { return bottom - top; }
};

struct Scale {
  double d0, d1, p0, p1;
  double operator()(double v) const { return d1 == d0 ? (p0 + p1) / 2 : p0 + (v - d0) / (d1 - d0) * (p1 - p0); }
};

void chart_title(Document& doc, std::string_view title, std::string_view subtitle) {
  doc.text(16, 24, title, "start", 16, "font-weight=\"700\" fill=\"#1A1A1A\"");
  if (!subtitle.empty()) doc.text(16, 42, svg::fit(subtitle, 12, kWidth - 32), "start", 12, "fill=\"#555555\"");
}

/// A date axis along the bottom of `f`, with year grid lines across the plot.
void date_axis(Document& doc, const Frame& f, const Scale& x, int d0, int d1, std::string_view title) {
  const auto ticks = svg::date_ticks(d0, d1, f.width());
  double last_right = -1e9;
  bool any_minor = false;
  for (const svg::Tick& t : ticks) {
    const double px = x(t.value);
    if (t.major) {
      doc.line(px, f.top, px, f.bottom, std::string("stroke=\"") + kGrid + "\" stroke-width=\"1\"");
      doc.line(px, f.bottom, px, f.bottom + 6, std::string("stroke=\"") + kAxis + "\"");
    } else {
      any_minor = true;
      doc.line(px, f.bottom, px, f.bottom + 3, std::string("stroke=\"") + kAxis + "\"");
    }
    if (t.label.empty()) continue;
    const double size = t.major ? 12 : 11;
    const double w = svg::text_width(t.label, size);
    if (px - w / 2 < last_right + 4 || px + w / 2 > f.right + 24) continue;  // no room: skip rather than overlap
    doc.text(px, f.bottom + 19, t.label, "middle", size,
             t.major ? "fill=\"#1A1A1A\" font-weight=\"600\"" : "fill=\"#555555\"");
    last_right = px + w / 2;
  }
  doc.line(f.left, f.bottom, f.right, f.bottom, std::string("stroke=\"") + kAxis + "\"");
  // Say what the unlabelled ticks are, so the reader need not guess.
  const double px_per_month = f.width() / (d1 - d0) * 30.44;
  const std::string full =
      std::string(title) +
      (any_minor ? (px_per_month >= 8 ? " (small ticks: months)" : " (small ticks: quarters)") : "");
  doc.text((f.left + f.right) / 2, f.bottom + 38, full, "middle", 12, "fill=\"#1A1A1A\"");
}

/// A linear y axis on the left of `f`, with grid lines.
void y_axis(Document& doc, const Frame& f, const Scale& y, const std::vector<svg::Tick>& ticks, std::string_view suffix,
            std::string_view title) {
  for (const svg::Tick& t : ticks) {
    const double py = y(t.value);
    doc.line(f.left, py, f.right, py, std::string("stroke=\"") + kGrid + "\"");
    doc.text(f.left - 6, py + 4, t.label + std::string(suffix), "end", 11, "fill=\"#1A1A1A\"");
  }
  doc.line(f.left, f.top, f.left, f.bottom, std::string("stroke=\"") + kAxis + "\"");
  const double cx = 16, cy = (f.top + f.bottom) / 2;
  doc.text(cx, cy, title, "middle", 12, "fill=\"#1A1A1A\" transform=\"rotate(-90 " + num(cx) + " " + num(cy) + ")\"");
}

/// A linear x axis (day shifts) along the bottom of `f`.
void x_axis(Document& doc, const Frame& f, const Scale& x, const std::vector<svg::Tick>& ticks, std::string_view title,
            bool zero_line) {
  for (const svg::Tick& t : ticks) {
    const double px = x(t.value);
    doc.line(px, f.top, px, f.bottom, std::string("stroke=\"") + kGrid + "\"");
    std::string label = t.label;
    if (!label.empty() && label[0] == '-') label = kMinus + label.substr(1);
    doc.text(px, f.bottom + 16, label, "middle", 11, "fill=\"#1A1A1A\"");
  }
  doc.line(f.left, f.bottom, f.right, f.bottom, std::string("stroke=\"") + kAxis + "\"");
  if (zero_line && x.d0 <= 0 && x.d1 >= 0)
    doc.line(x(0), f.top - 4, x(0), f.bottom, "stroke=\"#000000\" stroke-width=\"1.5\"");
  doc.text((f.left + f.right) / 2, f.bottom + 34, title, "middle", 12, "fill=\"#1A1A1A\"");
}

/// A legend entry: a swatch (drawn by the caller's `draw` at (x, y)) and a label.
struct LegendItem {
  std::string label;
  std::function<void(Document&, double, double)> draw;  // draws a 24 x 12 swatch with its top-left at (x, y)
};

/// One legend entry with the top-left of its swatch at (x, y), the label to the right.
void legend_entry(Document& doc, const LegendItem& it, double x, double y) {
  it.draw(doc, x, y);
  doc.text(x + 30, y + 10, it.label, "start", 11, "fill=\"#1A1A1A\"");
}

/// Lays legend items out in rows from (x, y), wrapping at `right`; returns the y below the legend.
double legend(Document& doc, double x, double y, double right, const std::vector<LegendItem>& items) {
  double cx = x;
  for (const LegendItem& it : items) {
    const double w = 30 + svg::text_width(it.label, 11) + 16;
    if (cx + w > right && cx > x) {
      cx = x;
      y += 18;
    }
    legend_entry(doc, it, cx, y);
    cx += w;
  }
  return y + 18;
}

/// Legend items in a grid of `columns` columns `column_w` apart from (x, y), row by row.
void legend_grid(Document& doc, const std::vector<LegendItem>& items, double x, double y, double column_w,
                 std::size_t columns) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    legend_entry(doc, items[i], x + static_cast<double>(i % columns) * column_w,
                 y + static_cast<double>(i / columns) * 18);
  }
}

/// A filled legend swatch; `extra` attributes may set their own stroke.
/// The legend entry of a 95% simulation-error whisker.
LegendItem ci_legend_item() {
  return {"95% simulation error", [](Document& d, double x, double y) {
            d.line(x + 2, y + 6, x + 22, y + 6, "stroke=\"#1A1A1A\" stroke-width=\"1\"");
            d.line(x + 2, y + 3, x + 2, y + 9, "stroke=\"#1A1A1A\" stroke-width=\"1\"");
            d.line(x + 22, y + 3, x + 22, y + 9, "stroke=\"#1A1A1A\" stroke-width=\"1\"");
          }};
}

LegendItem swatch(std::string label, std::string fill, std::string extra = "") {
  return {std::move(label), [fill, extra](Document& d, double x, double y) {
            const bool own_stroke = extra.find("stroke=") != std::string::npos;
            d.rect(x, y, 24, 12,
                   "fill=\"" + fill + "\"" +
                       (own_stroke ? " stroke-width=\"1.5\"" : " stroke=\"#333333\" stroke-width=\"0.5\"") +
                       (extra.empty() ? "" : " " + extra));
          }};
}

LegendItem stroke_item(std::string label, std::string colour, double width, std::string dash) {
  return {std::move(label), [colour, width, dash](Document& d, double x, double y) {
            d.line(x, y + 6, x + 24, y + 6,
                   "stroke=\"" + colour + "\" stroke-width=\"" + num(width) + "\"" +
                       (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\""));
          }};
}

/// A row label, right-aligned at `right` and centred on `cy`: one line at
/// 12 px when it fits, else two lines at 11 px (names are wrapped, not cut).
void row_label(Document& doc, double right, double cy, std::string_view label, double max_w) {
  if (svg::text_width(label, 12) <= max_w) {
    doc.text(right, cy + 4, label, "end", 12, "fill=\"#1A1A1A\"");
    return;
  }
  const auto lines = svg::wrap(label, 11, max_w, 2);
  doc.text_lines(right, cy + 4 - static_cast<double>(lines.size() - 1) * 6.6, lines, "end", 11, "fill=\"#1A1A1A\"");
}

/// A chart with one row per item: a faint band behind every other row, and
/// the row's label left of the frame.
void banded_row(Document& doc, const Frame& f, std::size_t r, double ry, double row_h, std::string_view label) {
  if (r % 2 == 1) doc.rect(f.left, ry, f.width(), row_h, "fill=\"#000000\" fill-opacity=\"0.035\"");
  row_label(doc, f.left - 8, ry + row_h / 2, label, f.left - 20);
}

/// The day range of the x axis: the calendar, or else the data.
std::pair<int, int> calendar_range(const json& data, int data_min, int data_max) {
  const json& cal = member_or_empty(data, "calendar");
  const int a = date(cal, "start").value_or(data_min);
  const int b = date(cal, "horizon").value_or(data_max);
  return {std::min(a, data_min), std::max(b, data_max)};
}

/// Text colour on a filled shape: dark on light fills, white on dark ones
/// (WCAG contrast either way).
const char* ink_on(const std::string& fill) { return svg::luminance(fill) < 0.3 ? "#FFFFFF" : "#1A1A1A"; }

/// The first and the last of the days added; empty until one is.
struct DayRange {
  int lo = 1 << 30;
  int hi = -(1 << 30);
  void add(std::optional<int> d) {
    if (d) lo = std::min(lo, *d), hi = std::max(hi, *d);
  }
  bool empty() const { return lo > hi; }
};

/// Path data for a line through points, lifted where a point is missing.
class GappedPath {
 public:
  void to(double px, double py) {
    d_ += (pen_ ? " L" : (d_.empty() ? "M" : " M")) + num(px) + "," + num(py);
    pen_ = true;
  }
  /// A gap in the data is a gap in the line.
  void gap() { pen_ = false; }
  const std::string& data() const { return d_; }

 private:
  std::string d_;
  bool pen_ = false;
};

/// The attributes of an unfilled line: colour, width and dash pattern (solid if empty).
std::string line_style(std::string_view colour, double width, std::string_view dash) {
  return "fill=\"none\" stroke=\"" + std::string(colour) + "\" stroke-width=\"" + num(width) +
         "\" stroke-linejoin=\"round\"" + (dash.empty() ? "" : " stroke-dasharray=\"" + std::string(dash) + "\"");
}

/// An element with a tooltip, <tag attrs><title>tooltip</title></tag>; `attrs` and `tooltip` are markup.
void with_tooltip(Document& doc, std::string_view tag, const std::string& attrs, const std::string& tooltip) {
  doc.raw("<" + std::string(tag) + " " + attrs + "><title>" + tooltip + "</title></" + std::string(tag) + ">\n");
}

/// The corners of a diamond centred on (cx, cy), `r` from the centre to each corner.
std::vector<double> diamond(double cx, double cy, double r) { return {cx, cy - r, cx + r, cy, cx, cy + r, cx - r, cy}; }

// ---- 1. S-curves ---------------------------------------------------------------------------

/// How one line of the S-curves is drawn.
struct LineStyle {
  std::string colour;
  std::string dash;
  double width;
};

/// Hands out line styles in the order of the series: schemes in colours
/// (dashed after the seventh), the programme's measures thicker, in black
/// with dashes of their own.
class SeriesStyles {
 public:
  LineStyle next(bool programme) {
    if (programme) {
      static constexpr const char* kProgrammeDashes[3] = {"9 4", "3 3", "12 3 3 3"};
      const LineStyle style{programme_k_ < 3 ? "#000000" : "#666666", kProgrammeDashes[programme_k_ % 3], 3.2};
      ++programme_k_;
      return style;
    }
    const LineStyle style{kSeriesColours[scheme_k_ % 7], kSeriesDashes[(scheme_k_ / 7) % 3], 2};
    ++scheme_k_;
    return style;
  }

 private:
  std::size_t scheme_k_ = 0;
  std::size_t programme_k_ = 0;
};

/// The path of a cumulative probability `cdf` over `days`, broken where
/// either is missing; adds a CSV row per date to `csv`: the `lead` fields,
/// the date and the probability.
std::string cdf_path(const Scale& x, const Scale& y, const std::vector<std::optional<int>>& days, const json& cdf,
                     std::initializer_list<std::string> lead, std::string& csv) {
  std::string prefix = csv_row(lead);
  prefix.back() = ',';
  GappedPath path;
  for (std::size_t i = 0; i < days.size() && i < cdf.size(); ++i) {
    const auto v = number(&cdf[i]);
    csv += prefix + csv_row({days[i] ? svg::format_date(*days[i]) : "", csv_num(v, 4)});
    if (!v || !days[i]) {
      path.gap();
      continue;
    }
    path.to(x(*days[i]), y(std::clamp(*v, 0.0, 1.0)));
  }
  return path.data();
}

/// The axes of an S-curve chart: dates from `dmin` to `dmax` across, a
/// probability from 0 to 100% up (titled `y_title`), in the usual frame.
std::pair<Scale, Scale> probability_axes(Document& doc, int dmin, int dmax, const std::string& y_title) {
  const Frame f{64, 56, 700, 300};
  const Scale x{static_cast<double>(dmin), static_cast<double>(dmax), f.left, f.right};
  const Scale y{0, 1, f.bottom, f.top};
  std::vector<svg::Tick> yt;
  for (int k = 0; k <= 5; ++k) yt.push_back({k * 0.2, std::to_string(k * 20), true});
  y_axis(doc, f, y, yt, "%", y_title);
  date_axis(doc, f, x, dmin, dmax, "Date");
  return {x, y};
}

/// Draws one series' S-curve and adds its legend entry; returns its CSV rows.
std::string s_curve(Document& doc, const Scale& x, const Scale& y, const std::vector<std::optional<int>>& days,
                    const json& s, SeriesStyles& styles, std::vector<LegendItem>& items) {
  const std::string sid = text(s, "id"), sname = text(s, "name", sid), group = text(s, "group", "scheme");
  const bool programme = group == "programme";
  const LineStyle style = styles.next(programme);
  std::string csv;
  const std::string d = cdf_path(x, y, days, array(s, "cdf"), {sid, sname, group}, csv);
  with_tooltip(doc, "path",
               "class=\"series\" data-series=\"" + h(sid) + "\" d=\"" + (d.empty() ? "M0,0" : d) + "\" " +
                   line_style(style.colour, style.width, style.dash),
               h(sname));
  items.push_back(
      stroke_item(svg::fit(sname + (programme ? " (programme)" : ""), 11, 176), style.colour, style.width, style.dash));
  return csv;
}

Chart s_curves_chart(const json& data) {
  const std::string name = "s_curves", title = "Cumulative probability of go-live";
  const json* sc = get(data, "s_curves");
  if (sc == nullptr) return skipped(name, title, "the input has no s_curves data");
  std::vector<std::optional<int>> days;
  for (const json& d : array(*sc, "dates")) days.push_back(date(&d));
  const json& series = array(*sc, "series");
  if (days.empty() || series.empty()) return skipped(name, title, "the s_curves data has no dates or no series");
  DayRange range;
  for (const auto& d : days) range.add(d);
  if (range.empty()) return skipped(name, title, "the s_curves dates are not ISO dates");
  const int dmin = range.lo, dmax = range.lo == range.hi ? range.lo + 30 : range.hi;

  const std::size_t rows = (series.size() + 2) / 3;
  const double height = 356 + static_cast<double>(rows) * 18 + 8;
  Document doc(
      name, kWidth, height, title,
      "Line chart: for each scheme and for the programme, the probability (0-100%) of being live by each date.");
  chart_title(doc, title, "Share of replications in which each scheme (and the programme) is live by the date");
  const auto [x, y] = probability_axes(doc, dmin, dmax, "Probability of being live (%)");

  std::string csv = "series_id,series_name,group,date,cumulative_probability\n";
  std::vector<LegendItem> items;
  SeriesStyles styles;
  for (const json& s : series) csv += s_curve(doc, x, y, days, s, styles, items);
  // Legend in three columns below the axis title, in the order of the data.
  legend_grid(doc, items, 64, 356, 214, 3);
  return finish(
      doc, name, title,
      "Each line shows the probability that a scheme (coloured) or the programme (black, dashed) is live by the date "
      "on the horizontal axis: read across from 50% to find the median go-live date, or from 80% for a date "
      "with four chances in five.",
      std::move(csv));
}

// ---- 2. Fan chart ----------------------------------------------------------------------------

/// The fan chart's statistics at each readable date, in the order of kFanKeys.
struct FanSeries {
  std::vector<int> days;
  std::vector<std::vector<std::optional<double>>> v;  // [statistic][date]
};
constexpr const char* kFanKeys[6] = {"p10", "p25", "p50", "p75", "p90", "mean"};

FanSeries read_fan(const json& fan) {
  FanSeries s;
  std::vector<std::size_t> index;  // position in the input arrays of each usable date
  const json& dates = array(fan, "dates");
  for (std::size_t i = 0; i < dates.size(); ++i) {
    if (const auto d = date(&dates[i])) {
      s.days.push_back(*d);
      index.push_back(i);
    }
  }
  s.v.resize(6);
  for (std::size_t k = 0; k < 6; ++k) {
    const json& arr = array(fan, kFanKeys[k]);
    for (std::size_t i : index) s.v[k].push_back(i < arr.size() ? number(&arr[i]) : std::nullopt);
  }
  return s;
}

bool all_missing(const std::vector<std::optional<double>>& values) {
  return std::all_of(values.begin(), values.end(), [](auto o) { return !o; });
}

/// The top of the count axis: the largest count drawn or observed, or the
/// input's "max" if that is larger.
double fan_top(const json& fan, const FanSeries& s) {
  double ymax = number(fan, "max").value_or(0);
  for (const auto& series : s.v)
    for (const auto& o : series)
      if (o) ymax = std::max(ymax, *o);
  for (const json& o : array(fan, "observed"))
    if (const auto val = number(o, "value")) ymax = std::max(ymax, *val);
  return ymax <= 0 ? 1 : ymax;
}

/// The band between statistics `lo` and `hi`: one polygon per unbroken run
/// of dates where both edges exist.
void fan_band(Document& doc, const Scale& x, const Scale& y, const FanSeries& s, std::size_t lo, std::size_t hi,
              const char* cls, const char* fill, const char* opacity) {
  const auto& v = s.v;
  std::size_t i = 0;
  while (i < s.days.size()) {
    while (i < s.days.size() && !(v[lo][i] && v[hi][i])) ++i;
    std::size_t j = i;
    while (j < s.days.size() && v[lo][j] && v[hi][j]) ++j;
    if (j > i) {
      std::vector<double> pts;
      for (std::size_t k = i; k < j; ++k) pts.insert(pts.end(), {x(s.days[k]), y(*v[hi][k])});
      for (std::size_t k = j; k-- > i;) pts.insert(pts.end(), {x(s.days[k]), y(*v[lo][k])});
      doc.polygon(pts, std::string("class=\"band ") + cls + "\" fill=\"" + fill + "\" fill-opacity=\"" + opacity +
                           "\" stroke=\"none\"");
    }
    i = j;
  }
}

/// The line of statistic `k`, broken where it is missing.
void fan_line(Document& doc, const Scale& x, const Scale& y, const FanSeries& s, std::size_t k, const char* colour,
              double width, const char* dash, const char* cls) {
  GappedPath path;
  for (std::size_t i = 0; i < s.days.size(); ++i) {
    if (!s.v[k][i]) {
      path.gap();
      continue;
    }
    path.to(x(s.days[i]), y(*s.v[k][i]));
  }
  if (path.data().empty()) return;
  doc.raw(std::string("<path class=\"") + cls + "\" d=\"" + path.data() + "\" " + line_style(colour, width, dash) +
          "/>\n");
}

std::string fan_csv(const FanSeries& s) {
  std::string csv = "date,statistic,value\n";
  for (std::size_t i = 0; i < s.days.size(); ++i)
    for (std::size_t k = 0; k < 6; ++k)
      csv += csv_row({svg::format_date(s.days[i]), kFanKeys[k], csv_num(s.v[k][i], k == 5 ? 3 : 0)});
  return csv;
}

/// An observed count at (px, py): a diamond, and its label up and to the left.
void observed_mark(Document& doc, const Frame& f, double px, double py, const std::string& label) {
  doc.polygon(diamond(px, py, 7), "class=\"observed\" fill=\"#000000\" stroke=\"#FFFFFF\" stroke-width=\"1.5\"");
  const double w = svg::text_width(label, 12);
  // Up and to the left of the point: the count only rises with time, so that
  // corner of the chart is empty; a white halo keeps it legible regardless.
  const bool left_side = px - 14 - w >= f.left + 4;
  const double lx = left_side ? px - 14 - w : std::min(px + 14, f.right - w);
  const double ly = std::max(f.top + 14, py - 26);
  doc.line(px, py - 7, left_side ? lx + w : lx, ly + 4, "stroke=\"#000000\" stroke-width=\"1\"");
  doc.text(lx, ly, label, "start", 12,
           "font-weight=\"600\" fill=\"#000000\" stroke=\"#FFFFFF\" stroke-width=\"3\" paint-order=\"stroke\"");
}

/// Marks the observed counts that fall within the dates drawn; returns the CSV rows of all of them.
std::string fan_observed(Document& doc, const Frame& f, const Scale& x, const Scale& y, const json& fan, int dmin,
                         int dmax) {
  std::string csv;
  for (const json& o : array(fan, "observed")) {
    const auto d = date(o, "date");
    const auto val = number(o, "value");
    if (!d || !val) continue;
    csv += csv_row({svg::format_date(*d), "observed", svg::num(*val, 2)});
    if (*d < dmin || *d > dmax) continue;
    std::string label = text(o, "label");
    if (label.empty()) label = "Observed: " + svg::num(*val, 1);
    observed_mark(doc, f, x(*d), y(*val), label);
  }
  return csv;
}

Chart fan_chart(const json& data) {
  const std::string name = "fan", title = "Number of schemes live over time";
  const json* fan = get(data, "fan");
  if (fan == nullptr) return skipped(name, title, "the input has no fan data");
  const FanSeries s = read_fan(*fan);
  if (s.days.size() < 2 || (all_missing(s.v[0]) && all_missing(s.v[2])))
    return skipped(name, title, "the fan data has fewer than two dates or no quantiles");
  const double ymax = fan_top(*fan, s);
  const int dmin = *std::min_element(s.days.begin(), s.days.end()),
            dmax = *std::max_element(s.days.begin(), s.days.end());

  Document doc(
      name, kWidth, 400, title,
      "Fan chart of the number of schemes live by date: 10th-90th and 25th-75th percentile bands, the median and the "
      "mean, with the numbers observed by the evaluation marked.");
  chart_title(doc, title, "Across replications: median, 50% and 80% bands; observed counts marked");
  const Frame f{64, 78, 700, 330};
  const Scale x{static_cast<double>(dmin), static_cast<double>(dmax), f.left, f.right};
  const Scale y{0, ymax, f.bottom, f.top};
  y_axis(doc, f, y, svg::linear_ticks(0, ymax, ymax < 9 ? static_cast<int>(std::ceil(ymax)) : 9), "",
         "Schemes live (count)");
  date_axis(doc, f, x, dmin, dmax, "Date");
  fan_band(doc, x, y, s, 0, 4, "band-p10-p90", "#56B4E9", "0.35");
  fan_band(doc, x, y, s, 1, 3, "band-p25-p75", "#0072B2", "0.45");
  fan_line(doc, x, y, s, 5, "#D55E00", 1.8, "6 3", "mean");
  fan_line(doc, x, y, s, 2, "#000000", 2.5, "", "median");
  std::string csv = fan_csv(s);
  csv += fan_observed(doc, f, x, y, *fan, dmin, dmax);
  legend(doc, 64, 52, 700,
         {swatch("10th-90th percentile", "#56B4E9", "fill-opacity=\"0.35\""),
          swatch("25th-75th percentile", "#0072B2", "fill-opacity=\"0.45\""),
          stroke_item("Median", "#000000", 2.5, ""),
          stroke_item("Mean", "#D55E00", 1.8, "6 3"),
          {"Observed", [](Document& dd, double lx, double ly) {
             dd.polygon({lx + 12, ly, lx + 18, ly + 6, lx + 12, ly + 12, lx + 6, ly + 6}, "fill=\"#000000\"");
           }}});
  return finish(
      doc, name, title,
      "The light band holds the number of schemes live in 80% of replications and the dark band in 50%; the black line "
      "is the median and the dashed line the mean; diamonds mark what was observed.",
      std::move(csv));
}

// ---- 3. Probabilistic Gantt -------------------------------------------------------------------

/// The phase names in first-seen order, and the range of all the dates.
struct GanttExtent {
  std::vector<std::string> phase_names;
  DayRange days;
};

GanttExtent gantt_extent(const json& rows) {
  GanttExtent e;
  for (const json& r : rows) {
    for (const json& p : array(r, "phases")) {
      const std::string pn = text(p, "name");
      if (std::find(e.phase_names.begin(), e.phase_names.end(), pn) == e.phase_names.end()) e.phase_names.push_back(pn);
      for (const char* edge : {"start", "end"}) {
        const json* ej = get(p, edge);
        if (ej == nullptr) continue;
        for (const char* q : {"p10", "p50", "p90"}) e.days.add(date(*ej, q));
      }
    }
  }
  return e;
}

/// A phase's colour, by the place of its name among all the phases.
const char* phase_colour(const std::vector<std::string>& phase_names, const std::string& pn) {
  static constexpr const char* kPhaseColours[6] = {"#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#0072B2", "#D55E00"};
  const auto it = std::find(phase_names.begin(), phase_names.end(), pn);
  return kPhaseColours[static_cast<std::size_t>(it - phase_names.begin()) % 6];
}

/// Does any phase start but not end (or not surely end) by the horizon?
bool any_phase_beyond_horizon(const json& rows) {
  for (const json& r : rows)
    for (const json& p : array(r, "phases")) {
      const json* st = get(p, "start");
      const json* en = get(p, "end");
      if (st && date(*st, "p50") && (!en || !date(*en, "p50") || !date(*en, "p90"))) return true;
    }
  return false;
}

/// A swatch per phase, the whisker, and the arrow where some phase ends beyond the horizon.
std::vector<LegendItem> gantt_legend_items(const json& rows, const std::vector<std::string>& phase_names) {
  std::vector<LegendItem> items;
  for (const std::string& pn : phase_names) items.push_back(swatch(pn, phase_colour(phase_names, pn)));
  items.push_back({"P10-P90 of the end", [](Document& dd, double lx, double ly) {
                     dd.line(lx + 2, ly + 6, lx + 22, ly + 6, "stroke=\"#000000\" stroke-width=\"1.5\"");
                     dd.line(lx + 2, ly + 2, lx + 2, ly + 10, "stroke=\"#000000\" stroke-width=\"1.5\"");
                     dd.line(lx + 22, ly + 2, lx + 22, ly + 10, "stroke=\"#000000\" stroke-width=\"1.5\"");
                   }});
  if (any_phase_beyond_horizon(rows))
    items.push_back({"Beyond the horizon", [](Document& dd, double lx, double ly) {
                       dd.line(lx + 2, ly + 6, lx + 18, ly + 6, "stroke=\"#000000\" stroke-width=\"1.5\"");
                       dd.polygon({lx + 24, ly + 6, lx + 18, ly + 2, lx + 18, ly + 10}, "fill=\"#000000\"");
                     }});
  return items;
}

/// Where the Gantt chart draws: its frame, the date scale and the days the scale clamps to.
struct GanttAxes {
  Frame f;
  Scale x;
  int d0, d1;
  double row_h;
};

/// The whisker over a phase's end from P10 (else the bar's end `xe`) to P90;
/// an arrow at the frame's edge where P90 lies beyond the horizon.
void end_whisker(Document& doc, const GanttAxes& g, const json& en, double xe, double my) {
  const auto e10 = date(en, "p10"), e90 = date(en, "p90");
  if (!e10 && !e90) return;
  const double a = e10 ? g.x(std::clamp(*e10, g.d0, g.d1)) : xe;
  const double b = e90 ? g.x(std::clamp(*e90, g.d0, g.d1)) : g.f.right;
  doc.line(a, my, b, my, "class=\"whisker\" stroke=\"#000000\" stroke-width=\"1.5\"");
  doc.line(a, my - 5, a, my + 5, "stroke=\"#000000\" stroke-width=\"1.5\"");
  if (e90) {
    doc.line(b, my - 5, b, my + 5, "stroke=\"#000000\" stroke-width=\"1.5\"");
  } else {
    // The 90th percentile lies beyond the horizon: an open arrow at the edge says so.
    doc.polygon({b, my, b - 6, my - 4, b - 6, my + 4}, "fill=\"#000000\"");
  }
}

/// One phase of a scheme's row at `ry`: a bar from the median start to the
/// median end (faint and dashed if it does not end by the horizon) and the
/// end's whisker; returns its CSV rows.
std::string gantt_phase(Document& doc, const GanttAxes& g, double ry, const std::string& sid, const std::string& sname,
                        const json& p, const std::vector<std::string>& phase_names) {
  const std::string pn = text(p, "name");
  const json& st = member_or_empty(p, "start");
  const json& en = member_or_empty(p, "end");
  std::string csv;
  for (const auto& [edge, ej] : {std::pair<const char*, const json*>{"start", &st}, {"end", &en}})
    for (const char* q : {"p10", "p50", "p90"}) {
      const auto d = date(*ej, q);
      csv += csv_row({sid, sname, pn, edge, q, d ? svg::format_date(*d) : ""});
    }
  const auto s50 = date(st, "p50");
  if (!s50) return csv;  // the phase does not start within the horizon
  const auto e50 = date(en, "p50");
  const double xs = g.x(std::clamp(*s50, g.d0, g.d1));
  const double xe = e50 ? g.x(std::clamp(*e50, g.d0, g.d1)) : g.f.right;
  const std::string colour = phase_colour(phase_names, pn);
  doc.rect(xs, ry + 8, std::max(1.5, xe - xs), g.row_h - 16,
           "class=\"phase-bar\" fill=\"" + colour + "\" stroke=\"#333333\" stroke-width=\"0.5\"" +
               (e50 ? "" : " fill-opacity=\"0.5\" stroke-dasharray=\"3 2\""));
  end_whisker(doc, g, en, xe, ry + g.row_h / 2);
  return csv;
}

Chart gantt_chart(const json& data) {
  const std::string name = "gantt", title = "Probabilistic Gantt chart";
  const json& rows = array(data, "gantt");
  if (rows.empty()) return skipped(name, title, "the input has no gantt data");
  const GanttExtent extent = gantt_extent(rows);
  if (extent.days.empty()) return skipped(name, title, "the gantt data has no dates");
  const auto [d0, d1raw] = calendar_range(data, extent.days.lo, extent.days.hi);
  const int d1 = d1raw > d0 ? d1raw : d0 + 30;

  const double row_h = 30, top = 84;
  const double height = top + static_cast<double>(rows.size()) * row_h + 52;
  Document doc(
      name, kWidth, height, title,
      "Gantt chart: for each scheme, a bar per phase from its median start to its median end, with a whisker for the "
      "10th-90th percentile of the end date.");
  chart_title(doc, title, "Bars: median start to median end of each phase; whiskers: 10th-90th percentile of the end");
  const Frame f{190, top, 700, top + static_cast<double>(rows.size()) * row_h};
  const GanttAxes g{f, {static_cast<double>(d0), static_cast<double>(d1), f.left, f.right}, d0, d1, row_h};
  date_axis(doc, f, g.x, d0, d1, "Date");
  legend(doc, 16, 54, 704, gantt_legend_items(rows, extent.phase_names));

  std::string csv = "scheme_id,scheme_name,phase,boundary,quantile,date\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const json& row = rows[r];
    const double ry = f.top + static_cast<double>(r) * row_h;
    const std::string sid = text(row, "id"), sname = text(row, "name", sid);
    banded_row(doc, f, r, ry, row_h, sname);
    for (const json& p : array(row, "phases")) csv += gantt_phase(doc, g, ry, sid, sname, p, extent.phase_names);
  }
  return finish(
      doc, name, title,
      "Each bar runs from the median start to the median end of a phase; the whisker spans the 10th to 90th percentile "
      "of the phase's end, so a longer whisker means a less certain date.",
      std::move(csv));
}

// ---- 4. Barrier tornado --------------------------------------------------------------------------

/// The range of the day shifts added, always including zero.
struct ShiftRange {
  double lo = 0;
  double hi = 0;
  void add(std::optional<double> v) {
    if (v) lo = std::min(lo, *v), hi = std::max(hi, *v);
  }
};

/// A day-shift scale over [lo, hi] (always including zero) with room for labels.
Scale shift_scale(double lo, double hi, double p0, double p1) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  if (hi - lo < 1e-9) hi = lo + 10;
  const double pad = (hi - lo) * 0.04;
  return {lo - (lo < 0 ? pad : 0), hi + (hi > 0 ? pad : 0), p0, p1};
}

/// Pixel ranges for a shift axis that leave `label_px` free outside bars on the sides they reach.
std::pair<double, double> bar_area(double left, double right, double lo, double hi, double label_px) {
  return {left + (lo < 0 ? label_px : 8), right - (hi > 0 ? label_px : 8)};
}

/// A tornado's bars, what they measure and in what unit, and the range of their shifts.
struct Tornado {
  const json& bars;
  std::string measure;
  std::string unit;
  ShiftRange shifts;
};

/// The tornado under `key`, with the range of every bar's shifts `key_a` and
/// `key_b`; no bars where it is absent.
Tornado read_tornado(const json& data, std::string_view key, const char* key_a, const char* key_b) {
  const json* t = get(data, key);
  const json& bars = t ? array(*t, "bars") : array_or_empty(nullptr);
  if (bars.empty()) return {bars, "", "", {}};
  Tornado tornado{bars, text(*t, "measure", "P50 of all schemes live"), text(*t, "unit", "days"), {}};
  for (const json& b : bars)
    for (const char* k : {key_a, key_b}) {
      tornado.shifts.add(number(b, k));
      for (const json& c : array(b, std::string(k) + "_ci")) tornado.shifts.add(number(&c));  // whiskers fit too
    }
  return tornado;
}

/// A tornado chart up to its legend: the document with its title, the
/// frame and the shift axis.
struct TornadoCanvas {
  Frame f;
  Document doc;
  Scale x;
};

/// Starts a tornado chart with a row of `row_h` for each bar below the title
/// and the legend, the bars' labels left of `left`, and `label_px` beyond the
/// bars' ends for their values.
TornadoCanvas tornado_canvas(const std::string& name, const std::string& title, const Tornado& t, double left,
                             double row_h, double label_px, const std::string& desc, const std::string& subtitle) {
  const double top = 76;
  const Frame f{left, top, 704, top + static_cast<double>(t.bars.size()) * row_h};
  Document doc(name, kWidth, f.bottom + 48, title, desc);
  chart_title(doc, title, subtitle);
  const auto [p0, p1] = bar_area(f.left, f.right, t.shifts.lo, t.shifts.hi, label_px);
  const Scale x = shift_scale(t.shifts.lo, t.shifts.hi, p0, p1);
  x_axis(doc, f, x, svg::linear_ticks(x.d0, x.d1, 6), "Shift (" + t.unit + ")", true);
  return {f, std::move(doc), x};
}

/// A bar's value label, `gap` beyond its end: left of `left_px` for a bar
/// that reaches left, else right of `right_px`.
void bar_value_label(Document& doc, bool leftwards, double left_px, double right_px, double gap, double y,
                     const std::string& label) {
  if (leftwards)
    doc.text(left_px - gap, y, label, "end", 11, "fill=\"#1A1A1A\"");
  else
    doc.text(right_px + gap, y, label, "start", 11, "fill=\"#1A1A1A\"");
}

/// The CSV rows of one barrier: the programme's shifts with their intervals,
/// then each scheme's.
std::string barrier_csv_rows(const json& b, const std::string& bid, const std::string& bname) {
  std::string csv;
  for (const char* q : {"p50", "p80"}) {
    const std::string key = std::string(q) + "_shift";
    const auto [c0, c1] = interval(array(b, key + "_ci"));
    csv += csv_row({bid, bname, "programme", q, csv_num(number(b, key), 1), csv_num(c0, 1), csv_num(c1, 1)});
  }
  for (const json& s : array(b, "schemes")) {
    csv += csv_row({bid, bname, text(s, "id"), "p50", csv_num(number(s, "p50_shift"), 1), "", ""});
    csv += csv_row({bid, bname, text(s, "id"), "p80", csv_num(number(s, "p80_shift"), 1), "", ""});
  }
  return csv;
}

/// A 95% simulation-error whisker at height `y` for the interval `ci` (a
/// two-element array), if there is one; widens [lo_px, hi_px] to take it in.
void whisker(Document& doc, const Scale& x, double y, const json& ci, double& lo_px, double& hi_px) {
  const auto [c0, c1] = interval(ci);
  if (!c0 || !c1) return;
  doc.line(x(*c0), y, x(*c1), y, "class=\"ci\" stroke=\"#1A1A1A\" stroke-width=\"1\"");
  doc.line(x(*c0), y - 3, x(*c0), y + 3, "class=\"ci\" stroke=\"#1A1A1A\" stroke-width=\"1\"");
  doc.line(x(*c1), y - 3, x(*c1), y + 3, "class=\"ci\" stroke=\"#1A1A1A\" stroke-width=\"1\"");
  lo_px = std::min(lo_px, x(*c0));
  hi_px = std::max(hi_px, x(*c1));
}

/// One barrier's bars in the row at `ry`: the P50 shift thick (its tooltip
/// names the barrier), the P80 shift thin, each with its simulation-error
/// whisker, and the P50's label.
void barrier_bars(Document& doc, const Scale& x, double ry, const std::string& bname, const json& b) {
  const auto p50 = number(b, "p50_shift"), p80 = number(b, "p80_shift");
  const double zero = x(0);
  const double v50 = p50.value_or(0);
  with_tooltip(doc, "rect",
               "class=\"bar bar-p50\" x=\"" + num(std::min(zero, x(v50))) + "\" y=\"" + num(ry + 6) + "\" width=\"" +
                   num(std::abs(x(v50) - zero)) + "\" height=\"14\" fill=\"#0072B2\"",
               h(bname) + ": P50 " + h(p50 ? days_label(*p50) : std::string(kDash)));
  if (p80)
    doc.rect(std::min(zero, x(*p80)), ry + 23, std::abs(x(*p80) - zero), 5, "class=\"bar bar-p80\" fill=\"#E69F00\"");
  double end = std::min(x(v50), p80 ? x(*p80) : x(v50));
  double end_r = std::max(x(v50), p80 ? x(*p80) : x(v50));
  whisker(doc, x, ry + 13, array(b, "p50_shift_ci"), end, end_r);
  whisker(doc, x, ry + 25.5, array(b, "p80_shift_ci"), end, end_r);
  bar_value_label(doc, v50 < 0, end, end_r, 5, ry + 17, p50 ? days_label(*p50) : kDash);
}

Chart barrier_chart(const json& data) {
  const std::string name = "barrier_tornado", title = "What each barrier costs";
  const Tornado one = read_tornado(data, "barrier_tornado", "p50_shift", "p80_shift");
  if (one.bars.empty()) return skipped(name, title, "the input has no barrier attribution (barrier_tornado) data");
  // Every barrier switched off together, when the analysis ran it, is the last row.
  json rows = one.bars;
  ShiftRange range = one.shifts;
  const json* together = get(*get(data, "barrier_tornado"), "together");
  const bool has_together = together != nullptr && together->is_object();
  if (has_together) {
    rows.push_back(*together);
    for (const char* k : {"p50_shift", "p80_shift"}) {
      range.add(number(*together, k));
      for (const json& c : array(*together, std::string(k) + "_ci")) range.add(number(&c));
    }
  }
  const Tornado t{rows, one.measure, one.unit, range};
  const std::string& measure = t.measure;
  const bool says_off = measure.find("switched off") != std::string::npos;
  const double row_h = 34;
  auto [f, doc, x] = tornado_canvas(name, title, t, 236, row_h, 56,
                                    "Horizontal bar chart: for each barrier, the shift in " + measure + " (" + t.unit +
                                        ") when that barrier is switched off; a thick bar for the shift of the median "
                                        "date and a thin bar for the shift of the 80th-percentile date.",
                                    "Shift in " + measure + (says_off ? "" : " when the barrier is switched off") +
                                        " (" + t.unit + "; negative = earlier)");
  legend(doc, 16, 52, 704,
         {swatch("Shift of the median (P50) date", "#0072B2"), swatch("Shift of the P80 date", "#E69F00"),
          ci_legend_item()});

  std::string csv = "barrier_id,barrier_name,series_id,quantile,shift_days,shift_ci_low,shift_ci_high\n";
  for (std::size_t i = 0; i < t.bars.size(); ++i) {
    const json& b = t.bars[i];
    const double ry = f.top + static_cast<double>(i) * row_h;
    const std::string bid = text(b, "id"), bname = text(b, "name", bid);
    if (has_together && i + 1 == t.bars.size()) {
      doc.line(16, ry + 1, f.right, ry + 1, "class=\"together-rule\" stroke=\"#555555\" stroke-dasharray=\"4 3\"");
      row_label(doc, f.left - 8, ry + 17, bname, f.left - 20);
    } else {
      row_label(doc, f.left - 8, ry + 17, bname, f.left - 20);
    }
    csv += barrier_csv_rows(b, bid, bname);
    barrier_bars(doc, x, ry, bname, b);
  }
  return finish(
      doc, name, title,
      "Each bar shows how far the " + measure + (says_off ? " moves" : " moves when that barrier is switched off") +
          " (same random numbers, so the difference is the barrier's own "
          "effect); the thick bar is the shift of the median date (the difference of the two medians, not the median "
          "of "
          "paired differences), the thin bar the shift of the 80th-percentile date, biggest effect first. The black "
          "whiskers are 95% intervals for simulation (Monte Carlo) error, from a paired bootstrap: bars whose "
          "whiskers overlap may swap places with another seed. Each bar is one barrier switched off alone: the bars "
          "do not add up to the effect of switching several off" +
          (has_together ? std::string(", which the last bar, below the dashed line, shows: every barrier switched off "
                                      "at once.")
                        : std::string(".")),
      std::move(csv));
}

// ---- 5. Lever tornado ---------------------------------------------------------------------------------

/// A lever's label, right-aligned at `right` and centred in its row: the
/// name (wrapped onto two lines if need be), then the settings compared, so
/// the bars' own labels can stay short.
void lever_label(Document& doc, double right, double max_w, double ry, double row_h, const std::string& lname,
                 const std::string& settings) {
  std::vector<std::string> lines =
      svg::text_width(lname, 12) <= max_w ? std::vector<std::string>{lname} : svg::wrap(lname, 11, max_w, 2);
  const double name_size = lines.size() == 1 && svg::text_width(lname, 12) <= max_w ? 12 : 11;
  const double block = static_cast<double>(lines.size()) * 13.2 + 13.2;
  double ty = ry + (row_h - block) / 2 + 10;
  doc.text_lines(right, ty, lines, "end", name_size, "fill=\"#1A1A1A\"");
  ty += static_cast<double>(lines.size()) * 13.2;
  doc.text(right, ty, svg::fit(settings, 11, max_w), "end", 11, "fill=\"#555555\"");
}

/// One of a lever's two settings: where its figures are, and how its bar looks.
struct LeverSetting {
  const char* key;
  const char* key_ci;
  const char* p80;
  const char* p80_ci;
  const char* label_key;
  const char* setting;
  const char* fill;
  double dy;  // the bar's top below the row's
};
constexpr LeverSetting kLeverSettings[2] = {
    {"low_shift", "low_shift_ci", "low_p80_shift", "low_p80_shift_ci", "low_label", "low", "#56B4E9", 7},
    {"high_shift", "high_shift_ci", "high_p80_shift", "high_p80_shift_ci", "high_label", "high", "#D55E00", 24}};

/// The bar of one setting of the lever `b` in the row at `ry`, with its label; returns its CSV rows.
std::string lever_bar(Document& doc, const Scale& x, double ry, const json& b, const LeverSetting& s,
                      const std::string& lid, const std::string& lname) {
  const double zero = x(0);
  const double y = ry + s.dy;
  const auto v = number(b, s.key);
  // A date lever's setting goes in the date column, any other's in the number column.
  const std::string label = text(b, s.label_key);
  const bool is_date = label.size() == 10 && label[4] == '-' && label[7] == '-';
  const std::string value = is_date ? "" : label, date = is_date ? label : "";
  const auto [c0, c1] = interval(array(b, s.key_ci));
  std::string csv = csv_row({lid, lname, s.setting, value, date, "p50", csv_num(v, 1), csv_num(c0, 1), csv_num(c1, 1)});
  if (has_key(b, s.p80)) {
    const auto [d0, d1] = interval(array(b, s.p80_ci));
    csv += csv_row(
        {lid, lname, s.setting, value, date, "p80", csv_num(number(b, s.p80), 1), csv_num(d0, 1), csv_num(d1, 1)});
  }
  const double val = v.value_or(0);
  doc.rect(std::min(zero, x(val)), y, std::max(1.0, std::abs(x(val) - zero)), 15,
           std::string("class=\"bar bar-") + s.setting + "\" fill=\"" + s.fill + "\"");
  double lo = x(val), hi = std::max(x(val), zero + 1);
  whisker(doc, x, y + 7.5, array(b, s.key_ci), lo, hi);
  const std::string bar_label = std::string(s.setting) + ": " + (v ? days_label(*v) : std::string(kDash));
  bar_value_label(doc, val < 0, lo, hi, 4, y + 12, bar_label);
  return csv;
}

Chart lever_chart(const json& data) {
  const std::string name = "lever_tornado", title = "What each lever buys";
  const Tornado t = read_tornado(data, "lever_tornado", "low_shift", "high_shift");
  if (t.bars.empty()) return skipped(name, title, "the input has no lever sensitivity (lever_tornado) data");
  const std::string& measure = t.measure;
  const double row_h = 46;
  auto [f, doc, x] = tornado_canvas(
      name, title, t, 250, row_h, 84,
      "Tornado chart: for each lever, the shift in " + measure + " (" + t.unit +
          ") at its low setting and at its high setting, relative to the scenario's own setting.",
      "Shift in " + measure + " with the lever at its low or high setting (" + t.unit + "; negative = earlier)");
  legend(doc, 16, 52, 704, {swatch("Low setting", "#56B4E9"), swatch("High setting", "#D55E00"), ci_legend_item()});

  std::string csv =
      "lever_id,lever_name,setting,setting_value,setting_date,quantile,shift_days,shift_ci_low,shift_ci_high\n";
  for (std::size_t i = 0; i < t.bars.size(); ++i) {
    const json& b = t.bars[i];
    const double ry = f.top + static_cast<double>(i) * row_h;
    const std::string lid = text(b, "id"), lname = text(b, "name", lid);
    const std::string settings =
        "low " + text(b, "low_label", kDash) + " \xC2\xB7 high " + text(b, "high_label", kDash);
    lever_label(doc, f.left - 8, f.left - 20, ry, row_h, lname, settings);
    for (const LeverSetting& s : kLeverSettings) csv += lever_bar(doc, x, ry, b, s, lid, lname);
  }
  return finish(doc, name, title,
                "For each lever, the upper (blue) bar is the shift in the " + measure +
                    " with the lever at its low setting and the lower (vermilion) bar at its high setting, each a "
                    "difference of two forecasts' medians with a black whisker for its 95% simulation-error interval "
                    "(a paired bootstrap); the longest bars, at the top, are the levers that matter most. Each lever "
                    "moves alone, the others at the scenario's settings: the bars do not add up.",
                std::move(csv));
}

// ---- 6. Criticality heat map ----------------------------------------------------------------------------

const std::vector<const char*> kBlues = {"#F7FBFF", "#DEEBF7", "#C6DBEF", "#9ECAE1", "#6BAED6",
                                         "#4292C6", "#2171B5", "#08519C", "#08306B"};

/// Where the heat map's cells go: the label column's width, a cell's width
/// and height, and the top of the grid.
struct HeatGrid {
  double label_w, cw, ch, grid_top;
};

/// Columns wide enough for the longest single word of a header (headers wrap
/// onto up to three lines; words are never cut); the chart widens if it must.
double criticality_column_width(const json& ws, double label_w) {
  double longest_word = 0;
  for (const json& w : ws) {
    std::string word;
    for (char c : text(w, "name", text(w, "id")) + " ") {
      if (c == ' ') {
        longest_word = std::max(longest_word, svg::text_width(word, 11));
        word.clear();
      } else {
        word += c;
      }
    }
  }
  return std::max({52.0, (kWidth - label_w - 16) / static_cast<double>(ws.size()), std::min(120.0, longest_word + 10)});
}

/// The workstreams' names wrapped to the column's width, on up to five
/// lines: whole names, not cut ones, for any name of reasonable length.
std::vector<std::vector<std::string>> criticality_header_lines(const json& ws, double cw) {
  std::vector<std::vector<std::string>> out;
  for (const json& w : ws) out.push_back(svg::wrap(text(w, "name", text(w, "id")), 11, cw - 6, 5));
  return out;
}

/// The workstreams' names above their columns, bottom-aligned on the grid.
void criticality_headers(Document& doc, const HeatGrid& g, const std::vector<std::vector<std::string>>& headers) {
  for (std::size_t w = 0; w < headers.size(); ++w) {
    const auto& lines = headers[w];
    const double cx = g.label_w + g.cw * (static_cast<double>(w) + 0.5);
    const double y0 = g.grid_top - 6 - static_cast<double>(lines.size() - 1) * 13.2;
    doc.text_lines(cx, y0, lines, "middle", 11, "fill=\"#1A1A1A\"");
  }
}

/// One scheme's row of cells at `ry`, coloured and labelled by criticality
/// (grey with a dash where there is no value); returns its CSV rows.
std::string criticality_row(Document& doc, const HeatGrid& g, double ry, const json& scheme, const json& row,
                            const json& ws) {
  const std::string sid = text(scheme, "id"), sname = text(scheme, "name", sid);
  row_label(doc, g.label_w - 8, ry + g.ch / 2, sname, g.label_w - 20);
  std::string csv;
  for (std::size_t w = 0; w < ws.size(); ++w) {
    const auto v = (row.is_array() && w < row.size()) ? number(&row[w]) : std::nullopt;
    const std::string wid = text(ws[w], "id"), wn = text(ws[w], "name", wid);
    csv += csv_row({sid, sname, wid, wn, csv_num(v, 4)});
    const double cx = g.label_w + g.cw * static_cast<double>(w);
    const std::string fill = v ? svg::ramp(kBlues, *v) : "#EEEEEE";
    doc.rect(cx, ry, g.cw, g.ch, "class=\"cell\" fill=\"" + fill + "\" stroke=\"#FFFFFF\" stroke-width=\"1.5\"");
    doc.text(cx + g.cw / 2, ry + g.ch / 2 + 4, v ? pct(v) : std::string(kDash), "middle", 11,
             "fill=\"" + std::string(ink_on(fill)) + "\"");
  }
  return csv;
}

/// The colour key below the grid, its top at `ky`: five steps from 0% to 100%.
void criticality_key(Document& doc, const HeatGrid& g, double ky) {
  doc.text(g.label_w - 8, ky + 12, "Key:", "end", 11, "fill=\"#1A1A1A\"");
  for (int k = 0; k <= 4; ++k) {
    const double t = k / 4.0;
    const std::string fill = svg::ramp(kBlues, t);
    const double kx = g.label_w + k * 64.0;
    doc.rect(kx, ky, 60, 18, "fill=\"" + fill + "\" stroke=\"#999999\" stroke-width=\"0.5\"");
    doc.text(kx + 30, ky + 13, std::to_string(k * 25) + "%", "middle", 11,
             std::string("fill=\"") + ink_on(fill) + "\"");
  }
  doc.text(g.label_w + 5 * 64.0 + 4, ky + 13, "(grey with a dash: no value)", "start", 11, "fill=\"#555555\"");
}

Chart criticality_chart(const json& data) {
  const std::string name = "criticality", title = "Criticality of workstreams";
  const json* cr = get(data, "criticality");
  if (cr == nullptr) return skipped(name, title, "the input has no criticality data");
  const json& ws = array(*cr, "workstreams");
  const json& schemes = array(*cr, "schemes");
  const json& values = array(*cr, "values");
  if (ws.empty() || schemes.empty())
    return skipped(name, title, "the criticality data has no schemes or no workstreams");
  const double label_w = 190;
  const double cw = criticality_column_width(ws, label_w);
  const double width = std::max(kWidth, label_w + cw * static_cast<double>(ws.size()) + 16);
  const auto headers = criticality_header_lines(ws, cw);
  std::size_t most = 1;
  for (const auto& lines : headers) most = std::max(most, lines.size());
  const double ch = 26, header_h = 9 + 13.2 * static_cast<double>(most), top = 60;
  const HeatGrid g{label_w, cw, ch, top + header_h};
  const double height = g.grid_top + ch * static_cast<double>(schemes.size()) + 56;
  Document doc(name, width, height, title,
               "Heat map: for each scheme (rows) and workstream (columns), of the replications in which the scheme "
               "went live, the percentage with the workstream on its critical path.");
  chart_title(doc, title,
              "Of the replications in which the scheme went live, share with the workstream on its "
              "critical path (%)");
  criticality_headers(doc, g, headers);
  std::string csv = "scheme_id,scheme_name,workstream_id,workstream_name,criticality\n";
  for (std::size_t s = 0; s < schemes.size(); ++s) {
    const json& row = s < values.size() ? values[s] : array_or_empty(nullptr);
    csv += criticality_row(doc, g, g.grid_top + ch * static_cast<double>(s), schemes[s], row, ws);
  }
  criticality_key(doc, g, g.grid_top + ch * static_cast<double>(schemes.size()) + 16);
  return finish(
      doc, name, title,
      "Each cell gives, of the replications in which the scheme went live within the horizon (only those have a "
      "critical path), the percentage in which that workstream was on it; the darker the cell, the more often that "
      "workstream set the go-live date.",
      std::move(csv));
}

// ---- 7. Spend -----------------------------------------------------------------------------------------------

/// A spend category as the chart draws it: its key in a year's `spent`, its
/// label and colour (the colour-blind-safe palette, in category order).
struct SpendPart {
  std::string key;
  std::string label;
  std::string fill;
};

/// The categories the data lists (`spend_categories`), or the three every
/// scenario has when it lists none.
std::vector<SpendPart> spend_parts(const json& data) {
  static constexpr const char* kFills[8] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                            "#56B4E9", "#D55E00", "#F0E442", "#999999"};
  std::vector<SpendPart> parts;
  for (const json& c : array(data, "spend_categories")) {
    const std::string id = text(c, "id");
    if (!id.empty()) parts.push_back({id, text(c, "name", id), kFills[parts.size() % 8]});
  }
  if (parts.empty()) {
    for (const char* id : {"central_team", "consultancy", "local_support"})
      parts.push_back({id, id, kFills[parts.size()]});
    parts[0].label = "Programme team";
    parts[1].label = "Consultancy";
    parts[2].label = "Local support";
  }
  return parts;
}

double spent(const json& yr, const std::string& key) {
  const json* s = get(yr, "spent");
  return s ? number(*s, key).value_or(0) : 0.0;
}

// The top of the spend axis: the largest year's spend or funding, with
// headroom for the labels (never overflowing to infinity).
double spend_axis_top(const json& years, const std::vector<SpendPart>& parts) {
  double ymax = 0;
  for (const json& y : years) {
    double total = 0;
    for (const SpendPart& p : parts) total += std::max(0.0, spent(y, p.key));
    const double funded = number(y, "funded_central").value_or(0) + number(y, "funded_local").value_or(0);
    ymax = std::max({ymax, total, funded});
  }
  if (ymax <= 0) ymax = 1;
  return std::min(ymax * 1.12, std::numeric_limits<double>::max());
}

/// One year's spend as drawn: each part's value for the CSV, and the total.
struct SpendStack {
  std::vector<std::string> spent;
  double total = 0;
};

/// One year's stacked bar centred on `cx`, a segment per part (negative
/// amounts count as none), each labelled where it is tall enough.
SpendStack spend_stack(Document& doc, const Scale& y, double cx, double bw, const json& yr,
                       const std::vector<SpendPart>& parts) {
  SpendStack stack;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const SpendPart& p = parts[k];
    const double v = spent(yr, p.key);
    stack.spent.push_back(csv_num(v, 3));
    const double val = std::max(0.0, v);
    if (val <= 0) continue;
    const double top_px = y(stack.total + val), bot_px = y(stack.total);
    doc.rect(
        cx - bw / 2, top_px, bw, bot_px - top_px,
        "class=\"bar spend-" + std::to_string(k) + "\" fill=\"" + p.fill + "\" stroke=\"#FFFFFF\" stroke-width=\"1\"");
    if (bot_px - top_px >= 15)
      doc.text(cx, (top_px + bot_px) / 2 + 4, money(val), "middle", 11,
               "fill=\"" + std::string(ink_on(p.fill.c_str())) + "\"");
    stack.total += val;
  }
  return stack;
}

/// The year's funding as a black line across its bar, labelled above it.
void funded_line(Document& doc, const Scale& y, double cx, double bw, double funded) {
  const double py = y(funded);
  doc.line(cx - bw / 2 - 8, py, cx + bw / 2 + 8, py, "class=\"funded\" stroke=\"#000000\" stroke-width=\"3\"");
  doc.text(cx, py - 6, "funded " + money(funded), "middle", 11,
           "fill=\"#000000\" stroke=\"#FFFFFF\" stroke-width=\"3\" paint-order=\"stroke\"");
}

/// One year of the spend chart centred on `cx`: the stacked bar, the funding
/// line (none after the funded years), and the year's name and total below
/// the axis; returns its CSV row.
std::string spend_year(Document& doc, const Frame& f, const Scale& y, double cx, double bw, const json& yr,
                       const std::string& fy, const std::vector<SpendPart>& parts) {
  const SpendStack stack = spend_stack(doc, y, cx, bw, yr, parts);
  const auto fc = number(yr, "funded_central"), fl = number(yr, "funded_local");
  const auto funded_total = (fc || fl) ? std::optional<double>(fc.value_or(0) + fl.value_or(0)) : std::nullopt;
  if (funded_total) funded_line(doc, y, cx, bw, *funded_total);
  doc.text(cx, f.bottom + 17, fy, "middle", 12, "fill=\"#1A1A1A\" font-weight=\"600\"");
  doc.text(cx, f.bottom + 32, "spent " + money(stack.total), "middle", 11, "fill=\"#555555\"");
  std::string row = csv_row({fy, csv_num(fc, 3), csv_num(fl, 3), csv_num(funded_total, 3)});
  row.pop_back();
  for (const std::string& v : stack.spent) row += "," + v;
  return row + "," + csv_num(stack.total, 3) + "\n";
}

Chart spend_chart(const json& data) {
  const std::string name = "spend", title = "Spend by financial year";
  const json& years = array(data, "spend");
  if (years.empty()) return skipped(name, title, "the input has no spend data");
  const std::vector<SpendPart> parts = spend_parts(data);
  const double ymax = spend_axis_top(years, parts);

  Document doc(name, kWidth, 420, title,
               "Stacked bar chart: mean spend per financial year by category (the programme team, consultancy, "
               "local support and what each costed decision buys), in millions of pounds, with the funded amount "
               "for each year marked by a black line, and what was spent after the funded years.");
  chart_title(doc, title,
              "Mean spend across replications, \xC2\xA3 million; black line: amount funded (central + local)");
  std::vector<LegendItem> items;
  for (const SpendPart& p : parts) items.push_back(swatch(svg::fit(p.label, 11, 260), p.fill));
  items.push_back(stroke_item("Funded", "#000000", 3, ""));
  const double legend_bottom = legend(doc, 16, 54, 704, items);
  const Frame f{70, std::max(80.0, legend_bottom + 14), 700, 350};
  const Scale y{0, ymax, f.bottom, f.top};
  const auto ticks = svg::linear_ticks(0, ymax, 6, ymax < 6 ? 1 : 0);
  y_axis(doc, f, y, ticks, "", "Spend (\xC2\xA3 million)");

  // One row per year, money funded and money spent in separate columns (the
  // totals are the chart's "funded" and "spent" labels).
  std::string csv = "financial_year,funded_central_gbp_m,funded_local_gbp_m,funded_total_gbp_m";
  for (const SpendPart& p : parts) csv += ",spent_" + csv_field(p.key) + "_gbp_m";
  csv += ",spent_total_gbp_m\n";
  const double slot = f.width() / static_cast<double>(years.size());
  const double bw = std::min(90.0, slot * 0.5);
  for (std::size_t i = 0; i < years.size(); ++i) {
    const json& yr = years[i];
    const double cx = f.left + slot * (static_cast<double>(i) + 0.5);
    csv += spend_year(doc, f, y, cx, bw, yr, text(yr, "financial_year", std::to_string(i + 1)), parts);
  }
  doc.line(f.left, f.bottom, f.right, f.bottom, "stroke=\"#333333\"");
  doc.text((f.left + f.right) / 2, f.bottom + 52, "Financial year (April to March)", "middle", 12, "fill=\"#1A1A1A\"");
  return finish(
      doc, name, title,
      "Each bar stacks the mean spend in a financial year on the programme team, consultancy, local support and "
      "each costed decision; the black line marks what was funded that year. A year's money is spent while there "
      "is work for it (the team until the last scheme is live, a scheme's support until it covers its population) "
      "and handed back when there is none, so a gap below the line is money not needed, a bar above it a "
      "decision that cost more than its pot; the last bar is what the work still going on after the funded years "
      "cost at the last year's rates.",
      std::move(csv));
}

// ---- 7b. People covered ------------------------------------------------------------------------------

Chart people_chart(const json& data) {
  const std::string name = "people", title = "People covered over time";
  const json* pc = get(data, "people_covered");
  if (pc == nullptr) return skipped(name, title, "the input has no people-covered data");
  std::vector<int> days;
  std::vector<double> mean;
  for (const json& m : array(*pc, "by_month")) {
    const auto d = date(m, "month");
    const auto v = number(m, "mean");
    if (!d || !v || !std::isfinite(*v)) continue;
    days.push_back(*d);
    mean.push_back(std::max(0.0, *v));
  }
  if (days.size() < 2) return skipped(name, title, "the people-covered data has fewer than two months");
  const double population = std::max(0.0, number(*pc, "population").value_or(0));
  double top = population;
  for (const double v : mean) top = std::max(top, v);
  if (!(top > 0)) top = 1;
  top = std::min(top * 1.1, std::numeric_limits<double>::max());
  const int dmin = days.front(), dmax = days.back();

  Document doc(name, kWidth, 400, title,
               "Line chart of the mean number of people enrolled in the new models of care across the schemes, by "
               "month, against the people in their population groups.");
  chart_title(doc, title, "Mean across replications; the black line is every group's population (of reported size)");
  const Frame f{84, 78, 700, 330};
  const Scale x{static_cast<double>(dmin), static_cast<double>(dmax), f.left, f.right};
  const Scale y{0, top, f.bottom, f.top};
  y_axis(doc, f, y, svg::linear_ticks(0, top, 6, 0), "", "People covered");
  date_axis(doc, f, x, dmin, dmax, "Date (first of the month)");
  if (population > 0) {
    doc.line(f.left, y(population), f.right, y(population),
             "class=\"population\" stroke=\"#000000\" stroke-width=\"2\" stroke-dasharray=\"6 3\"");
  }
  std::vector<double> xy;
  std::string csv = "month,people_covered_mean,population\n";
  for (std::size_t i = 0; i < days.size(); ++i) {
    xy.push_back(x(days[i]));
    xy.push_back(y(mean[i]));
    csv += csv_row({svg::format_date(days[i]), csv_num(mean[i], 1), csv_num(population, 0)});
  }
  doc.polyline(xy, "class=\"people\" stroke=\"#009E73\" stroke-width=\"2.5\"");
  legend(doc, 84, 52, 700,
         {stroke_item("People covered (mean)", "#009E73", 2.5, ""),
          stroke_item("Population of the groups", "#000000", 2, "6 3")});
  return finish(doc, name, title,
                "The green line is the mean number of people enrolled in the new models of care on the first of each "
                "month: a scheme's first population group is enrolled from its pilot, the others once its full "
                "model of care is live, each over the scheme's ramp. The dashed line is the people in all the "
                "groups whose size the evidence reports.",
                std::move(csv));
}

// ---- 8. Phases and workstream graph ---------------------------------------------------------------------

void arrow_head(Document& doc, double x, double y, const char* colour) {
  doc.polygon({x, y, x - 8, y - 4.5, x - 8, y + 4.5}, std::string("fill=\"") + colour + "\"");
}

using Links = std::vector<std::pair<std::size_t, std::size_t>>;

/// The edges between two different known workstreams, each once, as pairs of indices into `ids`.
Links graph_links(const json& edges, const std::vector<std::string>& ids) {
  auto index_of = [&](const std::string& id) -> std::optional<std::size_t> {
    const auto it = std::find(ids.begin(), ids.end(), id);
    if (it == ids.end()) return std::nullopt;
    return static_cast<std::size_t>(it - ids.begin());
  };
  Links links;
  for (const json& e : edges) {
    if (!e.is_array() || e.size() < 2) continue;
    const auto a = index_of(text(&e[0])), b = index_of(text(&e[1]));
    if (a && b && *a != *b && std::find(links.begin(), links.end(), std::pair{*a, *b}) == links.end())
      links.emplace_back(*a, *b);
  }
  return links;
}

/// Each workstream's layer: the longest path to it from a source.
/// Relaxation over at most N rounds, so a (malformed) cycle cannot loop forever.
std::vector<int> longest_path_layers(std::size_t n, const Links& links) {
  std::vector<int> layer(n, 0);
  for (std::size_t round = 0; round < n; ++round) {
    bool changed = false;
    for (const auto& [a, b] : links) {
      if (layer[b] < layer[a] + 1 && layer[a] + 1 < static_cast<int>(n)) {
        layer[b] = layer[a] + 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return layer;
}

/// The workstream graph laid out in columns by layer. Slots 0 to n-1 are the
/// workstreams; an edge that spans several layers passes through invisible
/// waypoints in the layers between (Sugiyama's dummy nodes), the slots from
/// n on, so it never runs behind a box.
struct GraphLayout {
  std::size_t n = 0;
  std::vector<int> layer;                         // [workstream]
  int layers = 1;                                 // one more than the deepest layer (every layer is >= 0)
  std::vector<int> slot_layer;                    // [slot]
  std::vector<std::vector<std::size_t>> chain;    // [edge]: the slots it visits: source, waypoints, target
  Links segments;                                 // every hop of every chain
  std::vector<std::vector<std::size_t>> columns;  // [layer]: its slots, top to bottom
  std::vector<double> pos;                        // [slot]: its row in its column
  std::size_t max_rows = 1;
};

/// Adds the waypoints of every edge that skips a layer, and each edge's chain of slots.
void route_edges(GraphLayout& g, const Links& links) {
  g.slot_layer = g.layer;
  for (const auto& [a, b] : links) {
    std::vector<std::size_t> c{a};
    if (g.layer[b] > g.layer[a] + 1) {
      for (int l = g.layer[a] + 1; l < g.layer[b]; ++l) {
        g.slot_layer.push_back(l);
        c.push_back(g.slot_layer.size() - 1);
      }
    }
    c.push_back(b);
    for (std::size_t k = 0; k + 1 < c.size(); ++k) g.segments.emplace_back(c[k], c[k + 1]);
    g.chain.push_back(std::move(c));
  }
}

/// Orders each column by the mean position of the slots' predecessors (one
/// barycentre pass), which removes most crossings in graphs of this size.
void order_columns(GraphLayout& g) {
  const std::size_t slots = g.slot_layer.size();
  g.columns.assign(static_cast<std::size_t>(g.layers), {});
  g.pos.assign(slots, 0);
  for (int l = 0; l < g.layers; ++l) {
    auto& col = g.columns[static_cast<std::size_t>(l)];
    for (std::size_t i = 0; i < slots; ++i)
      if (g.slot_layer[i] == l) col.push_back(i);
    if (l > 0) {
      std::vector<double> key(slots, 1e9);
      for (std::size_t i : col) {
        double sum = 0;
        int cnt = 0;
        for (const auto& [a, b] : g.segments)
          if (b == i && g.slot_layer[a] < l) sum += g.pos[a], ++cnt;
        key[i] = cnt ? sum / cnt : 1e9;
      }
      std::stable_sort(col.begin(), col.end(), [&](std::size_t a, std::size_t b) { return key[a] < key[b]; });
    }
    for (std::size_t r = 0; r < col.size(); ++r) g.pos[col[r]] = static_cast<double>(r);
  }
}

GraphLayout layout_graph(const std::vector<std::string>& ids, const json& edges) {
  GraphLayout g;
  g.n = ids.size();
  const Links links = graph_links(edges, ids);
  g.layer = longest_path_layers(g.n, links);
  for (const int l : g.layer) g.layers = std::max(g.layers, l + 1);
  route_edges(g, links);
  order_columns(g);
  for (const auto& c : g.columns) g.max_rows = std::max(g.max_rows, c.size());
  return g;
}

/// Where the laid-out graph's boxes and arrows go on the page, the graph's top at `top`.
class GraphPlacement {
 public:
  static constexpr double kBoxH = 78, kPitch = 92;

  GraphPlacement(const GraphLayout& g, double width, double top)
      : g_(g), top_(top), colw_((width - 32) / static_cast<double>(g.layers)), bw_(std::min(150.0, colw_ - 34)) {}

  const GraphLayout& layout() const { return g_; }
  double box_w() const { return bw_; }
  double box_x(std::size_t i) const { return 16 + colw_ * g_.slot_layer[i] + (colw_ - bw_) / 2 - 10; }
  double box_y(std::size_t i) const {
    const auto& col = g_.columns[static_cast<std::size_t>(g_.slot_layer[i])];
    // Centre each column vertically so short columns sit beside the middle of tall ones.
    const double offset = (static_cast<double>(g_.max_rows) - static_cast<double>(col.size())) * kPitch / 2;
    return top_ + offset + g_.pos[i] * kPitch;
  }
  /// Where an arrow between `node` and `other` leaves or enters `node`. Where
  /// several do, they are spread down its side in the order of the boxes at
  /// their other ends, so they do not merge.
  double port(std::size_t node, std::size_t other, bool out) const {
    std::vector<std::size_t> peers;
    for (const auto& [a, b] : g_.segments) {
      if (out && a == node) peers.push_back(b);
      if (!out && b == node) peers.push_back(a);
    }
    std::stable_sort(peers.begin(), peers.end(), [&](std::size_t p, std::size_t q) { return box_y(p) < box_y(q); });
    const auto k = static_cast<double>(std::find(peers.begin(), peers.end(), other) - peers.begin());
    const double m = static_cast<double>(peers.size());
    return box_y(node) + (node < g_.n ? kBoxH * (k + 1) / (m + 1) : kBoxH / 2);
  }

 private:
  const GraphLayout& g_;
  double top_;
  double colw_;
  double bw_;
};

/// The path data of an edge through its chain of slots `c`: a curve from
/// each slot to the next, straight through a waypoint's column.
std::string edge_path(const GraphPlacement& p, const std::vector<std::size_t>& c) {
  const std::size_t n = p.layout().n;
  std::string d;
  for (std::size_t k = 0; k + 1 < c.size(); ++k) {
    const std::size_t a = c[k], b = c[k + 1];
    const double x1 = p.box_x(a) + p.box_w();
    const double y1 = p.port(a, b, true);
    const double x2 = b < n ? p.box_x(b) - 8 : p.box_x(b);
    const double y2 = p.port(b, a, false);
    const double mx = (x1 + x2) / 2;
    if (k == 0) d += "M" + num(a < n ? x1 : p.box_x(a)) + "," + num(y1);
    if (a >= n) d += " L" + num(x1) + "," + num(y1);  // straight through a waypoint's column
    d += " C" + num(mx) + "," + num(y1) + " " + num(mx) + "," + num(y2) + " " + num(x2) + "," + num(y2);
  }
  return d;
}

/// An edge with its arrow head; returns its CSV row.
std::string draw_edge(Document& doc, const GraphPlacement& p, const std::vector<std::size_t>& c,
                      const std::vector<std::string>& ids) {
  doc.raw("<path class=\"edge\" d=\"" + edge_path(p, c) +
          "\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1.4\"/>\n");
  const std::size_t last = c.back();
  arrow_head(doc, p.box_x(last) - 1, p.port(last, c[c.size() - 2], false), "#555555");
  return csv_row({ids[c.front()], ids[last]});
}

/// Workstream `i`'s box: transactional work solid blue, other kinds dashed
/// orange, with its name and kind; returns its CSV row.
std::string draw_workstream(Document& doc, const GraphPlacement& p, std::size_t i, const json& node,
                            const std::string& id) {
  const std::string kind = text(node, "kind", "workstream");
  const std::string wn = text(node, "name", id);
  const std::string csv = csv_row({"workstream", id, wn, kind, std::to_string(p.layout().layer[i])});
  const bool transactional = kind == "transactional";
  const double bx = p.box_x(i), by = p.box_y(i), bw = p.box_w(), box_h = GraphPlacement::kBoxH;
  doc.rect(bx, by, bw, box_h,
           std::string("class=\"node node-") + (transactional ? "transactional" : "engagement") +
               "\" rx=\"6\" fill=\"" + (transactional ? "#D6EAF8" : "#FDEBD0") + "\" stroke=\"" +
               (transactional ? "#0072B2" : "#B36B00") + "\" stroke-width=\"1.5\"" +
               (transactional ? "" : " stroke-dasharray=\"5 3\""));
  // The name is bold: about 8% wider than the regular text text_width measures.
  const auto lines = svg::wrap(wn, 11, (bw - 12) / 1.08, 4);
  const double ty = by + 33 - 6.6 * static_cast<double>(lines.size() - 1);  // centred above the kind
  doc.text_lines(bx + bw / 2, ty, lines, "middle", 11, "fill=\"#1A1A1A\" font-weight=\"600\"");
  doc.text(bx + bw / 2, by + box_h - 7, transactional ? "[transactional]" : "[" + kind + "]", "middle", 11,
           "fill=\"#333333\" font-style=\"italic\"");
  return csv;
}

/// The phases as a row of boxes `phase_h` high from `top`, left to right with
/// arrows between; returns their CSV rows.
std::string draw_phase_row(Document& doc, const json& phases, double width, double top, double phase_h) {
  doc.text(16, top - 8, "Phases", "start", 12, "font-weight=\"700\" fill=\"#1A1A1A\"");
  const double gap = 16;
  const double pw = (width - 32 - gap * static_cast<double>(phases.size() - 1)) / static_cast<double>(phases.size());
  std::string csv;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    const std::string pn = text(&phases[i]);
    csv += csv_row({"phase", std::to_string(i + 1), pn, "", ""});
    const double bx = 16 + static_cast<double>(i) * (pw + gap);
    doc.rect(bx, top, pw, phase_h, "class=\"phase\" rx=\"4\" fill=\"#F2F2F2\" stroke=\"#333333\"");
    const auto lines = svg::wrap(pn, 11, pw - 8, 4);
    const double ty = top + phase_h / 2 + 4 - static_cast<double>(lines.size() - 1) * 6.6;
    doc.text_lines(bx + pw / 2, ty, lines, "middle", 11, "fill=\"#1A1A1A\"");
    if (i + 1 < phases.size()) {
      const double ax = bx + pw + 1, ay = top + phase_h / 2;
      doc.line(ax, ay, ax + gap - 6, ay, "stroke=\"#333333\" stroke-width=\"1.5\"");
      arrow_head(doc, ax + gap - 1, ay, "#333333");
    }
  }
  return csv;
}

Chart workstream_chart(const json& data) {
  const std::string name = "workstream_graph", title = "Model logic: phases and workstreams";
  const json* graph = get(data, "workstream_graph");
  const json& nodes = graph ? array(*graph, "nodes") : array_or_empty(nullptr);
  if (nodes.empty()) return skipped(name, title, "the input has no workstream_graph data");
  const json& edges = array(*graph, "edges");
  const json& phases = array(data, "phases");
  std::vector<std::string> ids(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) ids[i] = text(nodes[i], "id");
  const GraphLayout g = layout_graph(ids, edges);

  const double phase_top = 74, phase_h = 60;
  const double dag_label_y = phase_top + phase_h + 34;
  const double dag_top = dag_label_y + 14;
  const double height = dag_top + static_cast<double>(g.max_rows) * GraphPlacement::kPitch + 40;
  const double width = std::max(kWidth, 16 + static_cast<double>(g.layers) * 150.0);
  Document doc(
      name, width, height, title,
      "Diagram: the phases each scheme passes through, left to right, and below them the workstream graph of the "
      "implementation phase: boxes are workstreams, arrows point from a workstream to those that wait for it.");
  chart_title(doc, title,
              "Top: phases each scheme passes through. Below: implementation workstreams (arrow: must finish first)");

  // Two tidy tables: the nodes (phases and workstreams), and the edges.
  std::string csv = "node_type,node_id,node_name,kind,layer\n";
  std::string edges_csv = "from_workstream_id,to_workstream_id\n";
  if (!phases.empty()) csv += draw_phase_row(doc, phases, width, phase_top, phase_h);
  doc.text(16, dag_label_y, "Implementation workstreams (columns: longest chain of predecessors)", "start", 12,
           "font-weight=\"700\" fill=\"#1A1A1A\"");
  const GraphPlacement place(g, width, dag_top);
  for (const auto& c : g.chain) edges_csv += draw_edge(doc, place, c, ids);
  for (std::size_t i = 0; i < nodes.size(); ++i) csv += draw_workstream(doc, place, i, nodes[i], ids[i]);
  legend(doc, 16, height - 26, width - 16,
         {swatch("Transactional (contracts, data, IT, processes)", "#D6EAF8", "stroke=\"#0072B2\""),
          swatch("Engagement (people, relationships)", "#FDEBD0", "stroke=\"#B36B00\" stroke-dasharray=\"4 2\"")});
  Chart chart = finish(
      doc, name, title,
      "The top row is the sequence of phases each scheme passes through; below it each box is an implementation "
      "workstream, placed in columns by its longest chain of predecessors, with arrows to the workstreams that wait "
      "for it; blue solid boxes are transactional work, orange dashed boxes engagement.",
      std::move(csv));
  chart.more_csv.emplace_back("edges", std::move(edges_csv));
  return chart;
}

// ---- 9. Comparison --------------------------------------------------------------------------------------------

constexpr const char* kWhatIfColours[6] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"};

std::string whatif_name(const json& whatifs, std::size_t k) {
  return text(whatifs[k], "name", "what-if " + std::to_string(k + 1));
}

/// The rows: every scheme seen in any what-if, in first-seen order, as (id,
/// name). Adds every shift and interval bound to `shifts`.
NamedList comparison_rows(const json& whatifs, ShiftRange& shifts) {
  NamedList rows;
  for (const json& w : whatifs)
    for (const json& r : array(w, "rows")) {
      add_first_seen(rows, r);
      for (const char* k : {"p50_shift", "median_change"}) shifts.add(number(r, k));
      for (const char* k : {"p50_shift_ci"})
        for (const json& c : array(r, k)) shifts.add(number(&c));
    }
  return rows;
}

std::vector<LegendItem> whatif_legend_items(const json& whatifs) {
  std::vector<LegendItem> items;
  for (std::size_t k = 0; k < whatifs.size(); ++k) {
    const std::string colour = kWhatIfColours[k % 6];
    items.push_back({svg::fit(whatif_name(whatifs, k), 11, 200), [colour](Document& d, double lx, double ly) {
                       d.line(lx, ly + 6, lx + 24, ly + 6, "stroke=\"" + colour + "\" stroke-width=\"1.5\"");
                       d.circle(lx + 12, ly + 6, 4, "fill=\"" + colour + "\"");
                     }});
  }
  items.push_back({"Median change, future by future", [](Document& d, double lx, double ly) {
                     d.polygon({lx + 12, ly + 1, lx + 17, ly + 6, lx + 12, ly + 11, lx + 7, ly + 6},
                               "fill=\"#FFFFFF\" stroke=\"#000000\" stroke-width=\"1.5\"");
                   }});
  return items;
}

/// The CSV rows of one what-if's figures for one scheme.
std::string comparison_csv_rows(const std::string& wname, const std::string& id, const std::string& sname,
                                const json& row) {
  std::string csv;
  const auto add = [&](const std::string& key, std::optional<double> v) {
    csv += csv_row({wname, id, sname, key, csv_num(v, 4)});
  };
  for (const char* key : {"p50_shift", "p80_shift"}) {
    add(key, number(row, key));
    const auto [c0, c1] = interval(array(row, std::string(key) + "_ci"));
    add(std::string(key) + "_ci_low", c0);
    add(std::string(key) + "_ci_high", c1);
  }
  for (const char* key : {"p10_change", "median_change"}) add(key, number(row, key));
  const auto [m0, m1] = interval(array(row, "median_change_ci"));
  add("median_change_ci_low", m0);
  add("median_change_ci_high", m1);
  add("p90_change", number(row, "p90_change"));
  add("mean_change_both_live", number(row, "mean_change_both_live"));
  const auto [a0, a1] = interval(array(row, "mean_change_both_live_ci"));
  add("mean_change_both_live_ci_low", a0);
  add("mean_change_both_live_ci_high", a1);
  for (const char* key : {"probability_earlier", "probability_later"}) add(key, number(row, key));
  return csv;
}

/// One what-if's marks for one scheme at height `cy`: the P50 shift (the
/// difference of the two forecasts' medians; a dot whose tooltip begins with
/// `who`) with its 95% simulation-error interval where there is one, and the
/// median change, future by future (an open diamond).
void comparison_marks(Document& doc, const Scale& x, double cy, const json& row, const std::string& colour,
                      const std::string& who) {
  const auto [c0, c1] = interval(array(row, "p50_shift_ci"));
  if (c0 && c1) {
    doc.line(x(*c0), cy, x(*c1), cy, "class=\"ci\" stroke=\"" + colour + "\" stroke-width=\"2\"");
    doc.line(x(*c0), cy - 4, x(*c0), cy + 4, "stroke=\"" + colour + "\" stroke-width=\"1.5\"");
    doc.line(x(*c1), cy - 4, x(*c1), cy + 4, "stroke=\"" + colour + "\" stroke-width=\"1.5\"");
  }
  if (const auto m = number(row, "median_change"))
    doc.polygon(diamond(x(*m), cy, 5),
                "class=\"median-change\" fill=\"#FFFFFF\" stroke=\"#000000\" stroke-width=\"1.5\"");
  if (const auto p = number(row, "p50_shift"))
    with_tooltip(doc, "circle",
                 "class=\"p50-dot\" cx=\"" + num(x(*p)) + "\" cy=\"" + num(cy) + "\" r=\"4.5\" fill=\"" + colour +
                     "\" stroke=\"#FFFFFF\" stroke-width=\"1\"",
                 h(who + ": P50 shift " + days_label(*p)));
}

Chart comparison_chart(const json& data) {
  const std::string name = "comparison", title = "Comparison with the base scenario";
  const json* cmp = get(data, "comparison");
  const json& whatifs = cmp ? array(*cmp, "whatifs") : array_or_empty(nullptr);
  if (whatifs.empty()) return skipped(name, title, "the input has no comparison data");
  const std::string base = text(*cmp, "base", "the base scenario");
  ShiftRange shifts;
  const auto rows = comparison_rows(whatifs, shifts);
  if (rows.empty()) return skipped(name, title, "the comparison has no rows");
  const double nw = static_cast<double>(whatifs.size());
  const double sub = 14, row_h = sub * nw + 12, top = 76;
  const double height = top + row_h * static_cast<double>(rows.size()) + 50;
  Document doc(name, kWidth, height, title,
               "Dot plot: for each what-if and each scheme, the shift of the median (P50) go-live date against " +
                   base +
                   " (the difference of the two forecasts' medians), with its 95% simulation-error interval for the "
                   "programme's dates, and the median change, future by future.");
  chart_title(doc, title, "Shift in go-live date against " + base + " (days; negative = earlier); paired replications");
  const Frame f{200, top, 700, top + row_h * static_cast<double>(rows.size())};
  const Scale x = shift_scale(shifts.lo, shifts.hi, f.left + 10, f.right - 10);
  x_axis(doc, f, x, svg::linear_ticks(x.d0, x.d1, 7), "Shift in go-live date (days)", true);
  legend(doc, 16, 52, 704, whatif_legend_items(whatifs));

  std::string csv = "whatif,series_id,series_name,statistic,value\n";
  for (std::size_t r = 0; r < rows.size(); ++r)
    banded_row(doc, f, r, f.top + row_h * static_cast<double>(r), row_h, rows[r].second);
  for (std::size_t k = 0; k < whatifs.size(); ++k) {
    const std::string wname = whatif_name(whatifs, k);
    for (const json& row : array(whatifs[k], "rows")) {
      const std::string id = text(row, "id");
      const auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& p) { return p.first == id; });
      const std::size_t r = static_cast<std::size_t>(it - rows.begin());
      const double cy = f.top + row_h * static_cast<double>(r) + 6 + sub * (static_cast<double>(k) + 0.5);
      csv += comparison_csv_rows(wname, id, it->second, row);
      comparison_marks(doc, x, cy, row, kWhatIfColours[k % 6], wname + ", " + it->second);
    }
  }
  return finish(
      doc, name, title,
      "Each dot is the P50 shift: the what-if's median go-live date minus " + base +
          "'s, a difference of two forecasts' medians, with its 95% interval for simulation (Monte Carlo) error from "
          "a paired bootstrap (drawn for the programme's first and all-live dates). The open diamond is the median "
          "change, future by future: the median over replications of the what-if's date minus the base's in the "
          "same future (same random numbers), which need not equal the shift of the medians. Left of the zero line "
          "means earlier.",
      std::move(csv));
}

/// The colour of scenario `k` of a comparison: the base black, the what-ifs
/// in the order of the dot plot's colours.
std::string scenario_colour(std::size_t k) { return k == 0 ? "#000000" : kWhatIfColours[(k - 1) % 6]; }

Chart comparison_s_curves_chart(const json& data) {
  const std::string name = "comparison_s_curves", title = "When the programme goes live, scenario by scenario";
  const json* cmp = get(data, "comparison");
  const json& curves = cmp ? array(*cmp, "s_curves") : array_or_empty(nullptr);
  if (curves.empty()) return skipped(name, title, "the comparison has no S-curves");
  DayRange range;
  for (const json& c : curves)
    for (const json& d : array(c, "dates")) range.add(date(&d));
  if (range.empty()) return skipped(name, title, "the comparison's S-curves have no ISO dates");
  const int dmin = range.lo, dmax = range.lo == range.hi ? range.lo + 30 : range.hi;
  const std::size_t rows = (curves.size() + 2 + 2) / 3;
  const double height = 356 + static_cast<double>(rows) * 18 + 8;
  Document doc(name, kWidth, height, title,
               "Line chart: for each scenario compared, the probability (0-100%) that all schemes are live (solid) and "
               "that the first scheme is live (dashed) by each date.");
  chart_title(doc, title,
              "Share of replications with all schemes live (solid) and the first live (dashed) by the date");
  const auto [x, y] = probability_axes(doc, dmin, dmax, "Probability (%)");
  std::string csv = "scenario,series_id,series_name,date,cumulative_probability\n";
  std::vector<LegendItem> items;
  for (std::size_t k = 0; k < curves.size(); ++k) {
    const json& c = curves[k];
    const std::string scenario = text(c, "scenario", "scenario " + std::to_string(k + 1));
    std::vector<std::optional<int>> days;
    for (const json& d : array(c, "dates")) days.push_back(date(&d));
    const std::string colour = scenario_colour(k);
    for (const json& s : array(c, "series")) {
      const std::string sid = text(s, "id"), sname = text(s, "name", sid);
      const bool all = sid == "all_live";
      const std::string d = cdf_path(x, y, days, array(s, "cdf"), {scenario, sid, sname}, csv);
      with_tooltip(doc, "path",
                   "class=\"series\" data-scenario=\"" + h(scenario) + "\" data-series=\"" + h(sid) + "\" d=\"" +
                       (d.empty() ? "M0,0" : d) + "\" " + line_style(colour, all ? 2.5 : 1.5, all ? "" : "6 4"),
                   h(scenario + ": " + sname));
    }
    items.push_back(stroke_item(svg::fit(scenario + (k == 0 ? " (base)" : ""), 11, 176), colour, 2.5, ""));
  }
  items.push_back(stroke_item("All schemes live", "#555555", 2.5, ""));
  items.push_back(stroke_item("First scheme live", "#555555", 1.5, "6 4"));
  legend_grid(doc, items, 64, 356, 214, 3);
  return finish(doc, name, title,
                "Each colour is a scenario (black: the base); the solid line is the probability that all schemes are "
                "live by the date, the dashed line that the first is. Read across from 50% for each scenario's median "
                "date: the horizontal gap between two solid lines at 50% is the shift of the median (P50 shift).",
                std::move(csv));
}

// ---- HTML ------------------------------------------------------------------------------------------------

std::string date_cell(const json& q) {
  // A quantile: {"date": ..., "ci": [lo, hi]}; null = beyond the horizon.
  if (!q.is_object()) return kDash;
  std::string s;
  if (has_key(q, "date")) {
    const auto d = date(q, "date");
    s = d ? svg::format_date(*d) : "after horizon";
  } else {
    s = kDash;
  }
  s = h(s);
  const json& ci = array(q, "ci");
  if (ci.size() == 2) {
    auto bound = [](const json& b) { return b.is_null() ? std::string("after horizon") : text(&b, kDash); };
    if (!(ci[0].is_null() && ci[1].is_null()))
      s += "<span class=\"ci\">simulation error (95%): " + h(bound(ci[0])) + " to " + h(bound(ci[1])) + "</span>";
  }
  return s;
}

std::string figure(const Chart& c, int number) {
  if (!c.skipped.empty())
    return "<p class=\"skipped\">Chart \xE2\x80\x9C" + h(c.title) + "\xE2\x80\x9D (" + h(c.name) +
           ") is not shown: " + h(c.skipped) + ".</p>\n";
  std::string files = chart_file(c.name, ".svg") + ", " + chart_file(c.name, ".csv");
  for (const auto& [suffix, csv] : c.more_csv) files += ", " + chart_file(c.name + "_" + suffix, ".csv");
  return "<figure id=\"fig-" + c.name + "\">\n" + c.element + "<figcaption><strong>Figure " + std::to_string(number) +
         ". " + h(c.title) + ".</strong> " + h(c.caption) + " <span class=\"files\">(Files: " + h(files) +
         ".)</span></figcaption>\n</figure>\n";
}

std::string list(const json& items) {
  if (!items.is_array() || items.empty()) return "<p>" + std::string(kDash) + " none given.</p>\n";
  std::string s = "<ul>\n";
  for (const json& it : items) s += "<li>" + h(text(&it, kDash)) + "</li>\n";
  return s + "</ul>\n";
}

std::string fact(std::string_view term, std::string_view value) {
  return "<dt>" + h(term) + "</dt><dd>" + h(value.empty() ? std::string_view(kDash) : value) + "</dd>\n";
}

/// A column heading (markup); a numeric column's is right-aligned like its figures.
std::string column_head(std::string_view markup, bool numeric = false) {
  return std::string("<th scope=\"col\"") + (numeric ? " class=\"num\"" : "") + ">" + std::string(markup) + "</th>";
}

/// A table up to the start of its body: its class, caption and column headings (markup).
std::string table_start(std::string_view cls, std::string_view caption, std::string_view heads) {
  return "<table class=\"" + std::string(cls) + "\">\n<caption>" + std::string(caption) + "</caption>\n<thead><tr>" +
         std::string(heads) + "</tr></thead>\n<tbody>\n";
}

constexpr const char* kTableEnd = "</tbody>\n</table>\n";

/// The start of a table row, headed by `markup`.
std::string row_start(std::string_view markup) { return "<tr><th scope=\"row\">" + std::string(markup) + "</th>"; }

/// A right-aligned cell of figures (markup).
std::string num_cell(std::string_view markup) { return "<td class=\"num\">" + std::string(markup) + "</td>"; }

/// What stands in place of a table the input cannot fill.
std::string table_not_shown(std::string_view table, std::string_view why) {
  return "<p class=\"skipped\">The " + std::string(table) + " is not shown: " + std::string(why) + ".</p>\n";
}

std::string quantile_table(const json& data) {
  const json& rows = array(data, "quantiles");
  if (rows.empty()) return table_not_shown("quantile table", "the input has no quantiles");
  std::string s = table_start("quantiles",
                              "Go-live dates: percentiles across replications. The spread from P10 to P90 is the "
                              "forecast's uncertainty from the programme's chance events, with the scenario's "
                              "numbers held as given (uncertainty about those numbers is not in it); the small "
                              "interval under each date is simulation (Monte Carlo) error, how far that percentile "
                              "could move with more replications "
                              "(\xE2\x80\x9C"
                              "after horizon\xE2\x80\x9D: not reached within the simulated period)",
                              column_head("Scheme or milestone") + column_head("P10") + column_head("P50 (median)") +
                                  column_head("P80") + column_head("P90") + column_head("Live within horizon", true));
  for (const json& r : rows) {
    const bool programme = text(r, "group") == "programme";
    s +=
        row_start(programme ? "<em>" + h(text(r, "name", text(r, "id"))) + "</em>" : h(text(r, "name", text(r, "id"))));
    for (const char* k : {"p10", "p50", "p80", "p90"})
      s += "<td>" + date_cell(get(r, k) ? *get(r, k) : json()) + "</td>";
    s += num_cell(h(pct(number(r, "probability_within_horizon")))) + "</tr>\n";
  }
  return s + kTableEnd;
}

/// The target's probability for the series `id` (the last one given for it).
std::optional<double> target_probability(const json& target, const std::string& id) {
  std::optional<double> p;
  for (const json& e : array(target, "probabilities"))
    if (text(e, "id") == id) p = number(e, "p");
  return p;
}

std::string targets_table(const json& data) {
  const json& targets = array(data, "targets");
  if (targets.empty()) return table_not_shown("targets table", "the input has no target dates");
  NamedList series;
  for (const json& t : targets)
    for (const json& p : array(t, "probabilities")) add_first_seen(series, p);
  std::string heads = column_head("Scheme or milestone");
  for (const json& t : targets) {
    const auto d = date(t, "date");
    heads += column_head(h(text(t, "label", kDash)) + "<span class=\"ci\">" +
                             h(d ? svg::format_date(*d) : std::string(kDash)) + "</span>",
                         true);
  }
  std::string s = table_start("targets", "Probability of being live by each target date", heads);
  for (const auto& [id, sname] : series) {
    s += row_start(h(sname));
    for (const json& t : targets) s += num_cell(h(pct(target_probability(t, id))));
    s += "</tr>\n";
  }
  return s + kTableEnd;
}

std::string shift_text(std::optional<double> v) { return v ? days_label(*v) : std::string(kDash); }

/// An interval under a figure, "a to b"; nothing unless it is given as a pair.
std::string interval_span(const json& arr) {
  if (!arr.is_array() || arr.size() != 2) return std::string();
  return "<span class=\"ci\">" + h(shift_text(number(&arr[0])) + " to " + shift_text(number(&arr[1]))) + "</span>";
}

/// One what-if's shifts against the base scenario `base`, a row per scheme or milestone.
std::string comparison_table(const json& w, const std::string& base) {
  std::string s = table_start(
      "comparison",
      h(text(w, "name", "what-if")) + " against " + h(base) + ": shift in go-live date (days; negative = earlier)",
      column_head("Scheme or milestone") +
          column_head("P50 shift: difference of medians (95% simulation error)", true) +
          column_head("P80 shift (95% simulation error)", true) +
          column_head("Median change, future by future (95% simulation error)", true) +
          column_head("P10 change", true) + column_head("P90 change", true) +
          column_head("Mean change where both went live (95% simulation error)", true) +
          column_head("P(earlier)", true) + column_head("P(later)", true));
  for (const json& r : array(w, "rows")) {
    s += row_start(h(text(r, "name", text(r, "id"))));
    s += num_cell(h(shift_text(number(r, "p50_shift"))) + interval_span(array(r, "p50_shift_ci")));
    s += num_cell(h(shift_text(number(r, "p80_shift"))) + interval_span(array(r, "p80_shift_ci")));
    s += num_cell(h(shift_text(number(r, "median_change"))) + interval_span(array(r, "median_change_ci")));
    s += num_cell(h(shift_text(number(r, "p10_change"))));
    s += num_cell(h(shift_text(number(r, "p90_change"))));
    s += num_cell(h(shift_text(number(r, "mean_change_both_live"))) +
                  interval_span(array(r, "mean_change_both_live_ci")));
    s += num_cell(h(pct(number(r, "probability_earlier"))));
    s += num_cell(h(pct(number(r, "probability_later")))) + "</tr>\n";
  }
  return s + kTableEnd;
}

/// Each scenario's dates side by side, for the programme: the P10, P50,
/// P80 and P90 of first and all schemes live, and the share by its horizon.
std::string dates_table(const json& cmp) {
  const json& dates = member_or_empty(cmp, "dates");
  const json& scenarios = array(cmp, "scenarios");
  if (!dates.is_object() || scenarios.empty()) return "";
  std::string s =
      table_start("dates", "The programme's dates in each scenario (percentiles of the replications)",
                  column_head("Scenario") + column_head("P10", true) + column_head("P50", true) +
                      column_head("P80", true) + column_head("P90", true) + column_head("Live by the horizon", true));
  for (const auto& [sid, label] : {std::pair{"all_live", "All schemes live"}, {"first_live", "First scheme live"}}) {
    s += "<tr><th scope=\"rowgroup\" colspan=\"6\">" + h(label) + "</th></tr>\n";
    for (const json& sc : scenarios) {
      const std::string name = text(sc, "name");
      const json* row = get(member_or_empty(dates, name), sid);
      if (row == nullptr) continue;
      s += row_start(h(name) + (text(sc, "role") == "base" ? " (base)" : ""));
      const json& q = member_or_empty(*row, "quantiles");
      for (const char* k : {"p10", "p50", "p80", "p90"}) {
        const auto d = date(q, k);
        s += num_cell(h(d ? svg::format_date(*d) : "after " + text(sc, "horizon", "the horizon")));
      }
      s += num_cell(h(pct(number(*row, "probability_within_horizon")))) + "</tr>\n";
    }
  }
  return s + kTableEnd;
}

std::string comparison_tables(const json& data) {
  const json* cmp = get(data, "comparison");
  if (cmp == nullptr) return "";
  std::string s;
  for (const json& w : array(*cmp, "whatifs")) s += comparison_table(w, text(*cmp, "base", "the base"));
  return s;
}

/// A column of a listing: its heading and the key of its values.
struct Field {
  const char* heading;
  const char* key;
};

/// A table of what the scenario lists (barriers, levers): a row for each,
/// headed by its name, with a cell for each field (a dash where it has none).
std::string listing_table(const json& rows, std::string_view cls, std::string_view caption,
                          std::string_view name_heading, std::initializer_list<Field> fields) {
  std::string heads = column_head(name_heading);
  for (const Field& f : fields) heads += column_head(f.heading);
  std::string s = table_start(cls, caption, heads);
  for (const json& r : rows) {
    s += row_start(h(text(r, "name", text(r, "id", kDash))));
    for (const Field& f : fields) s += "<td>" + h(text(r, f.key, kDash)) + "</td>";
    s += "</tr>\n";
  }
  return s + kTableEnd;
}

std::string barriers_table(const json& data) {
  const json& rows = array(data, "barriers");
  if (rows.empty()) return "<p>The input lists no barriers.</p>\n";
  return listing_table(
      rows, "barriers", "Barriers: events that hold schemes up", "Barrier",
      {{"Scope", "scope"}, {"Trigger", "trigger"}, {"Effect", "effect"}, {"Description", "description"}});
}

/// The levers in two tables: the decisions the programme's leaders make
/// (with what each costs) and the uncertainties they do not control: what
/// was chosen apart from what happened.
std::string levers_table(const json& data) {
  const json& rows = array(data, "levers");
  if (rows.empty()) return "<p>The input lists no levers.</p>\n";
  json decisions = json::array(), uncertainties = json::array();
  for (json r : rows) {
    // A value that changes over time: "0.5; 0.4 from 2014-10-01; ...".
    for (const json& c : array(r, "changes"))
      r["value"] = fmt::format("{}; {} from {}", text(r, "value"), text(c, "value"), text(c, "from"));
    (text(r, "role") == "uncertainty" ? uncertainties : decisions).push_back(std::move(r));
  }
  std::string s;
  if (!decisions.empty()) {
    s += listing_table(decisions, "levers decisions",
                       "Decisions: what the programme's leaders choose (the tornado uses the low and high settings)",
                       "Decision",
                       {{"Value in this run", "value"},
                        {"Low", "low"},
                        {"High", "high"},
                        {"Cost", "cost"},
                        {"Description", "description"}});
  }
  if (!uncertainties.empty()) {
    s += listing_table(
        uncertainties, "levers uncertainties",
        "Uncertainties: what happens to them, which they do not control (national action's date may "
        "also slip in each future)",
        "Uncertainty",
        {{"Value in this run", "value"}, {"Low", "low"}, {"High", "high"}, {"Description", "description"}});
  }
  return s;
}

/// "nine" (or "the"), for prose about the schemes in this scenario.
std::string scheme_count_words(const json& data) {
  std::size_t count = array(data, "gantt").size();
  if (count == 0 && get(data, "criticality")) count = array(*get(data, "criticality"), "schemes").size();
  if (count == 0)
    for (const json& q : array(data, "quantiles")) count += text(q, "group") == "scheme" ? 1 : 0;
  static constexpr const char* kWords[13] = {"the",   "one",   "two",  "three", "four",   "five",  "six",
                                             "seven", "eight", "nine", "ten",   "eleven", "twelve"};
  return count < 13 ? kWords[count] : std::to_string(count);
}

/// Places the charts as figures, numbered in the order they are placed; a
/// skipped chart says why it is missing and takes no number.
class Figures {
 public:
  explicit Figures(const std::vector<Chart>& charts) : charts_(charts) {}

  /// The figure of the chart called `name`, or nothing if there is none.
  std::string place(std::string_view name) {
    for (const Chart& c : charts_)
      if (c.name == name) return figure(c, c.skipped.empty() ? ++number_ : number_);
    return std::string();
  }

 private:
  const std::vector<Chart>& charts_;
  int number_ = 0;
};

/// Everything before the summary: the head with the style sheet, the title
/// and a line on what was run.
std::string page_header(const json& data) {
  const std::string title = text(data, "title", "wsic report");
  const json& scenario = member_or_empty(data, "scenario");
  const json& experiment = member_or_empty(data, "experiment");
  const json& cal = member_or_empty(data, "calendar");
  std::string s =
      "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>" +
      h(title) + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n<main>\n<header>\n<h1>" + h(title) +
      "</h1>\n";
  const json* cmp = get(data, "comparison");
  if (cmp != nullptr && array(*cmp, "scenarios").size() > 1) {
    const json& scs = array(*cmp, "scenarios");
    s += "<p class=\"meta\">Base scenario <strong>" + h(text(scs[0], "name", kDash)) + "</strong> against ";
    for (std::size_t k = 1; k < scs.size(); ++k)
      s += std::string(k == 1 ? "" : (k + 1 == scs.size() ? " and " : ", ")) + "<strong>" +
           h(text(scs[k], "name", kDash)) + "</strong>";
  } else {
    s += "<p class=\"meta\">Scenario <strong>" + h(text(scenario, "name", kDash)) + "</strong>";
    if (const std::string d = text(scenario, "description"); !d.empty()) s += ": " + h(d);
  }
  s += "<br/>Simulated period " + h(text(cal, "start", kDash)) + " to " + h(text(cal, "horizon", kDash)) + "; " +
       h(text(experiment, "replications", kDash)) + " replications, seed " + h(text(experiment, "seed", kDash)) +
       ".</p>\n</header>\n";
  return s;
}

std::string summary_section(const json& data) {
  std::string s =
      "<section class=\"summary\" aria-labelledby=\"summary-heading\">\n<h2 id=\"summary-heading\">Summary in plain "
      "language</h2>\n";
  if (const json* cmp = get(data, "comparison"); cmp != nullptr && !array(*cmp, "answers").empty()) {
    // A comparison answers its question first; the base's own sentences follow, labelled.
    s += list(array(*cmp, "answers")) + "<p>The base scenario, " + h(text(*cmp, "base", "the base")) + ", alone:</p>\n";
  }
  return s + list(array(data, "plain_summary")) + "</section>\n";
}

std::string comparison_section(const json& data, Figures& figures) {
  std::string s =
      "<section id=\"comparison\">\n<h2>Comparison of scenarios</h2>\n<p>Each what-if is run with the same replication "
      "indices and random-number streams as " +
      h(get(data, "comparison") ? text(*get(data, "comparison"), "base", "the base scenario")
                                : std::string("the base scenario")) +
      ", so the differences below are paired: they show the effect of the change, not the noise between runs.</p>\n";
  if (const json* cmp = get(data, "comparison")) s += dates_table(*cmp);
  s += figures.place("comparison_s_curves");  // numbered in the order placed: one statement each
  s += figures.place("comparison");
  return s + comparison_tables(data) + "</section>\n";
}

std::string results_section(const json& data, Figures& figures) {
  std::string s = "<section id=\"results\">\n";
  if (const json* cmp = get(data, "comparison")) {
    // Everything below describes one scenario: say which.
    s += "<h2>Key results: the base scenario, " + h(text(*cmp, "base", "the base")) +
         "</h2>\n<p>The tables and charts in this section describe the base scenario alone; the comparison above "
         "holds every scenario's dates and the what-ifs' effects.</p>\n";
  } else {
    s += "<h2>Key results</h2>\n";
  }
  s += "<h3>When the schemes go live</h3>\n" + quantile_table(data);
  s += "<h3>Chances of meeting the target dates</h3>\n" + targets_table(data);
  s += "<h3>Charts</h3>\n";
  for (const char* n :
       {"s_curves", "fan", "people", "gantt", "barrier_tornado", "lever_tornado", "criticality", "spend"})
    s += figures.place(n);
  return s + "</section>\n";
}

// The STRESS-DES sections (Monks et al. 2019): its 24 items, each a
// numbered subsection with the id stress-<item> ("stress-2-5-1").

/// One STRESS-DES item: its number (e.g. "2.5.1"), title and body markup.
std::string item(std::string_view number, std::string_view title, const std::string& body) {
  std::string id(number);
  std::replace(id.begin(), id.end(), '.', '-');
  return "<section class=\"stress-item\" id=\"stress-" + id + "\">\n<h3>" + std::string(number) + " " + h(title) +
         "</h3>\n" + body + "</section>\n";
}

std::string paragraph(std::string_view text_) { return "<p>" + h(text_) + "</p>\n"; }

/// The parameters whose paths contain `part`, as a list of "path = value".
std::string parameters_matching(const json& data, std::string_view part) {
  std::string s;
  for (const json& p : array(data, "parameters")) {
    const std::string path = text(p, "path");
    if (path.find(part) != std::string::npos)
      s += "<li><code>" + h(path) + "</code> = " + h(text(p, "value")) + "</li>\n";
  }
  return s.empty() ? "" : "<ul>\n" + s + "</ul>\n";
}

/// The schemes (id, name), from the quantile table.
std::vector<std::pair<std::string, std::string>> schemes_of(const json& data) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const json& q : array(data, "quantiles"))
    if (text(q, "group") == "scheme") out.emplace_back(text(q, "id"), text(q, "name", text(q, "id")));
  return out;
}

std::string objectives_section(const json& data) {
  std::string s = "<section id=\"objectives\">\n<h2>1 Objectives</h2>\n";
  s += item("1.1", "Purpose of the model",
            paragraph("The model is a discrete-event simulation of the Whole Systems Integrated Care (WSIC) programme "
                      "in North West London: " +
                      scheme_count_words(data) +
                      " early-adopter schemes, designated after a pan-NW London co-design phase, each designing a "
                      "local model of care, implementing it through workstreams such as information governance, "
                      "contracts and engagement, going live as a pilot and then ramping up to full coverage, while "
                      "national and local barriers hold them up. Its purpose is to turn what the evaluation observed "
                      "into a forecast with honest uncertainty, and to test what could have been done differently."));
  s += item("1.2", "Model outputs",
            paragraph("Go-live and full-coverage dates per scheme and for the programme (first, majority and all "
                      "schemes live) as percentiles over replications, the number of schemes live over time and at "
                      "each milestone, the chance of meeting each target date, the criticality of each workstream, "
                      "barrier strikes, and spend by financial year. Every chart's numbers are in a CSV file of the "
                      "same name; every column is described in the data dictionary (results/README.md)."));
  std::string aims =
      "<ul>\n<li>When does each scheme, and the programme as a whole, go live?</li>\n<li>How likely is the programme "
      "to meet its target dates?</li>\n<li>What do the levers (central and local support, national action, "
      "leadership continuity, engagement) buy? Each lever is set to its low and its high value in turn.</li>\n"
      "<li>Which barriers drive the delay? Each barrier is switched off in turn, then all of them at once.</li>\n";
  if (get(data, "comparison"))
    aims +=
        "<li>What would each what-if scenario change? Each is compared with the base, replication by "
        "replication.</li>\n";
  s += item("1.3", "Experimentation aims", aims + "</ul>\n");
  return s + "</section>\n";
}

std::string logic_section(const json& data, Figures& figures) {
  std::string s = "<section id=\"logic\">\n<h2>2 Model logic</h2>\n";
  s += item("2.1", "Base model overview diagram",
            paragraph("The phases every scheme passes through, and the graph of implementation workstreams:") +
                figures.place("workstream_graph"));
  std::string phases;
  for (const json& p : array(data, "phases")) phases += "<li>" + h(text(&p, kDash)) + "</li>\n";
  s += item(
      "2.2", "Base model logic",
      "<p>Each scheme passes through the phases in order:</p>\n<ol>\n" + phases + "</ol>\n" +
          paragraph(
              "In implementation a workstream starts when the workstreams it depends on have finished, and the "
              "scheme goes live when every workstream needed for go-live is done. Barriers strike on a trigger and "
              "act as windows on a workstream's progress: while a block or a delay covers it, it makes no "
              "progress; a slowdown multiplies its rate by a factor, and overlapping slowdowns multiply; rework adds "
              "a share of its work. Work resumes where it stopped. A block ends at the earlier of national action "
              "(a date lever) and a local workaround drawn when the block begins; a national barrier strikes every "
              "scheme or none. The local design phase waits for the central team; while it waits, design goes on "
              "alone at a penalty.") +
          barriers_table(data));
  std::string formulas;
  for (const json& l : array(data, "lever_formulas")) {
    formulas += "<li>" + h(text(l, "name", text(l, "id"))) + ": ";
    const json& uses = array(l, "uses");
    if (uses.empty()) formulas += "read by no number of this scenario";
    for (std::size_t i = 0; i < uses.size(); ++i) formulas += (i ? "; " : "") + h(text(&uses[i]));
    formulas += "</li>\n";
  }
  s += item("2.3", "Scenario logic",
            paragraph("A what-if changes levers (or, with --set, any number of the scenario). The levers, their "
                      "settings and the numbers each one scales (lever: its value):") +
                levers_table(data) + (formulas.empty() ? "" : "<ul>\n" + formulas + "</ul>\n"));
  s += item("2.4", "Algorithms",
            paragraph("Durations are drawn from the distributions the scenario names (PERT, triangular, uniform, "
                      "lognormal and others), each by the project's own sampler; PERT exactly, by rejection from a "
                      "table of its density. Each replication plans a workstream's progress through a rate profile "
                      "of the barrier windows that cover it. Schemes queue for the central team by readiness. "
                      "Replications are merged in fixed blocks along a fixed binary tree. Percentile intervals come "
                      "from order statistics; intervals on shifts from a paired Poisson bootstrap."));
  std::string entities;
  for (const auto& [id, name] : schemes_of(data)) {
    std::string readiness = kDash;
    for (const json& p : array(data, "parameters"))
      if (text(p, "path") == "schemes." + id + ".readiness") readiness = text(p, "value");
    entities += "<li>" + h(name) + ": readiness " + h(readiness) + "</li>\n";
  }
  s += item("2.5.1", "Entities",
            paragraph("The entities are the early-adopter schemes; readiness divides every work duration of a "
                      "scheme (2 = twice as fast as the template):") +
                (entities.empty() ? "" : "<ul>\n" + entities + "</ul>\n"));
  std::string activities;
  for (const json& n : array(member_or_empty(data, "workstream_graph"), "nodes"))
    activities += "<li>" + h(text(n, "name", text(n, "id"))) + " (" + h(text(n, "kind")) + ")</li>\n";
  s += item("2.5.2", "Activities",
            paragraph("Co-design (once, for all schemes), local design and planning (per scheme), the "
                      "implementation workstreams below (per scheme), and the ramp from go-live to full coverage. "
                      "Their durations are in 3.3 (co-design, design_work, workstreams.*.work, ramp).") +
                (activities.empty() ? "" : "<ul>\n" + activities + "</ul>\n"));
  s += item("2.5.3", "Resources",
            paragraph("The central programme team with its consultancy support: a shared resource that supports a "
                      "limited number of schemes at once, its capacity scaled by the central share of the money. "
                      "Local support money sets each scheme's own pace.") +
                parameters_matching(data, "central_capacity"));
  s += item("2.5.4", "Queues",
            paragraph("Schemes waiting for the central team queue by readiness (the readiest first; equal readiness "
                      "by id). Requests made at the same instant are all heard before any is granted, so the order "
                      "of the schemes in the file changes nothing. A workstream waiting for its prerequisites is not "
                      "queued for a resource; it starts when they finish."));
  s += item("2.5.5", "Entry and exit points",
            paragraph("Every scheme enters at designation, after co-design; none leaves early. A scheme's "
                      "simulation ends when it reaches full coverage, or at the horizon, whichever is first; a date "
                      "not reached by the horizon is reported as such (\xE2\x80\x9C"
                      "after horizon\xE2\x80\x9D)."));
  return s + "</section>\n";
}

/// 3.2: the calibration targets beside this run's figures.
std::string calibration_item(const json& data) {
  const json& cal = member_or_empty(data, "calibration");
  std::string s = paragraph(
      "The evaluation reports no workstream durations, barrier probabilities or rates; those numbers are the "
      "model's own assumptions, set by hand until the model reproduced what was observed. This is calibration, and "
      "the fit below is in-sample: the observations that set the numbers are the ones it is compared with, so it "
      "shows the model can reproduce them, not that it predicts. The Calibration tests check each target at every "
      "build.");
  std::string rows;
  const json& cd = member_or_empty(cal, "codesign_end");
  if (cd.is_object()) {
    rows += "<tr><th scope=\"row\">Co-design ends late February to May 2014</th><td>" +
            h("P10 " + text(cd, "p10", kDash) + ", P50 " + text(cd, "p50", kDash) + ", P90 " + text(cd, "p90", kDash)) +
            "</td></tr>\n";
  }
  for (const json& t : array(cal, "targets")) {
    std::string likeliest;
    for (const json& l : array(t, "likeliest_schemes"))
      likeliest += (likeliest.empty() ? "" : ", ") + text(l, "name") + " " + pct(number(l, "probability"));
    rows += "<tr><th scope=\"row\">" +
            h(text(t, "observed_live") + " schemes live at " + text(t, "date") + " (" + text(t, "label") + ")") +
            "</th><td>" +
            h("most likely " + text(t, "most_likely_live") + " live; exactly " + text(t, "observed_live") + " in " +
              pct(number(t, "probability_observed")) + " of replications; likeliest live: " + likeliest) +
            "</td></tr>\n";
  }
  if (has_key(cal, "first_live_median")) {
    rows += "<tr><th scope=\"row\">" + h("Pilots far behind the plan's start of " + text(cal, "planned_pilot_start")) +
            "</th><td>" + h("first scheme live at a median of " + text(cal, "first_live_median", "after the horizon")) +
            "</td></tr>\n";
  }
  if (rows.empty()) return s + paragraph("This scenario names no observations to compare with.");
  return s +
         "<table class=\"calibration\"><caption>Calibration targets (observed) and this run (in-sample)</caption>\n"
         "<thead><tr><th scope=\"col\">Target</th><th scope=\"col\">This run</th></tr></thead>\n<tbody>\n" +
         rows + "</tbody></table>\n";
}

std::string data_section(const json& data) {
  const json& scenario = member_or_empty(data, "scenario");
  std::string s = "<section id=\"data\">\n<h2>3 Data</h2>\n";
  s += item("3.1", "Data sources", list(array(data, "data_sources")));
  s += item("3.2", "Pre-processing", calibration_item(data));
  std::string params;
  for (const json& p : array(data, "parameters"))
    params += "<tr><td><code>" + h(text(p, "path")) + "</code></td><td>" + h(text(p, "value")) + "</td></tr>\n";
  std::string inputs = paragraph(
      "Every number of the scenario, by the path --set takes. Where each comes from (the evaluation, or "
      "\xE2\x80\x9C"
      "assumption\xE2\x80\x9D) is written beside it in the scenario file.");
  if (const json* cmp = get(data, "comparison"); cmp != nullptr && !array(*cmp, "scenarios").empty()) {
    inputs += "<p>The inputs are in the scenario files compared (the table is the base's):</p>\n<ul>\n";
    for (const json& sc : array(*cmp, "scenarios")) {
      inputs += "<li>" + h(text(sc, "name")) + " (" + h(text(sc, "role")) + "): <code>" + h(text(sc, "file", kDash)) +
                "</code>, content hash <code>" + h(text(sc, "content_hash", kDash)) + "</code></li>\n";
    }
    inputs += "</ul>\n";
  } else {
    inputs += "<p>All inputs are in the scenario file <code>" + h(text(scenario, "file", kDash)) +
              "</code> (content hash <code>" + h(text(scenario, "content_hash", kDash)) + "</code>).</p>\n";
  }
  if (!params.empty()) {
    inputs +=
        "<table class=\"parameters\"><caption>Input parameters</caption>\n<thead><tr><th scope=\"col\">Path</th>"
        "<th scope=\"col\">Value</th></tr></thead>\n<tbody>\n" +
        params + "</tbody></table>\n";
  }
  s += item("3.3", "Input parameters", inputs);
  std::string decisive =
      "<p>The assumptions that decide the forecast most, with their values in this scenario:</p>\n<ul>\n"
      "<li>Local workarounds end national blocks (their durations):" +
      parameters_matching(data, "workaround") +
      "</li>\n<li>National action comes on fixed dates (levers), not uncertain ones:" +
      parameters_matching(data, "_action.value") +
      "</li>\n<li>Readiness sets each scheme's pace (see 2.5.1).</li>\n<li>The ramp from go-live to full coverage is "
      "drawn independently of everything else:" +
      parameters_matching(data, "ramp") + "</li>\n</ul>\n";
  s += item("3.4", "Assumptions", list(array(data, "assumptions")) + decisive);
  return s + "</section>\n";
}

std::string experimentation_section(const json& data) {
  const json& experiment = member_or_empty(data, "experiment");
  const json& cal = member_or_empty(data, "calendar");
  const json& est = member_or_empty(data, "estimation");
  const bool compare = get(data, "comparison") != nullptr;
  std::string s = "<section id=\"experimentation\">\n<h2>4 Experimentation</h2>\n";
  s += item("4.1", "Initialisation",
            paragraph("A terminating simulation: every replication starts empty at the calendar start, before "
                      "co-design, with no scheme designated, so there is no warm-up period and no initial bias to "
                      "remove."));
  s += item("4.2", "Run length",
            paragraph("From " + text(cal, "start", kDash) + " to the horizon, " + text(cal, "horizon", kDash) +
                      "; nothing is simulated after it, and a date not reached by then is reported as such."));
  std::string e = "<dl class=\"facts\">\n" + fact("Replications", text(experiment, "replications")) +
                  fact("Seed", text(experiment, "seed")) + fact("Block size", text(experiment, "block_size"));
  if (!compare) e += fact("Replications per analysis run", text(experiment, "analysis_replications"));
  e += "</dl>\n";
  const json& err = array(est, "all_live_p50_error_days");
  if (err.size() == 2 && has_key(est, "all_live_p10_p90_days")) {
    e += paragraph("With " + text(experiment, "replications") +
                   " replications the median date of all schemes live is known to within " + text(&err[0]) + " to +" +
                   text(&err[1]) + " days (95%, simulation error), against a forecast spread of " +
                   text(est, "all_live_p10_p90_days") +
                   " days from P10 to P90: more replications would narrow the first, never the second.");
  }
  e += paragraph(
      "Percentile dates carry 95% intervals from order statistics (exact for any distribution); shifts between "
      "scenarios or variants carry 95% intervals from a paired Poisson bootstrap of 200 resamples; means carry "
      "intervals from their standard error. All are simulation error, not forecast uncertainty. The forecast's "
      "spread comes from the chance events the model draws (durations, barriers, workarounds) with every number of "
      "the scenario held as given: it does not include uncertainty about those numbers, which calibration has not "
      "yet estimated.");
  e += compare ? paragraph(
                     "Every scenario compared runs the same replication indices with the same seed (common "
                     "random numbers), so each what-if's differences from the base are paired, future by future.")
               : paragraph(
                     "Attribution (each barrier switched off, then all of them at once) and sensitivity (each "
                     "lever at its low and high setting) re-run the model with the same replication indices, so "
                     "every difference is paired.");
  s += item("4.3", "Estimation approach", e);
  return s + "</section>\n";
}

std::string implementation_section(const json& data) {
  const json& impl = member_or_empty(data, "implementation");
  const json& experiment = member_or_empty(data, "experiment");
  const json& sys = member_or_empty(impl, "system");
  std::string s = "<section id=\"implementation\">\n<h2>5 Implementation</h2>\n";
  std::string libs;
  for (const auto& [name, version] : member_or_empty(sys, "libraries").items())
    libs += (libs.empty() ? "" : ", ") + name + " " + text(&version);
  s += item("5.1", "Software or programming language",
            "<dl class=\"facts\">\n" +
                fact("Software", "wsic " + text(impl, "version", "(version not given)") +
                                     ", a C++20 discrete-event simulator written for this model") +
                fact("Build", text(impl, "build")) + fact("Libraries", libs) + "</dl>\n");
  s += item("5.2", "Random sampling",
            paragraph("Each random stream is a xoshiro256++ generator seeded from the seed (" +
                      text(experiment, "seed", kDash) +
                      "), the replication's index and the stream's name (what it drives, such as work/ealing/ig), so "
                      "adding a barrier moves no other draw and scenarios that share names share random numbers. "
                      "The distributions are the project's own, so draws do not change with the standard library."));
  const auto wall = number(impl, "wall_seconds");
  s += item("5.3", "Model execution",
            paragraph("Event-driven: each replication keeps a future-event list ordered by time (events at the same "
                      "instant in a fixed order, so a replication always unfolds the same way); the programme, each "
                      "scheme and its call on the "
                      "central team are coroutine processes that wait on time and on the central team, and each "
                      "workstream is a lighter event-driven worker. Replications run in parallel on oneTBB in fixed "
                      "blocks; results do not depend on the number of threads: the same seed gives the same output.") +
                "<dl class=\"facts\">\n" + fact("Threads", text(impl, "threads")) +
                fact("Run time", wall ? svg::fixed(*wall, 2) + " s (wall clock)" : std::string(kDash)) + "</dl>\n");
  std::string spec = "<dl class=\"facts\">\n" + fact("Operating system", text(sys, "os")) +
                     fact("Processor", text(sys, "cpu")) + fact("Cores", text(sys, "cores"));
  if (const auto gib = number(sys, "memory_gib")) spec += fact("Memory", svg::fixed(*gib, 1) + " GiB");
  s += item("5.4", "System specification",
            spec + fact("Compiler", text(sys, "compiler")) + "</dl>\n" +
                paragraph("The machine that wrote this report; a run merged from parts lists each part's host and "
                          "threads in run.json."));
  return s + "</section>\n";
}

std::string code_access_section(const json& data) {
  const json& impl = member_or_empty(data, "implementation");
  return "<section id=\"code-access\">\n<h2>6 Code access</h2>\n" +
         item("6.1", "Computer model sharing statement",
              paragraph("wsic " + text(impl, "version", "(version not given)") +
                        ". The source code, the scenario files and the tests that check the model against the "
                        "evidence are kept together in the wsic repository; its README says how to build, test and "
                        "run it on Debian 12 in two commands. The repository carries no licence file yet: ask the "
                        "authors before reusing the code. The scenario's content hash (3.3) and the seed (4.3) "
                        "identify this run: the same build with the same inputs gives the same results.")) +
         "</section>\n";
}

constexpr const char* kFooter =
    "<footer>Reported following the STRESS-DES checklist for discrete-event simulation (Monks et al., 2019). This file "
    "is "
    "self-contained: it needs no network and prints as shown. Each chart's numbers are in the CSV file of the same "
    "name.</footer>\n</main>\n</body>\n</html>\n";

std::string html_report(const json& data, const std::vector<Chart>& charts) {
  Figures figures(charts);
  std::string s = page_header(data) + summary_section(data);
  if (text(data, "kind") == "compare") s += comparison_section(data, figures);
  s += results_section(data, figures);
  s += objectives_section(data);
  s += logic_section(data, figures);
  s += data_section(data);
  s += experimentation_section(data);
  s += implementation_section(data);
  s += code_access_section(data);
  return s + kFooter;
}

struct ChartKind {
  const char* name;
  const char* title;
  Chart (*render)(const json&);
  bool compare_only;
};

/// Every chart, in the report's order.
constexpr ChartKind kCharts[] = {
    {"comparison_s_curves", "When the programme goes live, scenario by scenario", comparison_s_curves_chart, true},
    {"comparison", "Comparison with the base scenario", comparison_chart, true},
    {"s_curves", "Cumulative probability of go-live", s_curves_chart, false},
    {"fan", "Number of schemes live over time", fan_chart, false},
    {"gantt", "Probabilistic Gantt chart", gantt_chart, false},
    {"barrier_tornado", "What each barrier costs", barrier_chart, false},
    {"lever_tornado", "What each lever buys", lever_chart, false},
    {"criticality", "Criticality of workstreams", criticality_chart, false},
    {"spend", "Spend by financial year", spend_chart, false},
    {"people", "People covered over time", people_chart, false},
    {"workstream_graph", "Model logic: phases and workstreams", workstream_chart, false},
};

}  // namespace

std::vector<RenderedChart> render_charts(const nlohmann::json& data, const std::vector<std::string>& names) {
  const json& input = data.is_object() ? data : json::object();
  std::vector<RenderedChart> out;
  for (const std::string& name : names) {
    const auto* kind =
        std::find_if(std::begin(kCharts), std::end(kCharts), [&](const ChartKind& k) { return name == k.name; });
    if (kind == std::end(kCharts)) throw std::invalid_argument("no chart named " + name);
    const Chart c = guarded(kind->name, kind->title, [&] { return kind->render(input); });
    out.push_back({c.name, c.title, c.caption, c.element, c.csv, c.skipped});
  }
  return out;
}

std::map<std::string, std::string> render_report(const nlohmann::json& data) {
  const json& input = data.is_object() ? data : json::object();
  std::vector<Chart> charts;
  const bool compare = text(input, "kind") == "compare";
  for (const ChartKind& k : kCharts) {
    if (k.compare_only && !compare) continue;
    charts.push_back(guarded(k.name, k.title, [&] { return k.render(input); }));
  }

  std::map<std::string, std::string> files;
  for (const Chart& c : charts) {
    if (!c.skipped.empty()) continue;
    files[chart_file(c.name, ".svg")] = c.file;
    files[chart_file(c.name, ".csv")] = c.csv;
    for (const auto& [suffix, csv] : c.more_csv) files[chart_file(c.name + "_" + suffix, ".csv")] = csv;
  }
  files["report.html"] = html_report(input, charts);
  return files;
}

}  // namespace wsic::report
