#pragma once
// Helpers for the command library's tests: driving the wsic programs through
// their command line, and reading what they write.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "wsic/experiment/checkpoint.hpp"

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

// Waits until the checkpoint in `dir` records at least `blocks` merged
// blocks (the first checkpoint is written before any), however fast the
// build runs; false after `seconds`.
inline bool wait_for_progress(const fs::path& dir, std::uint64_t blocks, double seconds) {
  for (int i = 0; i < static_cast<int>(seconds * 50); ++i) {
    ::usleep(20'000);
    try {
      std::ifstream in(dir / wsic::experiment::kCheckpointFile, std::ios::binary);
      std::ostringstream bytes;
      bytes << in.rdbuf();
      if (wsic::experiment::decode_checkpoint(bytes.str()).blocks_done >= blocks) return true;
    } catch (const std::exception&) {
      // not written yet, or being replaced: look again
    }
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

// `s`, `n` times over.
inline std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// True if `s` is well-formed UTF-8 (no character cut in two).
inline bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

/// Splits CSV text into rows of fields (RFC 4180 quoting).
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
        rows.back().back() += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        rows.back().back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\n') {
      rows.emplace_back(1);
    } else {
      rows.back().back() += c;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

}  // namespace wsic::test
