#include "wsic/scenario/loader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>

#include "internal.hpp"
#include "suggest.hpp"
#include "wsic/model/limits.hpp"
#include "wsic/scenario/format.hpp"
#include "wsic/sim/error.hpp"
#include "wsic/sim/serial.hpp"

namespace wsic::scenario {

using model::Barrier;
using model::Component;
using model::FundingYear;
using model::Lever;
using model::Milestone;
using model::Population;
using model::Scaled;
using model::Scenario;
using model::Scheme;
using model::Workstream;
using sim::AnyDistribution;
using sim::Date;
namespace limits = model::limits;

// ---------------------------------------------------------------------------
// Diagnostics

namespace {
// Text from the input (a key, a value, a file name) made safe to print: control
// characters and bytes that are not UTF-8 are written as escapes, so a
// diagnostic can never move the cursor or recolour a terminal.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      out += fmt::format("\\x{:02X}", c);
      ++i;
      continue;
    }
    const bool c1 = c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0;
    if (c < 0x20 || c == 0x7F || c1) {
      out += fmt::format("\\u{:04X}", c1 ? static_cast<unsigned char>(s[i + 1]) : c);
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}
}  // namespace

std::string Diagnostic::format() const {
  std::string out = printable(file);
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  out += ": error: ";
  if (!key_path.empty()) out += printable(key_path) + ": ";
  out += printable(message);
  return out;
}

std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += d.format();
  }
  return out;
}

ScenarioError::ScenarioError(std::vector<Diagnostic> diagnostics)
    : wsic::Error(format_diagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

namespace {

namespace fs = std::filesystem;
using FileName = std::shared_ptr<const std::string>;

// ---------------------------------------------------------------------------
// Suggestions

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const auto n = nearest_word(word, candidates);
  return n ? "; did you mean '" + *n + "'?" : std::string();
}

std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string quote_value(std::string_view s) {
  if (s.size() > 60) return "'" + std::string(s.substr(0, 57)) + "...'";
  return "'" + std::string(s) + "'";
}

using detail::format_number;

std::string format_days(double days) { return format_number(days) + " days"; }

// ---------------------------------------------------------------------------
// The YAML tree, our own: yaml-cpp's nodes share aliased subtrees and lose
// duplicate keys on lookup, and an overlay must keep, for every value, the
// file and line it was written in.

struct YEntry;

struct YNode {
  enum class Kind { kNull, kScalar, kMap, kSeq } kind = Kind::kNull;
  std::string scalar;
  bool plain = true;  // an unquoted scalar: may be read as a number, date or bool
  std::vector<YEntry> map;
  std::vector<YNode> seq;
  FileName file;
  int line = 0;  // 1-based
  int col = 0;
  // Which file of the extends chain the value was written in: 0 for the file
  // loaded, -1 for the one it extends, and so on. Where two values disagree
  // (min and max, a date and the calendar), the later file's is blamed.
  int layer = 0;

  bool is_map() const { return kind == Kind::kMap; }
  bool is_seq() const { return kind == Kind::kSeq; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_null() const { return kind == Kind::kNull; }
  const YNode* get(std::string_view key) const;
  YNode* get(std::string_view key);
};

struct YEntry {
  std::string key;
  FileName file;  // of the key: after a merge, the overlay that set it
  int line = 0;
  int col = 0;
  YNode value;
};

const YNode* YNode::get(std::string_view key) const {
  for (const auto& e : map)
    if (e.key == key) return &e.value;
  return nullptr;
}

YNode* YNode::get(std::string_view key) {
  for (auto& e : map)
    if (e.key == key) return &e.value;
  return nullptr;
}

std::string describe(const YNode& n) {
  switch (n.kind) {
    case YNode::Kind::kNull:
      return "nothing";
    case YNode::Kind::kMap:
      return "a map";
    case YNode::Kind::kSeq:
      return "a list";
    case YNode::Kind::kScalar:
      return quote_value(n.scalar);
  }
  return "?";
}

// The id of a list item, when it has a plain scalar one.
std::optional<std::string> item_id(const YNode& n) {
  if (!n.is_map()) return std::nullopt;
  const YNode* id = n.get("id");
  if (id == nullptr || !id->is_scalar() || id->scalar.empty()) return std::nullopt;
  return id->scalar;
}

// ---------------------------------------------------------------------------
// Collecting diagnostics

class Sink {
 public:
  void add(const FileName& file, int line, int col, std::string key_path, std::string message) {
    if (all_.size() >= kKeepAtMost) {
      ++dropped_;
      return;
    }
    all_.push_back(Diagnostic{file ? *file : std::string(), line, col, std::move(key_path), std::move(message)});
  }
  void at(const YNode& n, std::string key_path, std::string message) {
    add(n.file, n.line, n.col, std::move(key_path), std::move(message));
  }
  bool empty() const { return all_.empty() && dropped_ == 0; }
  std::size_t count() const { return all_.size() + dropped_; }

  // Sorted by file, line, column; the first max_errors, then one line saying
  // how many more there were.
  std::vector<Diagnostic> finish(std::size_t max_errors, const std::string& top_file) {
    std::stable_sort(all_.begin(), all_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
    });
    std::vector<Diagnostic> out;
    const std::size_t total = all_.size() + dropped_;
    const std::size_t keep = std::min(all_.size(), max_errors);
    out.assign(std::make_move_iterator(all_.begin()),
               std::make_move_iterator(all_.begin() + static_cast<std::ptrdiff_t>(keep)));
    if (total > keep) {
      out.push_back(Diagnostic{top_file, 0, 0, "",
                               std::to_string(total - keep) + " more problem" + (total - keep == 1 ? "" : "s") +
                                   " not shown (at most " + std::to_string(max_errors) + " are reported)"});
    }
    return out;
  }

 private:
  static constexpr std::size_t kKeepAtMost = 100000;
  std::vector<Diagnostic> all_;
  std::size_t dropped_ = 0;
};

// ---------------------------------------------------------------------------
// Reading a file: checks on the raw bytes, parsing, conversion to YNode.

struct Budget {
  std::size_t nodes_left;
  bool exhausted = false;
};

// Position (1-based line, column in characters) of byte offset `at`.
std::pair<int, int> position_of(std::string_view text, std::size_t at) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i < at && i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      line += 1;
      col = 1;
    } else if ((c & 0xC0) != 0x80) {  // count characters, not continuation bytes
      col += 1;
    }
  }
  return {line, col};
}

// Offset of the first NUL byte or invalid UTF-8 sequence, with what is wrong.
std::optional<std::pair<std::size_t, std::string>> find_bad_byte(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return std::pair{i, std::string("the file contains a NUL byte: it looks binary, not a YAML text file")};
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8 either.
    if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
               (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF))
      ok = false;
    if (!ok) return std::pair{i, fmt::format("invalid UTF-8 (byte 0x{:02X}): scenario files must be UTF-8 text", c)};
    i += len;
  }
  return std::nullopt;
}

// Nesting depth before parsing: yaml-cpp's parser is recursive, so a file of
// ten thousand '[' would overflow the stack before we saw a single node.
// Counts flow brackets outside quotes and comments, and block levels by
// indentation (each "- " at the start of a line's content opens one more).
// Also estimates the number of nodes (a lower bound: one per line, list
// item and flow entry), so a 4 MB list of two million scalars is refused
// before yaml-cpp spends seconds and a gigabyte building it.
struct Prescan {
  int line = 0;
  int col = 0;
  std::string message;
};

/// Where a scenario's text begins and, if it has one, where a second YAML
/// document's content begins (line and column, 1-based). Document markers
/// (`---`, `...`) are only ever at column 0 followed by a space or the end of
/// the line, even inside block scalars, so a line scan finds them. Blank
/// lines, comments and directives before the first document are not
/// content; a marker before any content opens the first document, and one
/// followed only by blank lines and comments adds nothing.
struct DocumentScan {
  std::optional<std::pair<int, int>> first;
  std::optional<std::pair<int, int>> second;
};

DocumentScan scan_documents(std::string_view text) {
  auto is_marker = [](std::string_view line) {
    return line.size() >= 3 && (line.substr(0, 3) == "---" || line.substr(0, 3) == "...") &&
           (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
  };
  // Column (0-based) of the first thing in `line` from `from` that is not
  // blank or a comment.
  auto content_at = [](std::string_view line, std::size_t from) -> std::optional<std::size_t> {
    for (std::size_t i = from; i < line.size(); ++i) {
      if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') continue;
      if (line[i] == '#') return std::nullopt;
      return i;
    }
    return std::nullopt;
  };
  DocumentScan scan;
  bool after_marker = false;
  int line_no = 0;
  for (std::size_t pos = 0; pos <= text.size();) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    ++line_no;
    std::optional<std::size_t> c;
    if (is_marker(line)) {
      if (scan.first) after_marker = true;
      c = content_at(line, 3);
    } else if (scan.first || line.empty() || line[0] != '%') {
      c = content_at(line, 0);
    }
    if (c) {
      const std::pair<int, int> at{line_no, static_cast<int>(*c) + 1};
      if (after_marker) {
        scan.second = at;
        return scan;
      }
      if (!scan.first) scan.first = at;
    }
    pos = end + 1;
  }
  return scan;
}

std::optional<Prescan> prescan(std::string_view text, int max_depth, std::size_t max_nodes) {
  std::vector<int> indents;  // block levels open at the start of the current line
  int flow = 0;
  std::size_t nodes = 0;
  const auto too_deep = [&](int line, int col) {
    return Prescan{line, col, "nested more than " + std::to_string(max_depth) + " levels deep: refusing to parse it"};
  };
  const auto too_many = [&](int line, int col) {
    return Prescan{line, col,
                   "the file has more than " + std::to_string(max_nodes) +
                       " values (lines, list items, flow entries): refusing to parse it"};
  };
  int line = 1;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view l = text.substr(pos, end - pos);
    std::size_t i = 0;
    while (i < l.size() && l[i] == ' ') ++i;
    const bool blank = i == l.size() || l[i] == '#' || l[i] == '\r';
    if (!blank && flow == 0) {
      const int indent = static_cast<int>(i);
      while (!indents.empty() && indents.back() > indent) indents.pop_back();
      if (indents.empty() || indents.back() < indent) indents.push_back(indent);
      int dashes = 0;
      while (i + 1 < l.size() && l[i] == '-' && (l[i + 1] == ' ' || l[i + 1] == '\t')) {
        ++dashes;
        i += 2;
        while (i < l.size() && l[i] == ' ') ++i;
      }
      if (static_cast<int>(indents.size()) + dashes > max_depth) return too_deep(line, static_cast<int>(i) + 1);
      nodes += 1 + static_cast<std::size_t>(dashes);
      if (nodes > max_nodes) return too_many(line, 1);
    }
    char quote = 0;
    for (; i < l.size(); ++i) {
      const char c = l[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
        continue;
      }
      if (c == '"' || c == '\'') {
        // A quote opens a string only at the start of a scalar.
        if (i == 0 || l[i - 1] == ' ' || l[i - 1] == '[' || l[i - 1] == '{' || l[i - 1] == ',' || l[i - 1] == ':')
          quote = c;
        continue;
      }
      if (c == '#' && (i == 0 || l[i - 1] == ' ')) break;
      if (c == '[' || c == '{') {
        ++flow;
        ++nodes;
        if (static_cast<int>(indents.size()) + flow > max_depth) return too_deep(line, position_of(l, i).second);
      } else if ((c == ']' || c == '}') && flow > 0) {
        --flow;
      } else if (c == ',' && flow > 0) {
        ++nodes;
      }
      if (nodes > max_nodes) return too_many(line, position_of(l, i).second);
    }
    ++line;
    pos = end + 1;
  }
  return std::nullopt;
}

// What is wrong with reading `path` as a scenario file, if anything: it must
// exist and be a regular file (a directory, a device such as /dev/zero or a
// pipe is refused before it is opened).
std::optional<std::string> file_problem(const fs::path& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) return std::string("no such file");
  if (fs::is_directory(st)) return std::string("is a directory, not a scenario file");
  if (!fs::is_regular_file(st))
    return std::string("is not a regular file (a device, pipe or socket): give a YAML file");
  return std::nullopt;
}

// CRLF (Windows) and lone CR (old Mac) line ends read as LF, so lines are
// numbered as an editor shows them and the parser sees every line.
void normalise_line_ends(std::string& text) {
  if (text.find('\r') == std::string::npos) return;
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') {
      out += text[i];
    } else {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    }
  }
  text.swap(out);
}

// A scalar that may be read as a number, date or bool: written plainly, or
// tagged as a number, bool or null. Quoted scalars and `!!str` (or any other
// tag) are strings.
bool is_plain_tag(const std::string& tag) {
  return tag == "?" || tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
         tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null";
}

struct Reader {
  const LoadOptions& options;
  Sink& sink;
  Budget& budget;
  int layer = 0;  // of the file being read (see YNode::layer)

  // Converts a yaml-cpp node; false when the node budget or depth ran out
  // (reported once, here).
  bool convert(const YAML::Node& n, YNode& out, const FileName& file, int depth, const std::string& path) {
    if (budget.exhausted) return false;
    const YAML::Mark m = n.Mark();
    out.file = file;
    out.line = m.line + 1;
    out.col = m.column + 1;
    out.layer = layer;
    if (budget.nodes_left == 0 || depth > options.max_depth) {
      budget.exhausted = true;
      sink.at(out, path,
              budget.nodes_left == 0 ? "the document expands to more than " + std::to_string(options.max_nodes) +
                                           " nodes (each use of an alias counts): refusing it; is it an alias bomb?"
                                     : "nested more than " + std::to_string(options.max_depth) +
                                           " levels deep (through aliases): refusing it");
      return false;
    }
    --budget.nodes_left;
    switch (n.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = YNode::Kind::kNull;
        return true;
      case YAML::NodeType::Scalar:
        out.kind = YNode::Kind::kScalar;
        out.scalar = n.Scalar();
        out.plain = is_plain_tag(n.Tag());
        return true;
      case YAML::NodeType::Sequence: {
        out.kind = YNode::Kind::kSeq;
        std::size_t index = 0;
        for (const auto& item : n) {
          std::string item_path = path + "[" + std::to_string(index++) + "]";
          if (item.IsMap() && item["id"] && item["id"].IsScalar()) item_path = path + "[" + item["id"].Scalar() + "]";
          out.seq.emplace_back();
          if (!convert(item, out.seq.back(), file, depth + 1, item_path)) return false;
        }
        return true;
      }
      case YAML::NodeType::Map: {
        out.kind = YNode::Kind::kMap;
        std::unordered_map<std::string, int> first_line;
        for (const auto& kv : n) {
          const YAML::Mark km = kv.first.Mark();
          YEntry e;
          e.file = file;
          e.line = km.line + 1;
          e.col = km.column + 1;
          if (!kv.first.IsScalar()) {
            sink.add(file, e.line, e.col, path, "a key must be a plain name, not a list or a map");
            continue;
          }
          e.key = kv.first.Scalar();
          const std::string key_path = path.empty() ? e.key : path + "." + e.key;
          if (const auto [it, fresh] = first_line.emplace(e.key, e.line); !fresh) {
            sink.add(file, e.line, e.col, key_path,
                     "duplicate key '" + e.key + "' (first given at line " + std::to_string(it->second) +
                         "): give each key once");
            continue;  // keep the first, as yaml-cpp's lookup does
          }
          if (!convert(kv.second, e.value, file, depth + 1, key_path)) return false;
          // An empty value has the mark of whatever follows it; the key's is clearer.
          if (e.value.is_null() && e.value.line != e.line) {
            e.value.line = e.line;
            e.value.col = e.col;
          }
          out.map.push_back(std::move(e));
        }
        return true;
      }
    }
    return true;
  }

  // Reads and parses one file; nullopt after reporting why it could not.
  // A file's tree as parsed before, with the nodes it cost, kept in the SourceCache.
  struct Parsed {
    YNode root;
    std::size_t nodes = 0;
  };

  std::optional<YNode> read(const fs::path& path, const FileName& file) {
    std::optional<std::string> cached;
    if (options.sources != nullptr) cached = options.sources->get(path);
    // Parsed before (in the same place of a chain, under the same name): a
    // copy, at the node cost its parse had.
    const std::string variant =
        fmt::format("{}|{}|{}|{}", layer, options.max_depth, options.max_nodes, *file);  // parsed under these limits
    if (cached && cached->size() <= options.max_file_bytes) {  // a load with a lower limit refuses it below
      if (const auto kept = std::static_pointer_cast<const Parsed>(options.sources->parsed(path, variant));
          kept && kept->nodes <= budget.nodes_left) {
        budget.nodes_left -= kept->nodes;
        return kept->root;
      }
    }
    const std::size_t problems_before = sink.count();
    const std::size_t nodes_before = budget.nodes_left;
    auto tree = read_text(path, file, std::move(cached));
    if (tree && options.sources != nullptr && sink.count() == problems_before && !budget.exhausted) {
      options.sources->keep_parsed(path, variant,
                                   std::make_shared<const Parsed>(Parsed{*tree, nodes_before - budget.nodes_left}));
    }
    return tree;
  }

  std::optional<YNode> read_text(const fs::path& path, const FileName& file, std::optional<std::string> cached) {
    std::string text;
    if (cached) {
      if (cached->size() > options.max_file_bytes) {
        too_big(file, cached->size());
        return std::nullopt;
      }
      text = std::move(*cached);
    } else {
      std::error_code ec;
      if (const auto problem = file_problem(path)) {
        sink.add(file, 0, 0, "", *problem);
        return std::nullopt;
      }
      const auto size = fs::file_size(path, ec);
      if (ec) {
        sink.add(file, 0, 0, "", "cannot read the file: " + ec.message());
        return std::nullopt;
      }
      if (size > options.max_file_bytes) {
        too_big(file, size);
        return std::nullopt;
      }
      std::ifstream in(path, std::ios::binary);
      text.assign(static_cast<std::size_t>(size), '\0');
      if (!in || !in.read(text.data(), static_cast<std::streamsize>(size))) {
        sink.add(file, 0, 0, "", "cannot read the file");
        return std::nullopt;
      }
      if (options.sources != nullptr) options.sources->put(path, text);
    }
    return parse(std::move(text), file);
  }

  void too_big(const FileName& file, std::uintmax_t size) {
    sink.add(file, 0, 0, "",
             "the file is " + std::to_string(size) + " bytes, more than the limit of " +
                 std::to_string(options.max_file_bytes) + ": refusing to read it (a scenario is a few kB)");
  }

  // Parses one file's text; nullopt after reporting why it could not.
  std::optional<YNode> parse(std::string text, const FileName& file) {
    if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);  // a BOM is harmless
    normalise_line_ends(text);
    if (const auto bad = find_bad_byte(text)) {
      const auto [line, col] = position_of(text, bad->first);
      sink.add(file, line, col, "", bad->second);
      return std::nullopt;
    }
    if (const auto problem = prescan(text, options.max_depth, options.max_nodes)) {
      sink.add(file, problem->line, problem->col, "", problem->message);
      return std::nullopt;
    }
    // A scenario is one document: YAML::Load reads the first and would drop
    // a second one after `---` without a word.
    const DocumentScan documents = scan_documents(text);
    if (const auto& second = documents.second) {
      sink.add(file, second->first, second->second, "",
               "a second YAML document starts here: a scenario file holds exactly one; put another scenario "
               "in its own file (extends: can share what they have in common)");
      return std::nullopt;
    }
    YAML::Node doc;
    try {
      doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      sink.add(file, e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg);
      return std::nullopt;
    } catch (const std::exception& e) {
      sink.add(file, 0, 0, "", std::string("cannot parse the file: ") + e.what());
      return std::nullopt;
    }
    YNode root;
    if (!convert(doc, root, file, 0, "")) return std::nullopt;
    if (root.is_null()) {
      if (const auto& first = documents.first) {
        sink.add(file, first->first, first->second, "",
                 "no YAML value could be read from here: a scenario is a map of keys (name:, calendar:, ...); "
                 "check the line for a stray character at its start");
        return std::nullopt;
      }
      sink.add(file, 0, 0, "",
               "the file is empty: a scenario needs at least name, calendar, plan, programme, funding, "
               "workstreams and schemes (or extends: and name:)");
      return std::nullopt;
    }
    return root;
  }
};

// ---------------------------------------------------------------------------
// Overlays

// Merges `over` into `base` as SCENARIO_FORMAT.md says: maps key by key,
// lists of items with ids item by item (remove: true deletes), anything else
// replaced. Every value keeps the file and line it came from.
void merge(YNode& base, YNode&& over, const std::string& path, Sink& sink, Budget& budget);

bool all_items_have_ids(const YNode& seq) {
  return std::all_of(seq.seq.begin(), seq.seq.end(), [](const YNode& n) { return item_id(n).has_value(); });
}

// The one reading of a boolean, everywhere: YAML 1.2's true and false (any
// capitalisation it allows). `yes`, `on`, `1` and the like are not booleans.
std::optional<bool> parse_bool(const YNode& n) {
  if (!n.is_scalar() || !n.plain) return std::nullopt;
  if (n.scalar == "true" || n.scalar == "True" || n.scalar == "TRUE") return true;
  if (n.scalar == "false" || n.scalar == "False" || n.scalar == "FALSE") return false;
  return std::nullopt;
}

std::string expected_bool(const YNode& n) {
  std::string msg = "expected true or false, got " + describe(n);
  if (n.is_scalar()) {
    static const std::vector<std::string> kLookAlikes = {"yes", "no", "on", "off", "y", "n", "1", "0"};
    std::string lower = n.scalar;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::find(kLookAlikes.begin(), kLookAlikes.end(), lower) != kLookAlikes.end())
      msg += " (only true and false are booleans here)";
  }
  return msg;
}

// The collections whose items an overlay names by id: changing an item needs
// only the keys that change; a new item (an id not in the scenario extended)
// must be complete, so that a misspelt id is not taken for a new item.
struct Collection {
  std::string_view path;
  std::string_view what;
  std::vector<std::string_view> required;
};
const std::vector<Collection>& collections() {
  static const std::vector<Collection> kAll = [] {
    std::vector<Collection> all;
    for (const KeySpec& k : scenario_format().keys) {
      const bool by_id = k.kind == Kind::kIdMap ||
                         (k.kind == Kind::kList && k.item == Kind::kObject && k.object->find("id") != nullptr);
      if (!by_id) continue;
      Collection c{k.key, k.object->name, {}};
      for (const KeySpec& key : k.object->keys) {
        if (key.required >= Required::kNewItem && key.key != "id") c.required.push_back(key.key);
      }
      all.push_back(std::move(c));
    }
    return all;
  }();
  return kAll;
}
const Collection* collection_at(std::string_view path) {
  for (const Collection& c : collections()) {
    if (c.path == path) return &c;
  }
  return nullptr;
}

// Whether a new item `item` for `c` is complete; if not, reports it at
// `where` (its key or id) with the nearest existing id.
bool complete_new_item(const Collection& c, const std::string& id, const YNode& item, const YNode& where,
                       const std::string& item_path, const std::vector<std::string>& existing, Sink& sink) {
  std::vector<std::string> missing;
  for (const auto key : c.required) {
    if (!item.is_map() || item.get(key) == nullptr) missing.emplace_back(key);
  }
  if (missing.empty()) return true;
  std::vector<std::string> all;
  for (const auto key : c.required) all.emplace_back(key);
  const auto near = nearest_word(id, existing);
  sink.at(where, item_path,
          fmt::format("no {} '{}' to change in the scenario this one extends{}; to add a new {}, give it in full "
                      "({}): {} missing",
                      c.what, id, near ? " (did you mean '" + *near + "'?)" : std::string(), c.what, join(all),
                      join(missing)));
  return false;
}

void strip_remove(YNode& item) {
  std::erase_if(item.map, [](const YEntry& e) { return e.key == "remove"; });
}

// Maps merge key by key; an explicit null deletes the key.
void merge_maps(YNode& base, YNode&& over, const std::string& path, Sink& sink, Budget& budget) {
  const Collection* keyed = collection_at(path);  // the levers map: keys are ids
  for (auto& e : over.map) {
    const std::string child = path.empty() ? e.key : path + "." + e.key;
    auto it = std::find_if(base.map.begin(), base.map.end(), [&](const YEntry& b) { return b.key == e.key; });
    if (keyed != nullptr && it == base.map.end() && !e.value.is_null()) {
      std::vector<std::string> ids;
      for (const auto& b : base.map) ids.push_back(b.key);
      YNode at;
      at.file = e.file;
      at.line = e.line;
      at.col = e.col;
      if (!complete_new_item(*keyed, e.key, e.value, at, child, ids, sink)) continue;
    }
    if (e.value.is_null()) {
      // An explicit null in an overlay deletes the key: the only way to
      // take away, say, a barrier's resolution when its effect stops being a block.
      if (it != base.map.end()) base.map.erase(it);
      continue;
    }
    if (it == base.map.end() && collection_at(child) != nullptr && e.value.is_map()) {
      // Levers added where the scenario extended has none: still new
      // levers, checked as such.
      YEntry empty{e.key, e.file, e.line, e.col, YNode{}};
      empty.value.kind = YNode::Kind::kMap;
      empty.value.file = e.value.file;
      empty.value.line = e.value.line;
      empty.value.col = e.value.col;
      empty.value.layer = e.value.layer;
      base.map.push_back(std::move(empty));
      it = std::prev(base.map.end());
    }
    if (it == base.map.end()) {
      base.map.push_back(std::move(e));
    } else {
      it->file = e.file;
      it->line = e.line;
      it->col = e.col;
      merge(it->value, std::move(e.value), child, sink, budget);
    }
  }
}

// Lists of items with ids merge item by item; remove: true deletes one.
void merge_items(YNode& base, YNode&& over, const std::string& path, Sink& sink, Budget& budget) {
  std::vector<std::string> ids;
  for (const auto& b : base.seq) ids.push_back(*item_id(b));
  for (auto& item : over.seq) {
    const std::string id = *item_id(item);
    const std::string item_path = path + "[" + id + "]";
    auto it = std::find_if(base.seq.begin(), base.seq.end(), [&](const YNode& b) { return item_id(b) == id; });
    if (const YNode* rm = item.get("remove")) {
      const auto remove = parse_bool(*rm);
      if (!remove) {
        sink.at(*rm, item_path + ".remove", expected_bool(*rm));
        continue;
      }
      if (*remove) {
        if (it == base.seq.end())
          sink.at(*rm, item_path + ".remove",
                  "no item with id '" + id + "' to remove in the scenario this one extends" + did_you_mean(id, ids));
        else
          base.seq.erase(it);
        continue;
      }
    }
    strip_remove(item);
    if (it == base.seq.end()) {
      const Collection* c = collection_at(path);
      if (c != nullptr && !complete_new_item(*c, id, item, *item.get("id"), item_path, ids, sink)) continue;
      base.seq.push_back(std::move(item));
    } else {
      merge(*it, std::move(item), item_path, sink, budget);
    }
  }
}

void merge(YNode& base, YNode&& over, const std::string& path, Sink& sink, Budget& budget) {
  if (budget.exhausted) return;
  if (budget.nodes_left == 0) {
    budget.exhausted = true;
    sink.at(over, path, "merging the overlay visits more than the node limit: refusing it");
    return;
  }
  --budget.nodes_left;
  if (base.is_map() && over.is_map()) {
    // A distribution, trigger or effect of another kind is a new value, not
    // an edit: merging {dist: fixed, value: ...} into a pert would leave
    // pert's min, mode and max behind.
    for (const char* kind_key : {"dist", "type"}) {
      const YNode* a = base.get(kind_key);
      const YNode* b = over.get(kind_key);
      if (a != nullptr && b != nullptr && a->is_scalar() && b->is_scalar() && a->scalar != b->scalar) {
        base = std::move(over);
        return;
      }
    }
    merge_maps(base, std::move(over), path, sink, budget);
    return;
  }
  if (base.is_seq() && over.is_seq() && !over.seq.empty() && all_items_have_ids(over) && all_items_have_ids(base)) {
    merge_items(base, std::move(over), path, sink, budget);
    return;
  }
  base = std::move(over);
}

// ---------------------------------------------------------------------------
// Parsing scalars

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<double> parse_double(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<long long> parse_int(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool is_id(std::string_view s) {
  if (s.empty() || s.size() > limits::kIdChars || s.front() < 'a' || s.front() > 'z') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

bool is_name(std::string_view s) {
  if (s.empty() || s.size() > limits::kIdChars || s.front() < 'a' || s.front() > 'z') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; });
}

// Why `id` may not be a scheme's id, when the table reserves it: a barrier's
// scope or the results' programme-wide rows already use it.
std::optional<std::string> reserved_scheme_id(std::string_view id, const KeySpec& key) {
  if (std::find(key.reserved.begin(), key.reserved.end(), id) == key.reserved.end()) return std::nullopt;
  if (id == "local" || id == "national")
    return fmt::format("'{}' is reserved: a barrier's scope: {} would be ambiguous (national, local or a scheme id)",
                       id, id);
  return fmt::format("'{}' is reserved: the results use it for a programme-wide row beside the schemes", id);
}

const std::vector<std::string> kUnits = {"day", "days", "week", "weeks", "month", "months", "year", "years"};

// What is wrong with `s` as the text `key` holds (kLine: a name or label, one
// line shown in tables, CSV files and charts; kProse: a description, lines and
// tabs allowed), if anything. Text is UTF-8 (the reader checked); here it is
// counted in characters and searched for control characters, which would
// reach terminals (escape sequences), CSV files (NUL) and reports.
std::optional<std::string> text_problem(std::string_view s, const KeySpec& key) {
  const bool one_line = key.kind == Kind::kLine;
  // The file was UTF-8, but escapes in quoted strings ("\x85", "\N") can
  // still make bytes that are not.
  if (const auto bad = find_bad_byte(s); bad && s[bad->first] != '\0') {
    return fmt::format(
        "holds the byte 0x{:02X}, which is not UTF-8 (an escape such as \\x{:02X} in quotes?): write "
        "the character itself",
        static_cast<unsigned char>(s[bad->first]), static_cast<unsigned char>(s[bad->first]));
  }
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte
    ++chars;
    // U+0080..U+009F, the C1 controls, are C2 80..C2 9F in UTF-8.
    const std::uint32_t cp = c == 0xC2 && i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : c;
    const bool allowed_space = !one_line && (c == '\n' || c == '\t');
    const bool control = c < 0x20 || c == 0x7F || (c == 0xC2 && cp >= 0x80 && cp <= 0x9F);
    if (control && !allowed_space) {
      return fmt::format("contains the control character U+{:04X} at character {}: {} plain text{}", cp, chars,
                         one_line ? "names and labels are" : "descriptions are",
                         one_line ? " on one line" : " (new lines and tabs are allowed)");
    }
  }
  if (key.max_length != 0 && chars > key.max_length) {
    return fmt::format("is {} characters long; at most {} are allowed{}", chars, key.max_length,
                       one_line ? " (put the detail in a description)" : "");
  }
  if (one_line && !s.empty() && (s.front() == '=' || s.front() == '+' || s.front() == '-' || s.front() == '@')) {
    return fmt::format(
        "starts with '{}': a spreadsheet opening the results would read it as a formula; start it "
        "with a letter or digit",
        s.front());
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Validation: walks the merged tree along the format's table (format.hpp),
// fills the Scenario, reports problems. The table decides the structure
// (which keys, which are required, kinds, ranges, lengths); the code here
// adds what a table cannot say: references, dates in order, cycles.

struct Loc {
  std::string path;  // "barriers[gp_disengagement].trigger": for messages

  Loc key(std::string_view k) const { return {path.empty() ? std::string(k) : path + "." + std::string(k)}; }
  Loc item(std::size_t index, const std::optional<std::string>& id) const {
    return {path + "[" + (id ? *id : std::to_string(index)) + "]"};
  }
};

// The spec of a key the code reads: the table has every one of them.
const KeySpec& spec_of(const ObjectSpec& object, std::string_view key) {
  const KeySpec* k = object.find(key);
  WSIC_ASSERT(k != nullptr, "the loader reads a key the format's table does not declare");
  return *k;
}

// "a, b or c"
std::string or_list(const std::vector<std::string>& items) {
  if (items.size() < 2) return join(items);
  return join(std::vector<std::string>(items.begin(), items.end() - 1)) + " or " + items.back();
}

std::vector<std::string> strings(const std::vector<std::string_view>& views) {
  return std::vector<std::string>(views.begin(), views.end());
}

// What a missing key takes, said after "missing required key 'k'".
std::string what_it_takes(const KeySpec& k) {
  switch (k.kind) {
    case Kind::kObject:
      return k.object->selector.empty() ? "" : std::string(k.object->noun);
    case Kind::kList:
    case Kind::kString:
    case Kind::kLeverValue:
      return std::string(k.noun);
    case Kind::kEnum:
      return or_list(strings(k.allowed));
    case Kind::kDate:
      return "a date like 2015-04-30";
    case Kind::kDuration:
      return "a duration like '6 months'";
    case Kind::kDistribution:
      return "a duration or a distribution";
    case Kind::kNumber:
    case Kind::kInteger:
    case Kind::kScaled:
      return detail::expected_number(k, false);
    default:
      return "";
  }
}

class Validator {
 public:
  Validator(Sink& sink, Scenario& s) : sink_(sink), s_(s) {}

  bool validate(const YNode& root) {
    const std::size_t before = sink_.count();
    if (!root.is_map()) {
      sink_.at(root, "", "a scenario is a map of keys (name:, calendar:, ...), got " + describe(root));
      return false;
    }
    const Loc top;
    check_keys(root, top, top_);
    require_keys(root, top, top_);
    if (const YNode* n = root.get("name")) name(*n, top.key("name"));
    fill(root, top, top_, "description", s_.description);
    using Section = void (Validator::*)(const YNode&, const Loc&, const KeySpec&);
    for (const auto& [key, section] : {std::pair<const char*, Section>{"calendar", &Validator::calendar},
                                       {"levers", &Validator::levers},
                                       {"plan", &Validator::plan},
                                       {"milestones", &Validator::milestones},
                                       {"programme", &Validator::programme},
                                       {"funding", &Validator::funding},
                                       {"workstreams", &Validator::workstreams},
                                       {"components", &Validator::components},
                                       {"schemes", &Validator::schemes},
                                       {"barriers", &Validator::barriers}}) {
      if (const YNode* n = root.get(key)) (this->*section)(*n, top.key(key), spec_of(top_, key));
    }
    if (root.get("schemes")) check_observed_live();
    return sink_.count() == before;
  }

 private:
  void error(const YNode& at, const Loc& loc, std::string message) { sink_.at(at, loc.path, std::move(message)); }

  // A problem between two values (min and max, a date and the calendar):
  // reported at the one written in the later file of the extends chain, where
  // the change that broke it was made; at `b` when both are in one file.
  void error_between(const YNode& a, const Loc& la, const YNode& b, const Loc& lb, std::string message) {
    if (a.layer > b.layer)
      error(a, la, std::move(message));
    else
      error(b, lb, std::move(message));
  }

  // --- structure, from the table -------------------------------------------

  // Keys the object does not have, with the nearest one it has.
  void check_keys(const YNode& map, const Loc& loc, const ObjectSpec& object) {
    std::vector<std::string> allowed;
    for (const KeySpec& k : object.keys) allowed.emplace_back(k.key);
    std::sort(allowed.begin(), allowed.end());
    for (const auto& e : map.map) {
      if (object.find(e.key) != nullptr) continue;
      std::string msg = "unknown key " + quote_value(e.key);
      const std::string hint = did_you_mean(e.key, allowed);
      msg += hint.empty() ? "; expected one of: " + join(allowed) : hint;
      sink_.add(e.file, e.line, e.col, loc.key(e.key).path, msg);
    }
  }

  // Keys of the object that do not apply to the variant `selected` (a
  // trigger's type, a distribution's dist). False when there are any.
  bool keys_for_variant(const YNode& map, const Loc& loc, const ObjectSpec& object, std::string_view selected) {
    bool clean = true;
    for (const auto& e : map.map) {
      const KeySpec* k = object.find(e.key);
      if (k == nullptr || ObjectSpec::applies(*k, selected)) continue;  // unknown keys are reported already
      const auto takes = variant_keys(object, selected);
      sink_.add(e.file, e.line, e.col, loc.key(e.key).path,
                fmt::format("'{}' {} {} ({})", e.key, object.not_for, variant_name(object, selected),
                            takes.empty() ? "it takes no other keys" : "it takes " + join(takes)));
      clean = false;
    }
    return clean;
  }

  // `map`'s value of the required key `k`; nullptr when it has none, after
  // saying what the key takes (and, for a key of one variant, `context`).
  const YNode* require(const YNode& map, const Loc& loc, const KeySpec& k, std::string_view context = "") {
    if (const YNode* n = map.get(k.key)) return n;
    std::string what = what_it_takes(k);
    if (!context.empty()) what += " (" + std::string(context) + ")";
    error(map, loc.key(k.key), fmt::format("missing required key '{}'{}", k.key, what.empty() ? "" : ": " + what));
    return nullptr;
  }

  // Every key a merged scenario must have (of the variant `selected`, for an
  // object with a selector). False when one is missing.
  bool require_keys(const YNode& map, const Loc& loc, const ObjectSpec& object, std::string_view selected = {}) {
    bool all = true;
    for (const KeySpec& k : object.keys) {
      if (k.required < Required::kFull || !ObjectSpec::applies(k, selected)) continue;
      // A key of one variant says what else that variant takes.
      all =
          require(map, loc, k, k.only_for.empty() ? std::string() : variant_takes(object, selected)) != nullptr && all;
    }
    return all;
  }

  // The keys of the variant `selected` besides the selector.
  static std::vector<std::string> variant_keys(const ObjectSpec& object, std::string_view selected) {
    std::vector<std::string> keys;
    for (const KeySpec& k : object.keys) {
      if (k.key != object.selector && ObjectSpec::applies(k, selected)) keys.emplace_back(k.key);
    }
    return keys;
  }

  // "a pert distribution takes min, mode, max, lambda", when it takes more than one key.
  static std::string variant_takes(const ObjectSpec& object, std::string_view selected) {
    const auto keys = variant_keys(object, selected);
    return keys.size() < 2 ? "" : variant_name(object, selected) + " takes " + join(keys);
  }

  // "a trigger of type window", "an exponential distribution"
  static std::string variant_name(const ObjectSpec& object, std::string_view selected) {
    std::string name = fmt::format(fmt::runtime(object.variant), selected);
    if (name.size() > 2 && name.compare(0, 2, "a ") == 0 &&
        std::string_view("aeio").find(name[2]) != std::string_view::npos)
      return fmt::format("an{}", std::string_view(name).substr(1));
    return name;
  }

  bool expect(bool ok, const YNode& n, const Loc& loc, std::string_view what) {
    if (!ok) error(n, loc, "expected " + std::string(what) + ", got " + describe(n));
    return ok;
  }

  // A map of the keys `object` lists, unknown and missing keys reported.
  // False when `n` is not a map at all.
  bool object(const YNode& n, const Loc& loc, const ObjectSpec& object) {
    if (!expect(n.is_map(), n, loc, object.noun)) return false;
    check_keys(n, loc, object);
    require_keys(n, loc, object);
    return true;
  }

  // A map with a selector (type:, dist:): its variant, once its keys are
  // checked against it; nullopt when the selector is missing or unknown.
  // `clean` is false when keys were missing or did not apply.
  std::optional<std::string> variant(const YNode& n, const Loc& loc, const ObjectSpec& object, bool& clean) {
    check_keys(n, loc, object);
    const KeySpec& selector = spec_of(object, object.selector);
    const YNode* sn = require(n, loc, selector);
    if (sn == nullptr) return std::nullopt;
    auto selected = enum_value(*sn, loc.key(selector.key), selector);
    if (!selected) return std::nullopt;
    clean = keys_for_variant(n, loc, object, *selected);
    clean = require_keys(n, loc, object, *selected) && clean;
    return selected;
  }

  // A list of the length the table allows: false when `n` is not a list.
  // One longer than the model supports is reported at its first item past
  // the limit, and still read, so references into it do not cascade.
  bool list(const YNode& n, const Loc& loc, const KeySpec& k) {
    if (!expect(n.is_seq(), n, loc, k.noun)) return false;
    if (n.seq.size() < k.min_items)
      error(n, loc,
            fmt::format("expected at least {} item{}, got an empty list", k.min_items, k.min_items == 1 ? "" : "s"));
    if (k.max_items != 0 && n.seq.size() > k.max_items) {
      const YNode& first_over = n.seq[k.max_items];
      error(first_over, loc.item(k.max_items, item_id(first_over)), too_many(k));
    }
    return true;
  }

  static std::string too_many(const KeySpec& k) {
    return fmt::format("more than {} {}: the model supports at most {}{}", k.max_items, k.items, k.max_items,
                       k.why.empty() ? "" : " (" + std::string(k.why) + ")");
  }

  // --- values, by kind ------------------------------------------------------

  using Value = std::variant<double, long long, bool, std::string, AnyDistribution, Scaled>;

  template <class T>
  static std::optional<Value> wrap(std::optional<T> v) {
    if (!v) return std::nullopt;
    return Value{std::move(*v)};
  }

  // `n` read as the table says `k` holds; nullopt after reporting why not.
  // Dates are read as days of the simulation, durations as days.
  std::optional<Value> read(const YNode& n, const Loc& loc, const KeySpec& k) {
    switch (k.kind) {
      case Kind::kLine:
      case Kind::kProse:
        return wrap(text(n, loc, k));
      case Kind::kId:
        return wrap(as_id(n, loc));
      case Kind::kEnum:
        return wrap(enum_value(n, loc, k));
      case Kind::kDate:
        return wrap(date_day(n, loc));
      case Kind::kDuration:
        return wrap(duration(n, loc, k.range.min_exclusive));
      case Kind::kDistribution:
        return wrap(distribution(n, loc, k));
      case Kind::kScaled:
        return wrap(scaled(n, loc, k));
      case Kind::kNumber:
        return wrap(number(n, loc, k));
      case Kind::kInteger:
        return wrap(integer(n, loc, k));
      case Kind::kBool:
        return wrap(as_bool(n, loc));
      default:
        return wrap(as_string(n, loc));
    }
  }

  // Reads `key` of `map`, when it is there, into `into`. False when it is
  // there and wrong (reported).
  template <class T>
  bool fill(const YNode& map, const Loc& loc, const ObjectSpec& object, std::string_view key, T& into) {
    const YNode* x = map.get(key);
    if (x == nullptr) return true;
    auto v = read(*x, loc.key(key), spec_of(object, key));
    if (!v) return false;
    std::visit(
        [&](auto&& got) {
          using G = std::decay_t<decltype(got)>;
          if constexpr (std::is_same_v<T, G>) {
            into = std::move(got);
          } else if constexpr (std::is_arithmetic_v<T> && std::is_arithmetic_v<G> && !std::is_same_v<G, bool>) {
            into = static_cast<T>(got);
          } else {
            WSIC_ASSERT(false, "a key's kind in the format's table does not fit the field the loader fills");
          }
        },
        std::move(*v));
    return true;
  }

  std::optional<std::string> as_string(const YNode& n, const Loc& loc) {
    if (n.is_scalar()) return n.scalar;
    error(n, loc, "expected a string, got " + describe(n));
    return std::nullopt;
  }

  // A string shown to people (a name, a label, a description): checked for
  // length and for characters that do not belong in text.
  std::optional<std::string> text(const YNode& n, const Loc& loc, const KeySpec& k) {
    auto v = as_string(n, loc);
    if (!v) return v;
    if (const auto problem = text_problem(*v, k)) {
      error(n, loc, "the text " + *problem);
      return std::nullopt;
    }
    return v;
  }

  // One of the values the table allows.
  std::optional<std::string> enum_value(const YNode& n, const Loc& loc, const KeySpec& k) {
    auto v = as_string(n, loc);
    if (!v || std::find(k.allowed.begin(), k.allowed.end(), *v) != k.allowed.end()) return v;
    std::vector<std::string> names = strings(k.allowed);
    std::string msg = fmt::format("unknown {} {}", k.noun.empty() ? k.key : k.noun, quote_value(*v));
    if (names.size() <= 4) {
      msg += ": expected " + or_list(names) + did_you_mean(*v, names);
    } else {  // a long list is named only when no value is near
      std::sort(names.begin(), names.end());
      const std::string hint = did_you_mean(*v, names);
      msg += hint.empty() ? "; expected one of: " + join(names) : hint;
    }
    error(n, loc, msg);
    return std::nullopt;
  }

  std::optional<double> as_number(const YNode& n, const Loc& loc) {
    if (n.is_scalar() && n.plain) {
      if (auto v = parse_double(n.scalar)) return v;
    }
    std::string msg = "expected a number, got " + describe(n);
    if (n.is_scalar() && !n.plain && parse_double(n.scalar))
      msg += " (written as a string: drop the quotes or the tag)";
    error(n, loc, msg);
    return std::nullopt;
  }

  // A number in the key's range.
  std::optional<double> number(const YNode& n, const Loc& loc, const KeySpec& k) {
    auto v = as_number(n, loc);
    if (!v) return v;
    if (auto problem = number_problem(k, *v)) {
      error(n, loc, *problem);
      return std::nullopt;
    }
    return v;
  }

  // A whole number in the key's range.
  std::optional<long long> integer(const YNode& n, const Loc& loc, const KeySpec& k) {
    if (n.is_scalar() && n.plain) {
      if (auto v = parse_int(n.scalar)) {
        if (!k.range.contains(static_cast<double>(*v))) {
          error(n, loc, fmt::format("expected {}, got {}", expected_number(k), *v));
          return std::nullopt;
        }
        return v;
      }
    }
    error(n, loc,
          fmt::format("expected {}{}, got {}", detail::expected_number(k, false),
                      k.nullable ? ", or null when not reported" : "", describe(n)));
    return std::nullopt;
  }

  std::optional<bool> as_bool(const YNode& n, const Loc& loc) {
    if (auto b = parse_bool(n)) return b;
    error(n, loc, expected_bool(n));
    return std::nullopt;
  }

  std::optional<Date> as_date(const YNode& n, const Loc& loc) {
    if (n.is_scalar()) {
      if (auto d = sim::parse_iso_date(trim(n.scalar))) return d;
    }
    error(n, loc, "expected a date like 2015-04-30, got " + describe(n));
    return std::nullopt;
  }

  // A date strictly between calendar.start and calendar.horizon, as days.
  std::optional<double> date_day(const YNode& n, const Loc& loc) {
    auto d = as_date(n, loc);
    if (!d) return std::nullopt;
    if (!calendar_) return 0.0;  // the calendar's own problem is reported already
    // Blamed on the calendar when it was the later change; the message then
    // names the date it clashes with.
    if (*d <= s_.calendar_start) {
      error_between(
          *start_node_, Loc{}.key("calendar").key("start"), n, loc,
          fmt::format("{} ({}) is not after calendar.start ({}): calendar.start must precede every other date",
                      loc.path, sim::format_iso_date(*d), sim::format_iso_date(s_.calendar_start)));
      return std::nullopt;
    }
    if (*d >= s_.horizon) {
      error_between(*horizon_node_, Loc{}.key("calendar").key("horizon"), n, loc,
                    fmt::format("{} ({}) is not before calendar.horizon ({}): nothing after the horizon is simulated",
                                loc.path, sim::format_iso_date(*d), sim::format_iso_date(s_.horizon)));
      return std::nullopt;
    }
    return calendar_->to_time(*d).in_days();
  }

  std::optional<std::string> as_id(const YNode& n, const Loc& loc) {
    auto v = as_string(n, loc);
    if (v && !is_id(*v)) {
      error(n, loc,
            "expected an id (at most 64 lower-case letters, digits and '_', starting with a letter), got " +
                quote_value(*v));
      return std::nullopt;
    }
    return v;
  }

  // "6 weeks" -> 42 (days). Durations are never negative.
  std::optional<double> duration(const YNode& n, const Loc& loc, bool positive = false) {
    if (!n.is_scalar()) {
      error(n, loc, "expected a duration like '6 months', got " + describe(n));
      return std::nullopt;
    }
    const std::string_view s = trim(n.scalar);
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    const auto number = parse_double(s.substr(0, i));
    const std::string_view unit = trim(s.substr(i));
    if (!number) {
      error(n, loc, "expected a duration like '6 months', got " + describe(n));
      return std::nullopt;
    }
    if (unit.empty()) {
      error(n, loc,
            quote_value(s) + " has no unit: write e.g. '" + std::string(s) +
                " months' (units: days, weeks, months, years)");
      return std::nullopt;
    }
    double days = 0.0;
    if (unit == "day" || unit == "days")
      days = sim::Duration::days(*number).in_days();
    else if (unit == "week" || unit == "weeks")
      days = sim::Duration::weeks(*number).in_days();
    else if (unit == "month" || unit == "months")
      days = sim::Duration::months(*number).in_days();
    else if (unit == "year" || unit == "years")
      days = sim::Duration::years(*number).in_days();
    else {
      error(n, loc,
            "unknown unit " + quote_value(unit) + " in " + quote_value(s) + ": use days, weeks, months or years" +
                did_you_mean(unit, kUnits));
      return std::nullopt;
    }
    if (days < 0.0) {
      error(n, loc, "a duration cannot be negative, got " + quote_value(s));
      return std::nullopt;
    }
    if (positive && days == 0.0) {
      error(n, loc, "expected a duration greater than zero, got " + quote_value(s));
      return std::nullopt;
    }
    return days;
  }

  // The parameters of a distribution as read: in days, or plain numbers.
  struct Params {
    std::map<std::string, double> v;
    std::vector<double> values;  // of an empirical distribution
  };

  // A single duration (fixed) or {dist: ..., parameters}; `k` is the key
  // that holds it.
  std::optional<AnyDistribution> distribution(const YNode& n, const Loc& loc, const KeySpec& k) {
    if (n.is_scalar()) {
      auto d = duration(n, loc);
      if (!d) return std::nullopt;
      return AnyDistribution{sim::Fixed(*d)};
    }
    const ObjectSpec& spec = *k.object;
    if (!expect(n.is_map(), n, loc, "a duration like '6 months' or " + std::string(spec.noun))) return std::nullopt;
    bool ok = true;
    const auto dist = variant(n, loc, spec, ok);
    if (!dist) return std::nullopt;
    Params p;
    for (const KeySpec& param : spec.keys) {
      const YNode* pn = n.get(param.key);
      if (param.key == spec.selector || pn == nullptr || !ObjectSpec::applies(param, *dist)) continue;
      const Loc pl = loc.key(param.key);
      if (param.kind == Kind::kList) {
        ok = durations(*pn, pl, param, p.values) && ok;
        continue;
      }
      auto x = param.kind == Kind::kNumber ? number(*pn, pl, param) : duration(*pn, pl, param.range.min_exclusive);
      if (x)
        p.v[std::string(param.key)] = *x;
      else
        ok = false;
    }
    if (!ok) return std::nullopt;
    return make_distribution(n, loc, *dist, p);
  }

  // A list of durations, into `out`: false when any is wrong.
  bool durations(const YNode& n, const Loc& loc, const KeySpec& k, std::vector<double>& out) {
    if (!list(n, loc, k)) return false;
    bool ok = !n.seq.empty();
    for (std::size_t i = 0; i < n.seq.size(); ++i) {
      auto x = duration(n.seq[i], loc.item(i, std::nullopt));
      if (x)
        out.push_back(*x);
      else
        ok = false;
    }
    return ok;
  }

  // The distribution `dist` of parameters `p`, once they agree with one
  // another (min < max, min <= mode <= max).
  std::optional<AnyDistribution> make_distribution(const YNode& n, const Loc& loc, const std::string& dist, Params& p) {
    auto& v = p.v;
    const auto param_node = [&](const char* key) -> const YNode& { return *n.get(key); };
    const auto describe_days = [&](const char* key) { return std::string(key) + " (" + format_days(v[key]) + ")"; };
    if ((dist == "uniform" || dist == "triangular" || dist == "pert") && !(v["min"] < v["max"])) {
      error_between(param_node("min"), loc.key("min"), param_node("max"), loc.key("max"),
                    describe_days("min") + " must be less than " + describe_days("max"));
      return std::nullopt;
    }
    if ((dist == "triangular" || dist == "pert") && (v["mode"] < v["min"] || v["mode"] > v["max"])) {
      const char* bound = v["mode"] < v["min"] ? "min" : "max";
      error_between(param_node(bound), loc.key(bound), param_node("mode"), loc.key("mode"),
                    describe_days("mode") + " must lie between min (" + format_days(v["min"]) + ") and max (" +
                        format_days(v["max"]) + ")");
      return std::nullopt;
    }
    // The constructors check again; anything they still refuse is reported
    // at the distribution rather than escaping as an exception.
    try {
      if (dist == "fixed") return AnyDistribution{sim::Fixed(v["value"])};
      if (dist == "uniform") return AnyDistribution{sim::Uniform(v["min"], v["max"])};
      if (dist == "triangular") return AnyDistribution{sim::Triangular(v["min"], v["mode"], v["max"])};
      if (dist == "pert")
        return AnyDistribution{sim::BetaPert(v["min"], v["mode"], v["max"], v.count("lambda") ? v["lambda"] : 4.0)};
      if (dist == "exponential") return AnyDistribution{sim::Exponential(1.0 / v["mean"])};
      if (dist == "lognormal") return AnyDistribution{sim::LogNormal(std::log(v["median"]), v["sigma"])};
      if (dist == "gamma") return AnyDistribution{sim::Gamma(v["shape"], v["mean"] / v["shape"])};
      if (dist == "weibull") return AnyDistribution{sim::Weibull(v["shape"], v["scale"])};
      if (dist == "normal") return AnyDistribution{sim::Normal(v["mean"], v["sd"])};
      return AnyDistribution{sim::Empirical(p.values)};
    } catch (const sim::DistributionError& e) {
      error(n, loc, std::string("not a valid distribution: ") + e.what());
      return std::nullopt;
    }
  }

  // A lever index by id; reported (with a suggestion) when there is none.
  std::optional<int> lever_ref(const YNode& n, const Loc& loc, Lever::Kind kind) {
    auto id = as_string(n, loc);
    if (!id) return std::nullopt;
    const auto it = lever_index_.find(*id);
    if (it == lever_index_.end()) {
      std::vector<std::string> ids;
      for (const auto& l : s_.levers) ids.push_back(l.id);
      error(n, loc, "no lever " + quote_value(*id) + " is defined" + did_you_mean(*id, ids));
      return std::nullopt;
    }
    if (s_.levers[static_cast<std::size_t>(it->second)].kind != kind) {
      error(n, loc,
            "lever '" + *id + "' is " +
                (kind == Lever::Kind::kDate ? "a number; a date lever is needed here"
                                            : "a date; a number lever is needed here"));
      return std::nullopt;
    }
    return it->second;
  }

  // A plain number or {value, lever, power | form}, in the range of `k`.
  std::optional<Scaled> scaled(const YNode& n, const Loc& loc, const KeySpec& k) {
    if (n.is_scalar()) {
      auto v = number(n, loc, k);
      if (!v) return std::nullopt;
      return Scaled{*v};
    }
    if (!expect(n.is_map(), n, loc, k.object->noun)) return std::nullopt;
    check_keys(n, loc, *k.object);
    Scaled out;
    bool ok = require_keys(n, loc, *k.object);
    if (const YNode* v = n.get("value")) {
      if (auto x = number(*v, loc.key("value"), k))
        out.base = *x;
      else
        ok = false;
    }
    if (const YNode* l = n.get("lever")) {
      if (auto i = lever_ref(*l, loc.key("lever"), Lever::Kind::kNumber))
        out.lever = *i;
      else
        ok = false;
    }
    ok = scaled_form(n, loc, *k.object, out) && ok;
    if (!ok) return std::nullopt;
    if (out.lever >= 0 && !within_range_at_every_setting(n, loc, out, k)) return std::nullopt;
    return out;
  }

  // The form and power of a scaled value.
  bool scaled_form(const YNode& n, const Loc& loc, const ObjectSpec& spec, Scaled& out) {
    bool ok = true;
    std::string form;
    if (!fill(n, loc, spec, "form", form)) ok = false;
    if (form == "complement") out.form = Scaled::Form::kComplement;
    if (const YNode* p = n.get("power")) {
      if (out.form == Scaled::Form::kComplement) {
        error(*p, loc.key("power"), "power applies only with form: power (this value is value * (1 - lever))");
        ok = false;
      } else if (!fill(n, loc, spec, "power", out.power)) {
        ok = false;
      }
    }
    if (out.lever < 0 && (n.get("form") != nullptr || n.get("power") != nullptr) && n.get("lever") == nullptr) {
      error(n, loc.key("lever"), "form and power need a lever: name one with lever:");
      ok = false;
    }
    return ok;
  }

  // A lever-scaled number must stay in its range with the lever at its value,
  // its low and its high setting (the settings sensitivity analysis uses),
  // not only as written.
  bool within_range_at_every_setting(const YNode& n, const Loc& loc, const Scaled& sv, const KeySpec& k) {
    const Lever& l = s_.levers[static_cast<std::size_t>(sv.lever)];
    if (!levers_ok_[static_cast<std::size_t>(sv.lever)]) return true;  // the lever's own problem is reported
    for (const auto& [setting, v] :
         {std::pair{"value", l.value}, std::pair{"low setting", l.low}, std::pair{"high setting", l.high}}) {
      const double x = sv.at(v);
      if (std::isfinite(x) && k.range.contains(x)) continue;
      const std::string formula =
          sv.form == Scaled::Form::kComplement
              ? fmt::format("{} * (1 - {})", format_number(sv.base), format_number(v))
              : fmt::format("{} * {}^{}", format_number(sv.base), format_number(v), format_number(sv.power));
      error(n, loc,
            fmt::format("with lever '{}' at its {} ({}) this is {} = {}; expected {} at every setting of the lever",
                        l.id, setting, format_number(v), formula, format_number(x), expected_number(k)));
      return false;
    }
    return true;
  }

  // --- sections ------------------------------------------------------------

  void name(const YNode& n, const Loc& loc) {
    auto v = as_string(n, loc);
    if (!v) return;
    if (!is_name(*v))
      error(
          n, loc,
          "expected a name of at most 64 lower-case letters, digits, '_' and '-' starting with a letter (it names the "
          "results directory), got " +
              quote_value(*v));
    s_.name = *v;
  }

  void calendar(const YNode& n, const Loc& loc, const KeySpec& k) {
    if (!object(n, loc, *k.object)) return;
    std::optional<Date> start, horizon;
    if (const YNode* x = n.get("start")) start = as_date(*x, loc.key("start"));
    if (const YNode* x = n.get("horizon")) horizon = as_date(*x, loc.key("horizon"));
    if (!start || !horizon) return;
    if (*horizon <= *start) {
      error_between(*n.get("start"), loc.key("start"), *n.get("horizon"), loc.key("horizon"),
                    "calendar.horizon (" + sim::format_iso_date(*horizon) + ") must be after calendar.start (" +
                        sim::format_iso_date(*start) + ")");
      return;
    }
    if (limits::calendar_too_long(*start, *horizon)) {
      error_between(*n.get("start"), loc.key("start"), *n.get("horizon"), loc.key("horizon"),
                    fmt::format("the calendar runs from {} to {}, more than {} years: the model supports at most {} "
                                "(results are counted per calendar day)",
                                sim::format_iso_date(*start), sim::format_iso_date(*horizon), limits::kCalendarYears,
                                limits::kCalendarYears));
      return;
    }
    start_node_ = n.get("start");
    horizon_node_ = n.get("horizon");
    s_.calendar_start = *start;
    s_.horizon = *horizon;
    calendar_.emplace(*start);
    s_.horizon_day = calendar_->to_time(*horizon).in_days();
  }

  void plan(const YNode& n, const Loc& loc, const KeySpec& k) {
    if (!object(n, loc, *k.object)) return;
    if (const YNode* x = n.get("pilot_start")) {
      if (auto d = date_day(*x, loc.key("pilot_start"))) {
        s_.planned_pilot_start = *sim::parse_iso_date(trim(x->scalar));
        s_.planned_pilot_day = *d;
      }
    }
  }

  // Calls `each` for every item of the list `n` of objects (`k`) that is a
  // map, after reporting its unknown and missing keys.
  template <class Each>
  void objects(const YNode& n, const Loc& loc, const KeySpec& k, Each each) {
    if (!list(n, loc, k)) return;
    for (std::size_t i = 0; i < n.seq.size(); ++i) {
      const Loc il = loc.item(i, std::nullopt);
      if (object(n.seq[i], il, *k.object)) each(n.seq[i], il, *k.object);
    }
  }

  void milestones(const YNode& n, const Loc& loc, const KeySpec& k) {
    objects(n, loc, k, [&](const YNode& m, const Loc& ml, const ObjectSpec& spec) {
      Milestone out;
      bool ok = m.get("date") != nullptr && m.get("label") != nullptr;
      if (const YNode* d = m.get("date")) {
        if (auto day = date_day(*d, ml.key("date"))) {
          out.date = *sim::parse_iso_date(trim(d->scalar));
          out.day = *day;
        } else {
          ok = false;
        }
      }
      ok = fill(m, ml, spec, "label", out.label) && ok;
      if (m.get("observed_live") != nullptr && fill(m, ml, spec, "observed_live", out.observed_live) && ok)
        observed_live_nodes_.push_back({s_.milestones.size(), m.get("observed_live"), ml.key("observed_live")});
      if (ok) s_.milestones.push_back(std::move(out));
    });
  }

  // An observed count cannot exceed the schemes there are: checked once the
  // schemes are read.
  void check_observed_live() {
    for (const auto& [index, node, loc] : observed_live_nodes_) {
      const int v = s_.milestones[index].observed_live;
      if (static_cast<std::size_t>(v) > s_.schemes.size())
        error(*node, loc,
              "expected at most the number of schemes (" + std::to_string(s_.schemes.size()) + "), got " +
                  std::to_string(v));
    }
  }

  void programme(const YNode& n, const Loc& loc, const KeySpec& k) {
    if (!object(n, loc, *k.object)) return;
    const ObjectSpec& spec = *k.object;
    fill(n, loc, spec, "codesign_start", s_.codesign_start);
    fill(n, loc, spec, "codesign_duration", s_.codesign_duration);
    fill(n, loc, spec, "designation", s_.designation);
    fill(n, loc, spec, "design_duration", s_.design_work);
    fill(n, loc, spec, "ramp_duration", s_.ramp);
    fill(n, loc, spec, "central_capacity", s_.central_capacity);
    fill(n, loc, spec, "central_support_elasticity", s_.central_support_elasticity);
    fill(n, loc, spec, "unsupported_design_penalty", s_.unsupported_design_penalty);
    fill(n, loc, spec, "local_support_elasticity", s_.local_support_elasticity);
    fill(n, loc, spec, "transactional_prep_effect", s_.transactional_prep_effect);
    for (const auto& [key, into] : {std::pair{"central_support_reference", &s_.central_support_reference},
                                    std::pair{"local_support_reference", &s_.local_support_reference},
                                    std::pair{"codesign_support_reference", &s_.codesign_support_reference}}) {
      if (double v = 0.0; n.get(key) != nullptr && fill(n, loc, spec, key, v)) *into = v;
    }
    fill(n, loc, spec, "codesign_support_elasticity", s_.codesign_support_elasticity);
    fill(n, loc, spec, "promise_slack", s_.promise_slack);
    fill(n, loc, spec, "promise_drift", s_.promise_drift);
  }

  void funding(const YNode& n, const Loc& loc, const KeySpec& k) {
    std::optional<long long> previous;
    objects(n, loc, k, [&](const YNode& f, const Loc& fl, const ObjectSpec& spec) {
      FundingYear out;
      const YNode* y = f.get("year");
      std::optional<long long> year;
      if (y != nullptr) year = integer(*y, fl.key("year"), spec_of(spec, "year"));
      if (year && previous && *year != *previous + 1)
        error(*y, fl.key("year"),
              fmt::format("funding years must be consecutive: {} follows {} (expected {})", *year, *previous,
                          *previous + 1));
      if (year) out.year = static_cast<int>(*year);
      bool ok = year.has_value() || y == nullptr;
      previous = year;
      for (const auto& [key, into] : {std::pair{"central", &out.central}, std::pair{"consultancy", &out.consultancy},
                                      std::pair{"local", &out.local}}) {
        ok = fill(f, fl, spec, key, *into) && ok;
      }
      ok = ok && f.get("central") != nullptr && f.get("local") != nullptr;
      if (ok && out.consultancy > out.central) {
        error_between(*f.get("central"), fl.key("central"), *f.get("consultancy"), fl.key("consultancy"),
                      "consultancy (" + format_number(out.consultancy) + ") is part of central (" +
                          format_number(out.central) + ") and cannot exceed it");
      }
      if (ok) s_.funding.push_back(out);
    });
  }

  void levers(const YNode& n, const Loc& loc, const KeySpec& k) {
    if (!expect(n.is_map(), n, loc, k.noun)) return;
    if (n.map.size() > k.max_items) {
      const YEntry& e = n.map[k.max_items];
      sink_.add(e.file, e.line, e.col, loc.key(e.key).path, too_many(k));
    }
    for (const auto& e : n.map) {
      const Loc ll = loc.key(e.key);
      if (!is_id(e.key)) {
        sink_.add(e.file, e.line, e.col, ll.path,
                  "a lever id is at most 64 lower-case letters, digits and '_', starting with a letter; got " +
                      quote_value(e.key));
        continue;
      }
      if (object(e.value, ll, *k.object)) lever(e.key, e.value, ll, *k.object);
    }
    const auto index_of = [&](const char* id) {
      const auto it = lever_index_.find(id);
      return it == lever_index_.end() ? -1 : it->second;
    };
    s_.lever_central_share = index_of("central_share");
    s_.lever_transactional_investment = index_of("transactional_investment");
    s_.lever_promised_go_live = index_of("promised_go_live");
  }

  void lever(const std::string& id, const YNode& l, const Loc& ll, const ObjectSpec& spec) {
    Lever out;
    out.id = id;
    out.name = id;
    fill(l, ll, spec, "name", out.name);
    fill(l, ll, spec, "description", out.description);
    if (std::string role; fill(l, ll, spec, "role", role) && role == "uncertainty")
      out.role = Lever::Role::kUncertainty;
    fill(l, ll, spec, "group", out.group);
    fill(l, ll, spec, "unit", out.unit);
    const bool costs = lever_cost(l, ll, spec, out);
    AnyDistribution slip = sim::Fixed(0.0);
    const bool slip_ok = l.get("slip") == nullptr || fill(l, ll, spec, "slip", slip);
    if (l.get("slip") != nullptr && slip_ok) out.slip = std::move(slip);
    const YNode* value = l.get("value");
    if (value == nullptr) return;
    // The value decides the kind; low and high must agree with it.
    const bool is_date = value->is_scalar() && sim::parse_iso_date(trim(value->scalar)).has_value();
    out.kind = is_date ? Lever::Kind::kDate : Lever::Kind::kNumber;
    bool ok = true;
    if (!is_date && !(value->is_scalar() && value->plain && parse_double(value->scalar))) {
      error(*value, ll.key("value"), "expected a number or a date like 2016-04-01, got " + describe(*value));
      // Kept, with the kind its bounds suggest, so references to it don't cascade.
      const YNode* low = l.get("low");
      if (low != nullptr && low->is_scalar() && sim::parse_iso_date(trim(low->scalar))) out.kind = Lever::Kind::kDate;
      ok = false;
    } else {
      ok = lever_settings(l, ll, is_date, out) && model_lever(l, ll, is_date, out);
      if (!is_date && out.slip) {
        error(*l.get("slip"), ll.key("slip"), "only a date lever slips: a slip is a duration added to its date");
        ok = false;
      }
      if (is_date && out.costed()) {
        error(*l.get("paid_from"), ll.key("paid_from"),
              "a date lever has no cost: costs are £m per unit of a number lever's value");
        ok = false;
      }
    }
    if (const YNode* changes = l.get("changes"); changes != nullptr && ok)
      ok = lever_changes(*changes, ll.key("changes"), spec_of(spec, "changes"), is_date, out);
    ok = ok && costs && slip_ok;
    // Kept even when a bound is wrong, so references to it don't cascade.
    lever_index_.emplace(out.id, static_cast<int>(s_.levers.size()));
    s_.levers.push_back(std::move(out));
    levers_ok_.push_back(ok);
  }

  // A number lever's changes over time: in date order, each value within
  // the lever's low and high, and no more in the scenario than the model's
  // limit.
  bool lever_changes(const YNode& n, const Loc& loc, const KeySpec& k, bool is_date, Lever& out) {
    if (is_date) {
      error(n, loc,
            "only a number lever changes over time; a date lever is a date something happens (give it one value, "
            "or a slip)");
      return false;
    }
    const std::size_t before = sink_.count();
    const YNode* last_from = nullptr;
    objects(n, loc, k, [&](const YNode& c, const Loc& cl, const ObjectSpec& spec) {
      const YNode* from = c.get("from");
      const YNode* value = c.get("value");
      if (from == nullptr || value == nullptr) return;
      Lever::Change change;
      const auto day = date_day(*from, cl.key("from"));
      double v = 0.0;
      const bool v_ok = fill(c, cl, spec, "value", v);
      if (!day || !v_ok) return;
      change.date = *sim::parse_iso_date(trim(from->scalar));
      change.day = *day;
      change.value = v;
      if (!out.changes.empty() && change.day <= out.changes.back().day) {
        error(*from, cl.key("from"),
              fmt::format("changes must be in date order: {} is not after the change before it ({})",
                          sim::format_iso_date(change.date), trim(last_from->scalar)));
        return;
      }
      if (v < out.low || v > out.high) {
        error(*value, cl.key("value"),
              fmt::format("a change's value must lie within the lever's low and high ({} to {}), as its value "
                          "does; got {} (widen low or high, or change this value)",
                          format_number(out.low), format_number(out.high), format_number(v)));
        return;
      }
      last_from = from;
      out.changes.push_back(change);
      // (One lever's list past the limit is reported as such already.)
      if (++changes_ == model::limits::kLeverChanges + 1 && out.changes.size() <= model::limits::kLeverChanges) {
        error(c, cl,
              fmt::format("the scenario changes lever values more than {} times; the model supports at most {} "
                          "(each change starts a period whose values every replication reads)",
                          model::limits::kLeverChanges, model::limits::kLeverChanges));
      }
    });
    return sink_.count() == before;
  }

  // A lever's cost: amounts and the pot that pays them, which a cost needs.
  bool lever_cost(const YNode& l, const Loc& ll, const ObjectSpec& spec, Lever& out) {
    bool ok = fill(l, ll, spec, "cost_per_year", out.cost_per_year);
    ok = fill(l, ll, spec, "cost_once", out.cost_once) && ok;
    if (std::string pot; fill(l, ll, spec, "paid_from", pot) && !pot.empty())
      out.paid_from = pot == "local" ? Lever::Pot::kLocal : Lever::Pot::kCentral;
    for (const char* key : {"cost_per_year", "cost_once"}) {
      if (l.get(key) != nullptr && l.get("paid_from") == nullptr) {
        error(*l.get(key), ll.key(key), "a cost needs the pot it comes out of: add paid_from: central or local");
        ok = false;
      }
    }
    return ok;
  }

  // A lever's value, low and high: all dates or all numbers, low <= value <= high.
  bool lever_settings(const YNode& l, const Loc& ll, bool is_date, Lever& out) {
    const auto read = [&](const YNode& x, const char* key) -> std::optional<double> {
      const Loc kl = ll.key(key);
      if (x.is_scalar() && std::string_view(key) != "value") {
        const bool x_date = sim::parse_iso_date(trim(x.scalar)).has_value();
        const bool x_number = x.plain && parse_double(x.scalar).has_value();
        if ((x_date && !is_date) || (x_number && is_date)) {
          error(x, kl,
                std::string("a lever's value, low and high must be all dates or all numbers: value is ") +
                    (is_date ? "a date" : "a number") + ", " + key + " is " + (x_date ? "a date" : "a number"));
          return std::nullopt;
        }
      }
      if (is_date) return date_day(x, kl);
      return as_number(x, kl);
    };
    const YNode* value = l.get("value");
    const YNode* low = l.get("low");
    const YNode* high = l.get("high");
    bool ok = true;
    for (const auto& [node, key, into] : {std::tuple{value, "value", &out.value}, std::tuple{low, "low", &out.low},
                                          std::tuple{high, "high", &out.high}}) {
      *into = out.value;  // low and high are the value when absent
      if (node == nullptr) continue;
      if (auto v = read(*node, key))
        *into = *v;
      else
        ok = false;
    }
    if (ok && low != nullptr && out.low > out.value) {
      error_between(*value, ll.key("value"), *low, ll.key("low"),
                    "low (" + describe(*low) + ") must not exceed value (" + describe(*value) + ")");
      ok = false;
    }
    if (ok && high != nullptr && out.high < out.value) {
      error_between(*value, ll.key("value"), *high, ll.key("high"),
                    "high (" + describe(*high) + ") must not be below value (" + describe(*value) + ")");
      ok = false;
    }
    return ok;
  }

  // Levers the model reads by id have a fixed kind and range.
  bool model_lever(const YNode& l, const Loc& ll, bool is_date, const Lever& out) {
    const std::string& id = out.id;
    const YNode* value = l.get("value");
    if ((id == "national_ig_action" || id == "national_payment_action" || id == "promised_go_live") && !is_date) {
      error(*value, ll.key("value"), "lever '" + id + "' is read by the model as a date: give a date like 2016-04-01");
      return false;
    }
    if (id != "central_share" && id != "transactional_investment") return true;
    if (is_date) {
      error(*value, ll.key("value"), "lever '" + id + "' is read by the model as a number in [0, 1], not a date");
      return false;
    }
    bool ok = true;
    for (const char* key : {"value", "low", "high"}) {
      const YNode* x = l.get(key);
      if (x == nullptr) continue;
      const double v = *parse_double(x->scalar);
      if (v < 0.0 || v > 1.0) {
        error(*x, ll.key(key), "lever '" + id + "' is a share: expected a number in [0, 1], got " + format_number(v));
        ok = false;
      }
    }
    return ok;
  }

  // Items of an id'd list: checks ids (format, duplicates) and calls `each`.
  template <class Each>
  void id_items(const YNode& n, const Loc& loc, const ObjectSpec& spec, std::vector<std::string>& ids, Each each) {
    std::unordered_map<std::string, int> first_line;
    for (std::size_t i = 0; i < n.seq.size(); ++i) {
      const YNode& item = n.seq[i];
      const auto id = item_id(item);
      const Loc il = loc.item(i, id);
      if (!expect(item.is_map(), item, il, spec.noun)) continue;
      check_keys(item, il, spec);
      const YNode* idn = require(item, il, spec_of(spec, "id"));
      if (idn == nullptr) continue;
      auto ids_ok = as_id(*idn, il.key("id"));
      if (!ids_ok) continue;
      if (const YNode* rm = item.get("remove")) {
        if (const auto remove = as_bool(*rm, il.key("remove")); remove == true)
          error(*rm, il.key("remove"),
                "remove: true only applies in an overlay, to an item of the scenario it extends");
      }
      if (const auto [it, fresh] = first_line.emplace(*ids_ok, idn->line); !fresh) {
        error(*idn, il.key("id"),
              "duplicate id '" + *ids_ok + "' (first used at line " + std::to_string(it->second) + ")");
        continue;
      }
      require_keys(item, il, spec);
      ids.push_back(*ids_ok);
      each(item, il, *ids_ok);
    }
  }

  void workstreams(const YNode& n, const Loc& loc, const KeySpec& k) {
    if (!list(n, loc, k)) return;
    const ObjectSpec& spec = *k.object;
    std::vector<std::string> ids;
    std::vector<const YNode*> nodes;
    id_items(n, loc, spec, ids, [&](const YNode& w, const Loc& wl, const std::string& id) {
      Workstream out{.id = id,
                     .name = {},
                     .kind = Workstream::Kind::kEngagement,
                     .work = AnyDistribution{sim::Fixed(0.0)},
                     .after = {},
                     .needed_for_go_live = true};
      const auto& reserved = spec_of(spec, "id").reserved;
      if (std::find(reserved.begin(), reserved.end(), id) != reserved.end())
        error(*w.get("id"), wl.key("id"), "'design' is reserved: barriers' targets use it for the local design phase");
      fill(w, wl, spec, "name", out.name);
      std::string kind;
      if (fill(w, wl, spec, "kind", kind) && kind == "transactional") out.kind = Workstream::Kind::kTransactional;
      fill(w, wl, spec, "work", out.work);
      fill(w, wl, spec, "needed_for_go_live", out.needed_for_go_live);
      s_.workstreams.push_back(std::move(out));
      nodes.push_back(&w);
    });
    for (std::size_t i = 0; i < ids.size(); ++i) workstream_index_.emplace(ids[i], static_cast<int>(i));
    // Prerequisites, now that every id is known.
    bool all_resolved = true;
    std::vector<std::vector<const YNode*>> after_nodes(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const YNode* a = nodes[i]->get("after");
      if (a == nullptr) continue;
      const Loc al = loc.item(i, ids[i]).key("after");
      if (!list(*a, al, spec_of(spec, "after"))) continue;
      for (std::size_t j = 0; j < a->seq.size(); ++j) {
        const YNode& ref = a->seq[j];
        const Loc rl = al.item(j, std::nullopt);
        auto target = workstream_ref(ref, rl);
        if (target && *target == static_cast<int>(i)) {
          error(ref, rl, "workstream '" + ids[i] + "' cannot come after itself");
          target.reset();
        }
        if (!target) {
          all_resolved = false;
          continue;
        }
        s_.workstreams[i].after.push_back(*target);
        after_nodes[i].push_back(&ref);
      }
    }
    if (all_resolved) find_cycles(ids, after_nodes);
  }

  std::optional<int> workstream_ref(const YNode& ref, const Loc& rl) {
    auto id = as_string(ref, rl);
    if (!id) return std::nullopt;
    const auto it = workstream_index_.find(*id);
    if (it != workstream_index_.end()) return it->second;
    std::vector<std::string> ids;
    for (const auto& w : s_.workstreams) ids.push_back(w.id);
    error(ref, rl, "no workstream " + quote_value(*id) + did_you_mean(*id, ids));
    return std::nullopt;
  }

  // Cycles in `after`, found by depth-first search: a back edge closes a
  // cycle, which is the stretch of the current DFS path from its target.
  void find_cycles(const std::vector<std::string>& ids, const std::vector<std::vector<const YNode*>>& after_nodes) {
    using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
    const std::size_t count = s_.workstreams.size();
    Graph g(count);
    for (std::size_t i = 0; i < count; ++i)
      for (const int j : s_.workstreams[i].after) boost::add_edge(i, static_cast<std::size_t>(j), g);

    struct CycleRecorder : boost::default_dfs_visitor {
      std::vector<std::size_t>* path;
      std::vector<std::vector<std::size_t>>* cycles;
      void discover_vertex(std::size_t v, const Graph&) { path->push_back(v); }
      void finish_vertex(std::size_t, const Graph&) { path->pop_back(); }
      void back_edge(const boost::graph_traits<Graph>::edge_descriptor& e, const Graph& graph) {
        const std::size_t target = boost::target(e, graph);
        const auto start = std::find(path->begin(), path->end(), target);
        std::vector<std::size_t> cycle(start, path->end());
        cycle.push_back(target);
        cycles->push_back(std::move(cycle));
      }
    };
    std::vector<std::size_t> path;
    std::vector<std::vector<std::size_t>> cycles;
    CycleRecorder visitor;
    visitor.path = &path;
    visitor.cycles = &cycles;
    std::vector<boost::default_color_type> colors(count);
    boost::depth_first_search(g, boost::visitor(visitor).color_map(boost::make_iterator_property_map(
                                     colors.begin(), boost::get(boost::vertex_index, g))));
    for (const auto& cycle : cycles) {
      std::vector<std::string> names;
      for (const auto v : cycle) names.push_back(ids[v]);
      // Report at the `after` entry that closes the cycle.
      const std::size_t from = cycle[cycle.size() - 2];
      const std::size_t to = cycle.back();
      const auto& after = s_.workstreams[from].after;
      const auto k =
          static_cast<std::size_t>(std::find(after.begin(), after.end(), static_cast<int>(to)) - after.begin());
      const YNode& at = *after_nodes[from][k];
      sink_.at(at, "workstreams[" + ids[from] + "].after",
               "workstream graph has a cycle: " + join(names, " -> ") + " (each waits, through after:, for the next)");
    }
  }

  void components(const YNode& n, const Loc& loc, const KeySpec& k) {
    if (!list(n, loc, k)) return;
    const ObjectSpec& spec = *k.object;
    std::vector<std::string> ids;
    id_items(n, loc, spec, ids, [&](const YNode& c, const Loc& cl, const std::string& id) {
      Component out{.id = id, .name = {}, .needs = {}};
      fill(c, cl, spec, "name", out.name);
      if (const YNode* needs = c.get("needs");
          needs != nullptr && list(*needs, cl.key("needs"), spec_of(spec, "needs"))) {
        for (std::size_t j = 0; j < needs->seq.size(); ++j) {
          const auto w = workstream_ref(needs->seq[j], cl.key("needs").item(j, std::nullopt));
          if (w && std::find(out.needs.begin(), out.needs.end(), *w) == out.needs.end()) out.needs.push_back(*w);
        }
      }
      s_.components.push_back(std::move(out));
    });
    for (std::size_t i = 0; i < ids.size(); ++i) component_index_.emplace(ids[i], static_cast<int>(i));
  }

  // A scheme's components: ids of the scenario's components, each once.
  void scheme_components(const YNode& n, const Loc& loc, const KeySpec& k, Scheme& out) {
    if (!list(n, loc, k)) return;
    for (std::size_t j = 0; j < n.seq.size(); ++j) {
      const YNode& ref = n.seq[j];
      const Loc rl = loc.item(j, std::nullopt);
      auto id = as_string(ref, rl);
      if (!id) continue;
      const auto it = component_index_.find(*id);
      if (it == component_index_.end()) {
        std::vector<std::string> ids;
        for (const auto& c : s_.components) ids.push_back(c.id);
        error(ref, rl,
              "no component " + quote_value(*id) +
                  (ids.empty() ? std::string(": the scenario lists no components") : did_you_mean(*id, ids)));
        continue;
      }
      if (std::find(out.components.begin(), out.components.end(), it->second) != out.components.end()) {
        error(ref, rl, "component " + quote_value(*id) + " is listed twice");
        continue;
      }
      out.components.push_back(it->second);
    }
  }

  void schemes(const YNode& n, const Loc& loc, const KeySpec& k) {
    if (!list(n, loc, k)) return;
    const ObjectSpec& spec = *k.object;
    std::vector<std::string> ids;
    id_items(n, loc, spec, ids, [&](const YNode& sc, const Loc& sl, const std::string& id) {
      Scheme out;
      out.id = id;
      if (const auto why = reserved_scheme_id(id, spec_of(spec, "id"))) error(*sc.get("id"), sl.key("id"), *why);
      fill(sc, sl, spec, "name", out.name);
      fill(sc, sl, spec, "model_of_care", out.model_of_care);
      fill(sc, sl, spec, "note", out.note);
      fill(sc, sl, spec, "readiness", out.readiness);
      if (const YNode* x = sc.get("populations"))
        populations(*x, sl.key("populations"), spec_of(spec, "populations"), out);
      if (const YNode* x = sc.get("components"))
        scheme_components(*x, sl.key("components"), spec_of(spec, "components"), out);
      s_.schemes.push_back(std::move(out));
    });
    for (std::size_t i = 0; i < ids.size(); ++i) scheme_index_.emplace(ids[i], static_cast<int>(i));
  }

  void populations(const YNode& n, const Loc& loc, const KeySpec& k, Scheme& out) {
    objects(n, loc, k, [&](const YNode& p, const Loc& il, const ObjectSpec& spec) {
      Population pop;
      fill(p, il, spec, "group", pop.group);
      // null (or nothing) is a size not reported
      const YNode* size = p.get("size");
      if (size != nullptr && !size->is_null() &&
          !(size->is_scalar() && size->plain && (size->scalar == "null" || size->scalar == "~")))
        fill(p, il, spec, "size", pop.size);
      out.populations.push_back(std::move(pop));
    });
  }

  void barriers(const YNode& n, const Loc& loc, const KeySpec& k) {
    if (!list(n, loc, k)) return;
    std::vector<std::string> ids;
    id_items(n, loc, *k.object, ids,
             [&](const YNode& b, const Loc& bl, const std::string& id) { barrier(b, bl, id, *k.object); });
  }

  void barrier(const YNode& b, const Loc& bl, const std::string& id, const ObjectSpec& spec) {
    Barrier out;
    out.id = id;
    fill(b, bl, spec, "name", out.name);
    fill(b, bl, spec, "description", out.description);
    if (const YNode* x = b.get("scope")) scope(*x, bl.key("scope"), out);
    if (const YNode* x = b.get("trigger")) trigger(*x, bl.key("trigger"), spec_of(spec, "trigger"), out);
    if (const YNode* x = b.get("targets")) targets(*x, bl.key("targets"), spec_of(spec, "targets"), out);
    const YNode* effect = b.get("effect");
    if (effect != nullptr) this->effect(*effect, bl.key("effect"), spec_of(spec, "effect"), out);
    const bool effect_ok = effect != nullptr && effect_ok_;
    const YNode* res = b.get("resolution");
    if (effect_ok && out.effect == Barrier::Effect::kBlock && res == nullptr)
      error(*effect, bl.key("effect"), "effect: block needs a resolution (national_action, workaround or both)");
    if (res != nullptr && effect_ok && out.effect != Barrier::Effect::kBlock)
      error(*res, bl.key("resolution"), "resolution applies only with effect: block");
    else if (res != nullptr)
      resolution(*res, bl.key("resolution"), *spec_of(spec, "resolution").object, out);
    s_.barriers.push_back(std::move(out));
  }

  void resolution(const YNode& n, const Loc& loc, const ObjectSpec& spec, Barrier& out) {
    if (!object(n, loc, spec)) return;
    const YNode* national = n.get("national_action");
    if (national == nullptr && n.get("workaround") == nullptr)
      error(n, loc, "a resolution needs national_action (a date lever), workaround (a distribution) or both");
    if (national != nullptr) {
      if (auto i = lever_ref(*national, loc.key("national_action"), Lever::Kind::kDate)) out.national_action_lever = *i;
    }
    AnyDistribution workaround = sim::Fixed(0.0);
    if (n.get("workaround") != nullptr && fill(n, loc, spec, "workaround", workaround))
      out.workaround = std::move(workaround);
    fill(n, loc, spec, "workaround_pace", out.workaround_pace);
    if (n.get("workaround_pace") != nullptr && n.get("workaround") == nullptr)
      error(*n.get("workaround_pace"), loc.key("workaround_pace"),
            "workaround_pace is the pace after a local workaround: add workaround (a distribution)");
  }

  void scope(const YNode& x, const Loc& loc, Barrier& out) {
    auto s = as_string(x, loc);
    if (!s) return;
    if (*s == "national") {
      out.scope = Barrier::Scope::kNational;
    } else if (*s == "local") {
      out.scope = Barrier::Scope::kLocal;
    } else if (const auto it = scheme_index_.find(*s); it != scheme_index_.end()) {
      out.scope = Barrier::Scope::kScheme;
      out.scheme = it->second;
    } else {
      std::vector<std::string> options{"national", "local"};
      for (const auto& sc : s_.schemes) options.push_back(sc.id);
      error(
          x, loc,
          "unknown scope " + quote_value(*s) + ": expected national, local or a scheme id" + did_you_mean(*s, options));
    }
  }

  void targets(const YNode& x, const Loc& tl, const KeySpec& k, Barrier& out) {
    if (!list(x, tl, k)) return;
    for (std::size_t i = 0; i < x.seq.size(); ++i) {
      const YNode& t = x.seq[i];
      if (t.is_scalar() && t.scalar == "design") {
        out.design_phase = true;
        continue;
      }
      if (auto w = workstream_ref(t, tl.item(i, std::nullopt))) out.targets.push_back(*w);
    }
  }

  void trigger(const YNode& n, const Loc& loc, const KeySpec& k, Barrier& out) {
    const ObjectSpec& spec = *k.object;
    if (!expect(n.is_map(), n, loc, spec.noun)) return;
    bool clean = true;
    const auto type = variant(n, loc, spec, clean);
    if (!type) return;
    if (*type == "on_start" || *type == "window") {
      out.trigger = *type == "on_start" ? Barrier::Trigger::kOnStart : Barrier::Trigger::kWindow;
      if (*type == "window") window(n, loc, out);
      fill(n, loc, spec, "probability", out.probability);
    } else if (*type == "hazard") {
      out.trigger = Barrier::Trigger::kHazard;
      fill(n, loc, spec, "from", out.from);
      if (fill(n, loc, spec, "per_year", out.rate_per_day)) out.rate_per_day.base /= sim::Duration::kDaysPerYear;
      fill(n, loc, spec, "max_occurrences", out.max_occurrences);
    } else {
      out.trigger = Barrier::Trigger::kSlip;
      fill(n, loc, spec, "threshold", out.threshold);
      if (s_.lever_promised_go_live < 0)
        error(*n.get("type"), loc.key("type"),
              "a slip trigger counts from the lever promised_go_live, which is not defined in levers:");
    }
  }

  void window(const YNode& n, const Loc& loc, Barrier& out) {
    std::optional<double> from, to;
    if (const YNode* x = n.get("from")) from = date_day(*x, loc.key("from"));
    if (const YNode* x = n.get("to")) to = date_day(*x, loc.key("to"));
    if (from && to && !(*from < *to))
      error_between(*n.get("from"), loc.key("from"), *n.get("to"), loc.key("to"),
                    "the window must end after it starts: to (" + n.get("to")->scalar + ") is not after from (" +
                        n.get("from")->scalar + ")");
    if (from) out.from = *from;
    if (to) out.to = *to;
  }

  void effect(const YNode& n, const Loc& loc, const KeySpec& k, Barrier& out) {
    effect_ok_ = false;
    const ObjectSpec& spec = *k.object;
    if (!expect(n.is_map(), n, loc, spec.noun)) return;
    bool clean = true;
    const auto type = variant(n, loc, spec, clean);
    if (!type) return;
    effect_ok_ = true;
    if (*type == "block") {
      out.effect = Barrier::Effect::kBlock;
    } else if (*type == "delay" || *type == "slowdown") {
      out.effect = *type == "delay" ? Barrier::Effect::kDelay : Barrier::Effect::kSlowdown;
      if (*type == "slowdown") fill(n, loc, spec, "factor", out.factor);
      fill(n, loc, spec, "duration", out.duration);
      fill(n, loc, spec, "duration_scale", out.duration_scale);
    } else {
      out.effect = Barrier::Effect::kRework;
      fill(n, loc, spec, "fraction", out.fraction);
    }
  }

  Sink& sink_;
  Scenario& s_;
  const ObjectSpec& top_ = scenario_format();
  std::optional<sim::Calendar> calendar_;
  const YNode* start_node_ = nullptr;  // calendar.start, once the calendar is valid
  const YNode* horizon_node_ = nullptr;
  std::unordered_map<std::string, int> lever_index_;
  std::vector<bool> levers_ok_;  // per lever: read without a problem
  std::size_t changes_ = 0;      // changes of lever values read so far
  std::unordered_map<std::string, int> workstream_index_;
  std::unordered_map<std::string, int> component_index_;
  std::unordered_map<std::string, int> scheme_index_;
  bool effect_ok_ = false;  // the last effect had a known type
  struct PendingObserved {
    std::size_t milestone;
    const YNode* node;
    Loc loc;
  };
  std::vector<PendingObserved> observed_live_nodes_;
};

// ---------------------------------------------------------------------------
// Values from the command line (--set PATH=VALUE)

// One override applied to the merged tree as if the last file of the chain
// had written it: the validator then checks it like any other value, and
// reports it at "--set:N:COL" (the N-th --set, the column in its text).
class OverrideApplier {
 public:
  OverrideApplier(const Override& o, int ordinal, Sink& sink)
      : o_(o), ordinal_(ordinal), sink_(sink), file_(std::make_shared<const std::string>("--set")) {}

  void apply(YNode& root) {
    YNode* node = &root;
    std::size_t at = 0;  // byte offset of the segment in the path
    while (node != nullptr && at <= o_.path.size()) {
      const std::size_t dot = std::min(o_.path.find('.', at), o_.path.size());
      const std::string seg = o_.path.substr(at, dot - at);
      const bool last = dot == o_.path.size();
      if (seg.empty()) return fail(at, "empty step in the path");
      if (node->is_scalar() && last && seg == "value") break;  // a scaled value written as one number
      node = step(*node, seg, at);
      at = dot + 1;
    }
    if (node == nullptr) return;
    if (node->is_map() && node->get("value") != nullptr) node = node->get("value");
    if (node->is_map() || node->is_seq()) {
      return fail(0, "'" + o_.path + "' is " + describe(*node) + ", not a number: name one of its keys");
    }
    YNode v;
    v.kind = YNode::Kind::kScalar;
    v.scalar = o_.value;
    v.plain = true;
    v.file = file_;
    v.line = ordinal_;
    v.col = static_cast<int>(o_.path.size()) + 2;
    v.layer = 1;  // later than any file: where two values disagree, this one is blamed
    *node = std::move(v);
  }

 private:
  // The child of `n` named `seg`, or nullptr after reporting why there is none.
  YNode* step(YNode& n, const std::string& seg, std::size_t at) {
    if (n.is_seq()) return item(n, seg, at);
    if (!n.is_map()) {
      fail(at, "'" + o_.path.substr(0, at ? at - 1 : 0) + "' is " + describe(n) + ", which has no '" + seg + "'");
      return nullptr;
    }
    const bool lever = schema_ == "levers";
    const std::string child = lever ? "levers.*" : schema_.empty() ? seg : schema_ + "." + seg;
    YNode* c = n.get(seg);
    if (c == nullptr && lever) {
      std::vector<std::string> ids;
      for (const auto& e : n.map) ids.push_back(e.key);
      fail(at, "no lever '" + seg + "' in the scenario" + suggest(seg, ids));
      return nullptr;
    }
    if (c == nullptr) {
      const auto& known = known_key_paths();
      if (!std::binary_search(known.begin(), known.end(), child)) {
        fail(at, "'" + seg + "' is not a key here" + did_you_mean(seg, keys_of(schema_)));
        return nullptr;
      }
      n.map.push_back(YEntry{seg, file_, ordinal_, static_cast<int>(at) + 1, YNode{}});
      c = &n.map.back().value;
    }
    schema_ = child;
    return c;
  }

  // An item of a list: by id, by year for funding, else by 0-based index.
  YNode* item(YNode& list, const std::string& seg, std::size_t at) {
    const bool by_year = schema_ == "funding";
    std::vector<std::string> names;
    bool positional = true;  // no item has a name: they are known by position
    for (std::size_t i = 0; i < list.seq.size(); ++i) {
      YNode& it = list.seq[i];
      std::optional<std::string> name = item_id(it);
      if (by_year && it.is_map() && it.get("year") != nullptr && it.get("year")->is_scalar())
        name = it.get("year")->scalar;
      positional = positional && !name;
      if (!name) name = std::to_string(i);
      if (*name == seg) {
        schema_ += "[]";
        return &it;
      }
      names.push_back(*name);
    }
    std::string what = by_year ? "funding year" : schema_.substr(schema_.rfind('.') + 1);
    if (what.size() > 1 && what.back() == 's') what.pop_back();  // "schemes" -> "scheme"
    if (positional) {
      fail(at,
           fmt::format("no {} '{}' in the scenario: its {} {}s are numbered from 0", what, seg, list.seq.size(), what));
    } else {
      fail(at, "no " + what + " '" + seg + "' in the scenario" + suggest(seg, names));
    }
    return nullptr;
  }

  // The keys of the object at `schema` in the format ("" for the top level).
  static std::vector<std::string> keys_of(std::string schema) {
    if (schema.size() > 2 && schema.ends_with("[]")) schema.resize(schema.size() - 2);
    const ObjectSpec* object = &scenario_format();
    if (!schema.empty()) {
      const KeySpec* key = find_key(schema);
      object = key != nullptr ? key->object : nullptr;
    }
    std::vector<std::string> names;
    if (object != nullptr) {
      for (const KeySpec& k : object->keys) names.emplace_back(k.key);
    }
    return names;
  }

  // The nearest name, or all of them when none is near and they are few.
  static std::string suggest(const std::string& word, const std::vector<std::string>& names) {
    std::string near = did_you_mean(word, names);
    if (!near.empty() || names.empty() || names.size() > 20) return near;
    return "; it has " + join(names);
  }

  void fail(std::size_t at, const std::string& message) {
    sink_.add(file_, ordinal_, static_cast<int>(at) + 1, o_.path, message);
  }

  const Override& o_;
  int ordinal_;
  Sink& sink_;
  FileName file_;
  std::string schema_;  // the key so far in the format's notation, e.g. "barriers[].trigger"
};

// ---------------------------------------------------------------------------
// Loading a chain of files

class Loader {
 public:
  Loader(const LoadOptions& options, Sink& sink)
      : sink_(sink), budget_{options.max_nodes}, reader_{options, sink, budget_} {}

  // The merged tree of `path` and everything it extends; nullopt if any file
  // of the chain could not be read.
  std::optional<YNode> load(const fs::path& path, std::vector<fs::path>& chain) {
    auto file = std::make_shared<const std::string>(path.string());
    std::error_code ec;
    reader_.layer = -static_cast<int>(chain.size());
    auto tree = reader_.read(path, file);
    if (!tree) return std::nullopt;
    if (!tree->is_map()) return tree;  // the validator says what is wrong
    const YNode* ext = tree->get("extends");
    if (ext == nullptr) return tree;

    if (!ext->is_scalar() || trim(ext->scalar).empty()) {
      sink_.at(*ext, "extends", "expected the path of the scenario this one overlays, got " + describe(*ext));
      return std::nullopt;
    }
    const fs::path target = (path.parent_path() / std::string(trim(ext->scalar))).lexically_normal();
    const fs::path me = fs::weakly_canonical(path, ec);
    const fs::path them = fs::weakly_canonical(target, ec);
    if (them == me) {
      sink_.at(*ext, "extends", "a scenario cannot extend itself");
      return std::nullopt;
    }
    chain.push_back(me);
    if (const auto loop = std::find(chain.begin(), chain.end(), them); loop != chain.end()) {
      std::vector<std::string> names;
      const fs::path base_dir = fs::weakly_canonical(chain.front(), ec).parent_path();
      for (auto it = loop; it != chain.end(); ++it) names.push_back(it->lexically_relative(base_dir).generic_string());
      names.push_back(them.lexically_relative(base_dir).generic_string());
      sink_.at(*ext, "extends", "extends chain loops: " + join(names, " -> "));
      return std::nullopt;
    }
    // Said here, at the line that names the file, not at the file itself.
    const bool cached = reader_.options.sources != nullptr && reader_.options.sources->get(target).has_value();
    if (const auto problem = cached ? std::nullopt : file_problem(target)) {
      sink_.at(*ext, "extends",
               "cannot extend " + quote_value(ext->scalar) + ": " + *problem + " (looked for " + target.string() + ")");
      return std::nullopt;
    }
    if (chain.size() > 32) {
      sink_.at(*ext, "extends", "more than 32 files extend one another: refusing the chain");
      return std::nullopt;
    }
    auto base = load(target, chain);
    chain.pop_back();
    if (!base) return std::nullopt;
    if (tree->get("name") == nullptr)
      sink_.at(*tree, "name",
               "missing required key 'name': an overlay must give its own name (results go to results/<name>/)");
    std::erase_if(tree->map, [](const YEntry& e) { return e.key == "extends"; });
    if (!base->is_map()) return base;  // nothing to merge into: the validator says the base is not a map
    merge(*base, std::move(*tree), "", sink_, budget_);
    if (budget_.exhausted) return std::nullopt;
    return base;
  }

 private:
  Sink& sink_;
  Budget budget_;
  Reader reader_;
};

}  // namespace

std::optional<Override> parse_override(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) return std::nullopt;
  return Override{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

std::string SourceCache::key(const std::filesystem::path& file) {
  std::error_code ec;
  const fs::path abs = fs::absolute(file, ec);
  return (ec ? file : abs).lexically_normal().generic_string();
}

void SourceCache::put(const std::filesystem::path& file, std::string text) {
  const std::string k = key(file);
  const std::lock_guard lock(mutex_);
  files_.insert_or_assign(k, std::move(text));
  parsed_.erase(k);
}

std::shared_ptr<const void> SourceCache::parsed(const std::filesystem::path& file, const std::string& variant) const {
  const std::string k = key(file);
  const std::lock_guard lock(mutex_);
  const auto it = parsed_.find(k);
  if (it == parsed_.end()) return nullptr;
  const auto v = it->second.find(variant);
  return v == it->second.end() ? nullptr : v->second;
}

void SourceCache::keep_parsed(const std::filesystem::path& file, const std::string& variant,
                              std::shared_ptr<const void> tree) {
  const std::string k = key(file);
  const std::lock_guard lock(mutex_);
  if (files_.count(k) == 0) return;  // only beside the text it was parsed from
  auto& variants = parsed_[k];
  if (variants.size() >= 8) variants.clear();
  variants.insert_or_assign(variant, std::move(tree));
}

void SourceCache::erase(const std::filesystem::path& file) {
  const std::string k = key(file);
  const std::lock_guard lock(mutex_);
  files_.erase(k);
  parsed_.erase(k);
}

std::optional<std::string> SourceCache::get(const std::filesystem::path& file) const {
  const std::string k = key(file);
  const std::lock_guard lock(mutex_);
  const auto it = files_.find(k);
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

LoadResult check_scenario(const std::filesystem::path& file, const LoadOptions& options) {
  return check_scenario(file, options, {});
}

LoadResult check_scenario(const std::filesystem::path& file, const LoadOptions& options,
                          const std::vector<Override>& overrides) {
  Sink sink;
  LoadResult result;
  Scenario scenario;
  try {
    Loader loader(options, sink);
    std::vector<fs::path> chain;
    auto tree = loader.load(file, chain);
    const std::size_t before = sink.count();
    if (tree && tree->is_map()) {
      for (std::size_t i = 0; i < overrides.size(); ++i) {
        OverrideApplier(overrides[i], static_cast<int>(i) + 1, sink).apply(*tree);
      }
    }
    if (tree && sink.count() == before) {  // an override that names nothing leaves nothing to check
      Validator validator(sink, scenario);
      validator.validate(*tree);
      scenario.source_file = file.string();
    }
  } catch (const std::bad_alloc&) {
    sink.add(std::make_shared<const std::string>(file.string()), 0, 0, "", "out of memory while reading the scenario");
  }
  if (sink.empty()) result.scenario = std::move(scenario);
  result.diagnostics = sink.finish(options.max_errors, file.string());
  return result;
}

Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options,
                       const std::vector<Override>& overrides) {
  LoadResult result = check_scenario(file, options, overrides);
  if (!result.ok()) throw ScenarioError(std::move(result.diagnostics));
  return std::move(*result.scenario);
}

}  // namespace wsic::scenario
