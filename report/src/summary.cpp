#include "wsic/report/summary.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "figures.hpp"
#include "wsic/report/text.hpp"

namespace wsic::report {

namespace {
using figures::date_or_null;
using figures::share;
using model::DayCounts;
using model::iso_day;
using nlohmann::ordered_json;

/// The 10th, 50th and 90th percentile dates, null where beyond the horizon.
void add_p10_50_90(ordered_json& j, const model::Scenario& sc, const DayCounts& d) {
  j["p10"] = date_or_null(sc, d.quantile(0.10));
  j["p50"] = date_or_null(sc, d.quantile(0.50));
  j["p90"] = date_or_null(sc, d.quantile(0.90));
}

ordered_json quantiles(const model::Scenario& sc, const DayCounts& d) {
  ordered_json j;
  add_p10_50_90(j, sc, d);
  j["probability_within_horizon"] =
      1.0 - static_cast<double>(d.never()) / static_cast<double>(std::max<std::uint64_t>(1, d.total()));
  return j;
}

/// Each scheme's go-live percentiles, its other phases and its criticality by workstream.
ordered_json schemes_json(const model::Scenario& sc, const model::Outcomes& o) {
  ordered_json schemes = ordered_json::array();
  for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
    ordered_json js;
    js["id"] = sc.schemes[s].id;
    js["name"] = sc.schemes[s].name;
    const auto& g = o.go_live[s];
    add_p10_50_90(js, sc, g);
    js["probability_within_horizon"] = 1.0 - share(g.never(), g.total());
    js["design_end"] = quantiles(sc, o.design_end[s]);
    js["full_model"] = quantiles(sc, o.full_model[s]);
    js["full_coverage"] = quantiles(sc, o.full_coverage[s]);
    ordered_json crit;
    for (std::size_t w = 0; w < sc.workstreams.size(); ++w) crit[sc.workstreams[w].id] = o.criticality(s, w);
    js["criticality"] = crit;
    schemes.push_back(js);
  }
  return schemes;
}

ordered_json programme_json(const model::Scenario& sc, const model::Outcomes& o) {
  ordered_json programme;
  programme["first_live"] = quantiles(sc, o.first_live);
  programme["all_live"] = quantiles(sc, o.all_live);
  programme["majority_live"] = quantiles(sc, o.majority_live);
  programme["all_full_model"] = quantiles(sc, o.all_full_model);
  programme["all_full_coverage"] = quantiles(sc, o.all_full_coverage);
  // How far behind plan: the plan had every scheme piloting from the planned
  // pilot start; measure when the first, and when a majority, actually were.
  const double twelve_months = sc.planned_pilot_day + sim::Duration::months(12).in_days();
  auto behind = [&](const DayCounts& d) {
    const auto q = d.quantile(0.5);
    return q ? ordered_json(static_cast<double>(*q) - sc.planned_pilot_day) : ordered_json(nullptr);
  };
  programme["first_live_behind_plan_days_p50"] = behind(o.first_live);
  programme["majority_live_behind_plan_days_p50"] = behind(o.majority_live);
  programme["probability_first_live_over_12_months_late"] = 1.0 - o.first_live.share_by(twelve_months);
  programme["probability_majority_live_over_12_months_late"] = 1.0 - o.majority_live.share_by(twelve_months);
  return programme;
}

/// At each milestone: how many schemes are live (distribution and mean), and each scheme's chance.
ordered_json milestones_json(const model::Scenario& sc, const model::Outcomes& o) {
  const std::uint64_t n = o.replications;
  ordered_json milestones = ordered_json::array();
  for (std::size_t m = 0; m < sc.milestones.size(); ++m) {
    ordered_json jm;
    jm["date"] = sim::format_iso_date(sc.milestones[m].date);
    jm["label"] = sc.milestones[m].label;
    ordered_json dist = ordered_json::array();
    for (const std::uint64_t count : o.live_count_at[m]) dist.push_back(share(count, n));
    jm["schemes_live_distribution"] = dist;
    jm["schemes_live_mean"] = figures::histogram_mean(o.live_count_at[m], n);
    double minority = 0.0;
    for (std::size_t k = 0; 2 * k < sc.schemes.size(); ++k) minority += share(o.live_count_at[m][k], n);
    jm["probability_majority_not_live"] = minority;
    ordered_json per;
    for (std::size_t s = 0; s < sc.schemes.size(); ++s) per[sc.schemes[s].id] = share(o.scheme_live_at[m][s], n);
    jm["scheme_live_probability"] = per;
    milestones.push_back(jm);
  }
  return milestones;
}

// ---- the CSV tables, one function a file ----------------------------------------------

std::string fraction(double v) { return fmt::format("{:.6f}", v); }

std::string schemes_csv(const model::Scenario& sc, const model::Outcomes& o) {
  std::ostringstream f;
  f << "scheme_id,scheme_name,outcome,p10,p50,p90,probability_within_horizon\n";
  auto row = [&](const std::string& id, const std::string& name, const char* what, const DayCounts& d) {
    f << csv_field(id) << ',' << csv_field(name) << ',' << what << ',' << iso_day(sc, d.quantile(0.1)) << ','
      << iso_day(sc, d.quantile(0.5)) << ',' << iso_day(sc, d.quantile(0.9)) << ','
      << fraction(1.0 - share(d.never(), d.total())) << '\n';
  };
  for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
    row(sc.schemes[s].id, sc.schemes[s].name, "design_end", o.design_end[s]);
    row(sc.schemes[s].id, sc.schemes[s].name, "go_live", o.go_live[s]);
    row(sc.schemes[s].id, sc.schemes[s].name, "full_model", o.full_model[s]);
    row(sc.schemes[s].id, sc.schemes[s].name, "full_coverage", o.full_coverage[s]);
  }
  row("programme", "Programme", "codesign_end", o.codesign_end);
  row("programme", "Programme", "first_live", o.first_live);
  row("programme", "Programme", "majority_live", o.majority_live);
  row("programme", "Programme", "all_live", o.all_live);
  row("programme", "Programme", "all_full_model", o.all_full_model);
  row("programme", "Programme", "all_full_coverage", o.all_full_coverage);
  return f.str();
}

std::string milestones_csv(const model::Scenario& sc, const model::Outcomes& o) {
  std::ostringstream f;
  f << "milestone_date,milestone_label,schemes_live,probability\n";
  for (std::size_t m = 0; m < sc.milestones.size(); ++m) {
    for (std::size_t k = 0; k < o.live_count_at[m].size(); ++k) {
      f << sim::format_iso_date(sc.milestones[m].date) << ',' << csv_field(sc.milestones[m].label) << ',' << k << ','
        << fraction(share(o.live_count_at[m][k], o.replications)) << '\n';
    }
  }
  return f.str();
}

std::string milestone_schemes_csv(const model::Scenario& sc, const model::Outcomes& o) {
  std::ostringstream f;
  f << "milestone_date,scheme_id,probability_live\n";
  for (std::size_t m = 0; m < sc.milestones.size(); ++m) {
    for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
      f << sim::format_iso_date(sc.milestones[m].date) << ',' << sc.schemes[s].id << ','
        << fraction(share(o.scheme_live_at[m][s], o.replications)) << '\n';
    }
  }
  return f.str();
}

std::string criticality_csv(const model::Scenario& sc, const model::Outcomes& o) {
  std::ostringstream f;
  f << "scheme_id,workstream_id,criticality\n";
  for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
    for (std::size_t w = 0; w < sc.workstreams.size(); ++w) {
      f << sc.schemes[s].id << ',' << sc.workstreams[w].id << ',' << fraction(o.criticality(s, w)) << '\n';
    }
  }
  return f.str();
}

std::string barriers_csv(const model::Scenario& sc, const model::Outcomes& o) {
  std::ostringstream f;
  f << "barrier_id,strikes_per_replication\n";
  for (std::size_t b = 0; b < sc.barriers.size(); ++b) {
    f << sc.barriers[b].id << ',' << fraction(share(o.barrier_hits[b], o.replications)) << '\n';
  }
  return f.str();
}

/// Spent (mean per replication) by year and category, in millions of
/// pounds, with each category's pot and the year's funding of that pot
/// (empty after the funded years).
std::string spend_csv(const model::Scenario& sc, const model::Outcomes& o) {
  std::ostringstream f;
  f << "financial_year,category,paid_from,pot_funded_gbp_m,spent_gbp_m\n";
  const auto cats = model::spend_categories(sc);
  for (std::size_t y = 0; y < model::spend_rows(sc); ++y) {
    const std::string label = figures::spend_row_label(sc, y);
    for (std::size_t k = 0; k < cats.size(); ++k) {
      const bool local = cats[k].pot == model::Lever::Pot::kLocal;
      const std::string funded =
          y < sc.funding.size() ? fmt::format("{:.4f}", local ? sc.funding[y].local : sc.funding[y].central) : "";
      f << label << ',' << cats[k].id << ',' << (local ? "local" : "central") << ',' << funded << ','
        << fmt::format("{:.4f}", figures::per_replication(o.spend_at(y, k), o.replications)) << '\n';
    }
  }
  return f.str();
}
}  // namespace

std::string summary_json(const model::Scenario& sc, const model::Outcomes& o, const BatchInfo& info) {
  ordered_json j;
  j["tool"] = "wsic";
  j["version"] = info.tool_version;
  if (!info.run_id.empty()) j["run_id"] = info.run_id;
  j["scenario"] = {{"name", sc.name}, {"content_hash", model::content_hash(sc)}, {"file", sc.source_file}};
  j["seed"] = info.seed;
  j["replications"] = o.replications;
  j["random_numbers"] =
      "xoshiro256++ streams seeded from (seed, replication, stream name); common random numbers across scenarios that "
      "share names";
  j["block_size"] = info.block_size;
  j["calendar"] = {{"start", sim::format_iso_date(sc.calendar_start)}, {"horizon", sim::format_iso_date(sc.horizon)}};
  j["planned_pilot_start"] = sim::format_iso_date(sc.planned_pilot_start);
  j["codesign_end"] = quantiles(sc, o.codesign_end);
  j["schemes"] = schemes_json(sc, o);
  j["programme"] = programme_json(sc, o);
  j["milestones"] = milestones_json(sc, o);
  ordered_json barriers = ordered_json::array();
  for (std::size_t b = 0; b < sc.barriers.size(); ++b) {
    barriers.push_back(
        {{"id", sc.barriers[b].id}, {"strikes_per_replication", share(o.barrier_hits[b], o.replications)}});
  }
  j["barriers"] = barriers;
  j["people_covered"] = figures::people_covered(sc, o);
  j["spend_categories"] = figures::spend_categories(sc);
  j["spend"] = figures::spend_by_year(sc, o, "_m");
  return j.dump(2) + "\n";
}

std::map<std::string, std::string> summary_csvs(const model::Scenario& sc, const model::Outcomes& o) {
  return {{"schemes.csv", schemes_csv(sc, o)},
          {"milestones.csv", milestones_csv(sc, o)},
          {"milestone_schemes.csv", milestone_schemes_csv(sc, o)},
          {"criticality.csv", criticality_csv(sc, o)},
          {"barriers.csv", barriers_csv(sc, o)},
          {"spend.csv", spend_csv(sc, o)}};
}

std::string summary_table(const model::Scenario& sc, const model::Outcomes& o, const BatchInfo& info) {
  std::ostringstream t;
  const std::uint64_t n = o.replications;
  t << "scenario " << sc.name << " (" << model::content_hash(sc) << "), " << n << " replications, seed " << info.seed
    << "\n\n";
  // The first milestone with an observed count, else the middle one.
  std::size_t focus = sc.milestones.size();
  for (std::size_t m = sc.milestones.size(); m-- > 0;) {
    if (sc.milestones[m].observed_live >= 0) focus = m;
  }
  if (focus == sc.milestones.size() && !sc.milestones.empty()) focus = sc.milestones.size() / 2;
  // Names are cut to their column by characters (a byte cut could split one).
  constexpr std::size_t kNameWidth = 42;
  t << fmt::format("{} {:<10} {:<10} {:<10} {:>8}", fit_column("go-live", kNameWidth), "P10", "P50", "P90",
                   "by horizon");
  if (focus < sc.milestones.size()) t << "   live " << sim::format_iso_date(sc.milestones[focus].date);
  t << '\n';
  auto show = [&](const std::string& name, const DayCounts& d, double live) {
    auto q = [&](double p) {
      const std::string s = iso_day(sc, d.quantile(p));
      return s.empty() ? std::string("later") : s;
    };
    t << fmt::format("{} {:<10} {:<10} {:<10} {:>8.1f}%", fit_column(name, kNameWidth), q(0.1), q(0.5), q(0.9),
                     100.0 * (1.0 - share(d.never(), d.total())));
    if (live >= 0.0) t << fmt::format("   {:>6.1f}%", 100.0 * live);
    t << '\n';
  };
  for (std::size_t s = 0; s < sc.schemes.size(); ++s) {
    show(sc.schemes[s].name, o.go_live[s], focus < sc.milestones.size() ? share(o.scheme_live_at[focus][s], n) : -1.0);
  }
  show("Programme: first scheme live", o.first_live, -1.0);
  show("Programme: majority of schemes live", o.majority_live, -1.0);
  show("Programme: all schemes live", o.all_live, -1.0);
  show("Programme: full coverage everywhere", o.all_full_coverage, -1.0);
  t << '\n';
  for (std::size_t m = 0; m < sc.milestones.size(); ++m) {
    t << "schemes live at " << sim::format_iso_date(sc.milestones[m].date) << " (" << sc.milestones[m].label << "):";
    const double mean = figures::histogram_mean(o.live_count_at[m], n);
    const std::size_t mode = figures::histogram_mode(o.live_count_at[m]);
    t << fmt::format(" mean {:.2f}, most likely {} ({:.0f}%)\n", mean, mode,
                     100.0 * share(o.live_count_at[m][mode], n));
  }
  return t.str();
}

}  // namespace wsic::report
