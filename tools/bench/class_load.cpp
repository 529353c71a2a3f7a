// A class under load: TEAMS teams, each with its own connection, poll their
// view and submit their decisions every round while the teacher polls and
// closes the rounds, against a class server on loopback (the same server
// `wsic lab --class` runs). Every request's time, from sending it to the
// whole answer read, is kept; prints p50, p95, p99 and the maximum by kind,
// and counts any request not answered 2xx. Runs in a bounded time:
// ROUNDS x SECONDS (the defaults: 6 rounds of 3 seconds).
//
// Usage: wsic-class-load [--teams 30] [--rounds 6] [--seconds 3] [--poll-ms 250]
#include <fmt/format.h>
#include <httplib.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "wsic/lab/class_server.hpp"

using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

struct Timings {
  std::mutex mutex;
  std::vector<double> poll, decide, teacher;
  int failed = 0;
  void add(std::vector<double> Timings::*kind, double ms, bool ok) {
    const std::lock_guard lock(mutex);
    (this->*kind).push_back(ms);
    failed += ok ? 0 : 1;
  }
};

double quantile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t i =
      std::min(v.size() - 1, static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())) - 1));
  return v[i];
}

/// One run of the load: the class's shape, its server's port, and every
/// request's time.
struct Load {
  int teams = 30, rounds = 6, poll_ms = 250;
  double seconds = 3.0;
  int port = 0;
  Timings t;
  std::atomic<int> round{0};
  std::atomic<bool> over{false};

  /// Sends `request` and keeps its time under `kind`.
  template <class Request>
  void timed(std::vector<double> Timings::*kind, Request&& request) {
    const auto start = Clock::now();
    const auto res = request();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    t.add(kind, ms, res && res->status / 100 == 2);
  }

  /// Every team joins (not timed: a class joins before it starts); their
  /// tokens, or none when one could not.
  std::vector<std::string> join(const std::string& code) const {
    httplib::Client c("127.0.0.1", port);
    std::vector<std::string> tokens;
    for (int i = 0; i < teams; ++i) {
      const auto res = c.Post("/api/class/join", json{{"code", code}, {"name", fmt::format("Team {}", i + 1)}}.dump(),
                              "application/json");
      if (!res || res->status != 200) return {};
      tokens.push_back(json::parse(res->body)["token"].get<std::string>());
    }
    return tokens;
  }

  /// Team `i`: polls until the class is over, deciding once a round.
  void team(int i, const std::string& token) {
    httplib::Client c("127.0.0.1", port);
    c.set_keep_alive(true);
    const httplib::Headers h{{"X-Wsic-Team", token}};
    int decided = -1;
    // Teams start at different moments within a poll, as a room does.
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms * i / teams));
    while (!over.load()) {
      timed(&Timings::poll, [&] { return c.Get("/api/class/team", h); });
      const int r = round.load();
      if (r > decided && r < rounds) {
        const double v = 0.3 + 0.4 * ((i * 7 + r * 3) % 10) / 10.0;
        timed(&Timings::decide, [&] {
          return c.Post("/api/class/decide", h, json{{"round", r}, {"values", {{"central_share", v}}}}.dump(),
                        "application/json");
        });
        decided = r;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
    }
  }

  /// The teacher: polls twice a second and closes each round on time, then
  /// ends the class once every team has had a last poll.
  void teacher(const std::string& token, Clock::time_point started) {
    httplib::Client c("127.0.0.1", port);
    const httplib::Headers h{{"X-Wsic-Teacher", token}};
    for (int r = 0; r < rounds; ++r) {
      const auto end = started + std::chrono::duration<double>(seconds * (r + 1));
      while (Clock::now() < end) {
        timed(&Timings::teacher, [&] { return c.Get("/api/class/teacher", h); });
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
      timed(&Timings::teacher, [&] { return c.Post("/api/class/close", h, "{}", "application/json"); });
      round = r + 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms * 2));
    over = true;
  }

  /// Each kind of request's count and percentiles, and all together.
  void print() const {
    std::vector<double> all;
    for (const auto* v : {&t.poll, &t.decide, &t.teacher}) all.insert(all.end(), v->begin(), v->end());
    std::cout << fmt::format("{:<10} {:>8} {:>9} {:>9} {:>9} {:>9}\n", "requests", "count", "p50 ms", "p95 ms",
                             "p99 ms", "max ms");
    const auto row = [](const char* name, const std::vector<double>& v) {
      std::cout << fmt::format("{:<10} {:>8} {:>9.2f} {:>9.2f} {:>9.2f} {:>9.2f}\n", name, v.size(), quantile(v, 0.5),
                               quantile(v, 0.95), quantile(v, 0.99),
                               v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()));
    };
    row("poll", t.poll);
    row("decide", t.decide);
    row("teacher", t.teacher);
    row("all", all);
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"a class under load: teams polling and deciding, the teacher closing rounds"};
  Load load;
  std::string lesson = "scenarios/lessons/central-or-local/a-strong-centre.yaml";
  app.add_option("--teams", load.teams)->check(CLI::Range(1, 60));
  app.add_option("--rounds", load.rounds)->check(CLI::Range(1, 6));
  app.add_option("--seconds", load.seconds, "each round's length")->check(CLI::Range(0.5, 60.0));
  app.add_option("--poll-ms", load.poll_ms, "each team polls this often (the page: 1,500 ms)")
      ->check(CLI::Range(10, 5000));
  app.add_option("--lesson", lesson)->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);

  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / fmt::format("wsic-class-load-{}", ::getpid());
  fs::create_directories(dir);
  wsic::classroom::ClassOptions o;
  o.lesson = lesson;
  const std::vector<std::string> dates{"2013-10-01", "2014-04-01", "2014-10-01",
                                       "2015-04-01", "2015-10-01", "2016-04-01"};
  o.rounds.assign(dates.begin(), dates.begin() + load.rounds);
  wsic::classroom::Session session(o);
  session.save(dir / "class.json");
  wsic::lab::ServerOptions so;
  so.http_threads = 96;          // as wsic lab --class
  so.requests_per_second = 1e6;  // every team comes from 127.0.0.1 here
  so.burst = 1e6;
  wsic::lab::ClassServer server(session, dir / "class.json", so);
  load.port = server.bind();
  std::thread serving([&] { server.serve(); });

  const std::vector<std::string> tokens = load.join(session.join_code());
  int lost = 0;
  double wall = 0.0;
  if (!tokens.empty()) {
    const auto started = Clock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < load.teams; ++i)
      threads.emplace_back([&, i] { load.team(i, tokens[static_cast<std::size_t>(i)]); });
    load.teacher(session.teacher_token(), started);
    for (auto& th : threads) th.join();
    wall = std::chrono::duration<double>(Clock::now() - started).count();
  }
  server.stop();
  serving.join();
  if (tokens.empty()) {
    fs::remove_all(dir);
    std::cerr << "class-load: a team could not join\n";
    return 1;
  }
  const wsic::classroom::Session saved = wsic::classroom::Session::load(dir / "class.json");
  for (const auto& team : saved.teams())
    for (const bool submitted : team.submitted) lost += submitted ? 0 : 1;
  fs::remove_all(dir);

  std::cout << fmt::format("class load: {} teams, {} rounds of {} s, teams polling every {} ms; {:.1f} s\n", load.teams,
                           load.rounds, load.seconds, load.poll_ms, wall);
  load.print();
  std::cout << fmt::format("not answered 2xx: {}; submissions missing from the saved class: {}\n", load.t.failed, lost);
  return load.t.failed == 0 && lost == 0 ? 0 : 1;
}
