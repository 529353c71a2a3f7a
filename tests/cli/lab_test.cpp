// `wsic lab` as a program: it prints its address, refuses a port in use and
// a bad scenario with exit 2, and Ctrl-C stops it cleanly (exit 0).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include "support.hpp"

using namespace wsic::test;

namespace {
// The address the lab printed in `log`, waiting up to `seconds` for it.
std::string address_in(const fs::path& log, double seconds) {
  static const std::regex open(R"(open (http://\S+))");
  for (int i = 0; i < static_cast<int>(seconds * 20); ++i) {
    std::smatch m;
    const std::string text = slurp(log);
    if (std::regex_search(text, m, open)) return m[1];
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}
}  // namespace

TEST_CASE("Cli.LabStartsRefusesAndStopsOnCtrlC", "[cli][lab]") {
  const fs::path dir = fresh_dir("cli-lab");
  fs::create_directories(dir);
  const fs::path log = dir / "lab.log";
  const pid_t pid = spawn(wsic_bin() + " lab scenarios/baseline.yaml -n 100 > " + log.string() + " 2>&1");
  const std::string address = address_in(log, 30);
  REQUIRE(address.starts_with("http://127.0.0.1:"));
  CHECK(address.find("token") == std::string::npos);  // loopback: no token needed
  const std::string port = address.substr(17, address.find('/', 17) - 17);
  // A second lab on the same port is refused, not started beside it.
  CHECK(run("timeout 20 " + wsic_bin() + " lab --port " + port + " > " + (dir / "second.log").string() + " 2>&1") == 2);
  CHECK(slurp(dir / "second.log").find("cannot listen") != std::string::npos);
  // Ctrl-C: the lab stops within a second or two, saying what it served.
  const auto asked = std::chrono::steady_clock::now();
  ::kill(pid, SIGINT);
  CHECK(wait_exit(pid) == 0);
  CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(5));
  CHECK(slurp(log).find("wsic lab: stopped after") != std::string::npos);
}

TEST_CASE("Cli.LabRefusesABadScenario", "[cli][lab]") {
  const fs::path dir = fresh_dir("cli-lab-bad");
  fs::create_directories(dir);
  const fs::path bad = dir / "bad.yaml";
  { std::ofstream(bad) << "name: bad\n"; }
  const fs::path log = dir / "out.log";
  CHECK(run(wsic_bin() + " lab " + bad.string() + " > " + log.string() + " 2>&1") == 2);
  CHECK(slurp(log).find("bad.yaml:1:1: error:") != std::string::npos);
  CHECK(run(wsic_bin() + " lab " + (dir / "missing.yaml").string() + " > " + log.string() + " 2>&1") == 2);
}
