#pragma once
/// Small, dependency-free helpers for writing the report's SVG charts and
/// tables: escaping, locale-independent number formatting, dates as day
/// numbers, axis ticks and a string builder for one SVG document.
/// Everything here is pure and deterministic, so the same input always gives
/// byte-identical output.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wsic::report::svg {

/// The system font stack: nothing is fetched, every platform has one of these.
inline constexpr const char* kFontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

/// Okabe-Ito, the colour-blind-safe qualitative palette (black last).
inline constexpr const char* kPalette[8] = {"#E69F00", "#56B4E9", "#009E73", "#F0E442",
                                            "#0072B2", "#D55E00", "#CC79A7", "#000000"};

/// Escapes &, <, >, " and ' for XML text and attribute values. Also drops
/// control characters XML 1.0 forbids, and breaks up "scheme://" so that no
/// text taken from the input can read as a link to fetch.
std::string escape(std::string_view s);

/// A number with `decimals` fixed decimals, independent of the locale, with
/// trailing zeros removed and "-0" written as "0" (stable, compact output).
std::string num(double v, int decimals = 1);

/// A number with exactly `decimals` decimals (for tables and labels), every
/// digit however large; "" if not finite. A negative `decimals` counts as 0.
std::string fixed(double v, int decimals);

/// A signed day shift for labels: "+12 d", "-120 d", "0 d".
std::string signed_days(double v);

/// Days since 1970-01-01 for an ISO date "YYYY-MM-DD"; nullopt if malformed.
std::optional<int> parse_date(std::string_view iso);

/// The ISO date of a day number.
std::string format_date(int days);

/// Year, month (1-12) and day (1-31) of a day number.
struct Ymd {
  int year = 1970;
  int month = 1;
  int day = 1;
};
Ymd to_ymd(int days);
int from_ymd(int year, int month, int day);

/// One tick on an axis: position in data units, label (may be empty) and
/// whether it is a major tick (drawn with a grid line).
struct Tick {
  double value = 0.0;
  std::string label;
  bool major = false;
};

/// Date ticks between two day numbers for an axis `pixels` long: years are
/// always major and labelled; quarters or months are added as minor ticks, and
/// labelled only where there is room for the label.
std::vector<Tick> date_ticks(int first_day, int last_day, double pixels);

/// "Nice" linear ticks covering [lo, hi], about `target` of them (never more
/// than 26, in increasing order, all finite). An empty, reversed or
/// non-finite range gets one tick at a finite end (or 0); a range that no
/// nice step can divide (a few denormals wide, or as wide as the largest
/// double) gets ticks at its two ends.
std::vector<Tick> linear_ticks(double lo, double hi, int target, int decimals = 0);

/// Estimated width of `text` at `font_px` in the system sans-serif, for layout
/// (a deliberate over-estimate, so labels do not collide).
double text_width(std::string_view text, double font_px);

/// Splits `text` into lines no wider than `max_px` (words are never broken;
/// a single over-long word is cut with an ellipsis). At most `max_lines`.
std::vector<std::string> wrap(std::string_view text, double font_px, double max_px, std::size_t max_lines = 3);

/// Cuts `text` to fit `max_px`, ending in an ellipsis if it had to be cut.
std::string fit(std::string_view text, double font_px, double max_px);

/// Linear interpolation of a colour ramp given as "#RRGGBB" stops; t in [0, 1].
std::string ramp(const std::vector<const char*>& stops, double t);

/// Relative luminance (0 black - 1 white) of "#RRGGBB", to choose text colour.
double luminance(std::string_view hex);

/// Builds one SVG document. Ids inside it are prefixed with the chart name so
/// several charts can be inlined into one HTML page without clashing.
class Document {
 public:
  /// A chart `width` x `height` user units, with an accessible title and
  /// description; `id` prefixes every id in the document.
  Document(std::string id, double width, double height, std::string_view title, std::string_view desc);

  /// Appends raw markup (already escaped) to the body.
  void raw(std::string_view markup);
  void rect(double x, double y, double w, double h, std::string_view attrs);
  void line(double x1, double y1, double x2, double y2, std::string_view attrs);
  /// A polyline through the points (x0, y0, x1, y1, ...).
  void polyline(const std::vector<double>& xy, std::string_view attrs);
  void polygon(const std::vector<double>& xy, std::string_view attrs);
  void circle(double cx, double cy, double r, std::string_view attrs);
  /// Text; `anchor` is start, middle or end; `attrs` extra attributes.
  void text(double x, double y, std::string_view content, std::string_view anchor = "start", double size = 12,
            std::string_view attrs = "");
  /// Several lines of text, the first baseline at y.
  void text_lines(double x, double y, const std::vector<std::string>& lines, std::string_view anchor, double size,
                  std::string_view attrs = "");

  /// The id prefix, for ids the caller defines in `raw` markup.
  const std::string& id() const { return id_; }

  /// The SVG element (no XML prolog), ready to inline into XHTML.
  std::string element() const;
  /// A standalone .svg file: XML prolog plus the element.
  std::string file() const;

 private:
  std::string id_;
  double width_;
  double height_;
  std::string title_;
  std::string desc_;
  std::string body_;
};

}  // namespace wsic::report::svg
