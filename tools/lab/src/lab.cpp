#include "wsic/lab/lab.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <regex>
#include <set>
#include <utility>

#include "wsic/experiment/batch.hpp"
#include "wsic/experiment/compare.hpp"
#include "wsic/report/comparison.hpp"
#include "wsic/report/report.hpp"
#include "wsic/report/report_data.hpp"
#include "wsic/scenario/parameters.hpp"
#include "wsic/sim/runner.hpp"
#include "wsic/sim/time.hpp"

namespace wsic::lab {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

namespace {

constexpr std::size_t kMaxUploadBytes = 1u << 20;

/// The evidence a lever's description cites ("[NT15]"), and "assumption"
/// when it says its value is one or cites nothing.
std::vector<std::string> sources_of(const std::string& description) {
  std::vector<std::string> out;
  static const std::regex tag(R"(\[([A-Z][A-Za-z0-9]{1,15})\])");
  for (auto it = std::sregex_iterator(description.begin(), description.end(), tag); it != std::sregex_iterator();
       ++it) {
    const std::string t = (*it)[1].str();
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  if (out.empty() || description.find("assumption") != std::string::npos) out.emplace_back("assumption");
  return out;
}

const char* kNumberWords[] = {"no",       "one",     "two",     "three",     "four",     "five",     "six",
                              "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",   "thirteen",
                              "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};

std::string count_word(std::size_t n) { return n < std::size(kNumberWords) ? kNumberWords[n] : std::to_string(n); }

/// "March 2016" for a day of `sc`'s calendar.
std::string month_year(const model::Scenario& sc, int day) {
  static const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                  "July",    "August",   "September", "October", "November", "December"};
  const sim::Date d = sim::Calendar(sc.calendar_start).to_date(sim::Time::from_days(day));
  return fmt::format("{} {}", kMonths[static_cast<unsigned>(d.month()) - 1], static_cast<int>(d.year()));
}

/// A shift of `days` in words: "4 months earlier", "3 weeks later", "no change".
std::string shift_words(double days) {
  const double a = std::abs(days);
  const char* way = days < 0 ? "earlier" : "later";
  if (a < 7) return "about the same time";
  if (a < 45) return fmt::format("{} week{} {}", std::lround(a / 7), std::lround(a / 7) == 1 ? "" : "s", way);
  const long months = std::lround(a / 30.4375);
  return fmt::format("{} month{} {}", months, months == 1 ? "" : "s", way);
}

std::string percent(double p) {
  const double v = 100.0 * p;
  if (v > 0 && v < 1) return "under 1%";
  if (v < 100 && v > 99) return "over 99%";
  return fmt::format("{:.0f}%", v);
}

/// A date of the what-if as ISO text, or null after the horizon.
json iso_or_null(const model::Scenario& sc, std::optional<int> day) {
  if (!day) return nullptr;
  return model::iso_day(sc, day);
}

json quantiles(const model::Scenario& sc, const model::DayCounts& d) {
  json j = json::object();
  for (const auto& [key, p] : {std::pair{"p10", 0.1}, {"p50", 0.5}, {"p80", 0.8}, {"p90", 0.9}})
    j[key] = iso_or_null(sc, d.quantile(p));
  return j;
}

std::string lower_name(std::string s) {
  std::string out;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      out += c;
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? std::string("scenario") : out;
}

bool valid_upload_name(const std::string& name) {
  static const std::regex ok(R"([A-Za-z0-9][A-Za-z0-9._ -]{0,99}\.ya?ml)");
  return std::regex_match(name, ok) && name.find("..") == std::string::npos;
}

/// The paired shift of one series, as the page reads it.
ordered_json shift_json(const experiment::PairedDifferences::Summary& s) {
  return ordered_json{{"pairs", s.pairs},
                      {"both_live", s.both_live},
                      {"p50_days", s.p50},
                      {"p50_ci", {s.p50_ci_low, s.p50_ci_high}},
                      {"mean_days", s.mean},
                      {"mean_ci", {s.mean_ci_low, s.mean_ci_high}},
                      {"p_earlier", s.probability_earlier},
                      {"p_later", s.probability_later}};
}

/// The headline in dates: when all of `w`'s schemes are live, and, when a
/// lever was `moved`, how that compares, future by future, with the scenario.
std::string headline(const model::Scenario& w, const model::Outcomes& wo,
                     const experiment::PairedDifferences::Summary& shift, bool moved) {
  const std::size_t schemes = w.schemes.size();
  const std::string who =
      schemes == 1 ? std::string("The scheme live") : fmt::format("All {} live", count_word(schemes));
  const auto p50 = wo.all_live.quantile(0.5);
  const auto p80 = wo.all_live.quantile(0.8);
  std::string out = p50 ? fmt::format("{}: median {}, 80% by {}", who, month_year(w, *p50),
                                      p80 ? month_year(w, *p80) : "after the horizon")
                        : fmt::format("{}: not by {} in most futures (the horizon)", who,
                                      month_year(w, static_cast<int>(w.horizon_day)));
  if (!moved) return out + "; the scenario as written (move a control to compare).";
  if (shift.both_live == 0)
    return out + fmt::format("; earlier than the scenario as written in {} of futures, later in {}.",
                             percent(shift.probability_earlier), percent(shift.probability_later));
  const std::string way = shift_words(shift.p50);
  if (way == "about the same time")
    return out + fmt::format("; about the same as the scenario as written (earlier in {} of futures, later in {}).",
                             percent(shift.probability_earlier), percent(shift.probability_later));
  return out + fmt::format("; {} than the scenario as written, earlier in {} of futures.", way,
                           percent(shift.probability_earlier));
}

}  // namespace

const std::vector<std::string>& lab_charts() {
  static const std::vector<std::string> names{
      "comparison_s_curves", "comparison", "s_curves", "fan", "people", "spend"};
  return names;
}

Lab::Lab(const fs::path& file, const LabOptions& options) : options_(options) {
  auto c = std::make_shared<Current>();
  c->file = fs::absolute(file).lexically_normal();
  scenario::LoadOptions lo;
  lo.sources = &sources_;
  c->scenario = scenario::load_scenario(c->file, lo);
  folder_ = c->file.parent_path();
  current_ = std::move(c);
}

std::shared_ptr<const Lab::Current> Lab::current() const {
  const std::lock_guard lock(mutex_);
  return current_;
}

ordered_json Lab::describe() const {
  const auto c = current();
  const model::Scenario& sc = c->scenario;
  const scenario::ParameterSpace space(sc);
  ordered_json j;
  j["scenario"] = {{"name", sc.name},
                   {"description", sc.description},
                   {"file", c->uploaded ? c->file.filename().string() : c->file.string()},
                   {"uploaded", c->uploaded}};
  j["seed"] = options_.seed;
  j["replications"] = options_.replications;
  j["max_replications"] = kMaxLabReplications;
  j["calendar_start"] = sim::format_iso_date(sc.calendar_start);
  j["horizon"] = sim::format_iso_date(sc.horizon);
  // Panels of groups of controls, groups in the order the file first uses them.
  ordered_json panels;
  for (const char* role : {"decisions", "uncertainties"}) panels[role] = ordered_json::array();
  for (const model::Lever& l : sc.levers) {
    const auto i = space.find("levers." + l.id + ".value");
    if (!i) continue;
    const bool date = l.kind == model::Lever::Kind::kDate;
    ordered_json ctl;
    ctl["id"] = l.id;
    ctl["name"] = l.name;
    ctl["description"] = l.description;
    ctl["unit"] = date ? std::string("date") : l.unit;
    ctl["kind"] = date ? "date" : "number";
    for (const auto& [key, v] : {std::pair{"value", l.value}, {"low", l.low}, {"high", l.high}}) {
      ctl[key] = space.text(sc, *i, v);
      if (date) ctl[std::string(key) + "_day"] = v;
    }
    ctl["sources"] = sources_of(l.description);
    // A value that changes over time: the control sets the value before
    // the first change; the changes stay as the scenario has them.
    ordered_json changes = ordered_json::array();
    for (const model::Lever::Change& change : l.changes)
      changes.push_back({{"from", sim::format_iso_date(change.date)}, {"value", space.text(sc, *i, change.value)}});
    ctl["changes"] = std::move(changes);
    const std::string group = l.group.empty() ? std::string("Other") : l.group;
    ordered_json& panel = panels[l.role == model::Lever::Role::kUncertainty ? "uncertainties" : "decisions"];
    auto it = std::find_if(panel.begin(), panel.end(), [&](const ordered_json& g) { return g["name"] == group; });
    if (it == panel.end()) {
      panel.push_back({{"name", group}, {"controls", ordered_json::array()}});
      it = panel.end() - 1;
    }
    (*it)["controls"].push_back(std::move(ctl));
  }
  j["decisions"] = std::move(panels["decisions"]);
  j["uncertainties"] = std::move(panels["uncertainties"]);
  ordered_json observed = ordered_json::array();
  for (const auto& m : sc.milestones) {
    if (m.observed_live >= 0)
      observed.push_back({{"date", sim::format_iso_date(m.date)}, {"label", m.label}, {"live", m.observed_live}});
  }
  j["observed"] = std::move(observed);
  return j;
}

std::vector<Setting> Lab::parse_settings(const json& j) {
  std::vector<Setting> out;
  const auto add = [&](const json& id, const json& value) {
    if (!id.is_string()) throw BadRequest("a setting's lever must be a lever id (a string)");
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_number()) {
      text = value.dump();
    } else {
      throw BadRequest(fmt::format("setting {}: the value must be a number or a date like 2016-04-01, got {}",
                                   id.get<std::string>(), value.type_name()));
    }
    if (id.get<std::string>().size() > 64 || text.size() > 64)
      throw BadRequest("a setting's lever id and value are at most 64 characters each");
    if (std::any_of(out.begin(), out.end(), [&](const Setting& s) { return s.lever == id.get<std::string>(); }))
      throw BadRequest(fmt::format("lever {} is set twice: give each lever once", id.get<std::string>()));
    out.push_back({id.get<std::string>(), std::move(text)});
    if (out.size() > kMaxSettings) throw BadRequest(fmt::format("more than {} settings", kMaxSettings));
  };
  if (j.is_null()) return out;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) add(json(k), v);
  } else if (j.is_array()) {
    for (const auto& e : j) {
      if (!e.is_object() || !e.contains("lever") || !e.contains("value"))
        throw BadRequest("each setting is {\"lever\": ID, \"value\": VALUE}");
      add(e["lever"], e["value"]);
    }
  } else {
    throw BadRequest("settings must be a map of lever id to value");
  }
  return out;
}

std::uint64_t Lab::parse_replications(const json& j) const {
  if (j.is_null()) return options_.replications;
  if (!j.is_number_integer() && !j.is_number_unsigned())
    throw BadRequest(fmt::format("replications must be a whole number from 1 to {}", kMaxLabReplications));
  const auto n = j.get<std::int64_t>();
  if (n < 1 || static_cast<std::uint64_t>(n) > kMaxLabReplications)
    throw BadRequest(fmt::format("replications must be from 1 to {}, got {}", kMaxLabReplications, n));
  return static_cast<std::uint64_t>(n);
}

model::Scenario Lab::with_settings(const Current& c, const std::vector<Setting>& settings) const {
  std::vector<scenario::Override> overrides;
  json problems = json::array();
  for (const Setting& s : settings) {
    const bool known = std::any_of(c.scenario.levers.begin(), c.scenario.levers.end(),
                                   [&](const model::Lever& l) { return l.id == s.lever; });
    if (!known) problems.push_back({{"lever", s.lever}, {"message", "the scenario has no lever of this id"}});
    overrides.push_back({"levers." + s.lever + ".value", s.value});
  }
  if (!problems.empty()) throw BadRequest("unknown lever", problems);
  scenario::LoadOptions lo;
  lo.sources = &sources_;
  auto result = scenario::check_scenario(c.file, lo, overrides);
  if (result.ok()) return std::move(*result.scenario);
  std::string first;
  for (const auto& d : result.diagnostics) {
    // An override's problem is placed at "--set:N" (file "--set", line N): name the lever instead.
    std::string lever;
    if (d.file == "--set" && d.line >= 1 && static_cast<std::size_t>(d.line) <= settings.size())
      lever = settings[static_cast<std::size_t>(d.line) - 1].lever;
    problems.push_back({{"lever", lever}, {"message", d.message}});
    if (first.empty()) first = (lever.empty() ? "" : lever + ": ") + d.message;
  }
  throw BadRequest(first.empty() ? std::string("the settings were refused") : first, problems);
}

Lab::Prepared Lab::prepare(const std::vector<Setting>& settings) const {
  const auto started = std::chrono::steady_clock::now();
  Prepared p;
  p.current = current();
  p.settings = settings;
  p.whatif = with_settings(*p.current, settings);
  p.whatif.name = lower_name(p.current->scenario.name) + "-lab";
  p.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return p;
}

ordered_json Lab::run(const std::vector<Setting>& settings, std::uint64_t n, const std::atomic<bool>* cancel,
                      bool with_csv) const {
  return run(prepare(settings), n, cancel, with_csv);
}

ordered_json Lab::run(const Prepared& prepared, std::uint64_t n, const std::atomic<bool>* cancel, bool with_csv) const {
  const auto started = std::chrono::steady_clock::now();
  const auto& c = prepared.current;
  const auto& settings = prepared.settings;
  const experiment::Comparison cmp({c->scenario, prepared.whatif});
  const auto built = std::chrono::steady_clock::now();
  const auto base_run = base(c, cmp, n, cancel);
  const experiment::CompareAcc total = run_whatif(cmp, *base_run, n, cancel);
  const auto simulated = std::chrono::steady_clock::now();

  const model::Scenario& base = cmp.scenarios()[0];
  const model::Scenario& w = cmp.scenarios()[1];
  const model::Outcomes& wo = total.outcomes[1];
  const report::CompareTables tables = report::compare_tables(cmp.scenarios(), cmp.series(), total);
  const report::RunFacts facts{experiment::version(),
                               options_.seed,
                               n,
                               sim::kDefaultBlockSize,
                               0,
                               std::chrono::duration<double>(simulated - started).count(),
                               experiment::effective_threads(options_.threads)};
  ordered_json data = report::chart_report_data(w, wo, lab_charts());  // what the lab draws, not the whole report
  data["kind"] = "compare";
  data["comparison"] =
      report::comparison_report_data(cmp.scenarios(), total, tables.answers, tables.dates, tables.whatifs);
  const auto reported = std::chrono::steady_clock::now();
  const auto charts = report::render_charts(json(data), lab_charts());
  const auto rendered = std::chrono::steady_clock::now();

  // The paired shifts; all schemes live is the headline's figure.
  const auto& series = cmp.series();
  const auto index_of = [&](int kind) {
    return static_cast<std::size_t>(
        std::find_if(series.begin(), series.end(), [&](const auto& s) { return s.base_index == kind; }) -
        series.begin());
  };
  const auto all_shift = total.diffs[0].summary(index_of(-2));
  const auto first_shift = total.diffs[0].summary(index_of(-1));

  ordered_json j;
  j["headline"] = headline(w, wo, all_shift, !settings.empty());
  j["replications"] = n;
  j["seed"] = options_.seed;
  j["settings"] = ordered_json::object();
  for (const Setting& s : settings) j["settings"][s.lever] = s.value;
  j["figures"] = {
      {"all_live", quantiles(w, wo.all_live)},           {"first_live", quantiles(w, wo.first_live)},
      {"majority_live", quantiles(w, wo.majority_live)}, {"base_all_live", quantiles(base, total.outcomes[0].all_live)},
      {"shift_all_live", shift_json(all_shift)},         {"shift_first_live", shift_json(first_shift)}};
  ordered_json out_charts = ordered_json::array();
  for (const auto& ch : charts) {
    out_charts.push_back(
        {{"name", ch.name}, {"title", ch.title}, {"caption", ch.caption}, {"svg", ch.svg}, {"skipped", ch.skipped}});
    if (with_csv) out_charts.back()["csv"] = ch.csv;
  }
  j["charts"] = std::move(out_charts);
  j["simulate_seconds"] = facts.wall_seconds;
  const auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  j["timing"] = {{"load", prepared.load_seconds},
                 {"models", secs(started, built)},
                 {"simulate", secs(built, simulated)},
                 {"report_data", secs(simulated, reported)},
                 {"render", secs(reported, rendered)}};
  j["seconds"] = secs(started, std::chrono::steady_clock::now());
  return j;
}

std::shared_ptr<const Lab::BaseRun> Lab::base(const std::shared_ptr<const Current>& c,
                                              const experiment::Comparison& cmp, std::uint64_t n,
                                              const std::atomic<bool>* cancel) const {
  {
    const std::lock_guard lock(mutex_);
    if (base_ && base_->of == c && base_->n == n) return base_;
  }
  auto b = std::make_shared<BaseRun>();
  b->of = c;
  b->n = n;
  b->series = cmp.series().size();
  b->days.resize(n * b->series);
  const model::Model& m = cmp.model(0);
  b->outcomes = sim::run_replications<model::Outcomes>(
      n, experiment::runner_options(spec(n, cancel)), [&] { return model::Outcomes(c->scenario); },
      [&](std::uint64_t index, model::Outcomes& acc) {
        thread_local model::ReplicationOutcome r;
        thread_local std::vector<double> days;
        m.simulate(options_.seed, index, r);
        acc.add(r, index);
        cmp.series_days(0, r, days);
        std::copy(days.begin(), days.end(), b->days.begin() + static_cast<std::ptrdiff_t>(index * b->series));
      });
  const std::lock_guard lock(mutex_);
  base_ = b;
  return b;
}

experiment::CompareAcc Lab::run_whatif(const experiment::Comparison& cmp, const BaseRun& b, std::uint64_t n,
                                       const std::atomic<bool>* cancel) const {
  const model::Model& m = cmp.model(1);
  const model::Scenario& w = cmp.scenarios()[1];
  const std::size_t s = b.series;
  experiment::CompareAcc total = sim::run_replications<experiment::CompareAcc>(
      n, experiment::runner_options(spec(n, cancel)),
      [&] {
        experiment::CompareAcc a;
        a.outcomes.emplace_back(w);
        a.diffs.emplace_back(s, cmp.epoch().horizon);
        return a;
      },
      [&](std::uint64_t index, experiment::CompareAcc& acc) {
        thread_local model::ReplicationOutcome r;
        thread_local std::vector<double> base_days, days;
        m.simulate(options_.seed, index, r);
        acc.outcomes[0].add(r, index);
        cmp.series_days(1, r, days);
        const auto from = b.days.begin() + static_cast<std::ptrdiff_t>(index * s);
        base_days.assign(from, from + static_cast<std::ptrdiff_t>(s));
        experiment::Comparison::add_pair(base_days, days, acc.diffs[0]);
      });
  total.outcomes.insert(total.outcomes.begin(), b.outcomes);
  return total;
}

experiment::BatchSpec Lab::spec(std::uint64_t n, const std::atomic<bool>* cancel) const {
  experiment::BatchSpec sp;
  sp.seed = options_.seed;
  sp.replications = n;
  sp.threads = options_.threads;
  sp.cancel = cancel;
  return sp;
}

void Lab::warm() const {
  const auto c = current();
  const experiment::Comparison cmp({c->scenario, c->scenario});
  base(c, cmp, options_.replications, nullptr);
}

std::pair<std::string, std::string> Lab::save(const std::vector<Setting>& settings, std::uint64_t n) const {
  const auto c = current();
  const model::Scenario whatif = with_settings(*c, settings);
  const scenario::ParameterSpace space(c->scenario);
  std::vector<scenario::OverlayValue> values;
  std::string moved;
  for (const Setting& s : settings) {
    const auto i = space.find("levers." + s.lever + ".value");
    if (!i) throw BadRequest(fmt::format("lever {}: not a lever of the scenario", s.lever));
    const std::string text = space.text(whatif, *i, space.get(whatif, *i));
    const auto& lever = *std::find_if(whatif.levers.begin(), whatif.levers.end(),
                                      [&](const model::Lever& l) { return l.id == s.lever; });
    values.push_back(
        {*i, text,
         fmt::format("lab setting; the scenario has {}", space.text(c->scenario, *i, space.get(c->scenario, *i)))});
    moved += fmt::format("{}{} {}", moved.empty() ? "" : "; ", lever.name, text);
  }
  const std::string name = lower_name(c->scenario.name) + "-lab";
  const std::string extends =
      c->uploaded ? c->file.filename().string().substr(std::string("(uploaded) ").size()) : c->file.string();
  const std::string description =
      fmt::format("Made in wsic lab from {}: {}.", c->scenario.name, moved.empty() ? "no lever moved" : moved);
  std::string header = fmt::format(
      "# Saved from wsic lab ({} replications, seed {}). `wsic run {}.yaml -n {} --seed {}`\n"
      "# gives the lab's numbers.{}\n",
      n, options_.seed, name, n, options_.seed,
      c->uploaded ? " Save it in the folder of " + extends + ", which it extends." : "");
  const std::string text = header + scenario::overlay_text(space, extends, name, description, values);

  // Checked: the file must load as exactly the what-if the lab ran (an
  // upload's overlay is checked against the upload, by its name here).
  const fs::path probe = c->file.parent_path() / fmt::format("(saved) {}.yaml", name);
  sources_.put(probe, c->uploaded ? header + scenario::overlay_text(space, c->file.filename().string(), name,
                                                                    description, values)
                                  : text);
  scenario::LoadOptions lo;
  lo.sources = &sources_;
  const auto loaded = scenario::check_scenario(probe, lo);
  bool same = loaded.ok();
  if (same) {
    const scenario::ParameterSpace ls(*loaded.scenario);
    same = ls.parameters().size() == space.parameters().size();
    for (std::size_t i = 0; same && i < space.parameters().size(); ++i)
      same = ls.get(*loaded.scenario, i) == space.get(whatif, i);
  }
  if (!same) throw std::runtime_error("the saved scenario would not load as the lab's settings: please report this");
  return {name + ".yaml", text};
}

void Lab::open(const std::string& name, std::string text) {
  if (!valid_upload_name(name))
    throw BadRequest("a scenario's file name is letters, digits, spaces, '.', '_' or '-', ending in .yaml or .yml");
  if (text.size() > kMaxUploadBytes)
    throw BadRequest(fmt::format("the file is {} bytes, more than the limit of {}", text.size(), kMaxUploadBytes));
  auto c = std::make_shared<Current>();
  c->file = folder_ / ("(uploaded) " + name);
  c->uploaded = true;
  sources_.put(c->file, std::move(text));
  {
    // The last few uploads are kept (a run in flight may still be reading one).
    const std::lock_guard lock(mutex_);
    uploads_.push_back(c->file);
    if (uploads_.size() > 8) {
      if (uploads_.front() != c->file) sources_.erase(uploads_.front());
      uploads_.pop_front();
    }
  }
  scenario::LoadOptions lo;
  lo.sources = &sources_;
  auto result = scenario::check_scenario(c->file, lo);
  if (!result.ok()) {
    json problems = json::array();
    for (auto d : result.diagnostics) {
      if (d.file == c->file.string()) d.file = name;
      problems.push_back({{"line", d.line}, {"column", d.column}, {"message", d.format()}});
    }
    throw BadRequest(
        fmt::format("{} was not opened: it has {} problem{}", name, problems.size(), problems.size() == 1 ? "" : "s"),
        problems);
  }
  c->scenario = std::move(*result.scenario);
  const std::lock_guard lock(mutex_);
  current_ = std::move(c);
}

}  // namespace wsic::lab
