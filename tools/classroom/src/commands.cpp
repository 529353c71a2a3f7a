#include "wsic/classroom/commands.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>

#include "wsic/classroom/session.hpp"
#include "wsic/cli/files.hpp"
#include "wsic/cli/run.hpp"
#include "wsic/scenario/diagnostics.hpp"
#include "wsic/sim/runner.hpp"

namespace wsic::classroom {

namespace {

const Team& team_by_id(const Session& s, const std::string& id) {
  for (const Team& t : s.teams())
    if (t.id == id) return t;
  throw Refused(404, fmt::format("no team '{}' in this class (see wsic class status)", id));
}

void print_status(const Session& s) {
  std::cout << fmt::format("class on {}: round {} of {}{}\n", s.lesson().name,
                           std::min(s.current_round() + 1, s.rounds()), s.rounds(),
                           s.current_round() >= s.rounds() ? " (over)" : "");
  for (const Team& t : s.teams()) {
    std::cout << fmt::format("  {} ({}):", t.id, t.name);
    for (std::size_t d = 0; d < s.decisions().size(); ++d)
      std::cout << fmt::format(" {}={}", s.lesson().levers[static_cast<std::size_t>(s.decisions()[d])].id,
                               t.values.back()[d]);
    const bool decided = s.current_round() < s.rounds() && t.submitted.back();
    std::cout << (s.current_round() >= s.rounds() ? "\n" : decided ? "  [decided]\n" : "  [not yet]\n");
  }
}

void print_round(const Session& s, const Team& t, std::size_t r) {
  const RoundResult result = s.round_result(t, r);
  std::cout << fmt::format("{} ({}), round {}: {} of {} schemes piloting at its end\n", t.id, t.name, r + 1,
                           result.live_at_end, s.lesson().schemes.size());
  for (const report::StoryLine& l : result.lines)
    std::cout << fmt::format("  {}  {}\n", model::iso_day(s.lesson(), static_cast<int>(l.day)), l.text);
}

int act(const ClassCommand& cmd) {
  if (cmd.action == "new") {
    if (std::filesystem::exists(cmd.file) && !cmd.force) {
      std::cerr << fmt::format("wsic class: {} exists; give --force to replace it\n", cmd.file.string());
      return cli::kExitBadInput;
    }
    ClassOptions o;
    o.lesson = cmd.lesson;
    o.rounds = cmd.rounds;
    o.seed = cmd.seed;
    o.story = cmd.story;
    const FileLock lock(cmd.file);
    const Session s(o);
    s.save(cmd.file);
    std::cout << fmt::format("class on {} in {}: {} rounds, from {}\njoin code: {}\nteacher token: {}\n",
                             s.lesson().name, cmd.file.string(), s.rounds(), cmd.rounds.front(), s.join_code(),
                             s.teacher_token());
    return cli::kExitOk;
  }
  const FileLock lock(cmd.file);
  Session s = Session::load(cmd.file);
  if (cmd.action == "join") {
    const Team& t = s.join(cmd.code, cmd.name);
    s.save(cmd.file);
    std::cout << fmt::format("{} joined as {}\nteam token: {}\n", t.name, t.id, t.token);
  } else if (cmd.action == "decide") {
    nlohmann::json values = nlohmann::json::object();
    for (const std::string& kv : cmd.values) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) throw Refused(400, fmt::format("expected LEVER=VALUE, got '{}'", kv));
      const std::string text = kv.substr(eq + 1);
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size())
        throw Refused(400, fmt::format("the value of {} must be a number, got '{}'", kv.substr(0, eq), text));
      values[kv.substr(0, eq)] = v;
    }
    s.submit(cmd.token, s.current_round(), values);
    s.save(cmd.file);
    const Team& t = s.team_by_token(cmd.token);
    std::cout << fmt::format("{} decided round {}\n", t.name, s.current_round() + 1);
  } else if (cmd.action == "predict") {
    s.predict(cmd.token, cmd.p50, cmd.p90);
    s.save(cmd.file);
    std::cout << fmt::format("{} forecasts every scheme piloting by {} (P50) and {} (P90)\n",
                             s.team_by_token(cmd.token).name, cmd.p50, cmd.p90);
  } else if (cmd.action == "close") {
    const std::size_t closed = s.current_round();
    s.close_round(cmd.token);
    s.save(cmd.file);
    std::cout << fmt::format("round {} closed\n", closed + 1);
    for (const Team& t : s.teams()) print_round(s, t, closed);
  } else if (cmd.action == "status") {
    print_status(s);
  } else if (cmd.action == "story") {
    if (s.current_round() == 0) throw Refused(409, "no round is closed yet");
    const std::size_t r = cmd.round == 0 ? s.current_round() - 1 : cmd.round - 1;
    if (r >= s.current_round()) throw Refused(409, fmt::format("round {} is not closed yet", r + 1));
    print_round(s, team_by_id(s, cmd.team), r);
  } else if (cmd.action == "debrief") {
    const Debrief d = s.debrief(cmd.replications, 0, cmd.cancel, cmd.best);
    std::cout << s.debrief_text(d);
    if (!cmd.out.empty()) {
      std::filesystem::create_directories(cmd.out);
      cli::write_file_atomic(cmd.out / "debrief.json", s.debrief_json(d).dump(2) + "\n");
      cli::write_file_atomic(cmd.out / "debrief.csv", s.debrief_csv(d));
      for (const Team& t : s.teams()) cli::write_file_atomic(cmd.out / (t.id + ".yaml"), s.team_overlay(t));
      std::cout << fmt::format("written to {}: debrief.json, debrief.csv and each team's decisions as a scenario\n",
                               cmd.out.string());
    }
  } else if (cmd.action == "export") {
    std::cout << s.team_overlay(team_by_id(s, cmd.team));
  } else {
    throw Refused(400, fmt::format("unknown action '{}'", cmd.action));
  }
  return cli::kExitOk;
}

}  // namespace

FileLock::FileLock(const std::filesystem::path& file, double wait_seconds) {
  const std::string path = file.string() + ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Refused(400, fmt::format("cannot lock {}: {}", path, std::strerror(errno)));
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_seconds);
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const int e = errno;
      ::close(fd_);
      throw Refused(400, fmt::format("cannot lock {}: {}", path, std::strerror(e)));
    }
    if (std::chrono::steady_clock::now() >= until) {
      ::close(fd_);
      throw Refused(409, fmt::format("{} is in use by another wsic (a class server, `wsic lab --class`, holds it "
                                     "while it runs): change the class there, or stop it first",
                                     file.string()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

FileLock::~FileLock() { ::close(fd_); }

int class_command(const ClassCommand& cmd) {
  try {
    return act(cmd);
  } catch (const Refused& e) {
    std::cerr << "wsic class: " << e.what() << '\n';
    return cli::kExitBadInput;
  } catch (const sim::Cancelled&) {
    std::cerr << "wsic class: interrupted\n";
    return cli::kExitInterrupted;
  } catch (const scenario::ScenarioError& e) {
    std::cerr << e.what() << '\n';
    return cli::kExitBadInput;
  }
}

}  // namespace wsic::classroom
