#pragma once
/// A class in the browser (`wsic lab --class FILE`): the teacher's screen and
/// each team's, over a small JSON API on a classroom::Session kept in FILE.
///
///   GET  /                   a team's page (join, decide, read the rounds)
///   GET  /teacher            the teacher's page (the teacher's token after #)
///   POST /api/class/join     {code, name}            -> {id, token}
///   GET  /api/class/team     X-Wsic-Team: TOKEN      -> the team's view
///   POST /api/class/decide   {round, values}         (the team's token)
///   POST /api/class/predict  {p50, p90}              (the team's token)
///   GET  /api/class/teacher  X-Wsic-Teacher: TOKEN   -> the teacher's view
///   POST /api/class/close    {}                      (the teacher's token)
///   POST /api/class/shock    {kind}
///   POST /api/class/timer    {seconds}
///   POST /api/class/debrief  {replications, best}    starts the debrief
///   GET  /api/class/export?what=debrief.json|debrief.csv|TEAM-ID
///
/// Every request passes the lab's checks (rate, Host, access token when
/// listening, JSON on POST); every change is saved to FILE atomically before
/// it is answered, so a restarted server resumes the class. A round with a
/// timer closes by itself when its time is up.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "wsic/classroom/session.hpp"
#include "wsic/lab/server.hpp"

namespace wsic::lab {

/// The most futures a class's debrief may ask for.
inline constexpr std::uint64_t kMaxDebriefReplications = 20000;

class ClassServer {
 public:
  /// Serves the class saved in `file` (classroom::Session::load).
  ClassServer(classroom::Session session, std::filesystem::path file, ServerOptions options, unsigned threads = 0);
  ~ClassServer();
  ClassServer(const ClassServer&) = delete;
  ClassServer& operator=(const ClassServer&) = delete;

  /// Binds the port; returns it. Throws wsic::Error when it cannot.
  int bind();
  /// Where teams go (with ?token=... when one is needed), and the teacher's
  /// page (its token after #, which no request carries to the server).
  std::string address() const;
  std::string teacher_address() const;
  /// Serves until stop() or until `*stop` is set (checked every 100 ms).
  void serve(const std::atomic<bool>* stop = nullptr);
  void stop();

  struct Counts {
    std::uint64_t requests = 0, refused = 0, limited = 0, saves = 0;
  };
  Counts counts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wsic::lab
