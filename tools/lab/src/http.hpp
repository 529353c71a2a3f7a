#pragma once
/// What the lab's two servers (the lab, and a class) share: the checks every
/// request passes before it reaches a handler, and JSON answers. Internal to
/// the lab library (cpp-httplib stays out of its public headers).

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "wsic/lab/server.hpp"

namespace wsic::lab::http {

/// 128 random bits as 32 hex digits.
std::string random_token();
/// Equal in time independent of where they differ.
bool same_secret(const std::string& a, const std::string& b);
void security_headers(httplib::Response& res);
void send_json(httplib::Response& res, int status, const nlohmann::json& j);
void send_error(httplib::Response& res, int status, const std::string& message,
                const nlohmann::json& problems = nlohmann::json::array());
/// The value of cookie `name` in a Cookie header, or "".
std::string cookie(const std::string& header, const std::string& name);
/// A request's body as a JSON object (BadRequest otherwise).
nlohmann::json body(const httplib::Request& req);

/// The checks before any handler: a per-address rate, the Host header
/// (against DNS rebinding, for a loopback server), the access token (for a
/// listening one) and a JSON content type on POST. Thread-safe.
class Guard {
 public:
  explicit Guard(ServerOptions& options) : opt_(options) {}
  void set_port(int port) { port_ = port; }
  httplib::Server::HandlerResponse before(const httplib::Request& req, httplib::Response& res);
  /// Counts of requests, refusals and requests over the rate.
  std::uint64_t requests() const;
  std::uint64_t refused() const;
  std::uint64_t limited() const;

 private:
  bool allow_rate(const std::string& addr);
  bool host_ok(const httplib::Request& req) const;
  bool token_ok(const httplib::Request& req) const;

  ServerOptions& opt_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::uint64_t requests_ = 0, refused_ = 0, limited_ = 0;
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Bucket> buckets_;
};

/// Sets up `http` as both servers do: body limit, timeouts, no SO_REUSEPORT
/// (a second server on the same port fails instead of sharing it), and a
/// pool of `threads`.
void configure(httplib::Server& http, std::size_t max_body_bytes, unsigned threads);
/// Answers a handler's exception (BadRequest: 400) and httplib's own errors
/// as JSON.
void error_handlers(httplib::Server& http, const char* who);
/// Binds `host:port` (port 0: any free one); the port. Throws wsic::Error.
int bind(httplib::Server& http, const std::string& host, int port);
/// Serves on `http` (bound already) until it stops, calling `stop` when
/// `*stop_flag` is set (checked every 100 ms; none: only `stop` ends it).
void serve(httplib::Server& http, const std::atomic<bool>* stop_flag, const std::function<void()>& stop);
/// http://HOST:PORT/ (with ?token=... when `token` is not empty).
std::string address(const std::string& host, int port, const std::string& token);

}  // namespace wsic::lab::http
