#pragma once
// Helpers for tests that drive the wsic programs through their command line.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace wsic::test {

namespace fs = std::filesystem;

inline fs::path build_dir() {
  const char* d = std::getenv("WSIC_BUILD_DIR");
  return d ? fs::path(d) : fs::path("build");
}

inline std::string wsic_bin() { return (build_dir() / "bin" / "wsic").string(); }

// Runs a shell command; returns its exit code (-1 if it did not exit).
inline int run(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A path under the temporary folder, unique to this test process; removed first.
inline fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("wsic-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

// Starts `cmd` under /bin/sh (exec'd, so the pid is the program's) and
// returns its pid.
inline pid_t spawn(const std::string& cmd) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

inline bool wait_for_file(const fs::path& p, double seconds) {
  for (int i = 0; i < static_cast<int>(seconds * 100); ++i) {
    if (fs::exists(p)) return true;
    ::usleep(10'000);
  }
  return false;
}

// The exit code of `pid`, or 128 + the signal that ended it.
inline int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace wsic::test
