#include "wsic/lab/class_server.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "assets.hpp"
#include "http.hpp"
#include "wsic/model/model.hpp"
#include "wsic/sim/error.hpp"
#include "wsic/sim/runner.hpp"
#include "wsic/sim/time.hpp"

namespace wsic::lab {

namespace {

using json = nlohmann::json;
using classroom::Refused;
using classroom::Session;
using http::send_error;
using http::send_json;

/// Wall-clock time, Unix seconds: a round's deadline outlives the server.
double unix_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

/// A number (a lever's value, a bound) as JSON: finite, never NaN.
json number(double v) { return std::isfinite(v) ? json(v) : json(); }

/// The asset at `path` (the class's pages live under /class/).
const assets::Asset& asset(std::string_view path) {
  for (const assets::Asset& a : assets::all())
    if (a.path == path) return a;
  throw Error(fmt::format("the program lacks its page {}", path));
}

}  // namespace

struct ClassServer::Impl {
  ServerOptions opt;
  std::filesystem::path file;
  unsigned threads;
  httplib::Server server;
  http::Guard guard;
  int port = 0;

  mutable std::mutex mutex;  // guards everything below but the saves
  Session session;
  std::uint64_t version = 0;  ///< counts the changes to the class
  // Saves: one writer at a time, each writing the newest state, so changes
  // made together share one write to disk (and its fsync).
  std::mutex save_mutex;
  std::uint64_t saved = 0;  ///< the version in the file (under save_mutex)
  std::atomic<std::uint64_t> saves{0};
  /// Each round as a team lived it, once told: it never changes after.
  std::map<std::pair<std::string, std::size_t>, json> told;
  /// The debrief: one at a time, on a copy of the finished class.
  enum class Job { kNone, kRunning, kDone, kFailed };
  Job job = Job::kNone;
  json debrief;
  std::string debrief_csv, job_error;
  std::uint64_t job_replications = 0;
  bool job_best = false;
  std::thread worker;
  std::atomic<bool> cancel{false};
  std::thread ticker;
  std::atomic<bool> stopping{false};

  Impl(Session s, std::filesystem::path f, ServerOptions o, unsigned t)
      : opt(std::move(o)), file(std::move(f)), threads(t), guard(opt), session(std::move(s)) {
    if (opt.token.empty()) opt.token = http::random_token();
    if (!is_loopback(opt.host)) opt.require_token = true;
  }

  /// Marks a change (under `mutex`): its version, for persist().
  std::uint64_t changed() { return ++version; }

  /// Returns once the file holds version `mine` or a later one: a change is
  /// answered only once it is on disk. Not under `mutex`.
  void persist(std::uint64_t mine) {
    const std::lock_guard writer(save_mutex);
    if (saved >= mine) return;  // a later write took it along
    std::string text;
    std::uint64_t v = 0;
    {
      const std::lock_guard lock(mutex);
      text = session.saved_text();
      v = version;
    }
    Session::write_saved(file, text);
    saved = v;
    ++saves;
  }

  const classroom::Team& team_of(const httplib::Request& req) const {
    return session.team_by_token(req.get_header_value("X-Wsic-Team"));
  }

  void teacher_only(const httplib::Request& req) const {
    if (!http::same_secret(req.get_header_value("X-Wsic-Teacher"), session.teacher_token()))
      throw Refused(403, "this needs the teacher's token: open the teacher's address the server printed");
  }

  double seconds_left() const {
    return session.deadline() > 0.0 ? std::max(0.0, session.deadline() - unix_now()) : -1.0;
  }

  json lesson_json() const {
    const model::Scenario& sc = session.lesson();
    json rounds = json::array();
    for (std::size_t r = 0; r < session.rounds(); ++r)
      rounds.push_back(model::iso_day(sc, static_cast<int>(session.round_day(r))));
    json shocks = json::array();
    for (const classroom::Shock& s : session.shocks())
      for (const classroom::ShockKind& k : classroom::shock_kinds())
        if (k.id == s.kind)
          shocks.push_back({{"round", s.round}, {"kind", k.id}, {"name", k.name}, {"description", k.description}});
    const double left = seconds_left();
    return {{"lesson", sc.name},
            {"description", sc.description},
            {"schemes", sc.schemes.size()},
            {"horizon", sim::format_iso_date(sc.horizon)},
            {"rounds", std::move(rounds)},
            {"round", session.current_round()},
            {"over", session.current_round() >= session.rounds()},
            {"round_seconds", session.round_seconds()},
            {"seconds_left", left < 0.0 ? json() : json(left)},
            {"shocks", std::move(shocks)}};
  }

  json told_json(const classroom::Team& t, std::size_t r) {
    auto [it, fresh] = told.try_emplace({t.id, r});
    if (fresh) {
      const classroom::RoundResult result = session.round_result(t, r);
      const model::Scenario& sc = session.lesson();
      json lines = json::array();
      for (const report::StoryLine& l : result.lines)
        lines.push_back({{"date", model::iso_day(sc, static_cast<int>(l.day))}, {"text", l.text}});
      json pilots = json::array();
      for (const double day : result.pilots) pilots.push_back(model::iso_day(sc, static_cast<int>(day)));
      it->second = {{"round", r},
                    {"from", model::iso_day(sc, static_cast<int>(session.round_day(r)))},
                    {"to", r + 1 < session.rounds() ? model::iso_day(sc, static_cast<int>(session.round_day(r + 1)))
                                                    : sim::format_iso_date(sc.horizon)},
                    {"live_at_end", result.live_at_end},
                    {"pilots", std::move(pilots)},
                    {"lines", std::move(lines)}};
    }
    return it->second;
  }

  json team_view(const classroom::Team& t) {
    json view = lesson_json();
    const model::Scenario& sc = session.lesson();
    const std::size_t now = std::min(session.current_round(), session.rounds() - 1);
    json decisions = json::array();
    for (std::size_t d = 0; d < session.decisions().size(); ++d) {
      const model::Lever& l = sc.levers[static_cast<std::size_t>(session.decisions()[d])];
      json history = json::array();
      for (const auto& v : t.values) history.push_back(number(v[d]));
      decisions.push_back({{"id", l.id},
                           {"name", l.name},
                           {"description", l.description},
                           {"unit", l.unit},
                           {"low", number(l.low)},
                           {"high", number(l.high)},
                           {"value", number(t.values.at(now)[d])},
                           {"cost_per_year", number(l.cost_per_year)},
                           {"cost_once", number(l.cost_once)},
                           {"paid_from", l.paid_from == model::Lever::Pot::kCentral ? json("central")
                                         : l.paid_from == model::Lever::Pot::kLocal ? json("local")
                                                                                    : json()},
                           {"history", std::move(history)}});
    }
    view["decisions"] = std::move(decisions);
    view["team"] = {{"id", t.id},
                    {"name", t.name},
                    {"submitted", session.current_round() < session.rounds() && t.submitted.back()},
                    {"forecast", t.forecast() ? json{{"p50", model::iso_day(sc, static_cast<int>(t.forecast_p50))},
                                                     {"p90", model::iso_day(sc, static_cast<int>(t.forecast_p90))}}
                                              : json()}};
    json rounds = json::array();
    for (std::size_t r = 0; r < session.current_round(); ++r) rounds.push_back(told_json(t, r));
    view["told"] = std::move(rounds);
    if (session.current_round() >= session.rounds()) {
      auto [it, fresh] = told.try_emplace({t.id, session.rounds()});
      if (fresh) it->second = classroom::day_or_after(sc, session.story_all_live(session.team_scenario(t)));
      view["all_live"] = it->second;  // on the class's future: revealed when the class is over
    }
    return view;
  }

  json teacher_view() const {
    json view = lesson_json();
    const model::Scenario& sc = session.lesson();
    view["join_code"] = session.join_code();
    view["address"] = address();
    json decisions = json::array();
    for (const int l : session.decisions())
      decisions.push_back(
          {{"id", sc.levers[static_cast<std::size_t>(l)].id}, {"name", sc.levers[static_cast<std::size_t>(l)].name}});
    view["decisions"] = std::move(decisions);
    json teams = json::array();
    const bool over = session.current_round() >= session.rounds();
    for (const classroom::Team& t : session.teams()) {
      json values = json::array();
      for (const double v : t.values.back()) values.push_back(number(v));
      teams.push_back({{"id", t.id},
                       {"name", t.name},
                       {"submitted", !over && t.submitted.back()},
                       {"forecast", t.forecast()},
                       {"values", std::move(values)}});
    }
    view["teams"] = std::move(teams);
    json kinds = json::array();
    for (const classroom::ShockKind& k : classroom::shock_kinds())
      kinds.push_back({{"id", k.id}, {"name", k.name}, {"description", k.description}});
    view["shock_kinds"] = std::move(kinds);
    static constexpr const char* kStates[] = {"none", "running", "done", "failed"};
    json d{{"state", kStates[static_cast<int>(job)]}, {"replications", job_replications}, {"best", job_best}};
    if (job == Job::kDone) d["result"] = debrief;
    if (job == Job::kFailed) d["error"] = job_error;
    view["debrief"] = std::move(d);
    return view;
  }

  void start_debrief(std::uint64_t replications, bool best) {
    if (session.current_round() < session.rounds())
      throw Refused(409, "the debrief comes when the class is over: close the last round first");
    if (session.teams().empty()) throw Refused(409, "no team has joined: there is nothing to debrief");
    if (job == Job::kRunning) throw Refused(409, "a debrief is running: wait for it");
    if (worker.joinable()) worker.join();
    job = Job::kRunning;
    job_replications = replications;
    job_best = best;
    worker = std::thread([this, copy = session, replications, best] {
      json result;
      std::string csv, error;
      bool ok = false;
      try {
        const classroom::Debrief d = copy.debrief(replications, threads, &cancel, best);
        result = copy.debrief_json(d);
        csv = copy.debrief_csv(d);
        ok = true;
      } catch (const sim::Cancelled&) {
        error = "stopped";
      } catch (const std::exception& e) {
        error = e.what();
      }
      const std::lock_guard lock(mutex);
      job = ok ? Job::kDone : Job::kFailed;
      debrief = std::move(result);
      debrief_csv = std::move(csv);
      job_error = std::move(error);
    });
  }

  /// Runs `fn` under the lock, answering a refusal with its status. `fn`
  /// returns the version of the change it made (0: none), which is saved
  /// before the answer goes.
  template <class F>
  void locked(httplib::Response& res, F&& fn) {
    std::uint64_t change = 0;
    try {
      const std::lock_guard lock(mutex);
      change = fn();
    } catch (const Refused& e) {
      send_error(res, e.status(), e.what());
      return;
    }
    if (change > 0) persist(change);
  }

  /// A teacher's change to the class: `act` (given the body and the token
  /// the request carries, which the session checks) under the lock, saved,
  /// and answered with the teacher's view.
  void teacher_change(const std::string& path, std::function<void(const json&, const std::string&)> act) {
    server.Post(path, [this, act = std::move(act)](const httplib::Request& req, httplib::Response& res) {
      const json j = http::body(req);
      locked(res, [&] {
        act(j, req.get_header_value("X-Wsic-Teacher"));
        send_json(res, 200, teacher_view());
        return changed();
      });
    });
  }

  void page(const std::string& path, std::string_view asset_path) {
    server.Get(path, [this, asset_path](const httplib::Request&, httplib::Response& res) {
      const assets::Asset& a = asset(asset_path);
      res.set_content(std::string(a.body), std::string(a.type) + "; charset=utf-8");
      res.set_header("Cache-Control", "no-store");
      if (opt.require_token && a.path == "/class/index.html")
        res.set_header("Set-Cookie", "wsic_token=" + opt.token + "; Path=/; HttpOnly; SameSite=Strict");
    });
  }

  void routes() {
    server.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return guard.before(req, res); });
    page("/", "/class/index.html");
    page("/teacher", "/class/index.html");
    page("/class.js", "/class/class.js");
    page("/class.css", "/class/class.css");

    server.Post("/api/class/join", [this](const httplib::Request& req, httplib::Response& res) {
      const json j = http::body(req);
      const json code = j.value("code", json()), name = j.value("name", json());
      if (!code.is_string() || !name.is_string())
        throw BadRequest("send {\"code\": the class's join code, \"name\": your team's name}");
      locked(res, [&] {
        const classroom::Team& t = session.join(code.get<std::string>(), name.get<std::string>());
        send_json(res, 200, json{{"id", t.id}, {"name", t.name}, {"token", t.token}});
        return changed();
      });
    });
    server.Get("/api/class/team", [this](const httplib::Request& req, httplib::Response& res) {
      locked(res, [&] {
        send_json(res, 200, team_view(team_of(req)));
        return std::uint64_t{0};
      });
    });
    server.Post("/api/class/decide", [this](const httplib::Request& req, httplib::Response& res) {
      const json j = http::body(req);
      const json round = j.value("round", json()), values = j.value("values", json());
      if (!round.is_number_unsigned() || !values.is_object())
        throw BadRequest("send {\"round\": the round's number from 0, \"values\": {decision id: value}}");
      locked(res, [&] {
        const classroom::Team& t = team_of(req);
        session.submit(t.token, round.get<std::size_t>(), values);
        send_json(res, 200, team_view(t));
        return changed();
      });
    });
    server.Post("/api/class/predict", [this](const httplib::Request& req, httplib::Response& res) {
      const json j = http::body(req);
      const json p50 = j.value("p50", json()), p90 = j.value("p90", json());
      if (!p50.is_string() || !p90.is_string()) throw BadRequest("send {\"p50\": a date, \"p90\": a date}");
      locked(res, [&] {
        const classroom::Team& t = team_of(req);
        session.predict(t.token, p50.get<std::string>(), p90.get<std::string>());
        send_json(res, 200, team_view(t));
        return changed();
      });
    });
    server.Get("/api/class/teacher", [this](const httplib::Request& req, httplib::Response& res) {
      locked(res, [&] {
        teacher_only(req);
        send_json(res, 200, teacher_view());
        return std::uint64_t{0};
      });
    });
    teacher_change("/api/class/close",
                   [this](const json&, const std::string& token) { session.close_round(token, unix_now()); });
    teacher_change("/api/class/shock", [this](const json& j, const std::string& token) {
      const json kind = j.value("kind", json());
      if (!kind.is_string()) throw BadRequest("send {\"kind\": a shock's id}");
      session.inject(token, kind.get<std::string>());
    });
    teacher_change("/api/class/timer", [this](const json& j, const std::string& token) {
      const json seconds = j.value("seconds", json());
      if (!seconds.is_number_unsigned()) throw BadRequest("send {\"seconds\": a whole number, 0 for no timer}");
      session.set_timer(token, seconds.get<std::uint64_t>(), unix_now());
    });
    server.Post("/api/class/debrief", [this](const httplib::Request& req, httplib::Response& res) {
      const json j = http::body(req);
      const json n = j.value("replications", json(2000)), best = j.value("best", json(true));
      if (!n.is_number_unsigned() || n.get<std::uint64_t>() < 1 || n.get<std::uint64_t>() > kMaxDebriefReplications)
        throw BadRequest(fmt::format("replications must be a whole number from 1 to {}", kMaxDebriefReplications));
      if (!best.is_boolean()) throw BadRequest("best must be true or false");
      locked(res, [&] {
        teacher_only(req);
        start_debrief(n.get<std::uint64_t>(), best.get<bool>());
        send_json(res, 202, teacher_view());
        return std::uint64_t{0};
      });
    });
    server.Get("/api/class/export", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string what = req.get_param_value("what");
      locked(res, [&] {
        teacher_only(req);
        std::string name, type, text;
        if (what == "debrief.json" || what == "debrief.csv") {
          if (job != Job::kDone) throw Refused(409, "no debrief yet: run one first");
          name = what;
          type = what == "debrief.csv" ? "text/csv" : "application/json";
          text = what == "debrief.csv" ? debrief_csv : debrief.dump(2) + "\n";
        } else {
          const classroom::Team* t = nullptr;
          for (const classroom::Team& x : session.teams())
            if (x.id == what) t = &x;
          if (t == nullptr)
            throw Refused(404, fmt::format("nothing to export called '{}': ask for debrief.json, debrief.csv or a "
                                           "team's id",
                                           what.substr(0, 40)));
          name = t->id + ".yaml";
          type = "application/yaml";
          text = session.team_overlay(*t);
        }
        res.set_header("Cache-Control", "no-store");
        res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
        res.set_content(text, type);
        return std::uint64_t{0};
      });
    });
    http::error_handlers(server, "the class");
  }

  std::string address() const { return http::address(opt.host, port, opt.require_token ? opt.token : std::string()); }

  /// Closes a round whose time is up, and saves it.
  void tick() {
    while (!stopping.load()) {
      std::uint64_t change = 0;
      {
        const std::lock_guard lock(mutex);
        if (session.close_if_due(unix_now())) change = changed();
      }
      try {
        if (change > 0) persist(change);
      } catch (const std::exception&) {
        // The round is closed in memory; the next change's save writes it.
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
};

ClassServer::ClassServer(classroom::Session session, std::filesystem::path file, ServerOptions options,
                         unsigned threads)
    : impl_(std::make_unique<Impl>(std::move(session), std::move(file), std::move(options), threads)) {
  Impl& s = *impl_;
  http::configure(s.server, 64u << 10, s.opt.http_threads);
  s.routes();
}

ClassServer::~ClassServer() {
  stop();
  Impl& s = *impl_;
  if (s.worker.joinable()) s.worker.join();
  if (s.ticker.joinable()) s.ticker.join();
}

int ClassServer::bind() {
  Impl& s = *impl_;
  s.port = http::bind(s.server, s.opt.host, s.opt.port);
  s.guard.set_port(s.port);
  return s.port;
}

std::string ClassServer::address() const { return impl_->address(); }

std::string ClassServer::teacher_address() const {
  const Impl& s = *impl_;
  std::string a = http::address(s.opt.host, s.port, std::string()) + "teacher";
  if (s.opt.require_token) a += "?token=" + s.opt.token;
  const std::lock_guard lock(s.mutex);
  return a + "#" + s.session.teacher_token();
}

void ClassServer::serve(const std::atomic<bool>* stop_flag) {
  Impl& s = *impl_;
  if (!s.ticker.joinable()) s.ticker = std::thread([&s] { s.tick(); });
  http::serve(s.server, stop_flag, [this] { stop(); });
}

void ClassServer::stop() {
  Impl& s = *impl_;
  s.stopping = true;
  s.cancel = true;
  s.server.stop();
}

ClassServer::Counts ClassServer::counts() const {
  Counts c;
  c.requests = impl_->guard.requests();
  c.refused = impl_->guard.refused();
  c.limited = impl_->guard.limited();
  c.saves = impl_->saves.load();
  return c;
}

}  // namespace wsic::lab
