#pragma once
/// A class living through a lesson, apart from HTTP: a teacher's session,
/// teams that join with a code, rounds in which each team sets its
/// decisions, and each team's history as a scenario `wsic run` reproduces.
/// Every request is checked here; a refusal says what to do and carries the
/// HTTP status a server answers it with.

#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "wsic/model/model.hpp"
#include "wsic/model/outcomes.hpp"
#include "wsic/report/story.hpp"

namespace wsic::classroom {

/// A request the session refuses: 400 bad input, 403 a wrong token or join
/// code, 404 no such team, 409 not now (a round already closed, the class
/// over).
class Refused : public std::runtime_error {
 public:
  Refused(int status, const std::string& what) : std::runtime_error(what), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

/// Day `day` of the lesson as a date, or "after HORIZON" past its horizon.
std::string day_or_after(const model::Scenario& lesson, double day);

/// The most teams in one class, and the longest team name (characters).
inline constexpr std::size_t kMaxTeams = 60;
inline constexpr std::size_t kMaxTeamName = 40;
/// The most rounds in one class.
inline constexpr std::size_t kMaxRounds = 24;

/// A shock the teacher may inject in a round: it strikes every team's
/// schemes in the month after the round starts, on every future (the class's
/// story future and the debrief's), so all teams face the same one.
struct ShockKind {
  std::string id;           ///< "leadership", ...
  std::string name;         ///< as teams read it
  std::string description;  ///< what it does, and where its numbers come from
};
/// The shocks a teacher may choose from.
const std::vector<ShockKind>& shock_kinds();

/// A shock the teacher injected: which, and in which round (0-based).
struct Shock {
  std::string kind;
  std::size_t round = 0;
};

/// The longest round (seconds): a day.
inline constexpr std::uint64_t kMaxRoundSeconds = 86400;
/// The most shocks in one class.
inline constexpr std::size_t kMaxShocks = 24;

struct ClassOptions {
  std::filesystem::path lesson;  ///< the lesson's scenario file
  /// The dates each round's decisions come into force, in increasing order
  /// (the first: when the class starts deciding), within the calendar.
  std::vector<std::string> rounds;
  std::uint64_t seed = 20131001;
  std::uint64_t story = 0;  ///< the future every team lives through (a replication index)
  /// Seconds a round lasts before it closes by itself (0: the teacher closes
  /// every round). A server keeps the time; the session keeps the deadline.
  std::uint64_t round_seconds = 0;
};

/// One team: its name, its secret, and its decisions round by round (the
/// decision levers' values, in Session::decisions() order).
struct Team {
  std::string id;                           ///< "team-1", ...
  std::string name;                         ///< as the team gave it
  std::string token;                        ///< the team's secret: only it may change its decisions
  std::vector<std::vector<double>> values;  ///< [round][decision]
  std::vector<bool> submitted;              ///< per round: false when it kept its previous decisions
  /// Its forecast of when every scheme will be piloting: P50 and P90 days,
  /// or none (NaN) before it gives one.
  double forecast_p50 = std::numeric_limits<double>::quiet_NaN();
  double forecast_p90 = std::numeric_limits<double>::quiet_NaN();
  bool forecast() const noexcept { return !std::isnan(forecast_p50); }
};

/// What a round did for a team on the story future.
struct RoundResult {
  std::vector<report::StoryLine> lines;  ///< what happened in the round's period
  int live_at_end = 0;                   ///< schemes piloting when the period ends
  std::vector<double> pilots;            ///< the days schemes started piloting in the period, in order
};

/// One team at the end of the class, on the story future and across many
/// futures (the same for every team: common random numbers, so differences
/// are the decisions', not luck's).
struct TeamDebrief {
  std::string id, name;
  int changes = 0;              ///< decisions changed after the first round
  double story_all_live = 0.0;  ///< day every scheme pilots on the story future (kNever: not by the horizon)
  double luckier_than = 0.0;    ///< share of futures in which that came later than on the story future
  int all_live_p50 = 0;         ///< day, across the futures (past the horizon: the day after it)
  int all_live_p90 = 0;
  double people_at_end_of_funding = 0.0;  ///< mean people covered when the funding ends
  double spent = 0.0;                     ///< mean £m spent in the funded years
  double needed_after = 0.0;              ///< mean £m the work still going on after them needs
  /// Its forecast (days, NaN without one) against its futures: the share of
  /// them in which every scheme piloted by its P50 and by its P90 (well
  /// calibrated: 0.5 and 0.9; lower: optimistic).
  double forecast_p50 = std::numeric_limits<double>::quiet_NaN();
  double forecast_p90 = std::numeric_limits<double>::quiet_NaN();
  double by_forecast_p50 = std::numeric_limits<double>::quiet_NaN();
  double by_forecast_p90 = std::numeric_limits<double>::quiet_NaN();
  /// With the search: its mean all-live day, how many days behind the best
  /// play, and per round what the best play's decisions of that round alone
  /// would have gained (days).
  double mean_all_live = std::numeric_limits<double>::quiet_NaN();
  double regret = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> regret_by_round;
};

/// The best decision schedule the search finds: the earliest mean date every
/// scheme is piloting over the debrief's futures.
struct BestPlay {
  std::vector<std::vector<double>> values;  ///< [round][decision]
  double mean_all_live = 0.0;               ///< day (past the horizon: the day after it)
  int evaluations = 0;                      ///< schedules simulated to find it
};

struct Debrief {
  std::uint64_t replications = 0;
  std::optional<BestPlay> best;  ///< when the debrief searched
  std::string end_of_funding;    ///< the date people covered are counted on
  std::vector<TeamDebrief> teams;
};

class Session {
 public:
  /// Opens a class on the lesson (throws scenario::ScenarioError for a bad
  /// file, Refused for bad rounds). Join code and tokens are random.
  explicit Session(const ClassOptions& options);

  const std::string& join_code() const noexcept { return join_code_; }
  const std::string& teacher_token() const noexcept { return teacher_token_; }
  const model::Scenario& lesson() const noexcept { return lesson_; }
  /// The lesson's decisions a team sets: its number levers whose role is
  /// decision (indices into lesson().levers).
  const std::vector<int>& decisions() const noexcept { return decisions_; }
  /// Round r's decisions come into force on day round_day(r).
  std::size_t rounds() const noexcept { return round_days_.size(); }
  double round_day(std::size_t r) const { return round_days_.at(r); }
  /// The round teams are deciding now; rounds() once the class is over.
  std::size_t current_round() const noexcept { return current_; }
  const std::vector<Team>& teams() const noexcept { return teams_; }

  /// A team joins with the class's code: its id and token (403 for a wrong
  /// code, 400 for a name that is empty, too long or taken, 409 when full).
  const Team& join(const std::string& code, const std::string& name);
  /// The team whose token this is (403 otherwise).
  const Team& team_by_token(const std::string& token) const;
  /// A team submits the current round's decisions: {lever id: value}, any
  /// it leaves out keep their previous values (400 for an unknown lever or
  /// a value outside its low and high, 403 for a wrong token, 409 for a
  /// round that is not the current one).
  void submit(const std::string& token, std::size_t round, const nlohmann::json& values);
  /// A team forecasts when every scheme will be piloting (ISO dates, P50 no
  /// later than P90, within the calendar); it may change its forecast until
  /// the class is over (400, 403, 409 as for submit).
  void predict(const std::string& token, const std::string& p50, const std::string& p90);
  /// The teacher closes the current round: a team that did not submit keeps
  /// its previous decisions (403 for a wrong token, 409 when over).
  void close_round(const std::string& teacher_token);
  /// The same, at `now` (Unix seconds): the next round's timer starts then.
  void close_round(const std::string& teacher_token, double now);

  /// The teacher injects a shock in the current round (403 for a wrong
  /// token, 400 for an unknown kind or one the lesson has nothing for, 409
  /// when the class is over, the same shock is in this round already, or
  /// there are kMaxShocks). It strikes in the month from the round's date.
  void inject(const std::string& teacher_token, const std::string& kind);
  const std::vector<Shock>& shocks() const noexcept { return shocks_; }
  /// The lesson as every team lives it: with the shocks injected so far.
  const model::Scenario& world() const noexcept { return world_; }

  /// The round timer: seconds a round lasts (0: none), and when the current
  /// one closes by itself (Unix seconds; 0: it does not). The teacher sets
  /// both (403 for a wrong token, 400 for more than a day).
  std::uint64_t round_seconds() const noexcept { return options_.round_seconds; }
  double deadline() const noexcept { return deadline_; }
  void set_timer(const std::string& teacher_token, std::uint64_t seconds, double now);
  /// Closes the current round when its deadline has passed (the timer's
  /// close, as the teacher's; the next round's deadline from `now`). True
  /// when it closed one.
  bool close_if_due(double now);

  /// A team's decisions so far as a scenario: the lesson with each decision
  /// at its first round's value, changed on each later round's date where
  /// the team changed it.
  model::Scenario team_scenario(const Team& team) const;
  /// The same as an overlay file of the lesson, which `wsic run`
  /// reproduces (the same content hash).
  std::string team_overlay(const Team& team) const;
  /// Round `r` as team `team` lived it on the story future, with the
  /// decisions it had made by then (later ones do not change it).
  RoundResult round_result(const Team& team, std::size_t r) const;
  /// The day every scheme of `sc` pilots on the class's story future
  /// (model::kNever: not by the horizon).
  double story_all_live(const model::Scenario& sc) const;

  /// Every team side by side, `replications` futures each (throws
  /// sim::Cancelled when `cancel` is set).
  /// With `search`, also the best play and each team's regret against it.
  Debrief debrief(std::uint64_t replications, unsigned threads = 0, const std::atomic<bool>* cancel = nullptr,
                  bool search = false) const;
  /// The best decision schedule a coordinate search finds over the same
  /// futures (see BestPlay).
  BestPlay best_play(std::uint64_t replications, unsigned threads = 0, const std::atomic<bool>* cancel = nullptr) const;
  /// The mean day every scheme of `sc` pilots over the class's futures.
  double mean_all_live(const model::Scenario& sc, std::uint64_t replications, unsigned threads = 0,
                       const std::atomic<bool>* cancel = nullptr) const;
  /// The debrief as JSON, as CSV (a row per team), and as a table.
  nlohmann::ordered_json debrief_json(const Debrief& d) const;
  std::string debrief_csv(const Debrief& d) const;
  std::string debrief_text(const Debrief& d) const;

  /// The whole session as JSON, and back (Refused for a file that is not a
  /// session of this lesson). Saving writes atomically.
  nlohmann::json to_json() const;
  static Session from_json(const nlohmann::json& j);
  void save(const std::filesystem::path& file) const;
  /// The file save() writes, as text; and writing such a text to a file
  /// atomically (a server takes the text under its lock and writes it after).
  std::string saved_text() const;
  static void write_saved(const std::filesystem::path& file, const std::string& text);
  static Session load(const std::filesystem::path& file);

 private:
  Session() = default;
  void open_lesson();
  /// world_ from lesson_ and the shocks (through the loader, as `wsic run`
  /// reads a team's file).
  void build_world();
  std::string shocks_yaml() const;
  void advance(double now);
  std::size_t team_index(const std::string& token) const;
  model::Outcomes futures(const model::Scenario& sc, std::uint64_t replications, unsigned threads,
                          const std::atomic<bool>* cancel) const;
  model::Scenario schedule_scenario(const std::vector<std::vector<double>>& values, const std::string& name) const;

  ClassOptions options_;
  model::Scenario lesson_;
  std::vector<int> decisions_;
  std::vector<sim::Date> round_dates_;
  std::vector<double> round_days_;
  std::string join_code_, teacher_token_;
  std::size_t current_ = 0;
  std::vector<Team> teams_;
  std::vector<Shock> shocks_;
  model::Scenario world_;
  double deadline_ = 0.0;
};

}  // namespace wsic::classroom
