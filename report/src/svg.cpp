#include "svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "wsic/report/text.hpp"

namespace wsic::report::svg {

namespace {

bool starts_with_ci(std::string_view s, std::size_t at, std::string_view prefix) {
  if (s.size() - at < prefix.size()) return false;
  for (std::size_t k = 0; k < prefix.size(); ++k) {
    char c = s[at + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[k]) return false;
  }
  return true;
}

/// Ticks on a linear axis: enough to read values off, few enough to label.
constexpr int kMaxTicks = 24;

const char* kMonthAbbr[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

struct Rgb {
  double r, g, b;
};

Rgb parse_hex(std::string_view h) {
  if (h.size() != 7 || h[0] != '#') return {0, 0, 0};
  auto byte = [&](std::size_t i) { return static_cast<double>(hex_digit(h[i]) * 16 + hex_digit(h[i + 1])); };
  return {byte(1), byte(3), byte(5)};
}

}  // namespace

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size(); ++i) {
    // Text from the input may cite a web address; the report must not contain
    // one (it is read offline and nothing in it may look fetchable), so the
    // scheme is dropped and the address kept as plain words.
    if (starts_with_ci(s, i, "https://")) {
      i += 7;
      continue;
    }
    if (starts_with_ci(s, i, "http://")) {
      i += 6;
      continue;
    }
    const char c = s[i];
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '/':
        // A zero-width space keeps any "//" from reading as a protocol-relative link.
        out += (!out.empty() && out.back() == '/') ? "&#8203;/" : "/";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          break;  // not allowed in XML 1.0
        out += c;
    }
  }
  return out;
}

std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "";
  // Every digit: a large value (up to 309 digits) is written whole, not cut.
  std::string s = fmt::format("{:.{}f}", v, std::max(0, decimals));
  // "-0.0" reads as a sign error in a table; the value is zero.
  bool all_zero = true;
  for (char c : s) {
    if (c != '-' && c != '0' && c != '.') all_zero = false;
  }
  if (all_zero && !s.empty() && s[0] == '-') s.erase(0, 1);
  return s;
}

std::string num(double v, int decimals) {
  std::string s = fixed(v, decimals);
  if (s.empty()) return "0";
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string signed_days(double v) {
  const std::string s = fixed(v, 0);
  if (s.empty()) return "n/a";
  if (s == "0") return "0 d";
  return (s[0] == '-' ? "" : "+") + s + " d";
}

int from_ymd(int y, int m, int d) {
  // Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar.
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Ymd to_ymd(int z) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = yoe + era * 400;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int d = doy - (153 * mp + 2) / 5 + 1;
  const int m = mp + (mp < 10 ? 3 : -9);
  return {y + (m <= 2), m, d};
}

std::optional<int> parse_date(std::string_view iso) {
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-') return std::nullopt;
  auto digits = [&](std::size_t from, std::size_t n) -> int {
    int v = 0;
    for (std::size_t k = from; k < from + n; ++k) {
      if (iso[k] < '0' || iso[k] > '9') return -1;
      v = v * 10 + (iso[k] - '0');
    }
    return v;
  };
  const int y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  return from_ymd(y, m, d);
}

std::string format_date(int days) {
  const Ymd t = to_ymd(days);
  return fmt::format("{:04}-{:02}-{:02}", t.year, t.month, t.day);
}

std::vector<Tick> date_ticks(int first_day, int last_day, double pixels) {
  std::vector<Tick> ticks;
  if (last_day <= first_day || pixels <= 0) return ticks;
  const double px_per_day = pixels / (last_day - first_day);
  const double px_per_month = px_per_day * 30.44;
  // Minor ticks every month, quarter or none, as space allows; labels on them
  // only where a three-letter month fits between neighbouring ticks.
  int step = 0;
  if (px_per_month >= 8)
    step = 1;
  else if (px_per_month * 3 >= 8)
    step = 3;
  const bool label_minor = step > 0 && px_per_month * step >= 34;
  const Ymd a = to_ymd(first_day);
  int year = a.year, month = a.month;
  if (to_ymd(first_day).day != 1) {
    if (++month > 12) {
      month = 1;
      ++year;
    }
  }
  for (;;) {
    const int d = from_ymd(year, month, 1);
    if (d > last_day) break;
    if (month == 1) {
      ticks.push_back({static_cast<double>(d), std::to_string(year), true});
    } else if (step > 0 && (month - 1) % step == 0) {
      ticks.push_back({static_cast<double>(d), label_minor ? kMonthAbbr[month - 1] : "", false});
    }
    if (++month > 12) {
      month = 1;
      ++year;
    }
  }
  // A span inside one calendar year (or shorter than a month) has no year tick:
  // name the year on the first tick, or mark both ends with full dates.
  if (ticks.empty()) {
    ticks.push_back({static_cast<double>(first_day), format_date(first_day), true});
    ticks.push_back({static_cast<double>(last_day), format_date(last_day), true});
  } else if (std::none_of(ticks.begin(), ticks.end(), [](const Tick& t) { return t.major; })) {
    const Ymd t = to_ymd(static_cast<int>(ticks.front().value));
    ticks.front().label = std::string(kMonthAbbr[t.month - 1]) + " " + std::to_string(t.year);
    ticks.front().major = true;
  }
  return ticks;
}

std::vector<Tick> linear_ticks(double lo, double hi, int target, int decimals) {
  std::vector<Tick> ticks;
  // A range that cannot be divided (empty, reversed, not finite) gets one
  // tick at a finite end, so the caller still has something to draw.
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo) || target < 1) {
    const double at = std::isfinite(lo) ? lo : std::isfinite(hi) ? hi : 0.0;
    ticks.push_back({at, num(at, decimals), true});
    return ticks;
  }
  target = std::min(target, kMaxTicks);
  // hi - lo overflows for a range wider than the largest double; divided first, it does not.
  const double raw = std::isfinite(hi - lo) ? (hi - lo) / target : hi / target - lo / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  const double start = std::ceil(lo / step - 1e-9) * step;
  // A step of zero (a range of a few denormals), an infinite one (a range
  // near the largest double) or one too small to move `start` cannot make
  // nice ticks: mark the two ends instead.
  if (!(step > 0) || !std::isfinite(step) || !std::isfinite(start) || start + step == start) {
    ticks.push_back({lo, num(lo, decimals), true});
    ticks.push_back({hi, num(hi, decimals), true});
    return ticks;
  }
  // At most target + 1 ticks fit in [lo, hi] at this step; the bound keeps
  // rounding from ever running the loop on.
  for (int k = 0; k <= target + 1; ++k) {
    const double v = start + k * step;
    if (!std::isfinite(v) || v > hi + step * 1e-9) break;  // (hi + step * 1e-9 may itself overflow)
    const double clean = std::abs(v) < step * 1e-9 ? 0.0 : v;
    if (!ticks.empty() && clean <= ticks.back().value) continue;  // rounding gave no progress
    ticks.push_back({clean, num(clean, decimals), true});
  }
  return ticks;
}

namespace {

/// Width of one byte's character in em; 0 for a UTF-8 continuation byte (it
/// is part of the character its lead byte already counted).
double byte_em(unsigned char c) {
  if ((c & 0xC0) == 0x80) return 0.0;
  if (c == ' ' || c == 'i' || c == 'l' || c == 'j' || c == '.' || c == ',' || c == '\'' || c == '|' || c == ':' ||
      c == ';' || c == '!')
    return 0.30;
  if (c == 'f' || c == 't' || c == 'r' || c == '(' || c == ')' || c == '/' || c == '-' || c == 'I') return 0.38;
  if (c == 'm' || c == 'w' || c == 'M' || c == 'W' || c == '%' || c == '@') return 0.88;
  if (c >= 'A' && c <= 'Z') return 0.68;
  if (c >= '0' && c <= '9') return 0.58;
  return 0.56;
}

/// Adds the characters of `text` to a running em total. Widths are sums taken
/// left to right, so extending a total gives bit for bit the width a fresh
/// measurement of the whole string would: fit and wrap measure each character
/// once instead of re-measuring every prefix (which made them quadratic).
double add_em(double em, std::string_view text) {
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) em += byte_em(c);
  }
  return em;
}

/// Calibrated against DejaVu Sans, the widest common fallback for system-ui
/// (Segoe UI, Roboto and Helvetica are narrower), so labels fit everywhere.
double em_to_px(double em, double font_px) { return em * font_px * 1.08; }

}  // namespace

double text_width(std::string_view text, double font_px) { return em_to_px(add_em(0.0, text), font_px); }

std::string fit(std::string_view text, double font_px, double max_px) {
  if (text_width(text, font_px) <= max_px) return std::string(text);
  // The longest prefix, ending between two characters, that fits with the
  // ellipsis after it. Widths only grow as characters are added, so one pass
  // from the left finds it.
  double em = 0.0;
  std::size_t keep = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t next = i + 1;
    while (next < text.size() && is_utf8_continuation(text[next])) ++next;
    const double longer = add_em(em, text.substr(i, next - i));
    if (em_to_px(add_em(longer, kEllipsis), font_px) > max_px) break;
    em = longer;
    keep = next;
    i = next;
  }
  return std::string(text.substr(0, keep)) + std::string(kEllipsis);
}

std::vector<std::string> wrap(std::string_view text, double font_px, double max_px, std::size_t max_lines) {
  std::vector<std::string> lines;
  if (max_lines == 0) return lines;
  std::vector<std::string_view> words;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    const std::size_t end = std::min(text.find(' ', i), text.size());
    words.push_back(text.substr(i, end - i));
    i = end;
  }
  std::string line;
  double line_em = 0.0;  // the width of `line` so far, extended word by word
  for (std::size_t w = 0; w < words.size(); ++w) {
    if (line.empty()) {
      line = words[w];
      line_em = add_em(0.0, words[w]);
      if (max_lines == 1) {
        // One line allowed: it takes every word, cut to fit below.
        for (std::size_t r = w + 1; r < words.size(); ++r) (line += ' ') += words[r];
        break;
      }
      continue;
    }
    const double candidate_em = add_em(add_em(line_em, " "), words[w]);
    if (em_to_px(candidate_em, font_px) <= max_px) {
      (line += ' ') += words[w];
      line_em = candidate_em;
      continue;
    }
    lines.push_back(std::move(line));
    line = words[w];
    line_em = add_em(0.0, words[w]);
    if (lines.size() + 1 == max_lines) {
      // Last permitted line: take the rest and cut it to fit.
      for (std::size_t r = w + 1; r < words.size(); ++r) (line += ' ') += words[r];
      break;
    }
  }
  if (!line.empty()) lines.push_back(std::move(line));
  for (std::string& l : lines) l = fit(l, font_px, max_px);
  return lines;
}

std::string ramp(const std::vector<const char*>& stops, double t) {
  if (stops.empty()) return "#000000";
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  const double pos = t * static_cast<double>(stops.size() - 1);
  const std::size_t i = std::min(stops.size() - 1, static_cast<std::size_t>(pos));
  const std::size_t j = std::min(stops.size() - 1, i + 1);
  const double f = pos - static_cast<double>(i);
  const Rgb a = parse_hex(stops[i]), b = parse_hex(stops[j]);
  auto mix = [&](double x, double y) { return static_cast<int>(std::lround(x + (y - x) * f)); };
  return fmt::format("#{:02X}{:02X}{:02X}", mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b));
}

double luminance(std::string_view hex) {
  const Rgb c = parse_hex(hex);
  auto lin = [](double v) {
    v /= 255.0;
    return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

// ---- Document -------------------------------------------------------------------

Document::Document(std::string id, double width, double height, std::string_view title, std::string_view desc)
    : id_(std::move(id)), width_(width), height_(height), title_(title), desc_(desc) {}

void Document::raw(std::string_view markup) { body_ += markup; }

void Document::rect(double x, double y, double w, double h, std::string_view attrs) {
  body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(0.0, w)) + "\" height=\"" +
           num(std::max(0.0, h)) + "\"";
  if (!attrs.empty()) body_ += " " + std::string(attrs);
  body_ += "/>\n";
}

void Document::line(double x1, double y1, double x2, double y2, std::string_view attrs) {
  body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\"";
  if (!attrs.empty()) body_ += " " + std::string(attrs);
  body_ += "/>\n";
}

namespace {
std::string points(const std::vector<double>& xy) {
  std::string p;
  for (std::size_t i = 0; i + 1 < xy.size(); i += 2) {
    if (i) p += ' ';
    p += num(xy[i]) + "," + num(xy[i + 1]);
  }
  return p;
}
}  // namespace

void Document::polyline(const std::vector<double>& xy, std::string_view attrs) {
  body_ += "<polyline points=\"" + points(xy) + "\" fill=\"none\"";
  if (!attrs.empty()) body_ += " " + std::string(attrs);
  body_ += "/>\n";
}

void Document::polygon(const std::vector<double>& xy, std::string_view attrs) {
  body_ += "<polygon points=\"" + points(xy) + "\"";
  if (!attrs.empty()) body_ += " " + std::string(attrs);
  body_ += "/>\n";
}

void Document::circle(double cx, double cy, double r, std::string_view attrs) {
  body_ += "<circle cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" + num(r) + "\"";
  if (!attrs.empty()) body_ += " " + std::string(attrs);
  body_ += "/>\n";
}

void Document::text(double x, double y, std::string_view content, std::string_view anchor, double size,
                    std::string_view attrs) {
  body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) + "\"";
  if (anchor != "start") body_ += " text-anchor=\"" + std::string(anchor) + "\"";
  if (!attrs.empty()) body_ += " " + std::string(attrs);
  body_ += ">" + escape(content) + "</text>\n";
}

void Document::text_lines(double x, double y, const std::vector<std::string>& lines, std::string_view anchor,
                          double size, std::string_view attrs) {
  for (std::size_t i = 0; i < lines.size(); ++i)
    text(x, y + static_cast<double>(i) * size * 1.2, lines[i], anchor, size, attrs);
}

std::string Document::element() const {
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + num(width_) + " " + num(height_) +
                  "\" width=\"" + num(width_) + "\" height=\"" + num(height_) + "\" role=\"img\" aria-labelledby=\"" +
                  id_ + "-title " + id_ + "-desc\" font-family=\"" + kFontFamily + "\" class=\"chart\">\n<title id=\"" +
                  id_ + "-title\">" + escape(title_) + "</title>\n<desc id=\"" + id_ + "-desc\">" + escape(desc_) +
                  "</desc>\n";
  s += "<rect x=\"0\" y=\"0\" width=\"" + num(width_) + "\" height=\"" + num(height_) + "\" fill=\"#FFFFFF\"/>\n";
  s += body_;
  s += "</svg>\n";
  return s;
}

std::string Document::file() const { return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + element(); }

}  // namespace wsic::report::svg
