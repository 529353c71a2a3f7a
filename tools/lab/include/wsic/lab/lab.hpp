#pragma once
/// The lab's work, apart from HTTP: a scenario's levers as controls, a
/// what-if run against the scenario with common random numbers, the charts
/// the report draws, a headline in dates, and the settings as an overlay file
/// that `wsic run` reproduces. Everything a request gives is checked here, by
/// the scenario loader's own rules.

#include <atomic>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "wsic/experiment/batch.hpp"
#include "wsic/experiment/compare.hpp"
#include "wsic/model/outcomes.hpp"
#include "wsic/model/scenario.hpp"
#include "wsic/scenario/loader.hpp"

namespace wsic::lab {

/// A request the lab refuses, with what to do about it (the server answers
/// 400 with the message, and `problems` when there are several).
class BadRequest : public std::runtime_error {
 public:
  explicit BadRequest(const std::string& what, nlohmann::json problems = nlohmann::json::array())
      : std::runtime_error(what), problems_(std::move(problems)) {}
  const nlohmann::json& problems() const noexcept { return problems_; }

 private:
  nlohmann::json problems_;
};

/// One lever moved from the scenario's value: its id and its value written
/// as the scenario file writes it ("0.35", "2015-04-01").
struct Setting {
  std::string lever;
  std::string value;
};

struct LabOptions {
  std::uint64_t seed = 0;
  std::uint64_t replications = 2000;  ///< per change, unless a request asks otherwise
  unsigned threads = 0;               ///< 0: every core
};

/// The most replications one change may ask for: a few seconds of work.
inline constexpr std::uint64_t kMaxLabReplications = 100'000;
/// The most settings one request may carry (a scenario has at most 100 levers).
inline constexpr std::size_t kMaxSettings = 100;

/// The charts a change redraws, by their report names.
const std::vector<std::string>& lab_charts();

class Lab {
 public:
  /// Loads the scenario at `file` (throws scenario::ScenarioError).
  Lab(const std::filesystem::path& file, const LabOptions& options);

  /// The scenario and its controls: decisions and uncertainties apart, each
  /// with its name, description, unit, range, value and sources; the seed
  /// and the default replications.
  nlohmann::ordered_json describe() const;

  /// The scenario the lab shows (opening another replaces it).
  struct Current {
    std::filesystem::path file;  ///< on disk, or a name in sources_
    bool uploaded = false;
    model::Scenario scenario;
  };
  /// A change checked and loaded, ready to run.
  struct Prepared {
    std::shared_ptr<const Current> current;
    std::vector<Setting> settings;
    model::Scenario whatif;
    double load_seconds = 0.0;
  };
  /// Checks `settings` and loads the scenario with them. Throws BadRequest.
  Prepared prepare(const std::vector<Setting>& settings) const;
  /// As run() below, for a change already prepared.
  /// `with_csv` adds each chart's table (its CSV), which the page fetches
  /// only when asked: it is half a run's answer.
  nlohmann::ordered_json run(const Prepared& prepared, std::uint64_t n, const std::atomic<bool>* cancel,
                             bool with_csv = false) const;

  /// Runs `n` replications of the scenario with `settings` and of the
  /// scenario itself, with the same seed and indices, and returns the
  /// charts, the headline and the figures behind them. Throws BadRequest for
  /// settings the loader refuses, sim::Cancelled when `cancel` is set.
  nlohmann::ordered_json run(const std::vector<Setting>& settings, std::uint64_t n, const std::atomic<bool>* cancel,
                             bool with_csv = true) const;

  /// An overlay scenario file of `settings` that `wsic run` reproduces:
  /// the file name to save it as, and its text. Throws BadRequest.
  std::pair<std::string, std::string> save(const std::vector<Setting>& settings, std::uint64_t n) const;

  /// Replaces the scenario with one given as text, named `name` (a file
  /// name; the files it extends are looked for next to the scenario the lab
  /// started with). Throws BadRequest with the loader's diagnostics, the lab
  /// unchanged.
  void open(const std::string& name, std::string text);

  /// Reads a request's settings: {"lever": "value", ...} or a list of
  /// {"lever":..., "value":...}. Throws BadRequest.
  static std::vector<Setting> parse_settings(const nlohmann::json& j);
  /// Reads a replication count from a request (absent: the default). Throws BadRequest.
  std::uint64_t parse_replications(const nlohmann::json& j) const;

  const LabOptions& options() const noexcept { return options_; }
  /// Runs the scenario as written for the default replications, so the
  /// first change pays only for its own run.
  void warm() const;

 private:
  /// The scenario as written, run once per replication count and kept: its
  /// outcomes, and each replication's series days for the pairs.
  struct BaseRun {
    std::shared_ptr<const Current> of;
    std::uint64_t n = 0;
    std::size_t series = 0;
    model::Outcomes outcomes;
    std::vector<double> days;  // [replication * series + series index]
  };
  std::shared_ptr<const BaseRun> base(const std::shared_ptr<const Current>& c, const experiment::Comparison& cmp,
                                      std::uint64_t n, const std::atomic<bool>* cancel) const;
  experiment::CompareAcc run_whatif(const experiment::Comparison& cmp, const BaseRun& b, std::uint64_t n,
                                    const std::atomic<bool>* cancel) const;
  experiment::BatchSpec spec(std::uint64_t n, const std::atomic<bool>* cancel) const;
  std::shared_ptr<const Current> current() const;
  model::Scenario with_settings(const Current& c, const std::vector<Setting>& settings) const;

  LabOptions options_;
  std::filesystem::path folder_;  ///< of the scenario the lab started with
  mutable scenario::SourceCache sources_;
  mutable std::mutex mutex_;  // guards current_
  std::shared_ptr<const Current> current_;
  std::deque<std::filesystem::path> uploads_;    // guarded by mutex_
  mutable std::shared_ptr<const BaseRun> base_;  // guarded by mutex_
};

}  // namespace wsic::lab
