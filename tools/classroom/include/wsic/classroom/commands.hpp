#pragma once
/// `wsic class`: a class kept in a file, for a teacher at one screen (teams
/// call out their decisions) or for scripts. Every command locks the file,
/// reads it, changes it and writes it back atomically, so two commands at
/// once never lose a submission.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace wsic::classroom {

struct ClassCommand {
  std::string action;  ///< new, join, decide, predict, close, status, story, export, debrief
  std::filesystem::path file;
  std::filesystem::path lesson;       ///< new
  std::vector<std::string> rounds;    ///< new: the rounds' dates
  std::uint64_t seed = 20131001;      ///< new
  std::uint64_t story = 0;            ///< new: the future the class lives through
  bool force = false;                 ///< new: replace an existing file
  std::string code, name;             ///< join
  std::string token;                  ///< decide (the team's), close (the teacher's)
  std::vector<std::string> values;    ///< decide: LEVER=VALUE
  std::string p50, p90;               ///< predict: ISO dates
  std::string team;                   ///< story, export: a team's id
  std::size_t round = 0;              ///< story: 1-based; 0: the last closed one
  std::uint64_t replications = 2000;  ///< debrief: futures per team
  std::filesystem::path out;          ///< debrief: also write debrief.json, debrief.csv and each team's file here
  bool best = false;                  ///< debrief: search for the best play and each team's regret
  const std::atomic<bool>* cancel = nullptr;  ///< Ctrl-C
};

/// An exclusive lock on FILE.lock, held for as long as it lives: every
/// command holds it while it changes the class, and a class server for as
/// long as it serves. Waits up to `wait_seconds` for another holder, then
/// refuses (409).
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& file, double wait_seconds = 10.0);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

/// Runs one action; messages to stdout, problems to stderr. Exit codes as the
/// other commands: 0, 2 for a refused request or bad input, 1 for a failure.
int class_command(const ClassCommand& cmd);

}  // namespace wsic::classroom
