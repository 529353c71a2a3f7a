// phold-ref: the PHOLD benchmark as the simplest program could run it, a
// std::priority_queue of (time, LP) pairs and the standard library's random
// numbers, with no engine at all. It is the yardstick for the engine's event
// throughput: tools/bench-phold runs it and `wsic-bench phold` (same model,
// same parameters) alternately and prints the ratio, so the engine is judged
// against what a plain loop achieves on the same machine that minute.
//
//   phold-ref LPS EVENTS_PER_LP TOTAL_EVENTS REMOTE_FRACTION LOOKAHEAD
//   (defaults 1024 16 20000000 0.9 0.1)
//
// Each of LPS logical processes starts with EVENTS_PER_LP events at Exp(1)
// times. Handling an event schedules one more, LOOKAHEAD + Exp(1) later, at a
// uniformly chosen LP with probability REMOTE_FRACTION and at the same LP
// otherwise. TOTAL_EVENTS events are handled and timed; the last line holds
// `events_per_s=N`.
//
// The std:: distributions are fine here (unlike in the model): only the speed
// is compared, never the draws.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <queue>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

struct Event {
  double time;
  std::uint32_t lp;
};

// Earliest first once std::priority_queue (a max-heap) uses it as its "less".
struct Later {
  bool operator()(const Event& a, const Event& b) const noexcept { return a.time > b.time; }
};

int usage() {
  std::fprintf(stderr,
               "usage: phold-ref [LPS [EVENTS_PER_LP [TOTAL_EVENTS [REMOTE_FRACTION [LOOKAHEAD]]]]]\n"
               "  LPS and EVENTS_PER_LP positive, REMOTE_FRACTION in [0, 1], LOOKAHEAD >= 0\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 6) return usage();
  const auto arg = [&](int i, const char* fallback) { return std::string(argc > i ? argv[i] : fallback); };
  std::uint64_t lps = 0, per_lp = 0, total = 0;
  double remote = 0.0, lookahead = 0.0;
  try {
    lps = std::stoull(arg(1, "1024"));
    per_lp = std::stoull(arg(2, "16"));
    total = std::stoull(arg(3, "20000000"));
    remote = std::stod(arg(4, "0.9"));
    lookahead = std::stod(arg(5, "0.1"));
  } catch (const std::exception&) {
    return usage();
  }
  if (lps == 0 || lps > UINT32_MAX || per_lp == 0 || !(remote >= 0.0 && remote <= 1.0) || !(lookahead >= 0.0)) {
    return usage();
  }

  std::mt19937_64 rng(42);
  std::exponential_distribution<double> gap(1.0);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::uniform_int_distribution<std::uint32_t> any_lp(0, static_cast<std::uint32_t>(lps - 1));

  std::vector<Event> storage;
  storage.reserve(lps * per_lp);
  std::priority_queue<Event, std::vector<Event>, Later> pending(Later{}, std::move(storage));
  for (std::uint32_t lp = 0; lp < lps; ++lp) {
    for (std::uint64_t k = 0; k < per_lp; ++k) pending.push(Event{gap(rng), lp});
  }

  // Events handled per LP: the work an LP does (wsic-bench phold counts the
  // same), read after the timing so it cannot be optimised away.
  std::vector<std::uint64_t> handled(lps);
  double now = 0.0;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t n = 0; n < total; ++n) {
    const Event e = pending.top();
    pending.pop();
    now = e.time;
    ++handled[e.lp];
    const std::uint32_t to = coin(rng) < remote ? any_lp(rng) : e.lp;
    pending.push(Event{now + lookahead + gap(rng), to});
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::uint64_t busiest = 0;
  for (const std::uint64_t h : handled) busiest = std::max(busiest, h);
  std::printf("events=%llu seconds=%.3f simtime=%.1f pending=%zu busiest_lp=%llu\n",
              static_cast<unsigned long long>(total), seconds, now, pending.size(),
              static_cast<unsigned long long>(busiest));
  std::printf("events_per_s=%.0f\n", static_cast<double>(total) / seconds);
  return 0;
}
