#include "http.hpp"

#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <thread>

#include "wsic/lab/lab.hpp"
#include "wsic/sim/error.hpp"

namespace wsic::lab::http {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string random_token() {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 4; ++i) out += fmt::format("{:08x}", rd());
  return out;
}

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

void send_error(httplib::Response& res, int status, const std::string& message, const json& problems) {
  json j{{"error", message}};
  if (!problems.empty()) j["problems"] = problems;
  send_json(res, status, j);
}

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

json body(const httplib::Request& req) {
  try {
    json j = json::parse(req.body, nullptr, true, false);
    if (!j.is_object()) throw BadRequest("the request body must be a JSON object");
    return j;
  } catch (const json::exception& e) {  // not JSON, or a number too large for a double
    throw BadRequest(fmt::format("the request body is not JSON: {}", e.what()));
  }
}

bool Guard::allow_rate(const std::string& addr) {
  const std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  if (buckets_.size() > 4096) buckets_.clear();
  auto [it, fresh] = buckets_.try_emplace(addr, Bucket{opt_.burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens =
        std::min(opt_.burst, b.tokens + opt_.requests_per_second * std::chrono::duration<double>(now - b.at).count());
    b.at = now;
  }
  if (b.tokens < 1.0) {
    ++limited_;
    return false;
  }
  b.tokens -= 1.0;
  return true;
}

bool Guard::host_ok(const httplib::Request& req) const {
  if (opt_.require_token) return true;  // the token guards a listening server; any name may reach it
  const std::string host = req.get_header_value("Host");
  const auto colon = host.rfind(':');
  const std::string name = colon == std::string::npos ? host : host.substr(0, colon);
  const std::string p = colon == std::string::npos ? "" : host.substr(colon + 1);
  return is_loopback(name) && p == std::to_string(port_);
}

bool Guard::token_ok(const httplib::Request& req) const {
  if (!opt_.require_token) return true;
  if (req.has_param("token") && same_secret(req.get_param_value("token"), opt_.token)) return true;
  if (same_secret(req.get_header_value("X-Wsic-Token"), opt_.token)) return true;
  return same_secret(cookie(req.get_header_value("Cookie"), "wsic_token"), opt_.token);
}

httplib::Server::HandlerResponse Guard::before(const httplib::Request& req, httplib::Response& res) {
  {
    const std::lock_guard lock(mutex_);
    ++requests_;
  }
  security_headers(res);
  const auto refuse = [&](int status, const std::string& why) {
    {
      const std::lock_guard lock(mutex_);
      ++refused_;
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
  if (!token_ok(req)) return refuse(403, "this server needs its access token: open the address it printed");
  if (req.method == "POST" && !req.get_header_value("Content-Type").starts_with("application/json"))
    return refuse(415, "send JSON (Content-Type: application/json)");
  return httplib::Server::HandlerResponse::Unhandled;
}

std::uint64_t Guard::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}
std::uint64_t Guard::refused() const {
  const std::lock_guard lock(mutex_);
  return refused_;
}
std::uint64_t Guard::limited() const {
  const std::lock_guard lock(mutex_);
  return limited_;
}

namespace {
// SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, with which a
// second server on the same port would start and share the requests.
void reuse_address(int sock) {
  int yes = 1;
  ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}
}  // namespace

void configure(httplib::Server& http, std::size_t max_body_bytes, unsigned threads) {
  http.set_payload_max_length(max_body_bytes);
  http.set_read_timeout(5, 0);
  http.set_write_timeout(5, 0);
  http.set_keep_alive_timeout(2);
  http.set_tcp_nodelay(true);  // a response goes out at once, not after the peer's delayed ACK
  http.set_socket_options(reuse_address);
  http.set_keep_alive_max_count(1000);
  const unsigned n = std::max(2u, threads);
  http.new_task_queue = [n] { return new httplib::ThreadPool(n); };
}

void error_handlers(httplib::Server& http, const char* who) {
  http.set_exception_handler([who](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    security_headers(res);
    try {
      std::rethrow_exception(ep);
    } catch (const BadRequest& e) {
      send_error(res, 400, e.what(), e.problems());
    } catch (const std::exception& e) {
      send_error(res, 500, fmt::format("{} failed: {}", who, e.what()));
    } catch (...) {
      send_error(res, 500, fmt::format("{} failed", who));
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

int bind(httplib::Server& http, const std::string& host, int port) {
  // The socket bound last is the one listening (a name with several
  // addresses is tried address by address).
  int listening = -1;
  http.set_socket_options([&listening](int sock) {
    reuse_address(sock);
    listening = sock;
  });
  const int bound = port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  http.set_socket_options(reuse_address);
  // cpp-httplib listens with a backlog of 5: a class's teams connecting at
  // once overflowed it, and now and then a connection the client took for
  // open lost its request (no answer after about a second, the first
  // retransmission). Listening again on a listening socket sets its backlog.
  if (bound > 0 && listening >= 0) ::listen(listening, SOMAXCONN);
  if (bound <= 0)
    throw Error(fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)", host,
                            port == 0 ? std::string("any port") : std::to_string(port)));
  return bound;
}

void serve(httplib::Server& http, const std::atomic<bool>* stop_flag, const std::function<void()>& stop) {
  std::thread watcher;
  std::atomic<bool> done{false};
  if (stop_flag != nullptr) {
    watcher = std::thread([&] {
      while (!done.load() && !stop_flag->load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!done.load()) stop();
    });
  }
  http.listen_after_bind();
  done = true;
  if (watcher.joinable()) watcher.join();
}

std::string address(const std::string& bound_host, int port, const std::string& token) {
  std::string host = bound_host;
  if (host == "0.0.0.0" || host == "::") {  // every address: name the machine, which others can reach
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') host = name;
  }
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string a = fmt::format("http://{}:{}/", host, port);
  if (!token.empty()) a += "?token=" + token;
  return a;
}

}  // namespace wsic::lab::http
