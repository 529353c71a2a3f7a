// wsic: the command-line front end. Parsing and signals only; the commands
// and their options live in the wsic::cli library.
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "wsic/classroom/commands.hpp"
#include "wsic/cli/args.hpp"
#include "wsic/lab/class_server.hpp"
#include "wsic/lab/server.hpp"
#include "wsic/scenario/diagnostics.hpp"
#include "wsic/sim/error.hpp"

namespace {
// Set from the signal handler: the one global a signal handler needs.
std::atomic<bool> g_cancel{false};

// The first Ctrl-C (or SIGTERM) asks the command to stop at the next safe
// point; a second one ends the program at once (results already written
// stay whole: every file is written atomically).
extern "C" void on_signal(int sig) {
  if (g_cancel.exchange(true)) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}
}  // namespace

// `wsic lab`: its options and its loop (the work is the lab library's).
struct LabCommand {
  CLI::App* app = nullptr;
  std::filesystem::path scenario = "scenarios/baseline.yaml";
  wsic::lab::LabOptions lab;
  wsic::lab::ServerOptions server;
  std::string listen;
  // --class: a class in the browser, kept in this file.
  std::filesystem::path class_file;
  std::vector<std::string> rounds;
  std::uint64_t round_seconds = 0;
  std::uint64_t story = 0;
};

void add_lab(CLI::App& parent, LabCommand& cmd, unsigned cores) {
  auto* app = cmd.app = parent.add_subcommand(
      "lab", "start the lab: move a decision in the browser and see the rollout change (a local web server)");
  app->add_option("scenario", cmd.scenario, "the scenario (YAML); scenarios/baseline.yaml by default")
      ->check(CLI::ExistingFile);
  app->add_option("--port", cmd.server.port, "the port to listen on; a free one by default")
      ->check(CLI::Range(0, 65535));
  app->add_option("--listen", cmd.listen,
                  "listen on this address instead of 127.0.0.1 (e.g. 0.0.0.0 for the room's network); every request "
                  "then needs the access token in the printed address");
  cmd.lab.replications = 2000;
  app->add_option("-n,--replications", cmd.lab.replications, "futures per change, by default (the page can change it)")
      ->check(CLI::Range(std::uint64_t{1}, wsic::lab::kMaxLabReplications));
  cmd.lab.seed = wsic::experiment::kDefaultSeed;
  app->add_option("--seed", cmd.lab.seed, "the seed every change shares with the scenario as written");
  app->add_option("--threads", cmd.lab.threads, "threads per change; all cores by default")
      ->check(CLI::Range(0u, cores * 4));
  app->add_option("--class", cmd.class_file,
                  "serve a class kept in this file instead (teams and the teacher in their browsers): resumes it if it "
                  "exists, or opens one on the scenario as its lesson");
  app->add_option("--round", cmd.rounds,
                  "with --class, a new class: the date a round's decisions come into force (one per round; by "
                  "default six-monthly from 2013-10-01 to 2016-04-01)");
  app->add_option("--round-seconds", cmd.round_seconds,
                  "with --class, a new class: seconds a round lasts before it closes by itself (0: the teacher closes "
                  "each; the teacher's page can change it)")
      ->check(CLI::Range(std::uint64_t{0}, wsic::classroom::kMaxRoundSeconds));
  app->add_option("--story", cmd.story, "with --class, a new class: the future every team lives through");
}

int class_server_command(LabCommand& cmd, const std::atomic<bool>* cancel) {
  using namespace wsic;
  try {
    const classroom::FileLock lock(cmd.class_file, 0.0);
    std::optional<classroom::Session> session;
    const bool resume = std::filesystem::exists(cmd.class_file);
    if (resume) {
      if (!cmd.rounds.empty() || cmd.round_seconds != 0 || cmd.story != 0)
        throw classroom::Refused(400, fmt::format("{} is a class already, with its rounds, timer and future: give "
                                                  "only --class to resume it (or another file for a new class)",
                                                  cmd.class_file.string()));
      session = classroom::Session::load(cmd.class_file);
    } else {
      classroom::ClassOptions o;
      o.lesson = cmd.scenario;
      o.rounds = cmd.rounds.empty() ? std::vector<std::string>{"2013-10-01", "2014-04-01", "2014-10-01",
                                                               "2015-04-01", "2015-10-01", "2016-04-01"}
                                    : cmd.rounds;
      o.seed = cmd.lab.seed;
      o.story = cmd.story;
      o.round_seconds = cmd.round_seconds;
      session.emplace(o);
      session->save(cmd.class_file);
    }
    cmd.server.http_threads = 96;  // a keep-alive connection holds a thread: one class's browsers, and to spare
    lab::ClassServer server(*session, cmd.class_file, cmd.server, cmd.lab.threads);
    server.bind();
    std::cout << fmt::format("wsic lab: {} the class on {} in {}: round {} of {}\n", resume ? "resuming" : "opened",
                             session->lesson().name, cmd.class_file.string(),
                             std::min(session->current_round() + 1, session->rounds()), session->rounds())
              << "teams open " << server.address() << "  (join code " << session->join_code() << ")\n"
              << "teacher open " << server.teacher_address() << "\n"
              << (cmd.listen.empty() ? "" : "(anyone on the network with the teams' address can join with the code)\n")
              << "Ctrl-C stops it; the class is saved as it goes." << std::endl;
    server.serve(cancel);
    const auto c = server.counts();
    std::cout << "wsic lab: stopped after " << c.requests << " requests (" << c.saves << " saves, " << c.refused
              << " refused, " << c.limited << " over the rate limit)" << std::endl;
    return cli::kExitOk;
  } catch (const classroom::Refused& e) {
    std::cerr << "wsic lab: " << e.what() << '\n';
    return cli::kExitBadInput;
  } catch (const scenario::ScenarioError& e) {
    std::cerr << e.what() << '\n';
    return cli::kExitBadInput;
  } catch (const Error& e) {
    std::cerr << "wsic lab: " << e.what() << '\n';
    return cli::kExitBadInput;
  }
}

int lab_command(LabCommand& cmd, const std::atomic<bool>* cancel) {
  using namespace wsic;
  if (!cmd.listen.empty()) cmd.server.host = cmd.listen;
  if (!cmd.class_file.empty()) return class_server_command(cmd, cancel);
  if (!cmd.rounds.empty() || cmd.round_seconds != 0 || cmd.story != 0) {
    std::cerr << "wsic lab: --round, --round-seconds and --story are for a class: give --class FILE too\n";
    return cli::kExitBadInput;
  }
  std::unique_ptr<lab::Lab> the_lab;
  try {
    the_lab = std::make_unique<lab::Lab>(cmd.scenario, cmd.lab);
  } catch (const scenario::ScenarioError& e) {
    std::cerr << e.what() << '\n';
    return cli::kExitBadInput;
  }
  lab::Server server(*the_lab, cmd.server);
  try {
    server.bind();
  } catch (const std::exception& e) {
    std::cerr << "wsic lab: " << e.what() << '\n';
    return cli::kExitBadInput;
  }
  std::cout << "wsic lab: " << cmd.scenario.string() << ", " << cmd.lab.replications << " futures per change\n"
            << "open " << server.address() << "\n"
            << (cmd.listen.empty() ? ""
                                   : "(anyone on the network with this address, token included, can use the lab)\n")
            << "Ctrl-C stops it." << std::endl;
  server.serve(cancel);
  const auto c = server.counts();
  std::cout << "wsic lab: stopped after " << c.requests << " requests (" << c.runs << " runs, " << c.stale
            << " superseded, " << c.refused << " refused, " << c.limited << " over the rate limit)" << std::endl;
  return cli::kExitOk;
}

// `wsic story SCENARIO ...`: one future, told.
CLI::App* add_story(CLI::App& parent, wsic::cli::StoryOptions& story) {
  auto* app = parent.add_subcommand("story", "tell what happened in one future: every strike, design and go-live");
  app->add_option("scenario", story.scenario, "the scenario (YAML)")->required()->check(CLI::ExistingFile);
  app->add_option("-r,--replication", story.replication, "which future, as wsic run numbers them (from 0)")
      ->capture_default_str();
  app->add_option("--seed", story.seed, "master random seed")->capture_default_str();
  app->add_option("--from", story.from, "tell only what happened from this date (ISO)");
  app->add_option("--to", story.to, "... and before this one");
  app->add_option("--set", story.overrides, "set a number of the scenario: PATH=VALUE (repeatable)");
  app->add_flag("--json", story.json, "JSON instead of text");
  return app;
}

// `wsic class ACTION FILE ...`: a class kept in a file.
struct ClassCli {
  CLI::App* app = nullptr;
  std::vector<CLI::App*> actions;
  wsic::classroom::ClassCommand cmd;
};

void add_class(CLI::App& parent, ClassCli& c) {
  c.app = parent.add_subcommand("class", "run a class through a lesson, round by round, kept in a file (see README)");
  c.app->require_subcommand(1);
  auto& cmd = c.cmd;
  const auto action = [&](const char* name, const char* what) {
    CLI::App* a = c.app->add_subcommand(name, what);
    a->add_option("file", cmd.file, "the class's file (JSON)")->required();
    c.actions.push_back(a);
    return a;
  };
  CLI::App* make = action("new", "open a class on a lesson: prints the join code and the teacher's token");
  make->add_option("--lesson", cmd.lesson, "the lesson's scenario (YAML)")->required()->check(CLI::ExistingFile);
  make->add_option("--round", cmd.rounds, "the date a round's decisions come into force (one per round, in order)")
      ->required();
  make->add_option("--seed", cmd.seed, "master random seed")->capture_default_str();
  make->add_option("--story", cmd.story, "the future every team lives through (a replication index)")
      ->capture_default_str();
  make->add_flag("--force", cmd.force, "replace an existing file");
  CLI::App* join = action("join", "a team joins: prints its id and its token");
  join->add_option("--code", cmd.code, "the class's join code")->required();
  join->add_option("--name", cmd.name, "the team's name")->required();
  CLI::App* decide = action("decide", "a team sets its decisions for the open round");
  decide->add_option("--token", cmd.token, "the team's token")->required();
  decide->add_option("values", cmd.values, "LEVER=VALUE ...")->required();
  CLI::App* predict = action("predict", "a team forecasts when every scheme will be piloting (the debrief scores it)");
  predict->add_option("--token", cmd.token, "the team's token")->required();
  predict->add_option("--p50", cmd.p50, "the date it is as likely as not (ISO)")->required();
  predict->add_option("--p90", cmd.p90, "the date it is 90% sure of (ISO)")->required();
  CLI::App* close = action("close", "the teacher closes the open round and sees what it did to every team");
  close->add_option("--token", cmd.token, "the teacher's token")->required();
  action("status", "the round open and every team's decisions");
  CLI::App* story = action("story", "what a round did to a team on the class's future");
  story->add_option("--team", cmd.team, "the team's id (team-1, ...)")->required();
  story->add_option("--round", cmd.round, "the round, from 1; the last closed one by default");
  CLI::App* debrief = action("debrief", "every team side by side, on the class's future and across many futures");
  debrief->add_option("-n,--replications", cmd.replications, "futures per team")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{100}, std::uint64_t{1'000'000}));
  debrief->add_flag("--best", cmd.best,
                    "also search for the best decision schedule on the same futures, and each team's regret");
  debrief->add_option("-o,--out", cmd.out, "also write debrief.json, debrief.csv and each team's scenario here");
  CLI::App* out = action("export", "a team's decisions as a scenario file that wsic run reproduces");
  out->add_option("--team", cmd.team, "the team's id (team-1, ...)")->required();
}

int main(int argc, char** argv) {
  using namespace wsic::cli;
  CLI::App app{"wsic: simulate the Whole Systems Integrated Care rollout in North West London"};
  app.set_version_flag("--version", wsic::experiment::version());
  app.require_subcommand(1);
  const unsigned cores = wsic::experiment::effective_threads(0);
  RunCommand run;
  add_run(app, run, cores);
  std::vector<std::filesystem::path> to_validate;
  auto* validate = app.add_subcommand("validate", "check scenario files without running them");
  validate->add_option("files", to_validate, "scenario files (YAML)")->required();
  CompareCommand compare;
  add_compare(app, compare, cores);
  MergeCommand merge;
  add_merge(app, merge);
  SweepCommand sweep;
  add_sweep(app, sweep, cores);
  SensitivityCommand sensitivity;
  add_sensitivity(app, sensitivity, cores);
  CalibrateCommand calibrate;
  add_calibrate(app, calibrate, cores);
  LabCommand lab;
  add_lab(app, lab, cores);
  ClassCli class_cli;
  add_class(app, class_cli);
  StoryOptions story;
  CLI::App* story_app = add_story(app, story);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    if (*run.app) {
      if (const auto bad = complete_run(run, &g_cancel)) return *bad;
      return run_command(run.options);
    }
    if (*validate) return validate_command(to_validate);
    if (*story_app) return story_command(story);
    if (*class_cli.app) {
      for (CLI::App* a : class_cli.actions)
        if (*a) class_cli.cmd.action = a->get_name();
      class_cli.cmd.cancel = &g_cancel;
      return wsic::classroom::class_command(class_cli.cmd);
    }
    if (*merge.app) {
      complete_merge(merge, &g_cancel);
      return merge_command(merge.options);
    }
    if (*sweep.app) {
      complete_sweep(sweep, &g_cancel);
      return sweep_command(sweep.options);
    }
    if (*sensitivity.app) {
      complete_sensitivity(sensitivity, &g_cancel);
      return sensitivity_command(sensitivity.options);
    }
    if (*calibrate.app) {
      complete_calibrate(calibrate, &g_cancel);
      return calibrate_command(calibrate.options);
    }
    if (*lab.app) return lab_command(lab, &g_cancel);
    if (*compare.app) {
      if (const auto bad = complete_compare(compare, &g_cancel)) return *bad;
      return compare_command(compare.options);
    }
  } catch (const std::exception& e) {
    std::cerr << "wsic: " << e.what() << '\n';
    return kExitFailure;
  }
  return kExitBadInput;
}
