#include "wsic/classroom/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "wsic/cli/files.hpp"
#include "wsic/experiment/batch.hpp"
#include "wsic/model/limits.hpp"
#include "wsic/report/comparison.hpp"
#include "wsic/report/text.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/sim/time.hpp"

namespace wsic::classroom {

namespace {

/// `n` characters drawn from `alphabet` by the system's random device.
std::string random_text(std::size_t n, std::string_view alphabet) {
  std::random_device rd;
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += alphabet[pick(rd)];
  return out;
}

constexpr std::string_view kTokenAlphabet = "0123456789abcdef";
/// Easy to read aloud and to type: no 0/O, 1/I.
constexpr std::string_view kCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
std::string new_token() { return random_text(32, kTokenAlphabet); }
std::string new_join_code() { return random_text(6, kCodeAlphabet); }

/// Compares secrets in time that does not depend on where they differ.
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

/// `text` as a date strictly within the lesson's calendar, and its day
/// (400 otherwise: `format` says what a date looks like, `what` names it).
std::pair<sim::Date, double> calendar_day(const model::Scenario& lesson, const std::string& text, const char* format,
                                          const char* what) {
  const auto date = sim::parse_iso_date(text);
  if (!date) throw Refused(400, fmt::format("{}, got '{}'", format, text.substr(0, 40)));
  if (*date <= lesson.calendar_start || *date >= lesson.horizon)
    throw Refused(400, fmt::format("{} {} is not within the lesson's calendar ({} to {})", what, text,
                                   sim::format_iso_date(lesson.calendar_start), sim::format_iso_date(lesson.horizon)));
  return {*date, sim::Calendar(lesson.calendar_start).to_time(*date).in_days()};
}

/// A team's name: 1 to 40 characters (UTF-8 counted as characters), no
/// control characters (400 otherwise).
void check_team_name(const std::string& name) {
  std::size_t chars = 0;
  for (const unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) throw Refused(400, "a team name may not contain control characters");
    if ((c & 0xc0) != 0x80) ++chars;
  }
  if (chars == 0 || chars > kMaxTeamName)
    throw Refused(400, fmt::format("a team name has 1 to {} characters, got {}", kMaxTeamName, chars));
}

/// True for `n` characters, each of `alphabet`.
bool made_of(const std::string& text, std::size_t n, std::string_view alphabet) {
  return text.size() == n && text.find_first_not_of(alphabet) == std::string::npos;
}

/// A number as the scenario format reads it back to the same double.
std::string number(double v) { return fmt::format("{}", v); }

/// A shock as a barrier of the scenario format: its scope, the work it
/// holds up and its effect (TARGETS and SCALE filled in for the lesson).
struct ShockText {
  const char* scope;
  std::vector<std::string> targets;
  const char* effect;
  bool scaled_by_training;  ///< its disruption shortened by systems-leadership capacity
};

const std::vector<ShockText>& shock_texts() {
  // In shock_kinds() order. The numbers are those of the baseline's barriers
  // of the same kind (assumptions there, as here).
  static const std::vector<ShockText> texts{
      {"national",
       {"design", "care_model", "gp_engagement", "ig", "it", "payment", "contracts", "workforce"},
       "{type: slowdown, factor: 0.6, duration: {dist: pert, min: 3 months, mode: 6 months, max: 12 months}",
       true},
      {"local",
       {"contracts", "workforce"},
       "{type: slowdown, factor: 0.7, duration: {dist: pert, min: 3 months, mode: 6 months, max: 12 months}",
       false},
      {"local",
       {"care_model", "gp_engagement", "workforce"},
       "{type: slowdown, factor: 0.5, duration: {dist: pert, min: 1 month, mode: 3 months, max: 6 months}",
       false},
  };
  return texts;
}

std::size_t shock_index(const std::string& kind) {
  const auto& kinds = shock_kinds();
  for (std::size_t i = 0; i < kinds.size(); ++i)
    if (kinds[i].id == kind) return i;
  std::vector<std::string> ids;
  for (const ShockKind& k : kinds) ids.push_back(k.id);
  throw Refused(400,
                fmt::format("there is no shock '{}'; the shocks are {}", kind.substr(0, 40), fmt::join(ids, ", ")));
}

/// The work of the lesson shock `k` strikes.
std::vector<std::string> shock_targets(const model::Scenario& lesson, std::size_t k) {
  std::vector<std::string> out;
  for (const std::string& id : shock_texts()[k].targets)
    if (std::any_of(lesson.workstreams.begin(), lesson.workstreams.end(),
                    [&](const model::Workstream& w) { return w.id == id; }))
      out.push_back(id);
  return out;
}

/// The days a shock's window lasts from its round's date.
constexpr int kShockWindowDays = 30;

}  // namespace

const std::vector<ShockKind>& shock_kinds() {
  static const std::vector<ShockKind> kinds{
      {"leadership", "The programme's leaders leave",
       "New programme leadership: all work of every scheme goes at 60% for 3 to 12 months (as the programme's "
       "leadership change around April-May 2015 did; systems-leadership capacity shortens it)."},
      {"funding", "A funding squeeze in local government",
       "Local authorities' money tightens: every scheme's contracts and workforce work goes at 70% for 3 to 12 "
       "months (financial constraints limited social care's engagement)."},
      {"gp", "GPs step back",
       "GPs are pulled back to their practices: every scheme's model of care, GP engagement and workforce work goes "
       "at 50% for 1 to 6 months."},
  };
  return kinds;
}

Session::Session(const ClassOptions& options) : options_(options) {
  open_lesson();
  build_world();
  join_code_ = new_join_code();
  teacher_token_ = new_token();
}

void Session::open_lesson() {
  lesson_ = scenario::load_scenario(options_.lesson);
  decisions_.clear();
  for (std::size_t l = 0; l < lesson_.levers.size(); ++l) {
    const model::Lever& lever = lesson_.levers[l];
    if (lever.role == model::Lever::Role::kDecision && lever.kind == model::Lever::Kind::kNumber &&
        lever.low < lever.high)
      decisions_.push_back(static_cast<int>(l));
  }
  if (decisions_.empty())
    throw Refused(400, fmt::format("{} has no decisions a team can change (number levers with role decision and "
                                   "low < high)",
                                   options_.lesson.string()));
  if (options_.rounds.empty() || options_.rounds.size() > kMaxRounds)
    throw Refused(400, fmt::format("a class has 1 to {} rounds, got {}", kMaxRounds, options_.rounds.size()));
  // Every decision may change at every round after the first: within the
  // model's limit on changes.
  if ((options_.rounds.size() - 1) * decisions_.size() > model::limits::kLeverChanges)
    throw Refused(400, fmt::format("{} rounds of {} decisions could change lever values more than the {} times a "
                                   "scenario may: use fewer rounds",
                                   options_.rounds.size(), decisions_.size(), model::limits::kLeverChanges));
  if (options_.round_seconds > kMaxRoundSeconds)
    throw Refused(
        400, fmt::format("a round lasts at most a day ({} seconds), got {}", kMaxRoundSeconds, options_.round_seconds));
  round_dates_.clear();
  round_days_.clear();
  for (const std::string& text : options_.rounds) {
    const auto [date, day] = calendar_day(lesson_, text, "a round's date must be a date like 2014-04-01", "round date");
    if (!round_days_.empty() && day <= round_days_.back())
      throw Refused(400, fmt::format("round dates must increase: {} does not come after the round before", text));
    round_dates_.push_back(date);
    round_days_.push_back(day);
  }
}

const Team& Session::join(const std::string& code, const std::string& name) {
  if (!same_secret(code, join_code_)) throw Refused(403, "that is not this class's join code");
  if (current_ >= rounds()) throw Refused(409, "the class is over: no team can join now");
  if (teams_.size() >= kMaxTeams) throw Refused(409, fmt::format("the class is full ({} teams)", kMaxTeams));
  check_team_name(name);
  if (std::any_of(teams_.begin(), teams_.end(), [&](const Team& t) { return t.name == name; }))
    throw Refused(400, fmt::format("a team called '{}' has joined already: choose another name", name));
  Team t;
  t.id = fmt::format("team-{}", teams_.size() + 1);
  t.name = name;
  t.token = new_token();
  std::vector<double> start;
  for (const int l : decisions_) start.push_back(lesson_.levers[static_cast<std::size_t>(l)].value);
  t.values.assign(current_ + 1, start);
  t.submitted.assign(current_ + 1, false);
  teams_.push_back(std::move(t));
  return teams_.back();
}

std::size_t Session::team_index(const std::string& token) const {
  for (std::size_t i = 0; i < teams_.size(); ++i)
    if (same_secret(token, teams_[i].token)) return i;
  throw Refused(403, "that is not a team's token in this class");
}

const Team& Session::team_by_token(const std::string& token) const { return teams_[team_index(token)]; }

void Session::submit(const std::string& token, std::size_t round, const nlohmann::json& values) {
  Team& team = teams_[team_index(token)];
  if (current_ >= rounds()) throw Refused(409, "the class is over: decisions can no longer change");
  if (round != current_)
    throw Refused(409, fmt::format("round {} is not open: the class is deciding round {}", round + 1, current_ + 1));
  if (!values.is_object())
    throw Refused(400, "decisions are a map of lever id to value, e.g. {\"central_share\": 0.4}");
  std::vector<double> next = team.values[current_];
  for (const auto& [id, v] : values.items()) {
    const auto it = std::find_if(decisions_.begin(), decisions_.end(),
                                 [&](int l) { return lesson_.levers[static_cast<std::size_t>(l)].id == id; });
    if (it == decisions_.end()) {
      std::vector<std::string> ids;
      for (const int l : decisions_) ids.push_back(lesson_.levers[static_cast<std::size_t>(l)].id);
      throw Refused(400, fmt::format("'{}' is not a decision of this lesson; its decisions are {}", id.substr(0, 64),
                                     fmt::join(ids, ", ")));
    }
    const model::Lever& lever = lesson_.levers[static_cast<std::size_t>(*it)];
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      throw Refused(400, fmt::format("the value of {} must be a number", lever.id));
    const double x = v.get<double>();
    if (x < lever.low || x > lever.high)
      throw Refused(400, fmt::format("{} must be from {} to {}, got {}", lever.id, number(lever.low),
                                     number(lever.high), number(x)));
    next[static_cast<std::size_t>(it - decisions_.begin())] = x;
  }
  team.values[current_] = std::move(next);
  team.submitted[current_] = true;
}

void Session::predict(const std::string& token, const std::string& p50, const std::string& p90) {
  Team& team = teams_[team_index(token)];
  if (current_ >= rounds()) throw Refused(409, "the class is over: forecasts can no longer change");
  const char* format = "a forecast is a date like 2016-04-01";
  const double day50 = calendar_day(lesson_, p50, format, "forecast").second;
  const double day90 = calendar_day(lesson_, p90, format, "forecast").second;
  if (day90 < day50) throw Refused(400, "a P90 forecast comes no earlier than the P50");
  team.forecast_p50 = day50;
  team.forecast_p90 = day90;
}

void Session::close_round(const std::string& teacher_token) { close_round(teacher_token, 0.0); }

void Session::close_round(const std::string& teacher_token, double now) {
  if (!same_secret(teacher_token, teacher_token_)) throw Refused(403, "only the teacher may close a round");
  if (current_ >= rounds()) throw Refused(409, "the class is over: every round is closed");
  advance(now);
}

void Session::advance(double now) {
  ++current_;
  deadline_ = current_ < rounds() && options_.round_seconds > 0 && now > 0.0
                  ? now + static_cast<double>(options_.round_seconds)
                  : 0.0;
  if (current_ >= rounds()) return;
  // A team that did not submit keeps its previous decisions.
  for (Team& t : teams_) {
    t.values.push_back(t.values.back());
    t.submitted.push_back(false);
  }
}

void Session::set_timer(const std::string& teacher_token, std::uint64_t seconds, double now) {
  if (!same_secret(teacher_token, teacher_token_)) throw Refused(403, "only the teacher may set the round timer");
  if (seconds > kMaxRoundSeconds)
    throw Refused(400, fmt::format("a round lasts at most a day ({} seconds), got {}", kMaxRoundSeconds, seconds));
  options_.round_seconds = seconds;
  deadline_ = seconds > 0 && current_ < rounds() ? now + static_cast<double>(seconds) : 0.0;
}

bool Session::close_if_due(double now) {
  if (deadline_ <= 0.0 || now < deadline_ || current_ >= rounds()) return false;
  advance(now);
  return true;
}

std::string Session::shocks_yaml() const {
  std::string out;
  const bool training = std::any_of(lesson_.levers.begin(), lesson_.levers.end(), [](const model::Lever& l) {
    return l.id == "systems_leadership_training" && l.kind == model::Lever::Kind::kNumber;
  });
  for (const Shock& shock : shocks_) {
    const std::size_t k = shock_index(shock.kind);
    const ShockText& t = shock_texts()[k];
    const sim::Date from = round_dates_[shock.round];
    const sim::Date to{std::chrono::sys_days(from) + std::chrono::days{kShockWindowDays}};
    std::string effect = t.effect;
    if (t.scaled_by_training && training)
      effect += ", duration_scale: {value: 1.0, lever: systems_leadership_training, form: complement}";
    effect += "}";
    out += fmt::format(
        "  - id: shock_r{}_{}\n"
        "    name: {}\n"
        "    description: {}\n"
        "    scope: {}\n"
        "    trigger: {{type: window, from: {}, to: {}, probability: 1.0}}\n"
        "    targets: [{}]\n"
        "    effect: {}\n",
        shock.round + 1, shock.kind, nlohmann::json(shock_kinds()[k].name + " (the teacher's shock)").dump(),
        nlohmann::json("Injected by the teacher in round " + std::to_string(shock.round + 1) + ". " +
                       shock_kinds()[k].description)
            .dump(),
        t.scope, sim::format_iso_date(from), sim::format_iso_date(to), fmt::join(shock_targets(lesson_, k), ", "),
        effect);
  }
  return out;
}

void Session::build_world() {
  if (shocks_.empty()) {
    world_ = lesson_;
    return;
  }
  // Read as `wsic run` reads a team's file: the lesson overlaid with the
  // shocks' barriers, given by its text beside the lesson.
  scenario::SourceCache sources;
  const std::filesystem::path lesson = std::filesystem::absolute(options_.lesson);
  const std::filesystem::path probe = lesson.parent_path() / ".wsic-class-shocks.yaml";
  sources.put(probe, fmt::format("extends: {}\nname: {}\nbarriers:\n{}", nlohmann::json(lesson.string()).dump(),
                                 nlohmann::json(lesson_.name).dump(), shocks_yaml()));
  scenario::LoadOptions lo;
  lo.sources = &sources;
  world_ = scenario::load_scenario(probe, lo);
}

void Session::inject(const std::string& teacher_token, const std::string& kind) {
  if (!same_secret(teacher_token, teacher_token_)) throw Refused(403, "only the teacher may inject a shock");
  const std::size_t k = shock_index(kind);
  if (current_ >= rounds()) throw Refused(409, "the class is over: no shock can strike now");
  if (shocks_.size() >= kMaxShocks) throw Refused(409, fmt::format("a class has at most {} shocks", kMaxShocks));
  for (const Shock& s : shocks_)
    if (s.kind == kind && s.round == current_)
      throw Refused(409, fmt::format("'{}' strikes in round {} already", shock_kinds()[k].name, current_ + 1));
  const sim::Date to{std::chrono::sys_days(round_dates_[current_]) + std::chrono::days{kShockWindowDays}};
  if (to >= lesson_.horizon) throw Refused(409, "this round is too close to the lesson's horizon for a shock");
  if (shock_targets(lesson_, k).empty())
    throw Refused(400, fmt::format("the lesson has none of the work '{}' strikes", shock_kinds()[k].name));
  shocks_.push_back(Shock{kind, current_});
  try {
    build_world();
  } catch (...) {
    shocks_.pop_back();
    build_world();
    throw;
  }
}

model::Scenario Session::team_scenario(const Team& team) const {
  return schedule_scenario(team.values, fmt::format("{}-{}", lesson_.name.substr(0, 40), team.id));
}

model::Scenario Session::schedule_scenario(const std::vector<std::vector<double>>& values,
                                           const std::string& name) const {
  model::Scenario sc = world_;
  sc.name = name;
  const std::size_t decided = std::min(values.size(), rounds());
  for (std::size_t d = 0; d < decisions_.size(); ++d) {
    model::Lever& lever = sc.levers[static_cast<std::size_t>(decisions_[d])];
    lever.changes.clear();
    lever.value = values[0][d];
    double in_force = lever.value;
    for (std::size_t r = 1; r < decided; ++r) {
      if (values[r][d] == in_force) continue;
      in_force = values[r][d];
      lever.changes.push_back(model::Lever::Change{round_dates_[r], round_days_[r], in_force});
    }
  }
  return sc;
}

std::string Session::team_overlay(const Team& team) const {
  const model::Scenario sc = team_scenario(team);
  std::string out = fmt::format(
      "# Team {}'s decisions in a class on {}, round by round: `wsic run` this file\n"
      "# to see them on every future.\n"
      "extends: {}\n"
      "name: {}\n"
      "levers:\n",
      team.id, lesson_.name, nlohmann::json(std::filesystem::absolute(options_.lesson).string()).dump(), sc.name);
  for (const int l : decisions_) {
    const model::Lever& lever = sc.levers[static_cast<std::size_t>(l)];
    out += fmt::format("  {}:\n    value: {}\n    changes:", lever.id, number(lever.value));
    if (lever.changes.empty()) out += " []";
    out += "\n";
    for (const model::Lever::Change& c : lever.changes)
      out += fmt::format("      - {{from: {}, value: {}}}\n", sim::format_iso_date(c.date), number(c.value));
  }
  if (!shocks_.empty())
    out += "# The shocks the teacher injected, which every team faced.\nbarriers:\n" + shocks_yaml();
  return out;
}

double Session::story_all_live(const model::Scenario& sc) const {
  const model::Model m(sc);
  model::ReplicationOutcome story;
  m.simulate(m.settings(), options_.seed, options_.story, story);
  double day = 0.0;
  for (const model::SchemeOutcome& s : story.schemes) day = std::max(day, s.go_live);
  return day;
}

RoundResult Session::round_result(const Team& team, std::size_t r) const {
  if (r >= rounds()) throw Refused(404, fmt::format("there is no round {}", r + 1));
  // The decisions the team had made by then: what it decides later does not
  // change what the round did.
  const std::vector<std::vector<double>> known(
      team.values.begin(), team.values.begin() + static_cast<std::ptrdiff_t>(std::min(r + 1, team.values.size())));
  const model::Scenario sc = schedule_scenario(known, fmt::format("{}-{}", lesson_.name.substr(0, 40), team.id));
  const model::Model m(sc);
  model::ReplicationOutcome out;
  model::Trace trace;
  m.simulate(m.settings(), options_.seed, options_.story, out, &trace);
  const double from = round_days_[r];
  const double to = r + 1 < rounds() ? round_days_[r + 1] : sc.horizon_day + 1.0;
  RoundResult result;
  result.lines = report::story(sc, out, trace, from, to);
  for (const model::SchemeOutcome& s : out.schemes) {
    result.live_at_end += s.go_live < to ? 1 : 0;
    if (s.go_live >= from && s.go_live < to) result.pilots.push_back(s.go_live);
  }
  std::sort(result.pilots.begin(), result.pilots.end());
  return result;
}

model::Outcomes Session::futures(const model::Scenario& sc, std::uint64_t replications, unsigned threads,
                                 const std::atomic<bool>* cancel) const {
  // The class's seed: the same futures for every team and every schedule.
  experiment::BatchSpec spec;
  spec.seed = options_.seed;
  spec.replications = replications;
  spec.threads = threads;
  spec.cancel = cancel;
  return experiment::run_batch(sc, spec);
}

namespace {
/// The mean day of `days`, past the horizon counting as the day after it.
double mean_or_after(const model::DayCounts& days) {
  const auto& counts = days.counts();
  double sum = static_cast<double>(days.never()) * static_cast<double>(counts.size());
  for (std::size_t d = 0; d < counts.size(); ++d) sum += static_cast<double>(counts[d]) * static_cast<double>(d);
  return sum / static_cast<double>(std::max<std::uint64_t>(1, days.total()));
}
}  // namespace

double Session::mean_all_live(const model::Scenario& sc, std::uint64_t replications, unsigned threads,
                              const std::atomic<bool>* cancel) const {
  return mean_or_after(futures(sc, replications, threads, cancel).all_live);
}

BestPlay Session::best_play(std::uint64_t replications, unsigned threads, const std::atomic<bool>* cancel) const {
  // From the best of the lesson's own decisions and every team's, a
  // coordinate search on a grid of each decision's range (five points from
  // low to high, and the lesson's value), round by round, over the same
  // futures for every candidate; two passes. No team can then be ahead of it.
  BestPlay best;
  const auto score = [&](const std::vector<std::vector<double>>& v) {
    ++best.evaluations;
    return mean_all_live(schedule_scenario(v, lesson_.name.substr(0, 40) + "-best"), replications, threads, cancel);
  };
  std::vector<double> start;
  for (const int l : decisions_) start.push_back(lesson_.levers[static_cast<std::size_t>(l)].value);
  best.values.assign(rounds(), start);
  best.mean_all_live = score(best.values);
  for (const Team& t : teams_) {
    std::vector<std::vector<double>> v = t.values;
    v.resize(rounds(), v.back());
    const double j = score(v);
    if (j < best.mean_all_live) {
      best.mean_all_live = j;
      best.values = std::move(v);
    }
  }
  for (int pass = 0; pass < 2; ++pass) {
    bool moved = false;
    for (std::size_t r = 0; r < rounds(); ++r) {
      for (std::size_t d = 0; d < decisions_.size(); ++d) {
        const model::Lever& lever = lesson_.levers[static_cast<std::size_t>(decisions_[d])];
        std::vector<double> grid{lever.value};
        for (int k = 0; k <= 4; ++k) {
          const double x = std::round((lever.low + (lever.high - lever.low) * k / 4.0) * 1e6) / 1e6;
          grid.push_back(std::clamp(x, lever.low, lever.high));
        }
        for (const double v : grid) {
          if (v == best.values[r][d]) continue;
          std::vector<std::vector<double>> candidate = best.values;
          candidate[r][d] = v;
          const double j = score(candidate);
          if (j < best.mean_all_live) {
            best.mean_all_live = j;
            best.values = std::move(candidate);
            moved = true;
          }
        }
      }
    }
    if (!moved) break;
  }
  return best;
}

Debrief Session::debrief(std::uint64_t replications, unsigned threads, const std::atomic<bool>* cancel,
                         bool search) const {
  Debrief d;
  d.replications = replications;
  if (search) d.best = best_play(replications, threads, cancel);
  const auto funding_ends = report::end_of_funding(lesson_);
  if (funding_ends) d.end_of_funding = model::iso_day(lesson_, static_cast<int>(*funding_ends));
  for (const Team& team : teams_) {
    TeamDebrief row;
    row.id = team.id;
    row.name = team.name;
    const model::Scenario sc = team_scenario(team);
    for (const int l : decisions_)
      row.changes += static_cast<int>(sc.levers[static_cast<std::size_t>(l)].changes.size());
    row.story_all_live = story_all_live(sc);
    const model::Outcomes o = futures(sc, replications, threads, cancel);
    const double story_day = std::min(row.story_all_live, sc.horizon_day + 1.0);
    row.luckier_than = 1.0 - o.all_live.share_by(story_day);
    row.all_live_p50 = o.all_live.quantile_or_after(0.5);
    row.all_live_p90 = o.all_live.quantile_or_after(0.9);
    if (team.forecast()) {
      row.forecast_p50 = team.forecast_p50;
      row.forecast_p90 = team.forecast_p90;
      row.by_forecast_p50 = o.all_live.share_by(team.forecast_p50);
      row.by_forecast_p90 = o.all_live.share_by(team.forecast_p90);
    }
    if (funding_ends) row.people_at_end_of_funding = report::people_covered_on(o, *funding_ends).value_or(0.0);
    const std::size_t years = sc.funding.size();
    const double n = static_cast<double>(std::max<std::uint64_t>(1, o.replications));
    for (std::size_t k = 0; k < o.spend_columns; ++k) {
      for (std::size_t y = 0; y < years; ++y) row.spent += o.spend_at(y, k) / n;
      if (years > 0) row.needed_after += o.spend_at(years, k) / n;
    }
    if (search) {
      // Regret: the days the team's mean all-live date is behind the best
      // play's; per round, what taking the best play's decisions in that
      // round alone would have gained.
      row.mean_all_live = mean_or_after(o.all_live);
      row.regret = row.mean_all_live - d.best->mean_all_live;
      std::vector<std::vector<double>> values = team.values;
      values.resize(rounds(), values.back());
      for (std::size_t r = 0; r < rounds(); ++r) {
        std::vector<std::vector<double>> swapped = values;
        swapped[r] = d.best->values[r];
        // A round's decisions hold until the team changes them: the best
        // round r is in force until round r + 1 as the team played it.
        row.regret_by_round.push_back(
            row.mean_all_live - mean_all_live(schedule_scenario(swapped, sc.name), replications, threads, cancel));
      }
    }
    d.teams.push_back(std::move(row));
  }
  return d;
}

namespace {
/// A forecast's date, or "" without one.
std::string forecast_text(const model::Scenario& sc, double day) {
  return std::isnan(day) ? std::string() : model::iso_day(sc, static_cast<int>(day));
}

nlohmann::ordered_json or_null(const std::string& s) {
  return s.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s);
}

std::string csv_days(double days) { return std::isnan(days) ? std::string() : fmt::format("{:.1f}", days); }

std::string csv_share(double share) { return std::isnan(share) ? std::string() : fmt::format("{:.4f}", share); }

}  // namespace

std::string day_or_after(const model::Scenario& sc, double day) {
  return day <= sc.horizon_day ? model::iso_day(sc, static_cast<int>(day))
                               : "after " + sim::format_iso_date(sc.horizon);
}

nlohmann::ordered_json Session::debrief_json(const Debrief& d) const {
  nlohmann::ordered_json teams = nlohmann::ordered_json::array();
  for (const TeamDebrief& t : d.teams) {
    teams.push_back(
        {{"id", t.id},
         {"name", t.name},
         {"decision_changes", t.changes},
         {"story_all_live", day_or_after(lesson_, t.story_all_live)},
         {"luckier_than", t.luckier_than},
         {"all_live_p50", day_or_after(lesson_, t.all_live_p50)},
         {"all_live_p90", day_or_after(lesson_, t.all_live_p90)},
         {"people_covered_at_end_of_funding_mean", t.people_at_end_of_funding},
         {"spent_in_funded_years_mean", t.spent},
         {"needed_after_mean", t.needed_after},
         {"forecast_p50", or_null(forecast_text(lesson_, t.forecast_p50))},
         {"forecast_p90", or_null(forecast_text(lesson_, t.forecast_p90))},
         {"share_by_forecast_p50",
          std::isnan(t.by_forecast_p50) ? nlohmann::ordered_json() : nlohmann::ordered_json(t.by_forecast_p50)},
         {"share_by_forecast_p90",
          std::isnan(t.by_forecast_p90) ? nlohmann::ordered_json() : nlohmann::ordered_json(t.by_forecast_p90)},
         {"mean_all_live_day",
          std::isnan(t.mean_all_live) ? nlohmann::ordered_json() : nlohmann::ordered_json(t.mean_all_live)},
         {"regret_days", std::isnan(t.regret) ? nlohmann::ordered_json() : nlohmann::ordered_json(t.regret)},
         {"regret_days_by_round", t.regret_by_round}});
  }
  nlohmann::ordered_json best;
  if (d.best) {
    nlohmann::ordered_json rounds_json = nlohmann::ordered_json::array();
    for (std::size_t r = 0; r < d.best->values.size(); ++r) {
      nlohmann::ordered_json decisions = nlohmann::ordered_json::object();
      for (std::size_t k = 0; k < decisions_.size(); ++k)
        decisions[lesson_.levers[static_cast<std::size_t>(decisions_[k])].id] = d.best->values[r][k];
      rounds_json.push_back({{"from", options_.rounds[r]}, {"decisions", std::move(decisions)}});
    }
    best = {{"mean_all_live_day", d.best->mean_all_live},
            {"mean_all_live", model::iso_day(lesson_, static_cast<int>(d.best->mean_all_live))},
            {"schedules_simulated", d.best->evaluations},
            {"rounds", std::move(rounds_json)}};
  }
  return {{"lesson", lesson_.name},   {"best_play", std::move(best)},   {"seed", options_.seed},
          {"story", options_.story},  {"replications", d.replications}, {"end_of_funding", d.end_of_funding},
          {"teams", std::move(teams)}};
}

std::string Session::debrief_csv(const Debrief& d) const {
  std::string out =
      "team_id,team_name,decision_changes,story_all_live,luckier_than,all_live_p50,all_live_p90,"
      "people_covered_at_end_of_funding_mean,spent_in_funded_years_mean,needed_after_mean,forecast_p50,forecast_p90,"
      "share_by_forecast_p50,share_by_forecast_p90,mean_all_live_day,regret_days\n";
  for (const TeamDebrief& t : d.teams) {
    out += fmt::format("{},{},{},{},{:.4f},{},{},{:.1f},{:.4f},{:.4f},{},{},{},{},{},{}\n", report::csv_field(t.id),
                       report::csv_field(t.name), t.changes, day_or_after(lesson_, t.story_all_live), t.luckier_than,
                       day_or_after(lesson_, t.all_live_p50), day_or_after(lesson_, t.all_live_p90),
                       t.people_at_end_of_funding, t.spent, t.needed_after, forecast_text(lesson_, t.forecast_p50),
                       forecast_text(lesson_, t.forecast_p90), csv_share(t.by_forecast_p50),
                       csv_share(t.by_forecast_p90), csv_days(t.mean_all_live), csv_days(t.regret));
  }
  return out;
}

std::string Session::debrief_text(const Debrief& d) const {
  std::string out = fmt::format(
      "Debrief: {} teams on the class's future (future {} of seed {}) and across {} futures (the same for every "
      "team)\n\n",
      d.teams.size(), options_.story, options_.seed, d.replications);
  out += fmt::format("  {:<24} {:>8} {:>19} {:>8} {:>19} {:>19} {:>9} {:>9} {:>9}\n", "team", "changes",
                     "all live (story)", "luckier", "all live P50", "all live P90", "people", "spent", "after");
  for (const TeamDebrief& t : d.teams) {
    std::string name = t.name.size() > 24 ? t.name.substr(0, 23) + "." : t.name;
    out += fmt::format("  {:<24} {:>8} {:>19} {:>7.0f}% {:>19} {:>19} {:>9.0f} {:>8.2f}m {:>8.2f}m\n", name, t.changes,
                       day_or_after(lesson_, t.story_all_live), 100.0 * t.luckier_than,
                       day_or_after(lesson_, t.all_live_p50), day_or_after(lesson_, t.all_live_p90),
                       t.people_at_end_of_funding, t.spent, t.needed_after);
  }
  out += fmt::format(
      "\n(luckier: the share of futures in which every scheme piloted later than on the class's future; people: "
      "the mean covered on {}; spent: the mean £ in the funded years; after: the mean the work still going on "
      "after them needs)\n",
      d.end_of_funding.empty() ? "the horizon" : d.end_of_funding);
  if (d.best) {
    out += fmt::format(
        "\nThe best play found ({} schedules simulated on the same futures): every scheme piloting at a "
        "mean of {}\n",
        d.best->evaluations, model::iso_day(lesson_, static_cast<int>(d.best->mean_all_live)));
    for (std::size_t r = 0; r < d.best->values.size(); ++r) {
      out += fmt::format("  round {} (from {}):", r + 1, options_.rounds[r]);
      for (std::size_t k = 0; k < decisions_.size(); ++k)
        out += fmt::format(" {}={}", lesson_.levers[static_cast<std::size_t>(decisions_[k])].id,
                           number(d.best->values[r][k]));
      out += "\n";
    }
    out +=
        "Each team's regret: the days its mean date is behind the best play's, and what the best play's decisions "
        "of one round alone would have gained:\n";
    for (const TeamDebrief& t : d.teams) {
      out += fmt::format("  {}: {:.0f} days;", t.name, t.regret);
      for (std::size_t r = 0; r < t.regret_by_round.size(); ++r)
        out += fmt::format(" round {} {:+.0f}", r + 1, t.regret_by_round[r]);
      out += "\n";
    }
  }
  // Forecasts against the futures: how often every scheme was piloting by
  // each date a team forecast (a well-judged P50: half of them; P90: 90%).
  bool any = false;
  for (const TeamDebrief& t : d.teams) {
    if (std::isnan(t.by_forecast_p50)) continue;
    if (!any) out += "\nForecasts of when every scheme would be piloting, against the team's own futures:\n";
    any = true;
    out += fmt::format(
        "  {}: P50 {}, reached by then in {:.0f}% of futures (well judged: 50%); P90 {}, in {:.0f}% "
        "(well judged: 90%){}\n",
        t.name, forecast_text(lesson_, t.forecast_p50), 100.0 * t.by_forecast_p50,
        forecast_text(lesson_, t.forecast_p90), 100.0 * t.by_forecast_p90,
        t.by_forecast_p90 < 0.75 ? ": optimistic" : "");
  }
  return out;
}

nlohmann::json Session::to_json() const {
  nlohmann::json teams = nlohmann::json::array();
  for (const Team& t : teams_) {
    teams.push_back(
        {{"id", t.id},
         {"name", t.name},
         {"token", t.token},
         {"values", t.values},
         {"submitted", t.submitted},
         {"forecast", t.forecast() ? nlohmann::json::array({t.forecast_p50, t.forecast_p90}) : nlohmann::json()}});
  }
  nlohmann::json shocks = nlohmann::json::array();
  for (const Shock& sh : shocks_) shocks.push_back({{"kind", sh.kind}, {"round", sh.round}});
  return {{"format", "wsic-class"},
          {"version", 1},
          {"lesson", options_.lesson.string()},
          {"rounds", options_.rounds},
          {"seed", options_.seed},
          {"story", options_.story},
          {"join_code", join_code_},
          {"teacher_token", teacher_token_},
          {"current_round", current_},
          {"round_seconds", options_.round_seconds},
          {"deadline", deadline_},
          {"shocks", std::move(shocks)},
          {"teams", std::move(teams)}};
}

Session Session::from_json(const nlohmann::json& j) {
  Session s;
  try {
    if (j.at("format") != "wsic-class" || j.at("version") != 1)
      throw Refused(400, "not a saved class of this version of wsic");
    s.options_.lesson = j.at("lesson").get<std::string>();
    s.options_.rounds = j.at("rounds").get<std::vector<std::string>>();
    s.options_.seed = j.at("seed").get<std::uint64_t>();
    s.options_.story = j.at("story").get<std::uint64_t>();
    s.join_code_ = j.at("join_code").get<std::string>();
    s.teacher_token_ = j.at("teacher_token").get<std::string>();
    s.current_ = j.at("current_round").get<std::size_t>();
    s.options_.round_seconds = j.value("round_seconds", std::uint64_t{0});
    s.deadline_ = j.value("deadline", 0.0);
    s.open_lesson();
    if (s.current_ > s.rounds()) throw Refused(400, "the saved class is past its last round");
    if (!std::isfinite(s.deadline_) || s.deadline_ < 0.0)
      throw Refused(400, "the saved class's deadline is not a time");
    for (const auto& sh : j.value("shocks", nlohmann::json::array())) {
      Shock shock{sh.at("kind").get<std::string>(), sh.at("round").get<std::size_t>()};
      shock_index(shock.kind);
      if (shock.round >= s.rounds() || shock.round > s.current_ || s.shocks_.size() >= kMaxShocks)
        throw Refused(400, "a shock of the saved class does not fit its lesson");
      s.shocks_.push_back(std::move(shock));
    }
    s.build_world();
    // A file edited by hand, or damaged, is refused, never run: secrets of
    // their form, names as join takes them, decisions within their ranges.
    if (!made_of(s.join_code_, 6, kCodeAlphabet) || !made_of(s.teacher_token_, 32, kTokenAlphabet))
      throw Refused(400, "the saved class's join code or teacher's token is damaged");
    const std::size_t rows = std::min(s.current_ + 1, s.rounds());
    if (j.at("teams").size() > kMaxTeams) throw Refused(400, "the saved class has too many teams");
    for (const auto& t : j.at("teams")) {
      Team team;
      team.id = t.at("id").get<std::string>();
      team.name = t.at("name").get<std::string>();
      team.token = t.at("token").get<std::string>();
      team.values = t.at("values").get<std::vector<std::vector<double>>>();
      team.submitted = t.at("submitted").get<std::vector<bool>>();
      if (t.contains("forecast") && !t.at("forecast").is_null()) {
        team.forecast_p50 = t.at("forecast").at(0).get<double>();
        team.forecast_p90 = t.at("forecast").at(1).get<double>();
      }
      const bool fits = team.values.size() == rows && team.submitted.size() == rows &&
                        std::all_of(team.values.begin(), team.values.end(),
                                    [&](const auto& v) { return v.size() == s.decisions_.size(); });
      if (!fits) throw Refused(400, fmt::format("team {} of the saved class does not fit its lesson", team.id));
      const std::string which = fmt::format("team {} of the saved class", team.id.substr(0, 40));
      if (team.id != fmt::format("team-{}", s.teams_.size() + 1) || !made_of(team.token, 32, kTokenAlphabet) ||
          team.token == s.teacher_token_)
        throw Refused(400, fmt::format("{} has a damaged id or token", which));
      check_team_name(team.name);
      for (const Team& other : s.teams_)
        if (other.name == team.name || other.token == team.token)
          throw Refused(400, fmt::format("{} has the name or token of another", which));
      for (const auto& row : team.values)
        for (std::size_t d = 0; d < row.size(); ++d) {
          const model::Lever& lever = s.lesson_.levers[static_cast<std::size_t>(s.decisions_[d])];
          if (!(row[d] >= lever.low && row[d] <= lever.high))
            throw Refused(400, fmt::format("{} has {} = {}, outside {} to {}", which, lever.id, number(row[d]),
                                           number(lever.low), number(lever.high)));
        }
      if (team.forecast()) {
        const bool ok = team.forecast_p50 > 0.0 && team.forecast_p50 <= team.forecast_p90 &&
                        team.forecast_p90 < s.lesson_.horizon_day;
        if (!ok) throw Refused(400, fmt::format("{} has a forecast outside the lesson's calendar", which));
      }
      s.teams_.push_back(std::move(team));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Refused(400, fmt::format("not a saved class: {}", e.what()));
  }
  return s;
}

void Session::save(const std::filesystem::path& file) const { write_saved(file, saved_text()); }

std::string Session::saved_text() const { return to_json().dump(1) + "\n"; }

void Session::write_saved(const std::filesystem::path& file, const std::string& text) {
  cli::write_file_atomic(file, text);
}

Session Session::load(const std::filesystem::path& file) {
  // A class of 60 teams and 24 rounds is tens of kilobytes: anything far
  // larger is not a saved class, and is not read into memory.
  constexpr std::uintmax_t kMaxBytes = 16u << 20;
  std::error_code ec;
  if (const auto size = std::filesystem::file_size(file, ec); !ec && size > kMaxBytes)
    throw Refused(400, fmt::format("{} is {} bytes: not a saved class (at most {})", file.string(), size, kMaxBytes));
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Refused(400, fmt::format("cannot read {}", file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) throw Refused(400, fmt::format("{} is not a saved class (not JSON)", file.string()));
  return from_json(j);
}

}  // namespace wsic::classroom
