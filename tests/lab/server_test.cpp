#include "wsic/lab/server.hpp"

#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "raw_http.hpp"

using namespace wsic;
using nlohmann::json;

namespace {

/// A lab server on a free loopback port, serving on its own thread.
struct Running {
  lab::Lab the_lab;
  lab::Server server;
  int port;
  std::thread thread;
  explicit Running(lab::ServerOptions so = {})
      : the_lab("scenarios/baseline.yaml",
                [] {
                  lab::LabOptions o;
                  o.seed = 3;
                  o.replications = 50;
                  o.threads = 1;
                  return o;
                }()),
        server(the_lab, so),
        port(server.bind()),
        thread([this] { server.serve(); }) {}
  ~Running() {
    server.stop();
    thread.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(20, 0);
    return c;
  }
};

using test::cat;
using test::raw;
using test::status_of;

}  // namespace

TEST_CASE("LabServer.ServesThePageAndAnswers", "[lab][server]") {
  Running r;
  auto c = r.client();
  const auto page = c.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->body.find("wsic lab") != std::string::npos);
  CHECK(page->get_header_value("Content-Security-Policy").find("default-src 'none'") != std::string::npos);
  const auto js = c.Get("/lab.js");
  REQUIRE(js);
  CHECK(js->get_header_value("Content-Type").starts_with("text/javascript"));
  const auto sc = c.Get("/api/scenario");
  REQUIRE(sc);
  CHECK(json::parse(sc->body)["seed"] == 3);
  const auto run =
      c.Post("/api/run", R"({"settings": {"central_share": "0.6"}, "replications": 40})", "application/json");
  REQUIRE(run);
  REQUIRE(run->status == 200);
  const json j = json::parse(run->body);
  CHECK(j["replications"] == 40);
  CHECK(j["charts"].size() == lab::lab_charts().size());
  const auto save = c.Post("/api/save", R"({"settings": {"central_share": "0.6"}})", "application/json");
  REQUIRE(save);
  CHECK(save->status == 200);
  CHECK(save->get_header_value("Content-Disposition").find("baseline-lab.yaml") != std::string::npos);
  CHECK(save->body.find("central_share:") != std::string::npos);
}

TEST_CASE("LabServer.RefusesBadRequestsWith4xx", "[lab][server]") {
  Running r;
  auto c = r.client();
  const auto post = [&](const std::string& path, const std::string& body, const char* type = "application/json") {
    const auto res = c.Post(path, body, type);
    REQUIRE(res);
    return *res;
  };
  // Bad values, with the loader's message.
  auto res = post("/api/run", R"({"settings": {"central_share": "0.95"}})");
  CHECK(res.status == 400);
  CHECK(json::parse(res.body)["problems"][0]["lever"] == "central_share");
  CHECK(post("/api/run", R"({"settings": {"central_share": "NaN"}})").status == 400);
  CHECK(post("/api/run", R"({"settings": {"central_share": "1e999"}})").status == 400);
  CHECK(post("/api/run", R"({"settings": {"nope": "1"}})").status == 400);
  CHECK(post("/api/run", R"({"settings": [1, 2, 3]})").status == 400);
  CHECK(post("/api/run", R"({"replications": 1000000000})").status == 400);
  CHECK(post("/api/run", R"({"replications": "many"})").status == 400);
  // Not JSON, not an object, deeply nested, the wrong content type.
  CHECK(post("/api/run", "{not json").status == 400);
  CHECK(post("/api/run", "[]").status == 400);
  CHECK(post("/api/run", cat({std::string(100000, '['), std::string(100000, ']')})).status == 400);
  CHECK(post("/api/run", R"({"settings": {}})", "text/plain").status == 415);
  CHECK(post("/api/run", R"({"settings": {}})", "application/x-www-form-urlencoded").status == 415);
  // Too large.
  CHECK(post("/api/open", std::string(3u << 20, ' ')).status == 413);
  // Opening: a bad name, a bad file (with its line), no text.
  CHECK(post("/api/open", R"({"name": "../../etc/passwd", "text": "x"})").status == 400);
  res = post("/api/open", R"({"name": "b.yaml", "text": "name: b\ncalendar: 3\n"})");
  CHECK(res.status == 400);
  CHECK(json::parse(res.body)["problems"].size() >= 1);
  CHECK(post("/api/open", R"({"name": "b.yaml"})").status == 400);
  // Paths that are not the lab's, and methods it does not take.
  for (const char* path : {"/../../etc/passwd", "/etc/passwd", "/api", "/api/run/..", "/%2e%2e/%2e%2e/etc/passwd",
                           "/lab.js/../../secret"}) {
    const auto g = c.Get(path);
    REQUIRE(g);
    CHECK(g->status == 404);
    CHECK(g->body.find("root:") == std::string::npos);
  }
  const auto del = c.Delete("/api/run");
  REQUIRE(del);
  CHECK(del->status >= 400);
  CHECK(del->status < 500);
  // The lab still answers.
  CHECK(post("/api/run", R"({"replications": 20})").status == 200);
}

TEST_CASE("LabServer.SurvivesMalformedHttp", "[lab][server]") {
  Running r;
  // Garbage, a missing version, an absurd header, a lying Content-Length, a
  // request smuggling attempt: each is refused or dropped, never a crash.
  const std::string host = "Host: 127.0.0.1:" + std::to_string(r.port) + "\r\n";
  const std::vector<std::string> requests{
      std::string("\x00\x01\x02garbage\r\n\r\n", 15),
      std::string("GET /\r\n\r\n"),
      cat({"GET / HTTP/1.1\r\n", host, "X: ", std::string(100000, 'a'), "\r\n\r\n"}),
      cat({"POST /api/run HTTP/1.1\r\n", host,
           "Content-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n{}"}),
      cat({"POST /api/run HTTP/1.1\r\n", host,
           "Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"}),
      cat({"GET /", std::string(20000, 'x'), " HTTP/1.1\r\n", host, "\r\n"})};
  for (const std::string& bytes : requests) {
    const std::string answer = raw(r.port, bytes);
    const int status = status_of(answer);
    INFO(bytes.substr(0, 60));
    CHECK((status == 0 || (status >= 400 && status < 500)));
  }
  // A request naming another host (DNS rebinding) is refused.
  auto c = r.client();
  const auto rebinding = c.Get("/api/scenario", httplib::Headers{{"Host", "evil.example:" + std::to_string(r.port)}});
  REQUIRE(rebinding);
  CHECK(rebinding->status == 421);
  const auto ok = c.Get("/api/scenario");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("LabServer.NeedsTheTokenWhenListening", "[lab][server]") {
  lab::ServerOptions so;
  so.require_token = true;  // as with --listen
  Running r(so);
  auto c = r.client();
  const auto none = c.Get("/api/scenario");
  REQUIRE(none);
  CHECK(none->status == 403);
  const auto wrong = c.Get(cat({"/api/scenario?token=", std::string(32, '0')}));
  REQUIRE(wrong);
  CHECK(wrong->status == 403);
  const auto page = c.Get("/?token=" + r.server.token());
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Set-Cookie").find("HttpOnly") != std::string::npos);
  const auto by_header = c.Get("/api/scenario", httplib::Headers{{"X-Wsic-Token", r.server.token()}});
  REQUIRE(by_header);
  CHECK(by_header->status == 200);
  CHECK(r.server.address().find("?token=" + r.server.token()) != std::string::npos);
  CHECK(r.server.token().size() == 32);
}

TEST_CASE("LabServer.StaysUpThroughABurst", "[lab][server]") {
  lab::ServerOptions so;
  so.burst = 1e9;  // the rate limit is tested below; here, every request must be served
  so.requests_per_second = 1e9;
  Running r(so);
  // A few thousand requests from 8 clients at once, a mix of pages, runs and bad input.
  std::atomic<int> ok{0}, refused{0}, stale{0}, other{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", r.port);
      c.set_read_timeout(30, 0);
      const httplib::Headers me{{"X-Wsic-Client", t % 2 == 0 ? "c0" : "c1"}};
      for (int i = 0; i < 300; ++i) {
        httplib::Result res = (i % 10 == 0)   ? c.Post("/api/run", me, R"({"replications": 5})", "application/json")
                              : (i % 10 == 1) ? c.Post("/api/run", me, R"({"settings": {"x": 1}})", "application/json")
                              : (i % 10 == 2) ? c.Get("/nope")
                                              : c.Get("/api/scenario");
        if (!res) {
          ++other;
          continue;
        }
        if (res->status == 200) {
          ++ok;
        } else if (res->status == 409) {
          ++stale;
        } else if (res->status == 400 || res->status == 404) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& th : clients) th.join();
  CHECK(other == 0);
  CHECK(ok + refused + stale == 2400);
  CHECK(refused == 480);
  const auto c = r.server.counts();
  CHECK(c.runs + c.stale == 240);
  auto cl = r.client();
  const auto after = cl.Post("/api/run", R"({"replications": 30})", "application/json");
  REQUIRE(after);
  CHECK(after->status == 200);
}

TEST_CASE("LabServer.LimitsTheRate", "[lab][server]") {
  lab::ServerOptions so;
  so.burst = 20;
  so.requests_per_second = 1;
  Running r(so);
  auto c = r.client();
  int ok = 0, limited = 0;
  for (int i = 0; i < 40; ++i) {
    const auto res = c.Get("/lab.css");
    REQUIRE(res);
    (res->status == 200 ? ok : limited) += 1;
    if (res->status != 200) CHECK(res->status == 429);
  }
  CHECK(ok >= 20);
  CHECK(ok <= 22);
  CHECK(limited == 40 - ok);
}

TEST_CASE("LabServer.DropsASupersededRun", "[lab][server]") {
  Running r;
  // Two changes from one page at once: the older is dropped (409) unless it
  // finished first; the newer is always answered.
  httplib::Client a("127.0.0.1", r.port), b("127.0.0.1", r.port);
  a.set_read_timeout(60, 0);
  b.set_read_timeout(60, 0);
  const httplib::Headers me{{"X-Wsic-Client", "page1"}};
  int older = 0;
  std::thread t([&] {
    const auto res = a.Post("/api/run", me, R"({"replications": 100000})", "application/json");
    older = res ? res->status : -1;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto newer = b.Post("/api/run", me, R"({"replications": 10})", "application/json");
  t.join();
  REQUIRE(newer);
  CHECK(older == 409);
  CHECK(newer->status == 200);
  CHECK(r.server.counts().stale >= 1);
}

TEST_CASE("LabServer.AnOlderChangeArrivingLateIsDropped", "[lab][server]") {
  // The page numbers its changes; one overtaken on the way is stale on arrival.
  Running r;
  auto c = r.client();
  const auto newer = c.Post("/api/run", httplib::Headers{{"X-Wsic-Client", "p"}, {"X-Wsic-Seq", "5"}},
                            R"({"replications": 10})", "application/json");
  const auto older = c.Post("/api/run", httplib::Headers{{"X-Wsic-Client", "p"}, {"X-Wsic-Seq", "3"}},
                            R"({"replications": 10})", "application/json");
  const auto bad =
      c.Post("/api/run", httplib::Headers{{"X-Wsic-Client", "p"}, {"X-Wsic-Seq", "-1"}}, "{}", "application/json");
  REQUIRE(newer);
  REQUIRE(older);
  REQUIRE(bad);
  CHECK(newer->status == 200);
  CHECK(older->status == 409);
  CHECK(bad->status == 400);
}
