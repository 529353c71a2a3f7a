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
#include "wsic/sim/error.hpp"
#include "wsic/sim/runner.hpp"

namespace wsic::lab {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string random_token() {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 4; ++i) out += fmt::format("{:08x}", rd());
  return out;
}

/// Equal in time independent of where they differ.
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

void security_headers(httplib::Response& res) {
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                 "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'");
}

/// The API's JSON. Its own media type (a +json suffix, which fetch reads as
/// JSON) keeps cpp-httplib from compressing it: its brotli, at the highest
/// quality, costs about 200 ms for a run's 150 kB, twice the lab's budget.
constexpr const char* kJsonType = "application/vnd.wsic.lab+json";

void send_json(httplib::Response& res, int status, const json& j) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(j.dump(), kJsonType);
}

void send_error(httplib::Response& res, int status, const std::string& message, const json& problems = json::array()) {
  json j{{"error", message}};
  if (!problems.empty()) j["problems"] = problems;
  send_json(res, status, j);
}

/// The value of cookie `name` in a Cookie header, or "".
std::string cookie(const std::string& header, const std::string& name) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    const std::size_t end = std::min(header.find(';', pos), header.size());
    std::string part = header.substr(pos, end - pos);
    const auto first = part.find_first_not_of(' ');
    part = first == std::string::npos ? "" : part.substr(first);
    if (part.starts_with(name + "=")) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return "";
}

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
  httplib::Server http;
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
  // Rate: a token bucket per client address.
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };
  std::map<std::string, Bucket> buckets;

  Impl(Lab& l, ServerOptions o) : lab(l), opt(std::move(o)) {
    if (opt.token.empty()) opt.token = random_token();
    if (!is_loopback(opt.host)) opt.require_token = true;
  }

  bool allow_rate(const std::string& addr) {
    const std::lock_guard lock(mutex);
    const auto now = Clock::now();
    if (buckets.size() > 4096) buckets.clear();
    auto [it, fresh] = buckets.try_emplace(addr, Bucket{opt.burst, now});
    Bucket& b = it->second;
    if (!fresh) {
      b.tokens =
          std::min(opt.burst, b.tokens + opt.requests_per_second * std::chrono::duration<double>(now - b.at).count());
      b.at = now;
    }
    if (b.tokens < 1.0) {
      ++counts.limited;
      return false;
    }
    b.tokens -= 1.0;
    return true;
  }

  bool host_ok(const httplib::Request& req) const {
    if (opt.require_token) return true;  // the token guards a listening server; any name may reach it
    const std::string host = req.get_header_value("Host");
    const auto colon = host.rfind(':');
    const std::string name = colon == std::string::npos ? host : host.substr(0, colon);
    const std::string p = colon == std::string::npos ? "" : host.substr(colon + 1);
    return is_loopback(name) && p == std::to_string(port);
  }

  bool token_ok(const httplib::Request& req) const {
    if (!opt.require_token) return true;
    if (req.has_param("token") && same_secret(req.get_param_value("token"), opt.token)) return true;
    if (same_secret(req.get_header_value("X-Wsic-Token"), opt.token)) return true;
    return same_secret(cookie(req.get_header_value("Cookie"), "wsic_token"), opt.token);
  }

  httplib::Server::HandlerResponse before(const httplib::Request& req, httplib::Response& res) {
    {
      const std::lock_guard lock(mutex);
      ++counts.requests;
    }
    security_headers(res);
    const auto refuse = [&](int status, const std::string& why) {
      {
        const std::lock_guard lock(mutex);
        ++counts.refused;
      }
      send_error(res, status, why);
      return httplib::Server::HandlerResponse::Handled;
    };
    if (!allow_rate(req.remote_addr)) {
      res.set_header("Retry-After", "1");
      send_error(res, 429, "too many requests: slow down");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!host_ok(req))
      return refuse(421, "this server answers only to its own loopback address (the Host header names another)");
    if (!token_ok(req)) return refuse(403, "this lab needs its access token: open the address it printed");
    if (req.method == "POST" && !req.get_header_value("Content-Type").starts_with("application/json"))
      return refuse(415, "send JSON (Content-Type: application/json)");
    return httplib::Server::HandlerResponse::Unhandled;
  }

  json body(const httplib::Request& req) const {
    try {
      json j = json::parse(req.body, nullptr, true, false);
      if (!j.is_object()) throw BadRequest("the request body must be a JSON object");
      return j;
    } catch (const json::parse_error& e) {
      throw BadRequest(fmt::format("the request body is not JSON: {}", e.what()));
    }
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
    const std::lock_guard guard(mutex);
    ++(out ? counts.runs : counts.stale);
    return out;
  }

  void routes() {
    http.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return before(req, res); });
    for (const auto& a : assets::all()) {
      http.Get(std::string(a.path), [&a, this](const httplib::Request& req, httplib::Response& res) {
        res.set_content(std::string(a.body), std::string(a.type) + "; charset=utf-8");
        if (opt.require_token && a.path == "/")
          res.set_header("Set-Cookie", "wsic_token=" + opt.token + "; Path=/; HttpOnly; SameSite=Strict");
        (void)req;
      });
    }
    http.Get("/api/scenario",
             [this](const httplib::Request&, httplib::Response& res) { send_json(res, 200, lab.describe()); });
    http.Post("/api/run", [this](const httplib::Request& req, httplib::Response& res) {
      const json j = body(req);
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
    http.Post("/api/save", [this](const httplib::Request& req, httplib::Response& res) {
      const json j = body(req);
      const auto settings = Lab::parse_settings(j.value("settings", json()));
      const std::uint64_t n = lab.parse_replications(j.value("replications", json()));
      const auto [name, text] = lab.save(settings, n);
      res.set_header("Cache-Control", "no-store");
      res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
      res.set_content(text, "application/yaml");
    });
    http.Post("/api/open", [this](const httplib::Request& req, httplib::Response& res) {
      const json j = body(req);
      const json name = j.value("name", json());
      const json text = j.value("text", json());
      if (!name.is_string() || !text.is_string()) throw BadRequest("send {\"name\": FILE NAME, \"text\": YAML}");
      lab.open(name.get<std::string>(), text.get<std::string>());
      send_json(res, 200, lab.describe());
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      security_headers(res);
      try {
        std::rethrow_exception(ep);
      } catch (const BadRequest& e) {
        send_error(res, 400, e.what(), e.problems());
      } catch (const std::exception& e) {
        send_error(res, 500, std::string("the lab failed: ") + e.what());
      } catch (...) {
        send_error(res, 500, "the lab failed");
      }
    });
    http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;  // answered already (by the checks above)
      security_headers(res);
      if (res.status == 404) return send_error(res, 404, "no such page: " + req.path.substr(0, 200));
      if (res.status == 413) return send_error(res, 413, "the request is too large");
      send_error(res, res.status, fmt::format("the request was refused (HTTP {})", res.status));
    });
  }
};

Server::Server(Lab& lab, ServerOptions options) : impl_(std::make_unique<Impl>(lab, std::move(options))) {
  Impl& s = *impl_;
  s.http.set_payload_max_length(s.opt.max_body_bytes);
  s.http.set_read_timeout(5, 0);
  s.http.set_write_timeout(5, 0);
  s.http.set_keep_alive_timeout(2);
  s.http.set_tcp_nodelay(true);
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, with which a
  // second lab on the same port would start and share the requests.
  s.http.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });  // a response goes out at once, not after the peer's delayed ACK
  s.http.set_keep_alive_max_count(1000);
  const unsigned threads = std::max(2u, s.opt.http_threads);
  s.http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.routes();
}

Server::~Server() { stop(); }

int Server::bind() {
  Impl& s = *impl_;
  if (s.opt.port == 0) {
    s.port = s.http.bind_to_any_port(s.opt.host);
  } else {
    s.port = s.http.bind_to_port(s.opt.host, s.opt.port) ? s.opt.port : -1;
  }
  if (s.port <= 0)
    throw Error(fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)", s.opt.host,
                            s.opt.port == 0 ? std::string("any port") : std::to_string(s.opt.port)));
  return s.port;
}

std::string Server::address() const {
  const Impl& s = *impl_;
  std::string host = s.opt.host;
  if (host == "0.0.0.0" || host == "::") {  // every address: name the machine, which others can reach
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') host = name;
  }
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string a = fmt::format("http://{}:{}/", host, s.port);
  if (s.opt.require_token) a += "?token=" + s.opt.token;
  return a;
}

const std::string& Server::token() const noexcept { return impl_->opt.token; }

void Server::serve(const std::atomic<bool>* stop_flag) {
  Impl& s = *impl_;
  std::thread watcher;
  std::atomic<bool> done{false};
  if (stop_flag != nullptr) {
    watcher = std::thread([&] {
      while (!done.load() && !stop_flag->load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!done.load()) stop();
    });
  }
  s.http.listen_after_bind();
  done = true;
  if (watcher.joinable()) watcher.join();
}

void Server::stop() {
  Impl& s = *impl_;
  {
    const std::lock_guard lock(s.mutex);
    s.stopping = true;
    if (s.running_cancel) s.running_cancel->store(true);
    s.idle.notify_all();
  }
  s.http.stop();
}

Server::Counts Server::counts() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->counts;
}

}  // namespace wsic::lab
