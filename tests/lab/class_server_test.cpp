// A class over HTTP: teams join and decide from their own browsers, the
// teacher closes rounds, injects shocks and runs the debrief; every change is
// in the class's file before it is answered; every bad or hostile request is
// refused with a 4xx and changes nothing.
#include "wsic/lab/class_server.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "raw_http.hpp"

#include "support.hpp"

namespace fs = std::filesystem;
using namespace wsic;
using nlohmann::json;

namespace {

classroom::ClassOptions class_options() {
  classroom::ClassOptions o;
  o.lesson = "scenarios/lessons/central-or-local/a-strong-centre.yaml";
  o.rounds = {"2013-10-01", "2014-04-01", "2014-10-01"};
  o.seed = 7;
  o.story = 2;
  return o;
}

/// A class server on a free loopback port, serving on its own thread, its
/// class kept in `file`.
struct Running {
  fs::path file;
  std::string teacher, code;
  std::unique_ptr<lab::ClassServer> server;
  int port = 0;
  std::thread thread;

  explicit Running(const fs::path& f, lab::ServerOptions so = {}, bool fresh = true) : file(f) {
    if (fresh) classroom::Session(class_options()).save(file);
    const classroom::Session s = classroom::Session::load(file);
    teacher = s.teacher_token();
    code = s.join_code();
    so.http_threads = 64;
    server = std::make_unique<lab::ClassServer>(s, file, so, 1);
    port = server->bind();
    thread = std::thread([this] { server->serve(); });
  }
  ~Running() {
    server->stop();
    thread.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    return c;
  }
};

struct Answer {
  int status = 0;  // 0: no answer (see error)
  json body;
  httplib::Error error = httplib::Error::Success;
  double seconds = 0.0;  // how long the request took
};

Answer call(httplib::Client& c, const std::string& method, const std::string& path, const httplib::Headers& h,
            const std::string& body = "", const char* type = "application/json") {
  const auto t0 = std::chrono::steady_clock::now();
  const auto res = method == "GET" ? c.Get(path, h) : c.Post(path, h, body, type);
  Answer a;
  a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!res) {
    a.error = res.error();
    return a;
  }
  a.status = res->status;
  a.body = json::parse(res->body, nullptr, false);
  return a;
}

httplib::Headers team(const std::string& token) { return {{"X-Wsic-Team", token}}; }
httplib::Headers teacher_of(const Running& r) { return {{"X-Wsic-Teacher", r.teacher}}; }

std::string join(httplib::Client& c, const Running& r, const std::string& name) {
  const Answer a = call(c, "POST", "/api/class/join", {}, json{{"code", r.code}, {"name", name}}.dump());
  REQUIRE(a.status == 200);
  return a.body["token"].get<std::string>();
}

using test::cat;
using test::raw;
using test::status_of;

}  // namespace

TEST_CASE("ClassServer.TeamsDecideTheTeacherClosesAndEveryChangeIsSaved", "[lab][class]") {
  const fs::path dir = test::fresh_dir("class-server-play");
  fs::create_directories(dir);
  Running r(dir / "class.json");
  auto c = r.client();
  // The pages.
  for (const char* path : {"/", "/teacher"}) {
    const auto page = c.Get(path);
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(page->body.find("wsic class") != std::string::npos);
    CHECK(page->get_header_value("Content-Security-Policy").find("default-src 'none'") != std::string::npos);
  }
  const auto js = c.Get("/class.js");
  REQUIRE(js);
  CHECK(js->get_header_value("Content-Type").starts_with("text/javascript"));
  CHECK(c.Get("/lab.js")->status == 404);  // the lab's own page is not this server's

  const std::string a = join(c, r, "Alpha");
  const std::string b = join(c, r, "Beta");
  Answer view = call(c, "GET", "/api/class/team", team(a));
  REQUIRE(view.status == 200);
  CHECK(view.body["team"]["name"] == "Alpha");
  CHECK(view.body["round"] == 0);
  CHECK(view.body["told"].empty());
  CHECK(view.body.find("join_code") == view.body.end());  // a team does not see the teacher's things
  // Each decision with its range and what it costs, out of which pot.
  for (const json& d : view.body.at("decisions")) {
    if (d.at("id") == "gp_engagement_effort") {
      CHECK(d.at("cost_per_year") == 0.45);
      CHECK(d.at("paid_from") == "local");
      CHECK(d.at("low") == 0.5);
      CHECK(d.at("high") == 2.0);
    }
    if (d.at("id") == "central_share") CHECK(d.at("paid_from").is_null());
  }
  // Alpha decides; the file has it before the answer comes.
  view = call(c, "POST", "/api/class/decide", team(a), R"({"round": 0, "values": {"central_share": 0.4}})");
  REQUIRE(view.status == 200);
  CHECK(view.body["team"]["submitted"] == true);
  CHECK(classroom::Session::load(r.file).teams()[0].values[0][0] == 0.4);
  Answer t = call(c, "GET", "/api/class/teacher", teacher_of(r));
  REQUIRE(t.status == 200);
  CHECK(t.body["join_code"] == r.code);
  CHECK(t.body["teams"][0]["submitted"] == true);
  CHECK(t.body["teams"][1]["submitted"] == false);
  // The teacher injects a shock and closes the round.
  REQUIRE(call(c, "POST", "/api/class/shock", teacher_of(r), R"({"kind": "leadership"})").status == 200);
  REQUIRE(call(c, "POST", "/api/class/close", teacher_of(r), "{}").status == 200);
  const classroom::Session saved = classroom::Session::load(r.file);
  CHECK(saved.current_round() == 1);
  CHECK(saved.shocks().size() == 1);
  // Each team reads round 1 on the class's future: what the session tells.
  view = call(c, "GET", "/api/class/team", team(b));
  REQUIRE(view.body["told"].size() == 1);
  const classroom::RoundResult told = saved.round_result(saved.teams()[1], 0);
  CHECK(view.body["told"][0]["live_at_end"] == told.live_at_end);
  REQUIRE(view.body["told"][0]["lines"].size() == told.lines.size());
  for (std::size_t i = 0; i < told.lines.size(); ++i)
    CHECK(view.body["told"][0]["lines"][i]["text"] == told.lines[i].text);
  CHECK(view.body["shocks"][0]["name"] == "The programme's leaders leave");
  // What a team decides later does not change a round it has read.
  REQUIRE(call(c, "POST", "/api/class/decide", team(b), R"({"round": 1, "values": {"central_share": 0.7}})").status ==
          200);
  CHECK(call(c, "GET", "/api/class/team", team(b)).body["told"][0] == view.body["told"][0]);
  // A forecast, then the last rounds, the reveal and the debrief.
  REQUIRE(call(c, "POST", "/api/class/predict", team(a), R"({"p50": "2016-01-01", "p90": "2016-09-01"})").status ==
          200);
  REQUIRE(call(c, "POST", "/api/class/close", teacher_of(r), "{}").status == 200);
  REQUIRE(call(c, "POST", "/api/class/close", teacher_of(r), "{}").status == 200);
  view = call(c, "GET", "/api/class/team", team(a));
  CHECK(view.body["over"] == true);
  CHECK(view.body["told"].size() == 3);
  CHECK(view.body["all_live"].is_string());
  REQUIRE(call(c, "POST", "/api/class/debrief", teacher_of(r), R"({"replications": 300, "best": false})").status ==
          202);
  for (int i = 0; i < 600; ++i) {
    t = call(c, "GET", "/api/class/teacher", teacher_of(r));
    if (t.body["debrief"]["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(t.body["debrief"]["state"] == "done");
  // The same debrief the session gives for the saved class.
  const classroom::Session final_class = classroom::Session::load(r.file);
  const json expected = final_class.debrief_json(final_class.debrief(300, 1));
  CHECK(t.body["debrief"]["result"] == expected);
  const auto csv = c.Get("/api/class/export?what=debrief.csv", teacher_of(r));
  REQUIRE(csv);
  CHECK(csv->status == 200);
  CHECK(csv->body == final_class.debrief_csv(final_class.debrief(300, 1)));
  const auto file = c.Get("/api/class/export?what=team-1", teacher_of(r));
  REQUIRE(file);
  CHECK(file->body == final_class.team_overlay(final_class.teams()[0]));
  fs::remove_all(dir);
}

TEST_CASE("ClassServer.RefusesBadAndHostileRequestsWith4xxAndChangesNothing", "[lab][class]") {
  const fs::path dir = test::fresh_dir("class-server-hostile");
  fs::create_directories(dir);
  Running r(dir / "class.json");
  auto c = r.client();
  const std::string a = join(c, r, "Alpha");
  const std::string b = join(c, r, "Beta");
  const std::string before = json::parse(classroom::Session::load(r.file).to_json().dump()).dump();
  const auto post = [&](const std::string& path, const httplib::Headers& h, const std::string& body,
                        const char* type = "application/json") { return call(c, "POST", path, h, body, type).status; };
  // Joining: a wrong code, a bad or taken name, not JSON.
  CHECK(post("/api/class/join", {}, R"({"code": "AAAAAA", "name": "Gamma"})") == 403);
  CHECK(post("/api/class/join", {}, json{{"code", r.code}, {"name", "Alpha"}}.dump()) == 400);
  CHECK(post("/api/class/join", {}, json{{"code", r.code}, {"name", ""}}.dump()) == 400);
  CHECK(post("/api/class/join", {}, json{{"code", r.code}, {"name", std::string(41, 'x')}}.dump()) == 400);
  CHECK(post("/api/class/join", {}, json{{"code", r.code}, {"name", "a\nb"}}.dump()) == 400);
  CHECK(post("/api/class/join", {}, json{{"code", r.code}, {"name", 7}}.dump()) == 400);
  CHECK(post("/api/class/join", {}, "{not json") == 400);
  CHECK(post("/api/class/join", {}, "[]") == 400);
  CHECK(post("/api/class/join", {}, cat({std::string(30000, '['), std::string(30000, ']')})) == 400);
  CHECK(post("/api/class/join", {}, json{{"code", r.code}, {"name", "Gamma"}}.dump(), "text/plain") == 415);
  CHECK(post("/api/class/join", {}, std::string(100u << 10, ' ')) == 413);
  // A team's requests: no token, another's, the teacher's; bad decisions.
  CHECK(call(c, "GET", "/api/class/team", {}).status == 403);
  CHECK(call(c, "GET", "/api/class/team", team(std::string(32, '0'))).status == 403);
  CHECK(call(c, "GET", "/api/class/team", team(r.teacher)).status == 403);
  CHECK(post("/api/class/decide", team(r.teacher), R"({"round": 0, "values": {"central_share": 0.4}})") == 403);
  CHECK(post("/api/class/decide", team(a), R"({"round": 1, "values": {"central_share": 0.4}})") == 409);
  CHECK(post("/api/class/decide", team(a), R"({"round": -1, "values": {"central_share": 0.4}})") == 400);
  CHECK(post("/api/class/decide", team(a), R"({"round": 0.5, "values": {"central_share": 0.4}})") == 400);
  CHECK(post("/api/class/decide", team(a), R"({"round": 0, "values": {"central_share": 0.95}})") == 400);
  CHECK(post("/api/class/decide", team(a), R"({"round": 0, "values": {"central_share": "0.4"}})") == 400);
  CHECK(post("/api/class/decide", team(a), R"({"round": 0, "values": {"central_share": 1e999}})") == 400);
  CHECK(post("/api/class/decide", team(a), R"({"round": 0, "values": {"national_ig_action": 0.5}})") == 400);
  CHECK(post("/api/class/decide", team(a), R"({"round": 0, "values": [0.4]})") == 400);
  CHECK(post("/api/class/predict", team(a), R"({"p50": "2016-13-01", "p90": "2017-01-01"})") == 400);
  CHECK(post("/api/class/predict", team(a), R"({"p50": "2017-01-01", "p90": "2016-01-01"})") == 400);
  CHECK(post("/api/class/predict", team(a), R"({"p50": "1999-01-01", "p90": "2016-01-01"})") == 400);
  // The teacher's controls: only with the teacher's token, and checked.
  CHECK(call(c, "GET", "/api/class/teacher", {}).status == 403);
  CHECK(call(c, "GET", "/api/class/teacher", {{"X-Wsic-Teacher", a}}).status == 403);
  CHECK(post("/api/class/close", team(a), "{}") == 403);
  CHECK(post("/api/class/close", {{"X-Wsic-Teacher", b}}, "{}") == 403);
  CHECK(post("/api/class/shock", {{"X-Wsic-Teacher", a}}, R"({"kind": "gp"})") == 403);
  CHECK(post("/api/class/shock", teacher_of(r), R"({"kind": "earthquake"})") == 400);
  CHECK(post("/api/class/shock", teacher_of(r), R"({"kind": 3})") == 400);
  CHECK(post("/api/class/timer", {{"X-Wsic-Teacher", a}}, R"({"seconds": 60})") == 403);
  CHECK(post("/api/class/timer", teacher_of(r), R"({"seconds": 86401})") == 400);
  CHECK(post("/api/class/timer", teacher_of(r), R"({"seconds": -5})") == 400);
  CHECK(post("/api/class/debrief", teacher_of(r), R"({"replications": 100})") == 409);  // not over
  CHECK(post("/api/class/debrief", teacher_of(r), R"({"replications": 0})") == 400);
  CHECK(post("/api/class/debrief", teacher_of(r), R"({"replications": 1000000})") == 400);
  CHECK(post("/api/class/debrief", {{"X-Wsic-Teacher", a}}, R"({"replications": 100})") == 403);
  CHECK(call(c, "GET", "/api/class/export?what=team-1", team(a)).status == 403);
  CHECK(call(c, "GET", "/api/class/export?what=../../etc/passwd", teacher_of(r)).status == 404);
  CHECK(call(c, "GET", "/api/class/export?what=debrief.csv", teacher_of(r)).status == 409);
  // Paths that are not the server's, methods it does not take.
  for (const char* path : {"/../../etc/passwd", "/api", "/api/class", "/%2e%2e/%2e%2e/etc/passwd", "/class.js/../x",
                           "/class/index.html"}) {
    const auto g = c.Get(path);
    REQUIRE(g);
    CHECK(g->status == 404);
    CHECK(g->body.find("root:") == std::string::npos);
  }
  const auto del = c.Delete("/api/class/team", team(a));
  REQUIRE(del);
  CHECK(del->status >= 400);
  CHECK(del->status < 500);
  // Malformed HTTP and another host's name.
  const std::string host = "Host: 127.0.0.1:" + std::to_string(r.port) + "\r\n";
  for (const std::string& bytes :
       {std::string("\x00\x01\x02garbage\r\n\r\n", 15), std::string("GET /\r\n\r\n"),
        cat({"GET /api/class/team HTTP/1.1\r\n", host, "X-Wsic-Team: ", std::string(100000, 'a'), "\r\n\r\n"}),
        cat({"POST /api/class/join HTTP/1.1\r\n", host,
             "Content-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n{}"}),
        cat({"POST /api/class/join HTTP/1.1\r\n", host,
             "Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"})}) {
    const std::string answer = raw(r.port, bytes);
    const int status = answer.size() > 12 && answer.starts_with("HTTP/1.1 ") ? std::stoi(answer.substr(9, 3)) : 0;
    INFO(bytes.substr(0, 60));
    CHECK((status == 0 || (status >= 400 && status < 500)));
  }
  CHECK(call(c, "GET", "/api/class/team", {{"X-Wsic-Team", a}, {"Host", "evil.example"}}).status == 421);
  // Nothing refused changed the class.
  CHECK(json::parse(classroom::Session::load(r.file).to_json().dump()).dump() == before);
  CHECK(call(c, "GET", "/api/class/team", team(a)).status == 200);
  fs::remove_all(dir);
}

TEST_CASE("ClassServer.NeedsTheAccessTokenWhenListening", "[lab][class]") {
  const fs::path dir = test::fresh_dir("class-server-token");
  fs::create_directories(dir);
  lab::ServerOptions so;
  so.require_token = true;  // as with --listen
  so.token = "0123456789abcdef0123456789abcdef";
  Running r(dir / "class.json", so);
  auto c = r.client();
  CHECK(c.Get("/")->status == 403);
  CHECK(call(c, "POST", "/api/class/join", {}, json{{"code", r.code}, {"name", "A"}}.dump()).status == 403);
  const auto page = c.Get("/?token=0123456789abcdef0123456789abcdef");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Set-Cookie").find("HttpOnly") != std::string::npos);
  CHECK(call(c, "POST", "/api/class/join", {{"X-Wsic-Token", so.token}}, json{{"code", r.code}, {"name", "A"}}.dump())
            .status == 200);
  CHECK(r.server->address().find("?token=" + so.token) != std::string::npos);
  CHECK(r.server->teacher_address().ends_with("#" + r.teacher));
  fs::remove_all(dir);
}

TEST_CASE("ClassServer.ARoundClosesWhenItsTimeIsUpAndARestartResumesTheClass", "[lab][class]") {
  const fs::path dir = test::fresh_dir("class-server-timer");
  fs::create_directories(dir);
  std::string a, b;
  {
    Running r(dir / "class.json");
    auto c = r.client();
    a = join(c, r, "Alpha");
    b = join(c, r, "Beta");
    REQUIRE(call(c, "POST", "/api/class/decide", team(a), R"({"round": 0, "values": {"central_share": 0.6}})").status ==
            200);
    REQUIRE(call(c, "POST", "/api/class/timer", teacher_of(r), R"({"seconds": 1})").status == 200);
    Answer v;
    for (int i = 0; i < 100; ++i) {  // the round closes by itself within about a second
      v = call(c, "GET", "/api/class/team", team(b));
      if (v.body["round"] == 1) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(v.body["round"] == 1);
    CHECK(v.body["seconds_left"].is_number());
    // Beta missed it: it keeps its decisions; Alpha's are in force.
    const classroom::Session s = classroom::Session::load(r.file);
    CHECK(s.current_round() == 1);
    CHECK(s.teams()[0].values[1][0] == 0.6);
    CHECK(s.teams()[1].values[1] == s.teams()[1].values[0]);
    CHECK_FALSE(s.teams()[1].submitted[0]);
    REQUIRE(call(c, "POST", "/api/class/timer", teacher_of(r), R"({"seconds": 0})").status == 200);
    REQUIRE(
        call(c, "POST", "/api/class/decide", team(b), R"({"round": 1, "values": {"central_share": 0.35}})").status ==
        200);
  }
  // The server stops and starts again on the same file: the teams' tokens
  // work, and nothing is lost.
  Running again(dir / "class.json", {}, false);
  auto c = again.client();
  const Answer v = call(c, "GET", "/api/class/team", team(b));
  REQUIRE(v.status == 200);
  CHECK(v.body["round"] == 1);
  CHECK(v.body["team"]["submitted"] == true);
  CHECK(v.body["decisions"][0]["value"] == 0.35);
  CHECK(v.body["told"].size() == 1);
  fs::remove_all(dir);
}

TEST_CASE("ClassServer.ThirtyTeamsPollingAndDecidingLoseNothing", "[lab][class]") {
  const fs::path dir = test::fresh_dir("class-server-load");
  fs::create_directories(dir);
  lab::ServerOptions so;
  so.requests_per_second = 1e6;  // one address for every team here
  so.burst = 1e6;
  Running r(dir / "class.json", so);
  constexpr int kTeams = 30;
  std::vector<std::string> tokens(kTeams);
  {
    auto c = r.client();
    for (int i = 0; i < kTeams; ++i) tokens[static_cast<std::size_t>(i)] = join(c, r, "Team " + std::to_string(i));
  }
  // Each team polls and decides every round, its own value; the teacher
  // closes a round when every team has decided.
  std::atomic<int> failed{0}, answered{0};
  std::mutex failures_mutex;
  std::string failures;
  for (std::size_t round = 0; round < 3; ++round) {
    std::vector<std::thread> teams;
    for (int i = 0; i < kTeams; ++i) {
      teams.emplace_back([&, i] {
        auto c = r.client();
        const double value = 0.3 + 0.004 * i + 0.1 * static_cast<double>(round);
        const auto count = [&](const Answer& a, const char* what) {
          (a.status == 200 ? answered : failed) += 1;
          if (a.status != 200) {
            const std::lock_guard lock(failures_mutex);
            failures += fmt::format("team {} round {} {}: status {}, {} after {:.2f} s, {}\n", i, round, what, a.status,
                                    httplib::to_string(a.error), a.seconds, a.body.dump());
          }
        };
        for (int k = 0; k < 5; ++k) {
          count(call(c, "GET", "/api/class/team", team(tokens[static_cast<std::size_t>(i)])), "poll");
        }
        count(call(c, "POST", "/api/class/decide", team(tokens[static_cast<std::size_t>(i)]),
                   json{{"round", round}, {"values", {{"central_share", value}}}}.dump()),
              "decide");
      });
    }
    for (auto& t : teams) t.join();
    auto c = r.client();
    REQUIRE(call(c, "POST", "/api/class/close", teacher_of(r), "{}").status == 200);
  }
  INFO(failures);
  CHECK(failed == 0);
  CHECK(answered == 3 * kTeams * 6);
  const classroom::Session s = classroom::Session::load(r.file);
  REQUIRE(s.teams().size() == kTeams);
  for (int i = 0; i < kTeams; ++i)
    for (std::size_t round = 0; round < 3; ++round)
      CHECK(s.teams()[static_cast<std::size_t>(i)].values[round][0] ==
            0.3 + 0.004 * i + 0.1 * static_cast<double>(round));
  fs::remove_all(dir);
}
