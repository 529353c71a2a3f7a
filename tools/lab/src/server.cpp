#include "wsic/lab/server.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "assets.hpp"
#include "http.hpp"
#include "wsic/sim/error.hpp"
#include "wsic/sim/runner.hpp"

namespace wsic::lab {

namespace {

using json = nlohmann::json;
using http::send_error;
using http::send_json;

bool valid_client_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

}  // namespace

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

struct Server::Impl {
  Lab& lab;
  ServerOptions opt;
  httplib::Server server;
  int port = 0;

  mutable std::mutex mutex;  // guards everything below
  std::condition_variable idle;
  Counts counts;
  // Runs: one at a time; per client, only the newest request counts.
  std::uint64_t tickets = 0;
  std::map<std::string, std::uint64_t> newest;  // client -> ticket of its newest run request
  bool running = false;
  std::string running_client;
  std::shared_ptr<std::atomic<bool>> running_cancel;
  std::atomic<bool> stopping{false};
  http::Guard guard;  // the checks before any handler

  Impl(Lab& l, ServerOptions o) : lab(l), opt(std::move(o)), guard(opt) {
    if (opt.token.empty()) opt.token = http::random_token();
    if (!is_loopback(opt.host)) opt.require_token = true;
  }

  static std::string client_of(const httplib::Request& req) {
    const std::string id = req.get_header_value("X-Wsic-Client");
    return valid_client_id(id) ? id : "addr:" + req.remote_addr;
  }

  /// Runs a change for `client`, or nullopt when a newer request from the
  /// same client superseded it (before or while it ran).
  /// `seq` orders a client's requests (the page numbers its changes, as
  /// requests may arrive out of order); 0: by arrival.
  std::optional<json> run_latest(const std::string& client, std::uint64_t seq, const Lab::Prepared& change,
                                 std::uint64_t n, bool with_csv) {
    std::unique_lock lock(mutex);
    if (newest.size() > 4096) newest.clear();
    const std::uint64_t ticket = seq > 0 ? seq : ++tickets;
    if (std::uint64_t& top = newest[client]; ticket <= top) {
      ++counts.stale;  // a newer change from this page came first
      return std::nullopt;
    } else {
      top = ticket;
    }
    if (running && running_client == client && running_cancel) running_cancel->store(true);
    idle.wait(lock, [&] { return !running || newest[client] != ticket || stopping; });
    if (newest[client] != ticket || stopping) {
      ++counts.stale;
      return std::nullopt;
    }
    running = true;
    running_client = client;
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    running_cancel = cancel;
    lock.unlock();
    // However the run ends, the next may start.
    struct Done {
      Impl& s;
      ~Done() {
        const std::lock_guard guard(s.mutex);
        s.running = false;
        s.running_cancel.reset();
        s.idle.notify_all();
      }
    } done{*this};
    std::optional<json> out;
    try {
      out = lab.run(change, n, cancel.get(), with_csv);
    } catch (const sim::Cancelled&) {
      out.reset();
    }
    const std::lock_guard relock(mutex);
    ++(out ? counts.runs : counts.stale);
    return out;
  }

  void routes() {
    server.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return guard.before(req, res); });
    for (const auto& a : assets::all()) {
      if (a.path.starts_with("/class/")) continue;  // a class's pages (ClassServer)
      server.Get(std::string(a.path), [&a, this](const httplib::Request& req, httplib::Response& res) {
        res.set_content(std::string(a.body), std::string(a.type) + "; charset=utf-8");
        if (opt.require_token && a.path == "/")
          res.set_header("Set-Cookie", "wsic_token=" + opt.token + "; Path=/; HttpOnly; SameSite=Strict");
        (void)req;
      });
    }
    server.Get("/api/scenario",
               [this](const httplib::Request&, httplib::Response& res) { send_json(res, 200, lab.describe()); });
    server.Post("/api/run", [this](const httplib::Request& req, httplib::Response& res) {
      const json j = http::body(req);
      const auto settings = Lab::parse_settings(j.value("settings", json()));
      const std::uint64_t n = lab.parse_replications(j.value("replications", json()));
      const std::string seq_text = req.get_header_value("X-Wsic-Seq");
      std::uint64_t seq = 0;
      if (!seq_text.empty()) {
        if (seq_text.size() > 15 ||
            !std::all_of(seq_text.begin(), seq_text.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
          throw BadRequest("X-Wsic-Seq must be a whole number");
        seq = std::stoull(seq_text) + (std::uint64_t{1} << 50);  // above any arrival ticket
      }
      const json csv = j.value("csv", json(false));
      if (!csv.is_boolean()) throw BadRequest("csv must be true or false");
      const auto out =
          run_latest(client_of(req), seq, lab.prepare(settings), n, csv.get<bool>());  // a bad change is refused first
      if (!out) return send_error(res, 409, "superseded by a newer change");
      send_json(res, 200, *out);
    });
    server.Post("/api/save", [this](const httplib::Request& req, httplib::Response& res) {
      const json j = http::body(req);
      const auto settings = Lab::parse_settings(j.value("settings", json()));
      const std::uint64_t n = lab.parse_replications(j.value("replications", json()));
      const auto [name, text] = lab.save(settings, n);
      res.set_header("Cache-Control", "no-store");
      res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
      res.set_content(text, "application/yaml");
    });
    server.Post("/api/open", [this](const httplib::Request& req, httplib::Response& res) {
      const json j = http::body(req);
      const json name = j.value("name", json());
      const json text = j.value("text", json());
      if (!name.is_string() || !text.is_string()) throw BadRequest("send {\"name\": FILE NAME, \"text\": YAML}");
      lab.open(name.get<std::string>(), text.get<std::string>());
      send_json(res, 200, lab.describe());
    });
    http::error_handlers(server, "the lab");
  }
};

Server::Server(Lab& lab, ServerOptions options) : impl_(std::make_unique<Impl>(lab, std::move(options))) {
  Impl& s = *impl_;
  http::configure(s.server, s.opt.max_body_bytes, s.opt.http_threads);
  s.routes();
}

Server::~Server() { stop(); }

int Server::bind() {
  Impl& s = *impl_;
  s.port = http::bind(s.server, s.opt.host, s.opt.port);
  s.guard.set_port(s.port);
  return s.port;
}

std::string Server::address() const {
  const Impl& s = *impl_;
  return http::address(s.opt.host, s.port, s.opt.require_token ? s.opt.token : std::string());
}

const std::string& Server::token() const noexcept { return impl_->opt.token; }

void Server::serve(const std::atomic<bool>* stop_flag) {
  Impl& s = *impl_;
  http::serve(s.server, stop_flag, [this] { stop(); });
}

void Server::stop() {
  Impl& s = *impl_;
  {
    const std::lock_guard lock(s.mutex);
    s.stopping = true;
    if (s.running_cancel) s.running_cancel->store(true);
    s.idle.notify_all();
  }
  s.server.stop();
}

Server::Counts Server::counts() const {
  Counts c;
  {
    const std::lock_guard lock(impl_->mutex);
    c = impl_->counts;
  }
  c.requests = impl_->guard.requests();
  c.refused = impl_->guard.refused();
  c.limited = impl_->guard.limited();
  return c;
}

}  // namespace wsic::lab
