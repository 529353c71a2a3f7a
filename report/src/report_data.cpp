#include "wsic/report/report_data.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/version.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <boost/version.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "figures.hpp"
#include "wsic/report/summary.hpp"
#include "wsic/scenario/parameters.hpp"
#include "wsic/sim/quantile.hpp"

namespace wsic::report {

using experiment::TornadoBar;

namespace {
using figures::date_or_null;
using figures::share;
using model::DayCounts;
using nlohmann::ordered_json;

std::string lever_label(const model::Scenario& sc, const model::Lever& l, double v) {
  if (l.kind == model::Lever::Kind::kDate) return iso_day(sc, static_cast<int>(std::lround(v)));
  return fmt::format("{:g}", v);  // %g's bytes, as before ("{}" would give the shortest round trip instead)
}

/// A quantile with a 95% confidence interval from order statistics.
ordered_json quantile_with_ci(const model::Scenario& sc, const DayCounts& d, double p) {
  ordered_json j;
  j["date"] = date_or_null(sc, d.quantile(p));
  const std::uint64_t n = d.total();
  if (n == 0) {
    j["ci"] = {nullptr, nullptr};
    return j;
  }
  const auto r = sim::quantile_rank_interval(n, p, 0.95);
  j["ci"] = {date_or_null(sc, d.order_statistic(r.lower)), date_or_null(sc, d.order_statistic(r.upper))};
  return j;
}

ordered_json p10_50_90(const model::Scenario& sc, const DayCounts& d) {
  return {{"p10", date_or_null(sc, d.quantile(0.1))},
          {"p50", date_or_null(sc, d.quantile(0.5))},
          {"p90", date_or_null(sc, d.quantile(0.9))}};
}

std::string describe_trigger(const model::Scenario& sc, const model::Barrier& b) {
  auto targets = [&] {
    std::string t;
    if (b.design_phase) t = "design";
    for (int w : b.targets) t += (t.empty() ? "" : ", ") + sc.workstreams[static_cast<std::size_t>(w)].id;
    return t;
  };
  switch (b.trigger) {
    case model::Barrier::Trigger::kOnStart:
      return "when work starts on " + targets();
    case model::Barrier::Trigger::kWindow:
      return "once between " + iso_day(sc, static_cast<int>(b.from)) + " and " + iso_day(sc, static_cast<int>(b.to)) +
             ", on " + targets();
    case model::Barrier::Trigger::kHazard:
      return "at random times from " + iso_day(sc, static_cast<int>(b.from)) + ", on " + targets();
    case model::Barrier::Trigger::kSlip:
      return "when a scheme slips past its promised date, on " + targets();
  }
  return "";
}

std::string describe_effect(const model::Barrier& b) {
  switch (b.effect) {
    case model::Barrier::Effect::kBlock: {
      std::string s = "no progress until ";
      if (b.national_action_lever >= 0) s += "national action";
      if (b.national_action_lever >= 0 && b.workaround) s += " or ";
      if (b.workaround) s += "a local workaround";
      return s;
    }
    case model::Barrier::Effect::kDelay:
      return "no progress for a while";
    case model::Barrier::Effect::kSlowdown:
      return "slower progress for a while";
    case model::Barrier::Effect::kRework:
      return "part of the work to do again";
  }
  return "";
}

const char* scope_name(model::Barrier::Scope s) {
  switch (s) {
    case model::Barrier::Scope::kNational:
      return "national";
    case model::Barrier::Scope::kLocal:
      return "each scheme";
    case model::Barrier::Scope::kScheme:
      return "one scheme";
  }
  return "";
}

// ---- plain-language summary ----------------------------------------------------

/// When all schemes are live: the median and the 80th percentile, or that
/// fewer than half the replications get there.
std::string all_live_sentence(const model::Scenario& sc, const model::Outcomes& o) {
  const auto all50 = o.all_live.quantile(0.5), all80 = o.all_live.quantile(0.8);
  std::string s = "In " + sc.name + ", ";
  if (all50) {
    s +=
        "the median date for all " + std::to_string(sc.schemes.size()) + " schemes to be live is " + iso_day(sc, all50);
    s += all80 ? ", and 80% of replications have them all live by " + iso_day(sc, all80) + "."
               : "; fewer than 80% of replications have them all live by the horizon.";
  } else {
    s += fmt::format("fewer than half of the replications have all {} schemes live by {}.", sc.schemes.size(),
                     sim::format_iso_date(sc.horizon));
  }
  return s;
}

/// The most likely number of schemes live at each milestone with an observed count, beside that count.
void add_milestone_sentences(const model::Scenario& sc, const model::Outcomes& o, std::vector<std::string>& plain) {
  const std::uint64_t n = o.replications;
  for (std::size_t m = 0; m < sc.milestones.size(); ++m) {
    if (sc.milestones[m].observed_live < 0) continue;
    const std::size_t mode = figures::histogram_mode(o.live_count_at[m]);
    plain.push_back(
        fmt::format("At {} the most likely number of schemes live is {} ({:.0f}% of replications); {} {} observed.",
                    sim::format_iso_date(sc.milestones[m].date), mode, 100.0 * share(o.live_count_at[m][mode], n),
                    sc.milestones[m].observed_live, sc.milestones[m].observed_live == 1 ? "was" : "were"));
  }
}

std::vector<std::string> plain_summary(const model::Scenario& sc, const model::Outcomes& o,
                                       const std::vector<TornadoBar>& barrier_bars,
                                       const std::optional<TornadoBar>& all_barriers) {
  std::vector<std::string> plain{all_live_sentence(sc, o)};
  if (const auto first50 = o.first_live.quantile(0.5)) {
    plain.push_back(
        fmt::format("The first scheme goes live around {} (median), {:.0f} months after the planned pilot start of {}.",
                    iso_day(sc, first50), (*first50 - sc.planned_pilot_day) / sim::Duration::kDaysPerMonth,
                    sim::format_iso_date(sc.planned_pilot_start)));
  }
  add_milestone_sentences(sc, o, plain);
  if (!barrier_bars.empty() && barrier_bars.front().all_live.p50 < 0) {
    plain.push_back(
        fmt::format("The barrier that delays the programme most is '{}': without it, all schemes would be live {:.0f} "
                    "days earlier (median).",
                    barrier_bars.front().name, -barrier_bars.front().all_live.p50));
  }
  if (all_barriers && !barrier_bars.empty()) {
    double sum = 0.0;
    for (const TornadoBar& b : barrier_bars) sum += b.all_live.p50;
    plain.push_back(fmt::format(
        "Without every barrier at once, all schemes would be live {:.0f} days {} (median), against {:.0f} days "
        "{} for the barriers' separate effects added up: {}.",
        std::abs(all_barriers->all_live.p50), all_barriers->all_live.p50 <= 0 ? "earlier" : "later", std::abs(sum),
        sum <= 0 ? "earlier" : "later",
        all_barriers->all_live.p50 < sum
            ? "they compound, each one's delay hidden behind another's while the other remains"
            : "their effects overlap, so the separate effects count some of the same delay more than once"));
  }
  return plain;
}

// ---- what was run, and how ----------------------------------------------------------

ordered_json scenario_json(const model::Scenario& sc) {
  return {{"name", sc.name},
          {"description", sc.description},
          {"content_hash", model::content_hash(sc)},
          {"file", sc.source_file}};
}

ordered_json experiment_json(const RunFacts& facts, std::uint64_t replications) {
  return {{"replications", replications},
          {"seed", facts.seed},
          {"block_size", facts.block_size},
          {"random_numbers",
           "xoshiro256++ generators, one per named stream, seeded from (seed, replication index, stream name)"},
          {"common_random_numbers",
           "streams are named after what they drive (a scheme's design, a workstream's work, a barrier at a scheme), "
           "so scenarios that share names share random numbers; attribution, sensitivity and comparisons use the same "
           "replication indices"},
          {"analysis_replications", facts.analysis_replications}};
}

/// The first "model name" of /proc/cpuinfo, or empty.
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    return colon == std::string::npos ? std::string() : line.substr(line.find_first_not_of(' ', colon + 1));
  }
  return "";
}

/// 5.4: the machine and the software this report was written with.
ordered_json system_json() {
  ordered_json j;
  struct utsname u {};
  if (::uname(&u) == 0) j["os"] = fmt::format("{} {} ({})", u.sysname, u.release, u.machine);
  if (const std::string cpu = cpu_model(); !cpu.empty()) j["cpu"] = cpu;
  j["cores"] = std::thread::hardware_concurrency();
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0)
    j["memory_gib"] = std::round(static_cast<double>(pages) * static_cast<double>(page) / (1 << 30) * 10) / 10;
  j["compiler"] = std::string("g++ compatible ") + __VERSION__;
  j["libraries"] = {
      {"oneTBB", fmt::format("{}.{}", TBB_VERSION_MAJOR, TBB_VERSION_MINOR)},
      {"{fmt}", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100)},
      {"nlohmann-json",
       fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH)},
      {"Boost", fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100)}};
  return j;
}

ordered_json implementation_json(const RunFacts& facts) {
  return {{"version", facts.version},
          {"build", std::string("C++20, ") + (__VERSION__)},
          {"wall_seconds", facts.wall_seconds},
          {"threads", facts.threads},
          {"system", system_json()}};
}

// ---- go-live dates --------------------------------------------------------------------

/// One line of the go-live figures: a scheme, or a measure of the programme.
struct Series {
  std::string id;
  std::string name;
  const char* group;
  const DayCounts* days;
};

/// Each scheme's go-live, then the first and the last scheme live, and (with
/// `full_coverage`) full coverage everywhere: the lines of the S-curves, the
/// quantile table and the targets, in that order.
std::vector<Series> go_live_series(const model::Scenario& sc, const model::Outcomes& o, bool full_coverage) {
  std::vector<Series> series;
  for (std::size_t s = 0; s < sc.schemes.size(); ++s)
    series.push_back({sc.schemes[s].id, sc.schemes[s].name, "scheme", &o.go_live[s]});
  series.push_back({"first_live", "First scheme live", "programme", &o.first_live});
  series.push_back({"all_live", "All schemes live", "programme", &o.all_live});
  if (full_coverage)
    series.push_back({"all_full_coverage", "Full coverage everywhere", "programme", &o.all_full_coverage});
  return series;
}

/// The first of each month, the time axis of the S-curves and the fan chart.
ordered_json month_dates(const model::Scenario& sc, const model::Outcomes& o) {
  ordered_json dates = ordered_json::array();
  for (double d : o.month_days) dates.push_back(iso_day(sc, static_cast<int>(d)));
  return dates;
}

ordered_json s_curves_json(const model::Scenario& sc, const model::Outcomes& o) {
  ordered_json series = ordered_json::array();
  for (const Series& s : go_live_series(sc, o, false)) {
    series.push_back({{"id", s.id}, {"name", s.name}, {"group", s.group}, {"cdf", s.days->shares_by(o.month_days)}});
  }
  return {{"dates", month_dates(sc, o)}, {"series", series}};
}

/// The smallest count reached in a share `p` of the replications, from a
/// histogram of counts (slot k: replications with count k).
int histogram_quantile(const std::vector<std::uint64_t>& row, std::uint64_t n, double p) {
  const auto need =
      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(n) - 1e-9)));
  std::uint64_t seen = 0;
  for (std::size_t k = 0; k < row.size(); ++k) {
    seen += row[k];
    if (seen >= need) return static_cast<int>(k);
  }
  return static_cast<int>(row.size() - 1);
}

/// The number of schemes live by month: percentiles, mean and the counts observed.
ordered_json fan_json(const model::Scenario& sc, const model::Outcomes& o) {
  const std::uint64_t n = o.replications;
  const auto rows = o.live_count_by_month();
  ordered_json fan;
  fan["dates"] = month_dates(sc, o);
  for (const auto& [key, p] : {std::pair{"p10", 0.1}, {"p25", 0.25}, {"p50", 0.5}, {"p75", 0.75}, {"p90", 0.9}}) {
    ordered_json q = ordered_json::array();
    for (std::size_t m = 0; m < o.month_days.size(); ++m) q.push_back(histogram_quantile(rows[m], n, p));
    fan[key] = q;
  }
  ordered_json mean = ordered_json::array();
  for (std::size_t m = 0; m < o.month_days.size(); ++m) mean.push_back(figures::histogram_mean(rows[m], n));
  fan["mean"] = mean;
  fan["max"] = sc.schemes.size();
  ordered_json observed = ordered_json::array();
  for (const auto& m : sc.milestones) {
    if (m.observed_live >= 0)
      observed.push_back({{"date", sim::format_iso_date(m.date)}, {"value", m.observed_live}, {"label", m.label}});
  }
  fan["observed"] = observed;
  return fan;
}

/// When local design starts: at designation or at the end of co-design,
/// whichever is later (the same for every scheme).
ordered_json design_start(const model::Scenario& sc, const model::Outcomes& o) {
  ordered_json start = p10_50_90(sc, o.codesign_end);
  for (const char* k : {"p10", "p50", "p90"}) {
    if (!start[k].is_null()) {
      const auto d = sim::parse_iso_date(start[k].get<std::string>());
      const double day = sim::Calendar(sc.calendar_start).to_time(*d).in_days();
      start[k] = iso_day(sc, static_cast<int>(std::max(day, sc.designation)));
    }
  }
  return start;
}

ordered_json gantt_json(const model::Scenario& sc, const model::Outcomes& o) {
  auto phase = [](const char* name, const ordered_json& start, const ordered_json& end) {
    return ordered_json{{"name", name}, {"start", start}, {"end", end}};
  };
  const ordered_json local_design_start = design_start(sc, o);
  ordered_json gantt = ordered_json::array();
  for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
    const ordered_json design_end = p10_50_90(sc, o.design_end[s]), go_live = p10_50_90(sc, o.go_live[s]);
    ordered_json phases = ordered_json::array();
    phases.push_back(phase("Local design", local_design_start, design_end));
    phases.push_back(phase("Implementation", design_end, go_live));
    phases.push_back(phase("Ramp to full coverage", go_live, p10_50_90(sc, o.full_coverage[s])));
    gantt.push_back({{"id", sc.schemes[s].id}, {"name", sc.schemes[s].name}, {"phases", phases}});
  }
  return gantt;
}

/// Quantiles with confidence intervals, for each scheme and for the programme.
ordered_json quantiles_json(const model::Scenario& sc, const model::Outcomes& o) {
  ordered_json rows = ordered_json::array();
  for (const Series& s : go_live_series(sc, o, true)) {
    ordered_json r;
    r["id"] = s.id;
    r["name"] = s.name;
    r["group"] = s.group;
    for (double p : {0.1, 0.5, 0.8, 0.9}) {
      r[fmt::format("p{}", std::lround(p * 100))] = quantile_with_ci(sc, *s.days, p);
    }
    r["probability_within_horizon"] = 1.0 - share(s.days->never(), s.days->total());
    rows.push_back(r);
  }
  return rows;
}

/// The chance of each scheme and of the programme being live by each milestone.
ordered_json targets_json(const model::Scenario& sc, const model::Outcomes& o) {
  const std::vector<Series> series = go_live_series(sc, o, true);
  ordered_json targets = ordered_json::array();
  for (const model::Milestone& m : sc.milestones) {
    ordered_json probs = ordered_json::array();
    for (const Series& s : series) probs.push_back({{"id", s.id}, {"name", s.name}, {"p", s.days->share_by(m.day)}});
    targets.push_back({{"label", m.label}, {"date", sim::format_iso_date(m.date)}, {"probabilities", probs}});
  }
  return targets;
}

// ---- what drives the dates ------------------------------------------------------------

ordered_json criticality_json(const model::Scenario& sc, const model::Outcomes& o) {
  ordered_json ws = ordered_json::array(), schemes = ordered_json::array(), values = ordered_json::array();
  for (const auto& w : sc.workstreams) ws.push_back({{"id", w.id}, {"name", w.name}});
  for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
    schemes.push_back({{"id", sc.schemes[s].id}, {"name", sc.schemes[s].name}});
    ordered_json row = ordered_json::array();
    for (std::size_t w = 0; w < sc.workstreams.size(); ++w) row.push_back(o.criticality(s, w));
    values.push_back(row);
  }
  return {{"workstreams", ws}, {"schemes", schemes}, {"values", values}};
}

/// A 95% interval as [low, high], or null when there is none.
ordered_json interval_json(const std::optional<model::Interval>& i) {
  return i ? ordered_json::array({i->low, i->high}) : ordered_json(nullptr);
}

/// A bar's shifts for each scheme, at the lever's high setting if `high`.
ordered_json scheme_shifts(const model::Scenario& sc, const TornadoBar& b, bool high) {
  ordered_json arr = ordered_json::array();
  const auto& v = high ? b.schemes_high : b.schemes;
  for (std::size_t s = 0; s < v.size(); ++s) {
    arr.push_back({{"id", sc.schemes[s].id}, {"p50_shift", v[s].p50}, {"p80_shift", v[s].p80}});
  }
  return arr;
}

ordered_json barrier_bar_json(const model::Scenario& sc, const TornadoBar& b) {
  return {{"id", b.id},
          {"name", b.name},
          {"p50_shift", b.all_live.p50},
          {"p50_shift_ci", interval_json(b.all_live.p50_ci)},
          {"p80_shift", b.all_live.p80},
          {"p80_shift_ci", interval_json(b.all_live.p80_ci)},
          {"schemes", scheme_shifts(sc, b, false)}};
}

ordered_json barrier_tornado_json(const model::Scenario& sc, const std::vector<TornadoBar>& barrier_bars,
                                  const std::optional<TornadoBar>& all_barriers) {
  ordered_json bars = ordered_json::array();
  for (const TornadoBar& b : barrier_bars) bars.push_back(barrier_bar_json(sc, b));
  ordered_json j = {{"measure", "P50 of all schemes live (barrier switched off)"}, {"unit", "days"}, {"bars", bars}};
  if (all_barriers) j["together"] = barrier_bar_json(sc, *all_barriers);
  return j;
}

ordered_json lever_tornado_json(const model::Scenario& sc, const std::vector<TornadoBar>& lever_bars) {
  ordered_json bars = ordered_json::array();
  for (const TornadoBar& b : lever_bars) {
    bars.push_back({{"id", b.id},
                    {"name", b.name},
                    {"low_label", b.low_label},
                    {"high_label", b.high_label},
                    {"low_shift", b.all_live.p50},
                    {"low_shift_ci", interval_json(b.all_live.p50_ci)},
                    {"high_shift", b.all_live_high.p50},
                    {"high_shift_ci", interval_json(b.all_live_high.p50_ci)},
                    {"low_p80_shift", b.all_live.p80},
                    {"low_p80_shift_ci", interval_json(b.all_live.p80_ci)},
                    {"high_p80_shift", b.all_live_high.p80},
                    {"high_p80_shift_ci", interval_json(b.all_live_high.p80_ci)},
                    {"schemes_low", scheme_shifts(sc, b, false)},
                    {"schemes_high", scheme_shifts(sc, b, true)}});
  }
  return {{"measure", "P50 of all schemes live"}, {"unit", "days"}, {"bars", bars}};
}

// ---- the model's shape and sources -----------------------------------------------------

ordered_json phases_json() {
  return {"Co-design (pan-NW London)",
          "Designation of early adopters",
          "Local design (queue for the central team)",
          "Implementation (workstream graph)",
          "Go-live (pilot)",
          "Ramp to full coverage"};
}

ordered_json workstream_graph_json(const model::Scenario& sc) {
  ordered_json nodes = ordered_json::array(), edges = ordered_json::array();
  for (const auto& w : sc.workstreams) {
    nodes.push_back({{"id", w.id},
                     {"name", w.name},
                     {"kind", w.kind == model::Workstream::Kind::kTransactional ? "transactional" : "engagement"}});
    for (int p : w.after) edges.push_back({sc.workstreams[static_cast<std::size_t>(p)].id, w.id});
  }
  return {{"nodes", nodes}, {"edges", edges}};
}

ordered_json barriers_json(const model::Scenario& sc) {
  ordered_json barriers = ordered_json::array();
  for (const auto& b : sc.barriers) {
    barriers.push_back({{"id", b.id},
                        {"name", b.name},
                        {"description", b.description},
                        {"scope", scope_name(b.scope)},
                        {"trigger", describe_trigger(sc, b)},
                        {"effect", describe_effect(b)}});
  }
  return barriers;
}

ordered_json levers_json(const model::Scenario& sc) {
  ordered_json levers = ordered_json::array();
  for (const auto& l : sc.levers) {
    // What a decision costs, in words: "£0.45m a year per unit, local pot".
    std::string cost;
    if (l.costed()) {
      std::vector<std::string> parts;
      if (l.cost_per_year > 0) parts.push_back(fmt::format("£{:g}m a year", l.cost_per_year));
      if (l.cost_once > 0) parts.push_back(fmt::format("£{:g}m once", l.cost_once));
      cost = (parts.empty() ? std::string("£0m") : fmt::format("{}", fmt::join(parts, " and "))) + " per unit, " +
             (l.paid_from == model::Lever::Pot::kLocal ? "local" : "central") + " pot";
    }
    levers.push_back({{"id", l.id},
                      {"name", l.name},
                      {"description", l.description},
                      {"role", l.role == model::Lever::Role::kUncertainty ? "uncertainty" : "decision"},
                      {"group", l.group},
                      {"cost", cost},
                      {"slips", l.slip.has_value()},
                      {"value", lever_label(sc, l, l.value)},
                      {"low", lever_label(sc, l, l.low)},
                      {"high", lever_label(sc, l, l.high)}});
    if (!l.changes.empty()) {
      ordered_json changes = ordered_json::array();
      for (const model::Lever::Change& c : l.changes)
        changes.push_back({{"from", sim::format_iso_date(c.date)}, {"value", lever_label(sc, l, c.value)}});
      levers.back()["changes"] = std::move(changes);
    }
  }
  return levers;
}

ordered_json data_sources_json() {
  return {
      "Nuffield Trust / LSE evaluation, Putting integrated care into practice: the North West London experience "
      "(research summary, October 2015; evaluation window February 2014 - late April 2015): the programme's shape and "
      "schedule, the nine early adopters, the barriers, the money.",
      "The programme's own abstract in the International Journal of Integrated Care (2016): the 8-month co-design "
      "phase.",
      "Imperial College / Nuffield Trust evaluation of the North West London Integrated Care Pilot (IJIC, first year "
      "2011-12): the earlier pilot.",
      "Every number in the scenario file names its source in a comment; numbers marked 'assumption' are the model's "
      "own, chosen to reproduce what the evaluation observed."};
}

ordered_json assumptions_json() {
  return {
      "Barriers act as windows of reduced progress: a block or delay stops work, a slowdown slows it; work resumes "
      "where it stopped.",
      "Local design progresses more slowly while a scheme waits for the central team.",
      "Money changes capacity and pace through elasticities (scenario file), not one for one.",
      "Workstream durations, barrier probabilities and rates are not reported by the evaluation; they are calibrated "
      "to its observations."};
}

// ---- STRESS-DES: what the checklist asks beyond the figures -------------------------

/// 3.3: every number of the scenario, by its path in the format's words.
ordered_json parameters_json(const model::Scenario& sc) {
  const scenario::ParameterSpace space(sc);
  ordered_json rows = ordered_json::array();
  for (std::size_t i = 0; i < space.parameters().size(); ++i) {
    const scenario::Parameter& p = space.parameters()[i];
    const double v = space.get(sc, i);
    std::string value;
    switch (p.unit) {
      case scenario::Unit::kDay:
        value = iso_day(sc, static_cast<int>(std::lround(v)));
        break;
      case scenario::Unit::kDays:
        value = fmt::format("{:.1f} days ({:.1f} months)", v, v / sim::Duration::kDaysPerMonth);
        break;
      case scenario::Unit::kCount:
        value = fmt::format("{:.0f}", v);
        break;
      case scenario::Unit::kNumber:
        value = fmt::format("{:g}", v);
        break;
    }
    rows.push_back({{"path", p.path}, {"value", value}});
  }
  return rows;
}

/// 2.3: how each lever reaches the model: the numbers it scales and how.
ordered_json lever_formulas_json(const model::Scenario& sc) {
  std::vector<std::vector<std::string>> uses(sc.levers.size());
  const auto scaled = [&](const model::Scaled& v, const std::string& what) {
    if (v.lever < 0) return;
    const std::string formula = v.form == model::Scaled::Form::kComplement
                                    ? fmt::format("{} = {:g} \u00d7 (1 \u2212 lever)", what, v.base)
                                    : fmt::format("{} = {:g} \u00d7 lever^{:g}", what, v.base, v.power);
    uses[static_cast<std::size_t>(v.lever)].push_back(formula);
  };
  scaled(sc.central_capacity, "central team capacity (schemes at once)");
  for (const model::Barrier& b : sc.barriers) {
    scaled(b.probability, b.id + " probability");
    scaled(b.rate_per_day, b.id + " rate per day");
    scaled(b.duration_scale, b.id + " duration scale");
    scaled(b.factor, b.id + " slowdown factor");
    scaled(b.fraction, b.id + " rework fraction");
    if (b.national_action_lever >= 0)
      uses[static_cast<std::size_t>(b.national_action_lever)].push_back("the date national action ends every " + b.id +
                                                                        " block still in force");
  }
  const auto direct = [&](int lever, const std::string& what) {
    if (lever >= 0) uses[static_cast<std::size_t>(lever)].push_back(what);
  };
  direct(sc.lever_central_share,
         fmt::format("the central share of support money: central capacity \u00d7 (share / as funded)^{:g}, local "
                     "work rate \u00d7 ((1 \u2212 share) / (1 \u2212 as funded))^{:g}",
                     sc.central_support_elasticity, sc.local_support_elasticity));
  direct(sc.lever_transactional_investment,
         fmt::format("the share of transactional work done during co-design; {:g} of it survives design changes",
                     sc.transactional_prep_effect));
  direct(sc.lever_promised_go_live,
         "the go-live date promised to lay partners (slip-triggered barriers count from it)");
  ordered_json out = ordered_json::array();
  for (std::size_t l = 0; l < sc.levers.size(); ++l)
    out.push_back({{"id", sc.levers[l].id}, {"name", sc.levers[l].name}, {"uses", uses[l]}});
  return out;
}

/// 3.2: the observations the scenario was calibrated to, beside what this run gives.
ordered_json calibration_json(const model::Scenario& sc, const model::Outcomes& o) {
  ordered_json targets = ordered_json::array();
  const std::uint64_t n = o.replications;
  for (std::size_t m = 0; m < sc.milestones.size(); ++m) {
    const int observed = sc.milestones[m].observed_live;
    if (observed < 0 || static_cast<std::size_t>(observed) >= o.live_count_at[m].size()) continue;
    const std::size_t mode = figures::histogram_mode(o.live_count_at[m]);
    std::vector<std::pair<double, std::string>> likeliest;
    for (std::size_t s = 0; s < sc.schemes.size(); ++s)
      likeliest.emplace_back(share(o.scheme_live_at[m][s], n), sc.schemes[s].name);
    std::stable_sort(likeliest.begin(), likeliest.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    ordered_json top = ordered_json::array();
    for (std::size_t k = 0; k < likeliest.size() && k < static_cast<std::size_t>(std::max(observed, 1)); ++k)
      top.push_back({{"name", likeliest[k].second}, {"probability", likeliest[k].first}});
    targets.push_back({{"date", sim::format_iso_date(sc.milestones[m].date)},
                       {"label", sc.milestones[m].label},
                       {"observed_live", observed},
                       {"probability_observed", share(o.live_count_at[m][static_cast<std::size_t>(observed)], n)},
                       {"most_likely_live", mode},
                       {"likeliest_schemes", top}});
  }
  return {{"targets", targets},
          {"codesign_end", p10_50_90(sc, o.codesign_end)},
          {"first_live_median", date_or_null(sc, o.first_live.quantile(0.5))},
          {"planned_pilot_start", sim::format_iso_date(sc.planned_pilot_start)}};
}

/// 4.3: what the replications buy: the simulation error of the headline
/// date against the spread of the forecast.
ordered_json estimation_json(const model::Outcomes& o) {
  ordered_json j = {{"replications", o.replications}};
  const DayCounts& d = o.all_live;
  const auto p10 = d.quantile(0.1), p50 = d.quantile(0.5), p90 = d.quantile(0.9);
  if (d.total() > 0 && p50) {
    const auto r = sim::quantile_rank_interval(d.total(), 0.5, 0.95);
    const auto lo = d.order_statistic(r.lower), hi = d.order_statistic(r.upper);
    if (lo && hi) j["all_live_p50_error_days"] = {*lo - *p50, *hi - *p50};
  }
  if (p10 && p90) j["all_live_p10_p90_days"] = *p90 - *p10;
  return j;
}
}  // namespace

ordered_json run_report_data(const model::Scenario& sc, const model::Outcomes& o, const RunFacts& facts,
                             const std::vector<TornadoBar>& barrier_bars, const std::vector<TornadoBar>& lever_bars,
                             const std::optional<TornadoBar>& all_barriers) {
  ordered_json j;
  j["kind"] = "run";
  j["title"] = "wsic: " + sc.name;
  j["plain_summary"] = plain_summary(sc, o, barrier_bars, all_barriers);
  j["scenario"] = scenario_json(sc);
  j["experiment"] = experiment_json(facts, o.replications);
  j["implementation"] = implementation_json(facts);
  j["calendar"] = {{"start", sim::format_iso_date(sc.calendar_start)}, {"horizon", sim::format_iso_date(sc.horizon)}};
  j["s_curves"] = s_curves_json(sc, o);
  j["fan"] = fan_json(sc, o);
  j["gantt"] = gantt_json(sc, o);
  j["quantiles"] = quantiles_json(sc, o);
  j["targets"] = targets_json(sc, o);
  j["criticality"] = criticality_json(sc, o);
  if (!barrier_bars.empty()) j["barrier_tornado"] = barrier_tornado_json(sc, barrier_bars, all_barriers);
  if (!lever_bars.empty()) j["lever_tornado"] = lever_tornado_json(sc, lever_bars);
  j["people_covered"] = figures::people_covered(sc, o);
  j["spend_categories"] = figures::spend_categories(sc);
  j["spend"] = figures::spend_by_year(sc, o, "");
  j["phases"] = phases_json();
  j["workstream_graph"] = workstream_graph_json(sc);
  j["parameters"] = parameters_json(sc);
  j["lever_formulas"] = lever_formulas_json(sc);
  j["calibration"] = calibration_json(sc, o);
  j["estimation"] = estimation_json(o);
  j["barriers"] = barriers_json(sc);
  j["levers"] = levers_json(sc);
  j["data_sources"] = data_sources_json();
  j["assumptions"] = assumptions_json();
  return j;
}

ordered_json chart_report_data(const model::Scenario& sc, const model::Outcomes& o,
                               const std::vector<std::string>& charts) {
  ordered_json j;
  j["kind"] = "run";
  j["title"] = "wsic: " + sc.name;
  j["calendar"] = {{"start", sim::format_iso_date(sc.calendar_start)}, {"horizon", sim::format_iso_date(sc.horizon)}};
  for (const std::string& name : charts) {
    if (name == "s_curves") {
      if (!j.contains("s_curves")) j["s_curves"] = s_curves_json(sc, o);
    } else if (name == "fan") {
      if (!j.contains("fan")) j["fan"] = fan_json(sc, o);
    } else if (name == "people") {
      if (!j.contains("people_covered")) j["people_covered"] = figures::people_covered(sc, o);
    } else if (name == "spend") {
      if (!j.contains("spend")) {
        j["spend_categories"] = figures::spend_categories(sc);
        j["spend"] = figures::spend_by_year(sc, o, "");
      }
    } else if (name != "comparison" && name != "comparison_s_curves") {  // those read the comparison's own part
      throw std::invalid_argument("chart_report_data: the inputs of chart " + name + " are not known");
    }
  }
  return j;
}

ordered_json comparison_report_data(const std::vector<model::Scenario>& scenarios, const experiment::CompareAcc& total,
                                    const std::vector<std::string>& answers, const ordered_json& dates,
                                    const ordered_json& whatifs) {
  ordered_json sc_json = ordered_json::array(), curves = ordered_json::array();
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    const model::Scenario& sc = scenarios[k];
    const model::Outcomes& o = total.outcomes[k];
    sc_json.push_back({{"name", sc.name},
                       {"role", k == 0 ? "base" : "what-if"},
                       {"file", sc.source_file},
                       {"content_hash", model::content_hash(sc)},
                       {"horizon", sim::format_iso_date(sc.horizon)}});
    ordered_json series = ordered_json::array();
    for (const auto& [id, name, counts] : {std::tuple{"first_live", "First scheme live", &o.first_live},
                                           std::tuple{"all_live", "All schemes live", &o.all_live}}) {
      series.push_back({{"id", id}, {"name", name}, {"cdf", counts->shares_by(o.month_days)}});
    }
    curves.push_back({{"scenario", sc.name}, {"dates", month_dates(sc, o)}, {"series", series}});
  }
  return {{"base", scenarios.front().name},
          {"scenarios", sc_json},
          {"answers", answers},
          {"dates", dates},
          {"s_curves", curves},
          {"whatifs", whatifs}};
}

}  // namespace wsic::report
