#include "wsic/cli/run.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "wsic/cli/files.hpp"
#include "wsic/cli/output.hpp"
#include "wsic/cli/parts.hpp"
#include "wsic/experiment/analysis.hpp"
#include "wsic/experiment/checkpoint.hpp"
#include "wsic/experiment/part.hpp"
#include "wsic/experiment/precision.hpp"
#include "wsic/model/limits.hpp"
#include "wsic/model/model.hpp"
#include "wsic/model/outcomes.hpp"
#include "wsic/report/report.hpp"
#include "wsic/report/report_data.hpp"
#include "wsic/report/summary.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/sim/runner.hpp"

#ifndef WSIC_VERSION
#define WSIC_VERSION "0.0.0"
#endif

namespace wsic::cli {

namespace fs = std::filesystem;

using experiment::BatchSpec;
using experiment::Checkpoint;
using experiment::CheckpointError;
using experiment::JobIdentity;
using experiment::kCheckpointFile;
using experiment::Part;
using experiment::PartError;
using experiment::RunIdentity;
using experiment::TornadoBar;
using experiment::version;
using report::BatchInfo;
using report::RunFacts;

namespace {

constexpr std::string_view kRowsHeader =
    "replication,scheme_id,design_start,design_end,go_live,full_model,full_coverage,barrier_strikes,critical_path,"
    "run_id\n";

/// Ctrl-C (or SIGTERM) seen at a phase boundary or inside a batch.
class Interrupted : public wsic::Error {
 public:
  Interrupted(std::string during, std::uint64_t done, std::uint64_t total)
      : wsic::Error("interrupted " + during), during_(std::move(during)), done_(done), total_(total) {}
  const std::string& during() const noexcept { return during_; }
  std::uint64_t done() const noexcept { return done_; }
  std::uint64_t total() const noexcept { return total_; }

 private:
  std::string during_;
  std::uint64_t done_, total_;
};

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f)
    throw InputError(
        fmt::format("there is no {} in {} (a folder holds a checkpoint only while its run is "
                    "unfinished; a finished run has its summary.json)",
                    kCheckpointFile, p.parent_path().string()));
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

/// The options of the run a checkpoint belongs to.
RunOptions options_from(const Checkpoint& c, const RunOptions& given) {
  RunOptions opt = given;
  opt.scenario = c.run.scenario_absolute;
  opt.replications = c.run.replications;
  opt.seed = c.run.seed;
  opt.milestones = c.run.milestones;
  opt.overrides = c.run.overrides;
  opt.per_replication = c.run.per_replication;
  opt.gzip_rows = c.run.gzip_rows;
  opt.analysis_replications = c.run.analysis_replications;
  opt.checkpoint_seconds = c.run.checkpoint_seconds;
  opt.out = *given.resume;
  opt.force = true;
  return opt;
}

/// Adds the command line's milestones to the scenario, in date order.
void add_milestones(model::Scenario& sc, const std::vector<std::string>& dates) {
  const sim::Calendar cal(sc.calendar_start);
  for (const std::string& text : dates) {
    const auto date = sim::parse_iso_date(text);
    if (!date) throw InputError(fmt::format("--milestone {}: expected an ISO date like 2015-04-30", text));
    const double day = cal.to_time(*date).in_days();
    if (day < 0.0 || day > sc.horizon_day) {
      throw InputError(fmt::format("--milestone {}: outside the scenario's calendar ({} to {})", text,
                                   sim::format_iso_date(sc.calendar_start), sim::format_iso_date(sc.horizon)));
    }
    if (sc.milestones.size() >= model::limits::kMilestones) {
      throw InputError(fmt::format("--milestone {}: the scenario would have more than {} milestones", text,
                                   model::limits::kMilestones));
    }
    sc.milestones.push_back(model::Milestone{*date, "command line", day});
  }
  std::stable_sort(sc.milestones.begin(), sc.milestones.end(),
                   [](const model::Milestone& a, const model::Milestone& b) { return a.day < b.day; });
}

/// A batch's accumulator, with the per-replication rows of its block: they
/// travel with it and are written in replication order as blocks merge.
struct Block {
  model::Outcomes outcomes;
  std::string rows;
  void merge(const Block& o) { outcomes.merge(o.outcomes); }
};

/// One `wsic run`: its options, scenario and output folder, and the batch as
/// it progresses. Phases: prepare, batch, analyses, outputs; with
/// checkpoints, every point after prepare is resumable or complete.
class RunJob {
 public:
  RunJob(RunOptions opt, model::Scenario sc, std::optional<Checkpoint> resumed)
      : opt_(std::move(opt)), sc_(std::move(sc)), model_(sc_), resumed_(std::move(resumed)) {
    tty_ = opt_.progress && ::isatty(STDERR_FILENO);
    out_dir_ = opt_.out ? *opt_.out : fs::path("results") / sc_.name;
    // A part file goes into the run's parts/ folder unless told; the MPI
    // runner's parts are kept (when checkpointing) in its results folder.
    if (is_part() && !opt_.out && !opt_.part_sink) out_dir_ /= "parts";
    analysis_n_ = std::min(opt_.analysis_replications, opt_.replications);
    if (analysis_n_ > 0) variants_ = experiment::analysis_variants(sc_);
    run_id_ = experiment::run_id(job_identity());
  }

  bool is_part() const noexcept { return opt_.part_count > 0; }

  int run() {
    const auto t0 = std::chrono::steady_clock::now();
    prepare();
    batch();
    const double batch_seconds = seconds_since(t0);
    if (tty_) std::fputc('\n', stderr);
    const model::Outcomes outcomes = reducer_.result(empty_block()).outcomes;
    analyse(outcomes);
    write_outputs(outcomes, batch_seconds, seconds_since(t0));
    if (!opt_.quiet) {
      const BatchInfo info{version(), opt_.seed, opt_.replications, sim::kDefaultBlockSize, run_id_};
      std::cout << report::summary_table(sc_, outcomes, info)
                << fmt::format("\n{} replications in {:.2f} s ({:.0f} per second); results in {}\n", opt_.replications,
                               batch_seconds,
                               batch_seconds > 0 ? static_cast<double>(opt_.replications) / batch_seconds : 0.0,
                               out_dir_.string());
    }
    return kExitOk;
  }

  /// After a failure: frees what the run started. Progress up to the last
  /// checkpoint stays resumable; everything else this run wrote goes.
  void clean_up_after_failure() noexcept {
    std::error_code ec;
    for (const std::string& name : written_) fs::remove(out_dir_ / name, ec);
    if (is_part()) {
      // A part's rows stay as far as its checkpoint records them, if it has one.
      try {
        if (part_saved_ && rows_.is_open()) {
          rows_.truncate(part_rows_.bytes, part_rows_.hash);
          rows_.close();
          return;
        }
      } catch (const std::exception&) {
        // fall through: without its rows the checkpoint cannot be used
      }
      if (rows_.is_open()) rows_.close();
      if (!part_saved_) remove_rows_file();
      return;
    }
    if (rows_.is_open()) {
      try {
        if (saved_) {
          rows_.truncate(saved_rows_.bytes, saved_rows_.hash);
        } else {
          rows_.close();
          fs::remove(out_dir_ / rows_partial(), ec);
        }
      } catch (const std::exception&) {
        fs::remove(out_dir_ / rows_partial(), ec);
      }
    }
  }

  bool resumable() const noexcept { return saved_ || part_saved_; }
  /// How to continue after an interruption, when that is possible.
  std::string resume_hint() const {
    if (part_saved_) return fmt::format("run the same command again to continue from {}", ckpt_path_.string());
    return fmt::format("continue with\n  wsic run --resume {}", out_dir_.string());
  }
  std::uint64_t seed() const noexcept { return opt_.seed; }
  const fs::path& out_dir() const noexcept { return out_dir_; }
  std::uint64_t done() const noexcept {
    return std::min(opt_.replications, reducer_.blocks() * sim::kDefaultBlockSize);
  }

 private:
  static double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  bool cancelled() const noexcept { return opt_.cancel && opt_.cancel->load(); }
  void check_cancel(const char* during) const {
    if (cancelled()) throw Interrupted(during, done(), opt_.replications);
  }
  bool checkpointing() const noexcept { return opt_.checkpoint_seconds > 0; }
  /// The per-replication rows' file, and its name while it is being written.
  std::string rows_final() const { return rows_file_name(opt_.gzip_rows); }
  std::string rows_partial() const { return "." + rows_final() + ".partial"; }
  /// Rows (or their header) as they go into the file: a gzip member with --gzip.
  std::string encode_rows(std::string_view rows) const {
    return opt_.gzip_rows ? gzip_member(rows) : std::string(rows);
  }
  Block empty_block() const { return Block{model::Outcomes(sc_, main_resampled()), {}}; }
  /// The main batch keeps bootstrap resamples when it is also the analyses' base.
  bool main_resampled() const noexcept { return analysis_n_ > 0 && analysis_n_ == opt_.replications; }

  RunIdentity identity() const {
    return RunIdentity{version(),
                       resumed_ ? resumed_->run.scenario_file : sc_.source_file,
                       fs::absolute(opt_.scenario).string(),
                       model::content_hash(sc_),
                       opt_.milestones,
                       opt_.overrides,
                       opt_.seed,
                       opt_.replications,
                       sim::kDefaultBlockSize,
                       opt_.analysis_replications,
                       opt_.per_replication,
                       opt_.gzip_rows,
                       opt_.checkpoint_seconds,
                       checkpointing() || resumed_ ? experiment::run_fingerprint(sc_, model_, opt_.seed) : 0};
  }

  // --- prepare ---------------------------------------------------------------

  void prepare() {
    identity_ = identity();
    try {
      if (resumed_) {
        std::vector<sim::BlockReducer<Block>::Node> nodes;
        for (auto& [blocks, o] : experiment::verified_partials(*resumed_, identity_, sc_, main_resampled()))
          nodes.push_back({Block{std::move(o), {}}, blocks});
        reducer_ = sim::BlockReducer<Block>::from_partials(std::move(nodes));
      }
      check_cancel("before the run started");
      folder_.emplace(out_dir_, "summary.json", opt_.force || resumed_.has_value());
      if (opt_.per_replication) open_rows();
    } catch (const CheckpointError& e) {
      throw InputError(fmt::format("cannot resume from {}: {}", (out_dir_ / kCheckpointFile).string(), e.what()));
    } catch (const InputError& e) {
      if (!resumed_) throw;
      throw InputError(fmt::format("cannot resume from {}: {}", (out_dir_ / kCheckpointFile).string(), e.what()));
    }
    if (resumed_) {
      saved_ = true;
      saved_rows_ = resumed_->rows;
      if (!opt_.quiet) {
        std::cerr << fmt::format("resuming {} at replication {} of {}\n", sc_.name, done(), opt_.replications);
      }
    } else if (checkpointing()) {
      save_checkpoint();  // from here on, a kill at any moment leaves something to resume
    }
  }

  void open_rows() {
    const fs::path partial = out_dir_ / rows_partial();
    if (!resumed_) {
      rows_ = AppendFile(partial, true);
      rows_.write(encode_rows(kRowsHeader));
      return;
    }
    // The rows are the checkpoint's prefix of the partial file, or of the
    // finished file if a kill came after it was renamed.
    std::error_code ec;
    if (!fs::exists(partial, ec) && file_prefix_matches(out_dir_ / rows_final(), resumed_->rows)) {
      fs::rename(out_dir_ / rows_final(), partial, ec);
    }
    if (!file_prefix_matches(partial, resumed_->rows)) {
      throw InputError(
          fmt::format("the per-replication rows in {} are not those the checkpoint recorded (changed, "
                      "truncated or removed): start the run again",
                      out_dir_.string()));
    }
    rows_ = AppendFile(partial, false);
    rows_.truncate(resumed_->rows.bytes, resumed_->rows.hash);  // rows past the checkpoint will be run again
  }

  void save_checkpoint() {
    Checkpoint c;
    c.run = identity_;
    c.blocks_done = reducer_.blocks();
    c.batch_complete = c.blocks_done == nblocks();
    if (rows_.is_open()) {
      rows_.sync();  // never claim rows that are not on disk
      c.rows = Prefix{rows_.bytes(), rows_.hash()};
    }
    for (const auto& node : reducer_.partials()) c.partials.emplace_back(node.blocks, node.acc.outcomes.save());
    write_file_atomic(out_dir_ / kCheckpointFile, experiment::encode_checkpoint(c));
    saved_ = true;
    saved_rows_ = c.rows;
  }

  std::uint64_t nblocks() const {
    return opt_.replications / sim::kDefaultBlockSize + (opt_.replications % sim::kDefaultBlockSize ? 1 : 0);
  }

  // --- batch -----------------------------------------------------------------

  /// One replication of the main batch into a block's accumulator.
  void replicate(std::uint64_t index, Block& acc) const {
    thread_local model::ReplicationOutcome r;
    model_.simulate(opt_.seed, index, r);
    acc.outcomes.add(r, index);
    if (opt_.per_replication) acc.rows += replication_rows(sc_, "", index, r, run_id_);
  }
  /// A finished block's rows, written in replication order.
  void write_rows(Block& b) {
    if (!opt_.per_replication) return;
    rows_.write(encode_rows(b.rows));
    std::string().swap(b.rows);
  }

  void batch() {
    sim::RunnerOptions ro;
    ro.threads = opt_.threads;
    ro.block_size = sim::kDefaultBlockSize;
    ro.blocks_in_flight =
        experiment::blocks_in_flight(model::Outcomes(sc_).memory_bytes(), experiment::effective_threads(opt_.threads));
    ro.cancel = opt_.cancel;
    if (tty_) ro.progress = draw_progress;
    auto last_save = std::chrono::steady_clock::now();
    if (checkpointing()) {
      ro.after_wave = [&](std::uint64_t) {
        if (seconds_since(last_save) < opt_.checkpoint_seconds) return;
        save_checkpoint();
        last_save = std::chrono::steady_clock::now();
      };
    }
    try {
      sim::run_blocks<Block>(
          opt_.replications, ro, [&] { return empty_block(); },
          [&](std::uint64_t index, Block& acc) { replicate(index, acc); }, reducer_, [&](Block& b) { write_rows(b); });
    } catch (const sim::Cancelled& c) {
      if (tty_) std::fputc('\n', stderr);
      if (checkpointing()) save_checkpoint();  // keep every block merged before the interrupt
      throw Interrupted("during the batch", c.done(), c.total());
    }
    // Done: a kill from here on resumes straight to the analyses.
    if (checkpointing() && !(resumed_ && resumed_->batch_complete)) save_checkpoint();
  }

  // --- analyses --------------------------------------------------------------

  void analyse(const model::Outcomes& outcomes) {
    check_cancel("before the analyses");
    if (analysis_n_ == 0) return;
    // Smaller batches with common random numbers (the same seed and
    // replication indices as the main run).
    BatchSpec spec{opt_.seed, analysis_n_, opt_.threads, sim::kDefaultBlockSize, opt_.cancel, {}};
    spec.resampled = true;  // for the tornado bars' intervals
    spec.blocks_in_flight =
        experiment::blocks_in_flight(model::Outcomes(sc_).memory_bytes(), experiment::effective_threads(opt_.threads));
    if (!opt_.quiet) {
      std::cerr << fmt::format("analysing barriers and levers: {} batches of {} replications...\n", variants_.size(),
                               analysis_n_);
    }
    try {
      const model::Outcomes base = analysis_n_ == opt_.replications ? outcomes : experiment::run_batch(sc_, spec);
      std::vector<model::Outcomes> outs;
      for (const auto& v : variants_) outs.push_back(experiment::run_batch(v.scenario, spec));
      tornados_ = experiment::tornados(sc_, base, outs);
    } catch (const sim::Cancelled&) {
      throw Interrupted("during the analyses", done(), opt_.replications);
    }
  }

  // --- parts -----------------------------------------------------------------

  /// One batch of the job: the main run, then the analyses' batches.
  struct JobBatch {
    std::string label;
    const model::Scenario* scenario;
    std::uint64_t replications;
    bool resampled;
  };
  std::vector<JobBatch> job_batches() const {
    std::vector<JobBatch> out{{"main", &sc_, opt_.replications, main_resampled()}};
    if (analysis_n_ == 0) return out;
    if (analysis_n_ < opt_.replications) out.push_back({"analysis base", &sc_, analysis_n_, true});
    for (const auto& v : variants_) out.push_back({v.label, &v.scenario, analysis_n_, true});
    return out;
  }

  JobIdentity job_identity() const {
    JobIdentity j;
    j.command = "run";
    j.tool_version = version();
    j.scenarios.push_back({sc_.source_file, fs::absolute(opt_.scenario).string(), model::content_hash(sc_)});
    j.milestones = opt_.milestones;
    j.overrides = opt_.overrides;
    j.seed = opt_.seed;
    j.replications = opt_.replications;
    j.block_size = sim::kDefaultBlockSize;
    j.analysis_replications = opt_.analysis_replications;
    j.per_replication = opt_.per_replication;
    j.gzip_rows = opt_.gzip_rows;
    j.fingerprint = experiment::run_fingerprint(sc_, model_, opt_.seed);
    return j;
  }

  sim::RunnerOptions runner_options_for(const model::Scenario& sc) const {
    sim::RunnerOptions ro;
    ro.threads = opt_.threads;
    ro.block_size = sim::kDefaultBlockSize;
    ro.blocks_in_flight =
        experiment::blocks_in_flight(model::Outcomes(sc).memory_bytes(), experiment::effective_threads(opt_.threads));
    ro.cancel = opt_.cancel;
    return ro;
  }

  template <class Acc, class Save>
  static std::vector<experiment::PartNode> nodes_of(const sim::BlockReducer<Acc>& r, Save&& save) {
    std::vector<experiment::PartNode> nodes;
    for (const auto& n : r.partials()) nodes.push_back({n.first, n.blocks, save(n.acc)});
    return nodes;
  }

 public:
  /// Runs this job's part and writes it (or hands it to the part sink).
  /// With checkpoints, its progress is saved next to where it goes, and
  /// the same command run again continues from there.
  int run_part() {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string name = experiment::part_file_name(opt_.part_index, opt_.part_count);
    const fs::path file = out_dir_ / name;
    Part part;
    part.job = job_identity();
    part.index = opt_.part_index;
    part.count = opt_.part_count;
    if (!opt_.part_sink && part_already_done(file, part)) return kExitOk;
    if (!opt_.part_sink) prepare_part_file(file, opt_.force);
    const std::vector<JobBatch> batches = job_batches();
    const fs::path state = opt_.part_sink ? out_dir_ / kMpiParts : out_dir_;
    std::optional<Part> saved;
    if (checkpointing()) {
      std::error_code ec;
      fs::create_directories(state, ec);
      ckpt_path_ = state / ("." + name + ".checkpoint");
      saved = saved_part(part, batches);
    }
    if (opt_.per_replication) open_part_rows(state, name, saved);
    if (saved && !opt_.quiet) {
      std::cerr << fmt::format("continuing part {} of {} from its checkpoint {}\n", opt_.part_index, opt_.part_count,
                               ckpt_path_.string());
    }
    part_saved_ = saved.has_value();
    auto last_save = std::chrono::steady_clock::now();
    // Saves the batches finished so far and `current`, the batch under way.
    const auto save_progress = [&](const experiment::PartBatch& current) {
      Part p = part;
      p.batches.push_back(current);
      p.complete = false;
      if (rows_.is_open()) {
        rows_.sync();  // never claim rows that are not on disk
        p.rows = Prefix{rows_.bytes(), rows_.hash()};
      }
      write_file_atomic(ckpt_path_, experiment::encode_part(p));
      part_saved_ = true;
      part_rows_ = p.rows;
      last_save = std::chrono::steady_clock::now();
    };
    std::uint64_t main_reps = 0;
    for (std::size_t j = 0; j < batches.size(); ++j) {
      const JobBatch& b = batches[j];
      const sim::BlockRange range =
          sim::part_range(sim::block_count(b.replications, sim::kDefaultBlockSize), opt_.part_index, opt_.part_count);
      experiment::PartBatch pb{b.label, b.replications, range, {}};
      const std::vector<experiment::PartNode>* done =
          saved && j < saved->batches.size() ? &saved->batches[j].nodes : nullptr;
      sim::RunnerOptions ro = runner_options_for(*b.scenario);
      const model::Outcomes shape(*b.scenario, b.resampled);
      const auto run_batch_part = [&](auto& red, auto&& make, auto&& replicate_one, auto&& on_block, auto&& save) {
        using Acc = typename std::decay_t<decltype(red)>::Node;
        if (done) {
          for (const experiment::PartNode& n : *done)
            red.push(Acc{save.load(load_node(ckpt_path_.string(), b, shape, n)), n.blocks, n.first});
        }
        if (checkpointing()) {
          ro.after_wave = [&](std::uint64_t) {
            if (seconds_since(last_save) < opt_.checkpoint_seconds) return;
            pb.nodes = nodes_of(red, save.bytes);
            save_progress(pb);
          };
        }
        try {
          sim::run_block_range<decltype(red.result(make()))>(b.replications, range.end, ro, make, replicate_one, red,
                                                             on_block);
        } catch (const sim::Cancelled& c) {
          if (tty_) std::fputc('\n', stderr);
          if (checkpointing()) {
            pb.nodes = nodes_of(red, save.bytes);
            save_progress(pb);
          }
          throw Interrupted(fmt::format("during the part's batch '{}'", b.label), c.done(), c.total());
        }
        pb.nodes = nodes_of(red, save.bytes);
      };
      if (j == 0) {
        if (tty_) ro.progress = draw_progress;
        sim::BlockReducer<Block> red(range.first);
        run_batch_part(
            red, [&] { return empty_block(); }, [&](std::uint64_t index, Block& acc) { replicate(index, acc); },
            [&](Block& blk) { write_rows(blk); }, BlockCodec{});
        if (tty_) std::fputc('\n', stderr);
        part.batch_seconds = seconds_since(t0);
        main_reps = std::min(b.replications, range.end * sim::kDefaultBlockSize) -
                    std::min(b.replications, range.first * sim::kDefaultBlockSize);
      } else {
        const model::Model m(*b.scenario);
        sim::BlockReducer<model::Outcomes> red(range.first);
        run_batch_part(
            red, [&] { return model::Outcomes(*b.scenario, b.resampled); },
            [&](std::uint64_t index, model::Outcomes& acc) {
              thread_local model::ReplicationOutcome r;
              m.simulate(opt_.seed, index, r);
              acc.add(r, index);
            },
            [](model::Outcomes&) {}, OutcomesCodec{});
      }
      part.batches.push_back(std::move(pb));
    }
    part.wall_seconds = seconds_since(t0);
    part.threads = experiment::effective_threads(opt_.threads);
    part.host = host_name();
    if (rows_.is_open()) {
      part.rows = Prefix{rows_.bytes(), rows_.hash()};
      rows_.close();
    }
    check_cancel("before writing the part");
    const std::string header = experiment::encode_part(part);
    if (opt_.part_sink) {
      opt_.part_sink(header, rows_path_);
    } else {
      write_file_atomic(file, header, rows_path_);
    }
    // Done: the checkpoint and the rows it kept are the part's now.
    remove_rows_file();
    if (!ckpt_path_.empty()) {
      std::error_code ec;
      fs::remove(ckpt_path_, ec);
      part_saved_ = false;
    }
    if (!opt_.quiet && !opt_.part_sink) {
      const sim::BlockRange r = part.batches.front().range;
      std::cout << fmt::format(
          "part {} of {}: blocks {} to {} of {} ({} replications{}) in {:.2f} s; wrote {}\n"
          "when every part is done: wsic merge {}\n",
          opt_.part_index, opt_.part_count, r.first, r.end, sim::block_count(opt_.replications, sim::kDefaultBlockSize),
          main_reps,
          part.batches.size() > 1 ? fmt::format(", and its share of {} analysis batches", part.batches.size() - 1) : "",
          part.wall_seconds, file.string(),
          (out_dir_ / fmt::format("part-*-of-{}.wsicpart", opt_.part_count)).string());
    }
    return kExitOk;
  }

  /// How a part's checkpoint writes and reads each kind of accumulator.
  struct BlockCodec {
    static std::string bytes(const Block& b) { return b.outcomes.save(); }
    static Block load(model::Outcomes o) { return Block{std::move(o), {}}; }
  };
  struct OutcomesCodec {
    static std::string bytes(const model::Outcomes& o) { return o.save(); }
    static model::Outcomes load(model::Outcomes o) { return o; }
  };

  /// True (having said so) when `file` already holds this very part,
  /// finished: a job array that runs a part twice finds nothing to do.
  bool part_already_done(const fs::path& file, const Part& expected) const {
    std::error_code ec;
    if (opt_.force || !fs::exists(file, ec)) return false;
    try {
      const Part p = PartInput::from_file(file).read();
      if (p.complete && p.index == expected.index && p.count == expected.count &&
          experiment::job_difference(p.job, expected.job).empty()) {
        if (!opt_.quiet) {
          std::cout << fmt::format("part {} of {} is already done: {} (pass --force to run it again)\n", expected.index,
                                   expected.count, file.string());
        }
        return true;
      }
    } catch (const PartError&) {
      // Not this part: prepare_part_file refuses to replace it.
    }
    return false;
  }

  /// The checkpoint of this part left by an earlier run of the same
  /// command, checked; nullopt when there is none. One of another job is
  /// refused unless --force, which starts the part afresh.
  std::optional<Part> saved_part(const Part& expected, const std::vector<JobBatch>& batches) const {
    std::error_code ec;
    if (!fs::exists(ckpt_path_, ec)) return std::nullopt;
    try {
      Part p = PartInput::from_file(ckpt_path_).read();
      experiment::check_part_shape(p, true);
      const std::string diff = experiment::job_difference(p.job, expected.job);
      if (!diff.empty() || p.index != expected.index || p.count != expected.count) {
        throw PartError(fmt::format("it belongs to another job ({})",
                                    diff.empty() ? fmt::format("part {} of {}", p.index, p.count) : diff));
      }
      if (p.batches.size() > batches.size()) throw PartError("it has more batches than this job");
      for (std::size_t j = 0; j < p.batches.size(); ++j) {
        if (p.batches[j].label != batches[j].label || p.batches[j].replications != batches[j].replications) {
          throw PartError("its batches are not this job's");
        }
      }
      return p;
    } catch (const PartError& e) {
      if (opt_.force) return std::nullopt;
      throw InputError(fmt::format("cannot continue from {}: {}; pass --force to start this part afresh",
                                   ckpt_path_.string(), e.what()));
    }
  }

  /// The file of a part's rows: kept beside its checkpoint (and cut back to
  /// what the checkpoint records) when checkpointing, else a temporary file.
  void open_part_rows(const fs::path& state, const std::string& name, const std::optional<Part>& saved) {
    if (!checkpointing()) {
      fs::path dir = out_dir_;
      if (opt_.part_sink) {
        std::error_code ec;
        dir = fs::temp_directory_path(ec);
        if (ec) {
          const char* env = std::getenv("TMPDIR");
          throw InputError(fmt::format(
              "no temporary folder for this part's rows ({}; TMPDIR={}): set TMPDIR to a folder that can be written",
              ec.message(), env ? env : "(unset)"));
        }
      }
      if (!opt_.part_sink) {
        // Rows a killed run of this same part left behind: only this part
        // writes files named after it.
        std::error_code ec;
        const std::string stale = "." + name + ".rows.tmp-";
        for (const auto& e : fs::directory_iterator(dir, ec)) {
          if (e.path().filename().string().rfind(stale, 0) == 0) fs::remove(e.path(), ec);
        }
      }
      rows_path_ = dir / fmt::format(".{}.rows.tmp-{:06}", name, static_cast<unsigned>(::getpid()) % 1000000);
      rows_ = AppendFile(rows_path_, true);
      return;
    }
    rows_path_ = state / ("." + name + ".rows");
    if (!saved) {
      rows_ = AppendFile(rows_path_, true);
      return;
    }
    if (!file_prefix_matches(rows_path_, saved->rows)) {
      throw InputError(fmt::format(
          "the rows in {} are not those the checkpoint {} recorded (changed, truncated or removed); pass --force "
          "to start this part afresh",
          rows_path_.string(), ckpt_path_.string()));
    }
    rows_ = AppendFile(rows_path_, false);
    rows_.truncate(saved->rows.bytes, saved->rows.hash);
    part_rows_ = saved->rows;
  }

  /// Merges `parts` (every part of this job, in index order, already
  /// checked to belong together) and writes the results as `run` would.
  int run_merged(const std::vector<const PartInput*>& parts) {
    const auto t0 = std::chrono::steady_clock::now();
    folder_.emplace(out_dir_, "summary.json", opt_.force);
    if (opt_.per_replication) open_rows();
    const std::vector<JobBatch> batches = job_batches();
    std::vector<sim::BlockReducer<model::Outcomes>> others(batches.size() - 1);
    std::vector<model::Outcomes> shapes;
    for (const JobBatch& b : batches) shapes.emplace_back(*b.scenario, b.resampled);
    PartsFacts facts;
    for (const PartInput* in : parts) {
      check_cancel("while merging");
      const Part p = in->read();
      if (p.batches.size() != batches.size()) {
        throw PartError(fmt::format("{}: its batches are not this job's", in->name()));
      }
      for (std::size_t j = 0; j < batches.size(); ++j) {
        if (p.batches[j].label != batches[j].label || p.batches[j].replications != batches[j].replications) {
          throw PartError(fmt::format("{}: its batches are not this job's", in->name()));
        }
      }
      for (std::size_t j = 0; j < batches.size(); ++j) {
        for (const experiment::PartNode& n : p.batches[j].nodes) {
          model::Outcomes o = load_node(in->name(), batches[j], shapes[j], n);
          if (j == 0) {
            reducer_.push(sim::BlockReducer<Block>::Node{Block{std::move(o), {}}, n.blocks, n.first});
          } else {
            others[j - 1].push(sim::BlockReducer<model::Outcomes>::Node{std::move(o), n.blocks, n.first});
          }
        }
      }
      if (rows_.is_open()) in->copy_rows(p, [&](std::string_view bytes) { rows_.write(bytes); });
      ++facts.parts;
      facts.longest_seconds = std::max(facts.longest_seconds, p.wall_seconds);
      facts.longest_batch_seconds = std::max(facts.longest_batch_seconds, p.batch_seconds);
      facts.total_seconds += p.wall_seconds;
      facts.threads += p.threads;
    }
    const model::Outcomes outcomes = reducer_.result(empty_block()).outcomes;
    if (analysis_n_ > 0) {
      std::size_t j = 0;
      const model::Outcomes base = analysis_n_ == opt_.replications ? outcomes : others[j++].result(shapes[1]);
      std::vector<model::Outcomes> outs;
      for (const auto& v : variants_) outs.push_back(others[j++].result(model::Outcomes(v.scenario, true)));
      tornados_ = experiment::tornados(sc_, base, outs);
    }
    parts_ = facts;
    write_outputs(outcomes, facts.longest_batch_seconds, seconds_since(t0) + facts.longest_seconds);
    if (!opt_.quiet) {
      const BatchInfo info{version(), opt_.seed, opt_.replications, sim::kDefaultBlockSize, run_id_};
      std::cout << report::summary_table(sc_, outcomes, info)
                << fmt::format("\nmerged {} parts ({} replications); results in {}\n", facts.parts, opt_.replications,
                               out_dir_.string());
    }
    return kExitOk;
  }

 private:
  static model::Outcomes load_node(const std::string& source, const JobBatch& b, const model::Outcomes& shape,
                                   const experiment::PartNode& n) {
    model::Outcomes o;
    try {
      o = model::Outcomes::load(n.bytes);
    } catch (const std::exception& e) {
      throw PartError(fmt::format("{}: its results for batch '{}' cannot be read: {}", source, b.label, e.what()));
    }
    const std::uint64_t bs = sim::kDefaultBlockSize;
    const std::uint64_t reps =
        std::min(b.replications, (n.first + n.blocks) * bs) - std::min(b.replications, n.first * bs);
    if (!o.same_shape(shape) || o.replications != reps) {
      throw PartError(fmt::format("{}: its results for batch '{}' do not fit the scenario", source, b.label));
    }
    return o;
  }

  void remove_rows_file() noexcept {
    if (rows_path_.empty()) return;
    std::error_code ec;
    fs::remove(rows_path_, ec);
    rows_path_.clear();
  }

  // --- outputs ---------------------------------------------------------------

  /// Every file of the results but the rows and summary.json.
  OutputSet outputs(const model::Outcomes& outcomes, double batch_seconds, double total_seconds) const {
    OutputSet files;
    const auto add = [&](std::string name, std::string content) { files.add(std::move(name), std::move(content)); };
    for (auto& [name, content] : report::summary_csvs(sc_, outcomes)) add(name, with_run_id(content, run_id_));
    const unsigned threads = parts_ ? parts_->threads : experiment::effective_threads(opt_.threads);
    nlohmann::ordered_json run;
    run["run_id"] = run_id_;
    run["wall_seconds"] = batch_seconds;
    run["replications_per_second"] = batch_seconds > 0 ? static_cast<double>(opt_.replications) / batch_seconds : 0.0;
    run["threads"] = threads;
    run["seed"] = opt_.seed;
    run["replications"] = opt_.replications;
    run["analysis_replications"] = analysis_n_;
    run["wall_seconds_with_analyses"] = total_seconds;
    if (parts_) {
      // Merged: the wall time is the slowest part's (the parts ran side by
      // side); the threads are all the parts' together.
      run["parts"] = parts_->parts;
      run["parts_wall_seconds_total"] = parts_->total_seconds;
    }
    add("run.json", run.dump(2) + "\n");
    const RunFacts facts{version(),     opt_.seed, opt_.replications, sim::kDefaultBlockSize, analysis_n_,
                         batch_seconds, threads};
    const nlohmann::ordered_json data =
        report::run_report_data(sc_, outcomes, facts, tornados_.barriers, tornados_.levers, tornados_.all_barriers);
    add("report_data.json", data.dump(2) + "\n");
    for (auto& [name, content] : report::render_report(nlohmann::json::parse(data.dump())))
      add(name, name.ends_with(".csv") ? with_run_id(content, run_id_) : std::move(content));
    const std::string rows = rows_final();  // named: a temporary's c_str() would dangle in the loop
    for (const char* reserved : {"summary.json", rows.c_str(), kCheckpointFile}) {
      if (files.contains(reserved)) throw InternalError(fmt::format("an output of the run is named {}", reserved));
    }
    return files;
  }

  void write_outputs(const model::Outcomes& outcomes, double batch_seconds, double total_seconds) {
    check_cancel("before writing the results");
    outputs(outcomes, batch_seconds, total_seconds).write_to(out_dir_, [&](const std::string& name) {
      check_cancel("while writing the results");
      written_.push_back(name);
    });
    if (rows_.is_open()) {
      rows_.close();
      fs::rename(out_dir_ / rows_partial(), out_dir_ / rows_final());
    }
    // Last: its presence marks a complete set of results.
    check_cancel("while writing the results");
    const BatchInfo info{version(), opt_.seed, opt_.replications, sim::kDefaultBlockSize, run_id_};
    write_file_atomic(out_dir_ / "summary.json", report::summary_json(sc_, outcomes, info));
    written_.clear();  // complete: nothing to clean up any more
    std::error_code ec;
    fs::remove(out_dir_ / kCheckpointFile, ec);
  }

  RunOptions opt_;
  model::Scenario sc_;
  model::Model model_;
  std::optional<Checkpoint> resumed_;
  bool tty_ = false;
  fs::path out_dir_;
  std::optional<OutputFolder> folder_;
  RunIdentity identity_;
  AppendFile rows_;
  sim::BlockReducer<Block> reducer_;
  bool saved_ = false;  // a checkpoint of this run exists
  Prefix saved_rows_;   // the rows it records
  std::uint64_t analysis_n_ = 0;
  std::vector<experiment::Variant> variants_;  // the analyses' batches
  std::string run_id_;                         // experiment::run_id of this job
  experiment::Tornados tornados_;
  std::vector<std::string> written_;  // outputs written so far
  fs::path rows_path_;                // a part's rows, until the part is written
  fs::path ckpt_path_;                // a part's checkpoint
  bool part_saved_ = false;           // the part's checkpoint exists
  Prefix part_rows_;                  // the rows it records
  std::optional<PartsFacts> parts_;   // merged from parts
};

}  // namespace

std::vector<scenario::Override> parse_overrides(const std::vector<std::string>& texts) {
  std::vector<scenario::Override> out;
  for (const std::string& t : texts) {
    auto o = scenario::parse_override(t);
    if (!o) throw InputError(fmt::format("--set {}: expected PATH=VALUE, e.g. schemes.ealing.readiness=1.2", t));
    out.push_back(std::move(*o));
  }
  return out;
}

namespace {
/// Runs `body` (which may create the job) and turns every failure into its
/// message and exit code, cleaning up what the job started.
template <class Body>
int guarded(const char* who, std::optional<RunJob>& job, std::uint64_t seed, Body&& body) {
  try {
    return body();
  } catch (const scenario::ScenarioError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << d.format() << '\n';
    return kExitBadInput;
  } catch (const InputError& e) {
    std::cerr << who << ": " << e.what() << '\n';
    return kExitBadInput;
  } catch (const PartError& e) {
    if (job) job->clean_up_after_failure();
    std::cerr << who << ": " << e.what() << '\n';
    return kExitBadInput;
  } catch (const Interrupted& e) {
    if (job && job->resumable()) {
      if (job->is_part()) job->clean_up_after_failure();
      std::cerr << fmt::format("{}: interrupted {}, after {} of {} replications; progress is saved: {}\n", who,
                               e.during(), e.done(), e.total(), job->resume_hint());
    } else {
      if (job) job->clean_up_after_failure();
      std::cerr << fmt::format("{}: interrupted {}, after {} of {} replications; nothing was written{}\n", who,
                               e.during(), e.done(), e.total(), job ? " to " + job->out_dir().string() : "");
    }
    return kExitInterrupted;
  } catch (const std::exception& e) {
    if (job) job->clean_up_after_failure();
    std::cerr << fmt::format("{}: {} (seed {})\n", who, e.what(), job ? job->seed() : seed);
    if (job && job->resumable()) {
      std::cerr << fmt::format("progress up to the last checkpoint is kept: once the cause is fixed, {}\n",
                               job->resume_hint());
    }
    return kExitFailure;
  }
}
}  // namespace

/// Precision on demand: the replications the run needs (reported on the
/// terminal), found by running blocks until the interval is narrow enough.
namespace {
std::uint64_t precise_replications(const model::Scenario& sc, const RunOptions& opt) {
  const auto measure = experiment::parse_precision_measure(opt.precision_measure);
  if (!measure) {
    throw InputError(
        fmt::format("--precision-of {}: expected first_live_pNN, majority_live_pNN or all_live_pNN with "
                    "NN from 1 to 99, e.g. all_live_p80",
                    opt.precision_measure));
  }
  BatchSpec spec{opt.seed, opt.replications, opt.threads, sim::kDefaultBlockSize, opt.cancel, {}};
  const bool tty = opt.progress && ::isatty(STDERR_FILENO);
  if (tty) spec.progress = draw_progress;
  experiment::PrecisionResult r;
  try {
    r = experiment::replications_for_precision(sc, spec, *measure, *opt.precision_days);
  } catch (const sim::Cancelled& c) {
    if (tty) std::fputc('\n', stderr);
    throw Interrupted("while finding the replications --precision needs", c.done(), opt.replications);
  }
  if (tty) std::fputc('\n', stderr);
  const std::string width = r.half_width ? fmt::format("{:.1f} days", *r.half_width) : "past the horizon";
  if (r.reached) {
    std::cerr << fmt::format("--precision {} days of {}: {} replications (the interval then reaches {} either side)\n",
                             *opt.precision_days, opt.precision_measure, r.replications, width);
  } else {
    std::cerr << fmt::format(
        "--precision {} days of {}: not reached in {} replications (the interval reaches {} either side); running "
        "those: raise -n to allow more\n",
        *opt.precision_days, opt.precision_measure, r.replications, width);
  }
  return r.replications;
}
}  // namespace

int run_command(const RunOptions& given) {
  std::optional<RunJob> job;
  return guarded("wsic run", job, given.seed, [&] {
    RunOptions opt = given;
    std::optional<Checkpoint> resumed;
    if (given.resume) {
      const fs::path file = *given.resume / kCheckpointFile;
      try {
        resumed = experiment::decode_checkpoint(read_all(file));
      } catch (const CheckpointError& e) {
        throw InputError(fmt::format("cannot resume from {}: {}", file.string(), e.what()));
      } catch (const InputError& e) {
        throw InputError(fmt::format("cannot resume from {}: {}", file.string(), e.what()));
      }
      opt = options_from(*resumed, given);
    }
    model::Scenario scenario = scenario::load_scenario(opt.scenario, {}, parse_overrides(opt.overrides));
    if (resumed) scenario.source_file = resumed->run.scenario_file;  // results name the file as first given
    add_milestones(scenario, opt.milestones);
    if (opt.precision_days) opt.replications = precise_replications(scenario, opt);
    job.emplace(std::move(opt), std::move(scenario), std::move(resumed));
    return given.part_count > 0 ? job->run_part() : job->run();
  });
}

int merge_run(const std::vector<const PartInput*>& parts, const Part& first, const MergeOptions& mo) {
  std::optional<RunJob> job;
  const JobIdentity& j = first.job;
  return guarded("wsic merge", job, j.seed, [&] {
    RunOptions opt;
    opt.replications = j.replications;
    opt.seed = j.seed;
    opt.milestones = j.milestones;
    opt.overrides = j.overrides;
    opt.per_replication = j.per_replication;
    opt.gzip_rows = j.gzip_rows;
    opt.analysis_replications = j.analysis_replications;
    opt.out = mo.out;
    opt.force = mo.force;
    opt.quiet = mo.quiet;
    opt.progress = mo.progress;
    opt.cancel = mo.cancel;
    model::Scenario sc = locate_scenario(j.scenarios.front(), j.overrides, opt.scenario,
                                         [&](model::Scenario& s) { add_milestones(s, j.milestones); });
    const model::Model m(sc);
    if (experiment::run_fingerprint(sc, m, j.seed) != j.fingerprint) {
      throw PartError(
          "replication 0 does not come out here as it did in the parts: they were run by another build of wsic; "
          "merge them with that build");
    }
    job.emplace(std::move(opt), std::move(sc), std::nullopt);
    return job->run_merged(parts);
  });
}

}  // namespace wsic::cli
