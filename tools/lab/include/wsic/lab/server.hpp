#pragma once
/// The lab's web server: the page and its script (embedded in the program,
/// never read from disk), and a small JSON API over a Lab. Loopback only
/// unless told otherwise, and then every request needs the access token.
///
///   GET  /                 the page          GET /lab.js, /lab.css
///   GET  /api/scenario     the controls      POST /api/run   {settings, replications, csv}
///   POST /api/save         an overlay file   POST /api/open  {name, text}
///
/// A page names itself (X-Wsic-Client) and numbers its changes (X-Wsic-Seq).
/// Requests are checked before they reach the lab: the Host header (against
/// DNS rebinding), the token, the method and path, a JSON content type on
/// POST (so another site's form cannot post), the body size and a per-address
/// rate. A run that a newer run from the same page supersedes is dropped
/// (409), whether it was waiting, already running or overtaken on the way.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "wsic/lab/lab.hpp"

namespace wsic::lab {

struct ServerOptions {
  std::string host = "127.0.0.1";  ///< the address to listen on
  int port = 0;                    ///< 0: any free port
  /// Every request must carry `token` (in the URL as ?token=, a cookie, or
  /// the X-Wsic-Token header). On by default for an address other than loopback.
  bool require_token = false;
  std::string token;  ///< empty: a random one
  std::size_t max_body_bytes = 2u << 20;
  double requests_per_second = 50.0;  ///< per client address, sustained
  double burst = 400.0;               ///< and in a burst
  unsigned http_threads = 16;
};

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

class Server {
 public:
  Server(Lab& lab, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds the port; returns it. Throws wsic::Error when it cannot.
  int bind();
  /// The address to open: http://HOST:PORT/ with ?token=... when one is needed.
  std::string address() const;
  const std::string& token() const noexcept;
  /// Serves until stop() or until `*stop` is set (checked every 100 ms).
  void serve(const std::atomic<bool>* stop = nullptr);
  void stop();

  /// Counts, for tests and the closing line.
  struct Counts {
    std::uint64_t requests = 0, runs = 0, stale = 0, refused = 0, limited = 0;
  };
  Counts counts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wsic::lab
