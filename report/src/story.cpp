#include "wsic/report/story.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <tuple>

namespace wsic::report {

namespace {
using model::Barrier;
using model::kNever;

constexpr std::uint64_t kDesignBit = std::uint64_t{1} << 63;

std::string date(const model::Scenario& sc, double day) {
  return model::iso_day(sc, static_cast<int>(std::floor(day)));
}

/// A name in the middle of a sentence: "National action on IG" becomes
/// "national action on IG" (an acronym stays).
std::string mid_sentence(std::string name) {
  if (name.size() > 1 && std::isupper(static_cast<unsigned char>(name[0])) &&
      std::islower(static_cast<unsigned char>(name[1])))
    name[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
  return name;
}

/// "a, b and c".
std::string listing(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

/// The pieces of work in `mask` that `keep` keeps (by workstream index, -1
/// for the design phase, called `design`), in words.
template <class Keep>
std::string work_names(const model::Scenario& sc, std::uint64_t mask, const char* design, Keep keep) {
  std::vector<std::string> names;
  if ((mask & kDesignBit) && keep(-1)) names.emplace_back(design);
  for (std::size_t w = 0; w < sc.workstreams.size() && w < 63; ++w) {
    if ((mask >> w & 1U) && keep(static_cast<int>(w))) names.push_back(mid_sentence(sc.workstreams[w].name));
  }
  return listing(names);
}

std::string percent(double share) { return fmt::format("{:.0f}%", 100.0 * share); }

/// The work a strike on scheme `s` held up: its targets not yet done when
/// it struck, in words; empty when every one was done.
std::string held_up(const model::Scenario& sc, const model::ReplicationOutcome& o, const model::Trace& t,
                    const model::Trace::Strike& k, std::size_t s) {
  return work_names(sc, k.targets, "its local design", [&](int w) {
    return w < 0 ? o.schemes[s].design_end > k.day : t.work_end[s][static_cast<std::size_t>(w)] > k.day;
  });
}

/// What the strike did to `work`, in words.
std::string effect(const model::Scenario& sc, const model::Trace& t, const model::Trace::Strike& k,
                   const std::string& work) {
  const Barrier& b = sc.barriers[static_cast<std::size_t>(k.barrier)];
  const auto days = [&](double until) { return fmt::format("{:.0f} days", std::max(0.0, until - k.day)); };
  switch (b.effect) {
    case Barrier::Effect::kBlock: {
      const bool national =
          b.national_action_lever >= 0 && k.until == t.lever_day[static_cast<std::size_t>(b.national_action_lever)];
      const std::string action = b.national_action_lever >= 0
                                     ? mid_sentence(sc.levers[static_cast<std::size_t>(b.national_action_lever)].name)
                                     : std::string();
      std::string s = fmt::format("{} holds up {}", b.name, work);
      if (!std::isfinite(k.until) || k.until > sc.horizon_day) {
        s += " past the horizon";
      } else if (national) {
        s += fmt::format(" until {} comes, on {}", action, date(sc, k.until));
      } else {
        s += fmt::format(" until a local workaround on {} ({})", date(sc, k.until), days(k.until));
      }
      if (k.pace < 1.0 && std::isfinite(k.pace_until) && k.pace_until <= sc.horizon_day) {
        s += fmt::format(", then at {} of its pace until {} comes, on {}", percent(k.pace), action,
                         date(sc, k.pace_until));
      } else if (k.pace < 1.0) {
        s += fmt::format(", then at {} of its pace past the horizon", percent(k.pace));
      }
      return s;
    }
    case Barrier::Effect::kDelay:
      return fmt::format("{} stops {} for {}, to {}", b.name, work, days(k.until), date(sc, k.until));
    case Barrier::Effect::kSlowdown:
      return fmt::format("{} slows {} to {} of its pace for {}, to {}", b.name, work, percent(k.factor), days(k.until),
                         date(sc, k.until));
    case Barrier::Effect::kRework:
      return fmt::format("{} sends {} of {} back to be done again", b.name, percent(k.rework), work);
  }
  return b.name;
}

std::string people(const model::Scheme& s) {
  std::int64_t n = 0;
  for (const auto& p : s.populations) n += p.size;
  return n > 0 ? fmt::format(" ({} people)", n) : std::string();
}
}  // namespace

std::vector<StoryLine> story(const model::Scenario& sc, const model::ReplicationOutcome& o, const model::Trace& t,
                             double from, double to) {
  std::vector<StoryLine> lines;
  const auto add = [&](double day, int scheme, const char* kind, std::string text) {
    if (day >= from && day < to && std::isfinite(day)) lines.push_back({day, scheme, kind, std::move(text)});
  };
  add(o.codesign_end, -1, "codesign", "Co-design ends: the programme's shared models of care are agreed.");
  // Every scheme starts designing when it is designated: told once.
  const std::size_t n = std::min(sc.schemes.size(), o.schemes.size());
  const bool together =
      n > 1 && std::all_of(o.schemes.begin(), o.schemes.begin() + static_cast<std::ptrdiff_t>(n),
                           [&](const auto& x) { return x.design_start == o.schemes[0].design_start; });
  if (together) add(o.schemes[0].design_start, -1, "design", "Every scheme starts designing its model of care.");
  for (std::size_t s = 0; s < n; ++s) {
    const model::SchemeOutcome& so = o.schemes[s];
    const std::string& name = sc.schemes[s].name;
    const int si = static_cast<int>(s);
    if (!together) add(so.design_start, si, "design", fmt::format("{} starts designing its model of care.", name));
    if (s < t.central_support.size() && t.central_support[s] > so.design_start && t.central_support[s] < so.design_end)
      add(t.central_support[s], si, "support", fmt::format("{}: the central team comes to help its design.", name));
    add(so.design_end, si, "design", fmt::format("{} finishes its design and starts implementing it.", name));
    add(so.go_live, si, "pilot", fmt::format("{} starts piloting its model of care.", name));
    if (so.full_model > so.go_live)
      add(so.full_model, si, "full_model", fmt::format("{} has its full model of care live.", name));
    add(so.full_coverage, si, "covered", fmt::format("{} covers its whole population{}.", name, people(sc.schemes[s])));
  }
  // Decisions (and uncertainties) that change on a date.
  for (const model::Lever& l : sc.levers) {
    double before = l.value;
    for (const model::Lever::Change& c : l.changes) {
      add(c.day, -1, "change", fmt::format("{} is now {} (it was {}).", l.name, c.value, before));
      before = c.value;
    }
  }
  // Strikes that held something up; a national one with the same effect on
  // several schemes once, naming them (or "every scheme").
  using Key = std::tuple<int, double, double, double, double, double, double>;
  std::map<Key, std::pair<model::Trace::Strike, std::vector<std::size_t>>> national;  // the first strike, the schemes
  std::vector<Key> order;
  for (const model::Trace::Strike& k : t.strikes) {
    if (k.day < from || k.day >= to) continue;
    const auto s = static_cast<std::size_t>(k.scheme);
    const std::string work = held_up(sc, o, t, k, s);
    if (work.empty()) continue;
    const Barrier& b = sc.barriers[static_cast<std::size_t>(k.barrier)];
    if (b.scope == Barrier::Scope::kNational) {
      const Key key{k.barrier, k.day, k.until, k.factor, k.pace_until, k.pace, k.rework};
      auto [it, fresh] = national.try_emplace(key, k, std::vector<std::size_t>{});
      if (fresh) order.push_back(key);
      it->second.second.push_back(s);
      continue;
    }
    add(k.day, k.scheme, "strike", fmt::format("{}: {}.", sc.schemes[s].name, effect(sc, t, k, work)));
  }
  for (const Key& key : order) {
    const auto& [k, struck] = national.at(key);
    std::vector<std::string> names;
    for (const std::size_t s : struck) names.push_back(sc.schemes[s].name);
    const std::string who = struck.size() == sc.schemes.size() && struck.size() > 1 ? "Every scheme" : listing(names);
    const std::string what = effect(sc, t, k, work_names(sc, k.targets, "local design", [](int) { return true; }));
    add(k.day, struck.size() == 1 ? static_cast<int>(struck.front()) : -1, "strike", fmt::format("{}: {}.", who, what));
  }
  std::stable_sort(lines.begin(), lines.end(), [](const StoryLine& a, const StoryLine& b) { return a.day < b.day; });
  return lines;
}

nlohmann::ordered_json story_json(const model::Scenario& sc, const std::vector<StoryLine>& lines, std::uint64_t seed,
                                  std::uint64_t replication, double from, double to) {
  nlohmann::ordered_json out;
  out["scenario"] = sc.name;
  out["seed"] = seed;
  out["replication"] = replication;
  out["from"] = date(sc, from);
  out["to"] = date(sc, std::min(to, sc.horizon_day + 1.0));
  auto& items = out["lines"] = nlohmann::ordered_json::array();
  for (const StoryLine& l : lines) {
    items.push_back(
        {{"date", date(sc, l.day)},
         {"scheme", l.scheme < 0 ? nlohmann::ordered_json()
                                 : nlohmann::ordered_json(sc.schemes[static_cast<std::size_t>(l.scheme)].id)},
         {"kind", l.kind},
         {"text", l.text}});
  }
  return out;
}

std::string story_text(const model::Scenario& sc, const std::vector<StoryLine>& lines) {
  std::string out;
  for (const StoryLine& l : lines) out += fmt::format("{}  {}\n", date(sc, l.day), l.text);
  return out;
}

}  // namespace wsic::report
