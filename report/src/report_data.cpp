#include "wsic/report/report_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "wsic/report/summary.hpp"
#include "wsic/sim/quantile.hpp"

namespace wsic::report {

using experiment::TornadoBar;

namespace {
using nlohmann::ordered_json;
using model::DayCounts;
using model::kNever;

ordered_json date_json(const model::Scenario& sc, std::optional<int> day) {
  if (!day) return nullptr;
  return iso_day(sc, day);
}

std::string lever_label(const model::Scenario& sc, const model::Lever& l, double v) {
  if (l.kind == model::Lever::Kind::kDate) return iso_day(sc, static_cast<int>(std::lround(v)));
  return fmt::format("{:g}", v);  // %g's bytes, as before ("{}" would give the shortest round trip instead)
}

double share(std::uint64_t k, std::uint64_t n) { return n ? static_cast<double>(k) / static_cast<double>(n) : 0.0; }

std::string fy_label(int year) { return fmt::format("{}/{:02}", year, (year + 1) % 100); }

/// A quantile with a 95% confidence interval from order statistics.
ordered_json quantile_with_ci(const model::Scenario& sc, const DayCounts& d, double p) {
  ordered_json j;
  j["date"] = date_json(sc, d.quantile(p));
  const std::uint64_t n = d.total();
  if (n == 0) {
    j["ci"] = {nullptr, nullptr};
    return j;
  }
  const auto r = sim::quantile_rank_interval(n, p, 0.95);
  j["ci"] = {date_json(sc, d.order_statistic(r.lower)), date_json(sc, d.order_statistic(r.upper))};
  return j;
}

ordered_json p10_50_90(const model::Scenario& sc, const DayCounts& d) {
  return {{"p10", date_json(sc, d.quantile(0.1))}, {"p50", date_json(sc, d.quantile(0.5))}, {"p90", date_json(sc, d.quantile(0.9))}};
}

std::string describe_trigger(const model::Scenario& sc, const model::Barrier& b) {
  auto targets = [&] {
    std::string t;
    if (b.design_phase) t = "design";
    for (int w : b.targets) t += (t.empty() ? "" : ", ") + sc.workstreams[static_cast<std::size_t>(w)].id;
    return t;
  };
  switch (b.trigger) {
    case model::Barrier::Trigger::kOnStart: return "when work starts on " + targets();
    case model::Barrier::Trigger::kWindow:
      return "once between " + iso_day(sc, static_cast<int>(b.from)) + " and " + iso_day(sc, static_cast<int>(b.to)) + ", on " + targets();
    case model::Barrier::Trigger::kHazard: return "at random times from " + iso_day(sc, static_cast<int>(b.from)) + ", on " + targets();
    case model::Barrier::Trigger::kSlip: return "when a scheme slips past its promised date, on " + targets();
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
    case model::Barrier::Effect::kDelay: return "no progress for a while";
    case model::Barrier::Effect::kSlowdown: return "slower progress for a while";
    case model::Barrier::Effect::kRework: return "part of the work to do again";
  }
  return "";
}

const char* scope_name(model::Barrier::Scope s) {
  switch (s) {
    case model::Barrier::Scope::kNational: return "national";
    case model::Barrier::Scope::kLocal: return "each scheme";
    case model::Barrier::Scope::kScheme: return "one scheme";
  }
  return "";
}
}  // namespace

ordered_json run_report_data(const model::Scenario& sc, const model::Outcomes& o, const RunFacts& facts,
                             const std::vector<TornadoBar>& barrier_bars, const std::vector<TornadoBar>& lever_bars) {
  const std::uint64_t n = o.replications;
  ordered_json j;
  j["kind"] = "run";
  j["title"] = "wsic: " + sc.name;

  // A plain-language summary.
  std::vector<std::string> plain;
  {
    const auto all50 = o.all_live.quantile(0.5), all80 = o.all_live.quantile(0.8);
    std::string s = "In " + sc.name + ", ";
    if (all50) {
      s += "the median date for all " + std::to_string(sc.schemes.size()) + " schemes to be live is " + iso_day(sc, all50);
      s += all80 ? ", and 80% of replications have them all live by " + iso_day(sc, all80) + "." : "; fewer than 80% of replications have them all live by the horizon.";
    } else {
      s += fmt::format("fewer than half of the replications have all {} schemes live by {}.", sc.schemes.size(),
                       sim::format_iso_date(sc.horizon));
    }
    plain.push_back(s);
    const auto first50 = o.first_live.quantile(0.5);
    if (first50) {
      plain.push_back(fmt::format("The first scheme goes live around {} (median), {:.0f} months after the planned pilot start of {}.",
                                  iso_day(sc, first50), (*first50 - sc.planned_pilot_day) / sim::Duration::kDaysPerMonth,
                                  sim::format_iso_date(sc.planned_pilot_start)));
    }
    for (std::size_t m = 0; m < sc.milestones.size(); ++m) {
      std::size_t mode = 0;
      for (std::size_t k = 0; k < o.live_count_at[m].size(); ++k) {
        if (o.live_count_at[m][k] > o.live_count_at[m][mode]) mode = k;
      }
      if (sc.milestones[m].observed_live < 0) continue;
      plain.push_back(fmt::format("At {} the most likely number of schemes live is {} ({:.0f}% of replications); {} {} observed.",
                                  sim::format_iso_date(sc.milestones[m].date), mode, 100.0 * share(o.live_count_at[m][mode], n),
                                  sc.milestones[m].observed_live, sc.milestones[m].observed_live == 1 ? "was" : "were"));
    }
    if (!barrier_bars.empty() && barrier_bars.front().all_live.p50 < 0) {
      plain.push_back(fmt::format("The barrier that delays the programme most is '{}': without it, all schemes would be live {:.0f} days earlier (median).",
                                  barrier_bars.front().name, -barrier_bars.front().all_live.p50));
    }
  }
  j["plain_summary"] = plain;
  j["scenario"] = {{"name", sc.name}, {"description", sc.description}, {"content_hash", model::content_hash(sc)}, {"file", sc.source_file}};
  j["experiment"] = {{"replications", n},
                     {"seed", facts.seed},
                     {"block_size", facts.block_size},
                     {"random_numbers", "xoshiro256++ generators, one per named stream, seeded from (seed, replication index, stream name)"},
                     {"common_random_numbers", "streams are named after what they drive (a scheme's design, a workstream's work, a barrier at a scheme), so scenarios that share names share random numbers; attribution, sensitivity and comparisons use the same replication indices"},
                     {"analysis_replications", facts.analysis_replications}};
  j["implementation"] = {{"version", facts.version},
                         {"build", std::string("C++20, ") + (__VERSION__)},
                         {"wall_seconds", facts.wall_seconds},
                         {"threads", facts.threads}};
  j["calendar"] = {{"start", sim::format_iso_date(sc.calendar_start)}, {"horizon", sim::format_iso_date(sc.horizon)}};

  // S-curves by month.
  {
    ordered_json dates = ordered_json::array();
    for (double d : o.month_days) dates.push_back(iso_day(sc, static_cast<int>(d)));
    ordered_json series = ordered_json::array();
    auto add = [&](const std::string& id, const std::string& name, const char* group, const DayCounts& d) {
      ordered_json cdf = ordered_json::array();
      for (double day : o.month_days) cdf.push_back(d.share_by(day));
      series.push_back({{"id", id}, {"name", name}, {"group", group}, {"cdf", cdf}});
    };
    for (std::size_t s = 0; s < sc.schemes.size(); ++s) add(sc.schemes[s].id, sc.schemes[s].name, "scheme", o.go_live[s]);
    add("first_live", "First scheme live", "programme", o.first_live);
    add("all_live", "All schemes live", "programme", o.all_live);
    j["s_curves"] = {{"dates", dates}, {"series", series}};
  }

  // Fan chart of schemes live.
  {
    ordered_json fan;
    ordered_json dates = ordered_json::array(), p10 = ordered_json::array(), p25 = ordered_json::array(), p50 = ordered_json::array(),
                 p75 = ordered_json::array(), p90 = ordered_json::array(), mean = ordered_json::array();
    for (std::size_t m = 0; m < o.month_days.size(); ++m) {
      dates.push_back(iso_day(sc, static_cast<int>(o.month_days[m])));
      const auto& row = o.live_count_by_month[m];
      auto q = [&](double p) {
        const auto need = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(n) - 1e-9)));
        std::uint64_t seen = 0;
        for (std::size_t k = 0; k < row.size(); ++k) {
          seen += row[k];
          if (seen >= need) return static_cast<int>(k);
        }
        return static_cast<int>(row.size() - 1);
      };
      p10.push_back(q(0.1));
      p25.push_back(q(0.25));
      p50.push_back(q(0.5));
      p75.push_back(q(0.75));
      p90.push_back(q(0.9));
      double mu = 0.0;
      for (std::size_t k = 0; k < row.size(); ++k) mu += static_cast<double>(k) * share(row[k], n);
      mean.push_back(mu);
    }
    fan["dates"] = dates;
    fan["p10"] = p10;
    fan["p25"] = p25;
    fan["p50"] = p50;
    fan["p75"] = p75;
    fan["p90"] = p90;
    fan["mean"] = mean;
    fan["max"] = sc.schemes.size();
    ordered_json observed = ordered_json::array();
    for (const auto& m : sc.milestones) {
      if (m.observed_live >= 0)
        observed.push_back({{"date", sim::format_iso_date(m.date)}, {"value", m.observed_live}, {"label", m.label}});
    }
    fan["observed"] = observed;
    j["fan"] = fan;
  }

  // Probabilistic Gantt.
  {
    ordered_json gantt = ordered_json::array();
    for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
      ordered_json phases = ordered_json::array();
      const ordered_json start = p10_50_90(sc, o.codesign_end);
      ordered_json design_start = start;
      // Local design starts at designation or the end of co-design, whichever is later.
      for (const char* k : {"p10", "p50", "p90"}) {
        if (!design_start[k].is_null()) {
          const auto d = sim::parse_iso_date(design_start[k].get<std::string>());
          const double day = sim::Calendar(sc.calendar_start).to_time(*d).in_days();
          design_start[k] = iso_day(sc, static_cast<int>(std::max(day, sc.designation)));
        }
      }
      phases.push_back({{"name", "Local design"}, {"start", design_start}, {"end", p10_50_90(sc, o.design_end[s])}});
      phases.push_back({{"name", "Implementation"}, {"start", p10_50_90(sc, o.design_end[s])}, {"end", p10_50_90(sc, o.go_live[s])}});
      phases.push_back({{"name", "Ramp to full coverage"}, {"start", p10_50_90(sc, o.go_live[s])}, {"end", p10_50_90(sc, o.full_coverage[s])}});
      gantt.push_back({{"id", sc.schemes[s].id}, {"name", sc.schemes[s].name}, {"phases", phases}});
    }
    j["gantt"] = gantt;
  }

  // Quantiles with confidence intervals, and targets.
  {
    ordered_json rows = ordered_json::array();
    auto add = [&](const std::string& id, const std::string& name, const char* group, const DayCounts& d) {
      ordered_json r;
      r["id"] = id;
      r["name"] = name;
      r["group"] = group;
      for (double p : {0.1, 0.5, 0.8, 0.9}) {
        r[fmt::format("p{}", std::lround(p * 100))] = quantile_with_ci(sc, d, p);
      }
      r["probability_within_horizon"] = 1.0 - share(d.never(), d.total());
      rows.push_back(r);
    };
    for (std::size_t s = 0; s < sc.schemes.size(); ++s) add(sc.schemes[s].id, sc.schemes[s].name, "scheme", o.go_live[s]);
    add("first_live", "First scheme live", "programme", o.first_live);
    add("all_live", "All schemes live", "programme", o.all_live);
    add("all_full_coverage", "Full coverage everywhere", "programme", o.all_full_coverage);
    j["quantiles"] = rows;

    ordered_json targets = ordered_json::array();
    for (const model::Milestone& m : sc.milestones) {
      ordered_json probs = ordered_json::array();
      for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
        probs.push_back({{"id", sc.schemes[s].id}, {"name", sc.schemes[s].name}, {"p", o.go_live[s].share_by(m.day)}});
      }
      probs.push_back({{"id", "first_live"}, {"name", "First scheme live"}, {"p", o.first_live.share_by(m.day)}});
      probs.push_back({{"id", "all_live"}, {"name", "All schemes live"}, {"p", o.all_live.share_by(m.day)}});
      probs.push_back({{"id", "all_full_coverage"}, {"name", "Full coverage everywhere"}, {"p", o.all_full_coverage.share_by(m.day)}});
      targets.push_back({{"label", m.label}, {"date", sim::format_iso_date(m.date)}, {"probabilities", probs}});
    }
    j["targets"] = targets;
  }

  // Criticality.
  {
    ordered_json ws = ordered_json::array(), schemes = ordered_json::array(), values = ordered_json::array();
    for (const auto& w : sc.workstreams) ws.push_back({{"id", w.id}, {"name", w.name}});
    for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
      schemes.push_back({{"id", sc.schemes[s].id}, {"name", sc.schemes[s].name}});
      ordered_json row = ordered_json::array();
      for (std::size_t w = 0; w < sc.workstreams.size(); ++w) row.push_back(share(o.critical[s][w], n));
      values.push_back(row);
    }
    j["criticality"] = {{"workstreams", ws}, {"schemes", schemes}, {"values", values}};
  }

  auto shifts_json = [&](const TornadoBar& b, bool high) {
    ordered_json arr = ordered_json::array();
    const auto& v = high ? b.schemes_high : b.schemes;
    for (std::size_t s = 0; s < v.size(); ++s) {
      arr.push_back({{"id", sc.schemes[s].id}, {"p50_shift", v[s].p50}, {"p80_shift", v[s].p80}});
    }
    return arr;
  };
  if (!barrier_bars.empty()) {
    ordered_json bars = ordered_json::array();
    for (const TornadoBar& b : barrier_bars) {
      bars.push_back({{"id", b.id}, {"name", b.name}, {"p50_shift", b.all_live.p50}, {"p80_shift", b.all_live.p80}, {"schemes", shifts_json(b, false)}});
    }
    j["barrier_tornado"] = {{"measure", "P50 of all schemes live (barrier switched off)"}, {"unit", "days"}, {"bars", bars}};
  }
  if (!lever_bars.empty()) {
    ordered_json bars = ordered_json::array();
    for (const TornadoBar& b : lever_bars) {
      bars.push_back({{"id", b.id},
                      {"name", b.name},
                      {"low_label", b.low_label},
                      {"high_label", b.high_label},
                      {"low_shift", b.all_live.p50},
                      {"high_shift", b.all_live_high.p50},
                      {"low_p80_shift", b.all_live.p80},
                      {"high_p80_shift", b.all_live_high.p80},
                      {"schemes_low", shifts_json(b, false)},
                      {"schemes_high", shifts_json(b, true)}});
    }
    j["lever_tornado"] = {{"measure", "P50 of all schemes live"}, {"unit", "days"}, {"bars", bars}};
  }

  {
    ordered_json spend = ordered_json::array();
    const double d = static_cast<double>(std::max<std::uint64_t>(1, n));
    for (std::size_t y = 0; y < sc.funding.size(); ++y) {
      spend.push_back({{"financial_year", fy_label(sc.funding[y].year)},
                       {"funded_central", sc.funding[y].central},
                       {"funded_local", sc.funding[y].local},
                       {"central_team", o.spend_central_team[y] / d},
                       {"consultancy", o.spend_consultancy[y] / d},
                       {"local_support", o.spend_local[y] / d}});
    }
    j["spend"] = spend;
  }

  j["phases"] = {"Co-design (pan-NW London)", "Designation of early adopters", "Local design (queue for the central team)",
                 "Implementation (workstream graph)", "Go-live (pilot)", "Ramp to full coverage"};
  {
    ordered_json nodes = ordered_json::array(), edges = ordered_json::array();
    for (const auto& w : sc.workstreams) {
      nodes.push_back({{"id", w.id}, {"name", w.name}, {"kind", w.kind == model::Workstream::Kind::kTransactional ? "transactional" : "engagement"}});
      for (int p : w.after) edges.push_back({sc.workstreams[static_cast<std::size_t>(p)].id, w.id});
    }
    j["workstream_graph"] = {{"nodes", nodes}, {"edges", edges}};
  }
  {
    ordered_json barriers = ordered_json::array();
    for (const auto& b : sc.barriers) {
      barriers.push_back({{"id", b.id}, {"name", b.name}, {"description", b.description}, {"scope", scope_name(b.scope)},
                          {"trigger", describe_trigger(sc, b)}, {"effect", describe_effect(b)}});
    }
    j["barriers"] = barriers;
    ordered_json levers = ordered_json::array();
    for (const auto& l : sc.levers) {
      levers.push_back({{"id", l.id}, {"name", l.name}, {"description", l.description}, {"value", lever_label(sc, l, l.value)},
                        {"low", lever_label(sc, l, l.low)}, {"high", lever_label(sc, l, l.high)}});
    }
    j["levers"] = levers;
  }
  j["data_sources"] = {
      "Nuffield Trust / LSE evaluation, Putting integrated care into practice: the North West London experience (research summary, October 2015; evaluation window February 2014 - late April 2015): the programme's shape and schedule, the nine early adopters, the barriers, the money.",
      "The programme's own abstract in the International Journal of Integrated Care (2016): the 8-month co-design phase.",
      "Imperial College / Nuffield Trust evaluation of the North West London Integrated Care Pilot (IJIC, first year 2011-12): the earlier pilot.",
      "Every number in the scenario file names its source in a comment; numbers marked 'assumption' are the model's own, chosen to reproduce what the evaluation observed."};
  j["assumptions"] = {
      "Barriers act as windows of reduced progress: a block or delay stops work, a slowdown slows it; work resumes where it stopped.",
      "Local design progresses more slowly while a scheme waits for the central team.",
      "Money changes capacity and pace through elasticities (scenario file), not one for one.",
      "Workstream durations, barrier probabilities and rates are not reported by the evaluation; they are calibrated to its observations."};
  return j;
}

}  // namespace wsic::report
