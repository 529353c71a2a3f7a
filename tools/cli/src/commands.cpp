#include "wsic/cli/commands.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "wsic/cli/files.hpp"
#include "wsic/cli/output.hpp"
#include "wsic/cli/parts.hpp"
#include "wsic/experiment/checkpoint.hpp"
#include "wsic/experiment/compare.hpp"
#include "wsic/experiment/part.hpp"
#include "wsic/report/comparison.hpp"
#include "wsic/report/report.hpp"
#include "wsic/report/report_data.hpp"
#include "wsic/report/story.hpp"
#include "wsic/report/text.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/sim/serial.hpp"

namespace wsic::cli {

std::string compare_folder_name(const std::vector<std::string>& names) {
  // "compare-base-whatif" while that stays short; otherwise the base, the
  // number of what-ifs and a checksum of their names, so many what-ifs (or
  // long names) never make a name a filesystem refuses, and different sets
  // of what-ifs get different folders.
  std::string full = "compare";
  for (const auto& n : names) full += "-" + n;
  constexpr std::size_t kLongest = 80;
  if (full.size() <= kLongest) return full;
  sim::Fnv1a h;
  for (const auto& n : names) h.add(n).add(std::string_view("\0", 1));
  std::string base = names.empty() ? std::string() : names.front();
  if (base.size() > 40) base.resize(40);
  return fmt::format("compare-{}-and-{}-whatifs-{:08x}", base, names.size() - 1, h.value() & 0xffffffffU);
}

int validate_command(const std::vector<std::filesystem::path>& files) {
  bool ok = true;
  for (const auto& f : files) {
    const scenario::LoadResult r = scenario::check_scenario(f);
    if (r.ok()) {
      std::cout << f.string() << ": ok (" << r.scenario->name << ", " << r.scenario->schemes.size() << " schemes, "
                << r.scenario->workstreams.size() << " workstreams, " << r.scenario->barriers.size() << " barriers)\n";
      continue;
    }
    ok = false;
    for (const auto& d : r.diagnostics) std::cerr << d.format() << '\n';
  }
  return ok ? kExitOk : kExitBadInput;
}

int story_command(const StoryOptions& opt) {
  scenario::LoadResult r = scenario::check_scenario(opt.scenario, {}, parse_overrides(opt.overrides));
  if (!r.ok()) {
    for (const auto& d : r.diagnostics) std::cerr << d.format() << '\n';
    return kExitBadInput;
  }
  const model::Scenario& sc = *r.scenario;
  const sim::Calendar cal(sc.calendar_start);
  double bounds[2] = {-model::kNever, model::kNever};
  const std::string* given[2] = {&opt.from, &opt.to};
  for (int i = 0; i < 2; ++i) {
    if (given[i]->empty()) continue;
    const auto d = sim::parse_iso_date(*given[i]);
    if (!d) {
      std::cerr << fmt::format("wsic story: --{}: expected a date like 2015-04-01, got '{}'\n", i == 0 ? "from" : "to",
                               *given[i]);
      return kExitBadInput;
    }
    bounds[i] = cal.to_time(*d).in_days();
  }
  if (!(bounds[0] < bounds[1])) {
    std::cerr << "wsic story: --from must come before --to\n";
    return kExitBadInput;
  }
  const model::Model m(sc);
  model::ReplicationOutcome out;
  model::Trace trace;
  m.simulate(m.settings(), opt.seed, opt.replication, out, &trace);
  const auto lines = report::story(sc, out, trace, bounds[0], bounds[1]);
  if (opt.json) {
    std::cout << report::story_json(sc, lines, opt.seed, opt.replication, std::max(bounds[0], 0.0), bounds[1]).dump(2)
              << '\n';
  } else {
    std::cout << fmt::format("{}: future {} of seed {}\n", sc.name, opt.replication, opt.seed)
              << report::story_text(sc, lines);
  }
  return kExitOk;
}

namespace {
using nlohmann::ordered_json;
namespace fs = std::filesystem;

/// Ctrl-C seen by compare at a phase boundary.
struct CompareInterrupted {
  std::string during;
};

std::vector<model::Scenario> load_all(const std::vector<fs::path>& files, const std::vector<std::string>& sets) {
  const std::vector<scenario::Override> overrides = parse_overrides(sets);
  std::vector<model::Scenario> scenarios;
  std::vector<scenario::Diagnostic> problems;
  for (const auto& f : files) {
    scenario::LoadResult r = scenario::check_scenario(f, {}, overrides);
    if (r.ok()) {
      scenarios.push_back(std::move(*r.scenario));
      continue;
    }
    // A --set is applied to every scenario: say to which one it did not fit.
    for (scenario::Diagnostic& d : r.diagnostics) {
      if (d.file == "--set") d.message += " (in " + f.string() + ")";
      problems.push_back(std::move(d));
    }
  }
  if (!problems.empty()) throw scenario::ScenarioError(std::move(problems));
  return scenarios;
}

experiment::JobIdentity compare_identity(const experiment::Comparison& cmp, const CompareOptions& opt) {
  experiment::JobIdentity j;
  j.command = "compare";
  j.tool_version = experiment::version();
  for (std::size_t k = 0; k < cmp.scenarios().size(); ++k) {
    const model::Scenario& sc = cmp.scenarios()[k];
    j.scenarios.push_back({sc.source_file, fs::absolute(opt.scenarios[k]).string(), model::content_hash(sc)});
  }
  j.overrides = opt.overrides;
  j.seed = opt.seed;
  j.replications = opt.replications;
  j.block_size = sim::kDefaultBlockSize;
  j.per_replication = opt.per_replication;
  j.gzip_rows = opt.gzip_rows;
  const model::Model m(cmp.scenarios().front());
  j.fingerprint = experiment::run_fingerprint(cmp.scenarios().front(), m, opt.seed);
  return j;
}

/// The comparison's run id (experiment::run_id).
std::string compare_run_id(const experiment::Comparison& cmp, const CompareOptions& opt) {
  return experiment::run_id(compare_identity(cmp, opt));
}

/// The files of a finished comparison but comparison.json, which is written
/// last; `id` is its run id.
OutputSet comparison_files(const experiment::Comparison& cmp, const experiment::CompareAcc& total,
                           const report::CompareTables& tables, const CompareOptions& opt, const std::string& title,
                           double seconds, const std::string& id) {
  const model::Scenario& base = cmp.scenarios().front();
  OutputSet files;
  const report::RunFacts facts{experiment::version(),
                               opt.seed,
                               opt.replications,
                               sim::kDefaultBlockSize,
                               0,
                               seconds,
                               experiment::effective_threads(opt.threads)};
  ordered_json data = report::run_report_data(base, total.outcomes[0], facts, {}, {});
  data["kind"] = "compare";
  data["title"] = "wsic: " + title;
  data["comparison"] =
      report::comparison_report_data(cmp.scenarios(), total, tables.answers, tables.dates, tables.whatifs);
  files.add("report_data.json", data.dump(2) + "\n");
  for (auto& [name, content] : report::render_report(nlohmann::json::parse(data.dump()))) {
    files.add(name, name.ends_with(".csv") ? with_run_id(content, id) : std::move(content));
  }
  files.add("paired_differences.csv", with_run_id(tables.csv, id));
  files.add("dates.csv", with_run_id(tables.dates_csv, id));
  ordered_json run;
  run["run_id"] = id;
  run["wall_seconds"] = seconds;
  run["replications_per_second"] =
      seconds > 0 ? static_cast<double>(opt.replications * cmp.scenarios().size()) / seconds : 0.0;
  files.add("run.json", run.dump(2) + "\n");
  return files;
}

constexpr std::string_view kCompareRowsHeader =
    "scenario,replication,scheme_id,design_start,design_end,go_live,full_model,full_coverage,barrier_strikes,"
    "critical_path,run_id\n";
/// The rows' file while it is being written.
std::string rows_partial(bool gzip) { return "." + std::string(rows_file_name(gzip)) + ".partial"; }

/// A comparison's block: its accumulator and, with --per-replication, the
/// rows of its replications, written in replication order as blocks merge.
struct CompareBlock {
  experiment::CompareAcc acc;
  std::string rows;
  void merge(const CompareBlock& o) { acc.merge(o.acc); }
};

/// Simulates one replication of every scenario into `b`, with its rows when
/// `leads` (each scenario's first column) is not empty.
void replicate_into(const experiment::Comparison& cmp, std::uint64_t seed, std::uint64_t index, CompareBlock& b,
                    const std::vector<std::string>& leads, std::string_view run_id) {
  if (leads.empty()) {
    cmp.replicate(seed, index, b.acc);
    return;
  }
  cmp.replicate(seed, index, b.acc, [&](const std::vector<model::ReplicationOutcome>& rs) {
    for (std::size_t k = 0; k < rs.size(); ++k)
      b.rows += replication_rows(cmp.scenarios()[k], leads[k], index, rs[k], run_id);
  });
}

std::vector<std::string> row_leads(const experiment::Comparison& cmp, bool per_replication) {
  std::vector<std::string> leads;
  if (!per_replication) return leads;
  for (const auto& sc : cmp.scenarios()) leads.push_back(report::csv_field(sc.name) + ",");
  return leads;
}

/// A rows file being written: removed unless it was finished.
class RowsFile {
 public:
  RowsFile() = default;
  /// `gzip`: rows go in as gzip members (--gzip), the header too.
  RowsFile(fs::path path, bool with_header, bool gzip) : path_(std::move(path)), file_(path_, true), gzip_(gzip) {
    if (with_header) write_rows(kCompareRowsHeader);
  }
  /// Rows as CSV text, compressed first with --gzip.
  void write_rows(std::string_view rows) { file_.write(gzip_ ? gzip_member(rows) : std::string(rows)); }
  RowsFile(const RowsFile&) = delete;
  RowsFile& operator=(const RowsFile&) = delete;
  ~RowsFile() {
    if (path_.empty()) return;
    if (file_.is_open()) file_.close();
    std::error_code ec;
    fs::remove(path_, ec);
  }
  bool is_open() const noexcept { return file_.is_open(); }
  const fs::path& path() const noexcept { return path_; }
  AppendFile& file() { return file_; }
  /// Closes it and renames it to `final_path`: finished, it stays.
  void finish_as(const fs::path& final_path) {
    file_.close();
    fs::rename(path_, final_path);
    path_.clear();
  }

 private:
  fs::path path_;
  AppendFile file_;
  bool gzip_ = false;
};

/// Runs a comparison's blocks from `red.end()` to `end_block` (the whole
/// batch, or a part's share), writing each block's rows to `rows`, when
/// given, in replication order.
void run_compare_blocks(const experiment::Comparison& cmp, const CompareOptions& opt, const experiment::BatchSpec& spec,
                        std::uint64_t end_block, RowsFile* rows, sim::BlockReducer<CompareBlock>& red) {
  const std::vector<std::string> leads = row_leads(cmp, rows != nullptr);
  const std::string id = rows != nullptr ? compare_run_id(cmp, opt) : std::string();
  sim::run_block_range<CompareBlock>(
      opt.replications, end_block, experiment::runner_options(spec),
      [&] {
        return CompareBlock{cmp.empty(), {}};
      },
      [&](std::uint64_t index, CompareBlock& b) { replicate_into(cmp, opt.seed, index, b, leads, id); }, red,
      [&](CompareBlock& b) {
        if (rows == nullptr) return;
        rows->write_rows(b.rows);
        std::string().swap(b.rows);
      });
}

std::string default_folder(const experiment::Comparison& cmp) {
  std::vector<std::string> names;
  for (const auto& sc : cmp.scenarios()) names.push_back(sc.name);
  return compare_folder_name(names);
}

std::size_t checked_accumulator_bytes(const experiment::Comparison& cmp) {
  const std::size_t acc_bytes = cmp.empty().memory_bytes();
  if (acc_bytes > experiment::kAccumulatorBudgetBytes) {
    throw InputError(
        fmt::format("comparing {} scenarios at once needs {} MB for each batch in flight, more than the "
                    "{} MB allowed: compare fewer at once",
                    cmp.scenarios().size(), acc_bytes >> 20, experiment::kAccumulatorBudgetBytes >> 20));
  }
  return acc_bytes;
}

/// Writes a finished comparison's files, comparison.json last, and prints
/// its table.
void write_comparison(const experiment::Comparison& cmp, const experiment::CompareAcc& total, const CompareOptions& opt,
                      const std::string& folder, const fs::path& out_dir, double seconds, RowsFile* rows) {
  const auto check_cancel = [&](const char* during) {
    if (opt.cancel && opt.cancel->load()) throw CompareInterrupted{during};
  };
  const auto& scenarios = cmp.scenarios();
  const report::CompareTables tables = report::compare_tables(scenarios, cmp.series(), total);
  const std::string id = compare_run_id(cmp, opt);  // one replication simulated: worked out once
  comparison_files(cmp, total, tables, opt, folder, seconds, id).write_to(out_dir, [&](const std::string&) {
    check_cancel("while writing the results");
  });
  if (rows && rows->is_open()) rows->finish_as(out_dir / rows_file_name(opt.gzip_rows));
  // Last: its presence marks a complete comparison.
  check_cancel("while writing the results");
  const report::BatchInfo info{experiment::version(), opt.seed, opt.replications, sim::kDefaultBlockSize, id};
  write_file_atomic(out_dir / "comparison.json",
                    report::comparison_json(info, scenarios, cmp.epoch(), tables, total).dump(2) + "\n");
  if (!opt.quiet) {
    std::cout << fmt::format("compared {} scenarios, {} replications each, seed {} (common random numbers)\n",
                             scenarios.size(), opt.replications, opt.seed)
              << tables.table << "\nresults in " << out_dir.string() << '\n';
  }
}

/// Runs part i of k of a comparison and writes it (or hands it to the sink).
int compare_part(const experiment::Comparison& cmp, const CompareOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path out_dir = opt.out ? *opt.out : fs::path("results") / default_folder(cmp) / "parts";
  const std::string name = experiment::part_file_name(opt.part_index, opt.part_count);
  if (!opt.part_sink) prepare_part_file(out_dir / name, opt.force);
  const std::size_t acc_bytes = checked_accumulator_bytes(cmp);
  experiment::BatchSpec spec{opt.seed, opt.replications, opt.threads, sim::kDefaultBlockSize, opt.cancel, {}};
  spec.blocks_in_flight = experiment::blocks_in_flight(acc_bytes, experiment::effective_threads(opt.threads));
  const bool tty = opt.progress && ::isatty(STDERR_FILENO) && !opt.part_sink;
  if (tty) spec.progress = draw_progress;
  experiment::Part part;
  part.job = compare_identity(cmp, opt);
  part.index = opt.part_index;
  part.count = opt.part_count;
  const sim::BlockRange range =
      sim::part_range(sim::block_count(opt.replications, sim::kDefaultBlockSize), opt.part_index, opt.part_count);
  // The part's rows, with --per-replication: a temporary file beside the
  // part (or in TMPDIR for the MPI runner), copied into the part at the end.
  std::optional<RowsFile> rows;
  if (opt.per_replication) {
    fs::path dir = out_dir;
    if (opt.part_sink) {
      std::error_code ec;
      dir = fs::temp_directory_path(ec);
      if (ec) throw InputError(fmt::format("no temporary folder for this part's rows ({}): set TMPDIR", ec.message()));
    }
    rows.emplace(dir / fmt::format(".{}.rows.tmp-{:06}", name, static_cast<unsigned>(::getpid()) % 1000000), false,
                 opt.gzip_rows);
  }
  sim::BlockReducer<CompareBlock> red(range.first);
  try {
    run_compare_blocks(cmp, opt, spec, range.end, rows ? &*rows : nullptr, red);
  } catch (const sim::Cancelled& c) {
    if (tty) std::fputc('\n', stderr);
    throw CompareInterrupted{
        fmt::format("after {} of the part's {} replications; no part was written", c.done(), c.total())};
  }
  if (tty) std::fputc('\n', stderr);
  experiment::PartBatch batch{"compare", opt.replications, range, {}};
  for (const auto& n : red.partials()) batch.nodes.push_back({n.first, n.blocks, n.acc.acc.save()});
  part.batches.push_back(std::move(batch));
  if (rows) {
    part.rows = Prefix{rows->file().bytes(), rows->file().hash()};
    rows->file().close();
  }
  part.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  part.batch_seconds = part.wall_seconds;
  part.threads = experiment::effective_threads(opt.threads);
  part.host = host_name();
  if (opt.cancel && opt.cancel->load()) throw CompareInterrupted{"before the part was written"};
  const std::string header = experiment::encode_part(part);
  const fs::path rows_path = rows ? rows->path() : fs::path();
  if (opt.part_sink) {
    opt.part_sink(header, rows_path);
    return kExitOk;
  }
  write_file_atomic(out_dir / name, header, rows_path);
  if (!opt.quiet) {
    std::cout << fmt::format(
        "part {} of {}: blocks {} to {} of {} of a comparison of {} scenarios in {:.2f} s; wrote {}\n"
        "when every part is done: wsic merge {}\n",
        opt.part_index, opt.part_count, range.first, range.end,
        sim::block_count(opt.replications, sim::kDefaultBlockSize), cmp.scenarios().size(), part.wall_seconds,
        (out_dir / name).string(), (out_dir / fmt::format("part-*-of-{}.wsicpart", opt.part_count)).string());
  }
  return kExitOk;
}

int compare_scenarios(const CompareOptions& opt) {
  const auto check_cancel = [&](const char* during) {
    if (opt.cancel && opt.cancel->load()) throw CompareInterrupted{during};
  };
  const experiment::Comparison cmp(load_all(opt.scenarios, opt.overrides));
  check_cancel("before the comparison started");
  if (opt.part_count > 0) return compare_part(cmp, opt);
  const std::string folder = default_folder(cmp);
  const fs::path out_dir = opt.out ? *opt.out : fs::path("results") / folder;
  const std::size_t acc_bytes = checked_accumulator_bytes(cmp);
  const OutputFolder out(out_dir, "comparison.json", opt.force);

  experiment::BatchSpec spec{opt.seed, opt.replications, opt.threads, sim::kDefaultBlockSize, opt.cancel, {}};
  spec.blocks_in_flight = experiment::blocks_in_flight(acc_bytes, experiment::effective_threads(opt.threads));
  const bool tty = opt.progress && ::isatty(STDERR_FILENO);
  if (tty) spec.progress = draw_progress;
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<RowsFile> rows;
  if (opt.per_replication) rows.emplace(out_dir / rows_partial(opt.gzip_rows), true, opt.gzip_rows);
  sim::BlockReducer<CompareBlock> red;
  try {
    run_compare_blocks(cmp, opt, spec, sim::block_count(opt.replications, sim::kDefaultBlockSize),
                       rows ? &*rows : nullptr, red);
  } catch (const sim::Cancelled& c) {
    if (tty) std::fputc('\n', stderr);
    throw CompareInterrupted{fmt::format("after {} of {} replications", c.done(), c.total())};
  }
  if (tty) std::fputc('\n', stderr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_comparison(cmp, red.result(CompareBlock{cmp.empty(), {}}).acc, opt, folder, out_dir, seconds,
                   rows ? &*rows : nullptr);
  return kExitOk;
}

/// Merges the parts of a comparison (in index order, checked to belong
/// together) and writes what `compare` would have.
int compare_merged(const std::vector<const PartInput*>& parts, const experiment::Part& first, const MergeOptions& mo) {
  const experiment::JobIdentity& j = first.job;
  CompareOptions opt;
  opt.replications = j.replications;
  opt.seed = j.seed;
  opt.overrides = j.overrides;
  opt.out = mo.out;
  opt.force = mo.force;
  opt.quiet = mo.quiet;
  opt.progress = mo.progress;
  opt.cancel = mo.cancel;
  std::vector<model::Scenario> scenarios;
  for (const experiment::ScenarioRef& ref : j.scenarios) {
    fs::path found;
    scenarios.push_back(locate_scenario(ref, j.overrides, found, [](model::Scenario&) {}));
    opt.scenarios.push_back(found);
  }
  const experiment::Comparison cmp(std::move(scenarios));
  {
    const model::Model m(cmp.scenarios().front());
    if (experiment::run_fingerprint(cmp.scenarios().front(), m, j.seed) != j.fingerprint) {
      throw experiment::PartError(
          "replication 0 does not come out here as it did in the parts: they were run by another build of wsic; "
          "merge them with that build");
    }
  }
  const std::string folder = default_folder(cmp);
  const fs::path out_dir = opt.out ? *opt.out : fs::path("results") / folder;
  const OutputFolder out(out_dir, "comparison.json", opt.force);
  const experiment::CompareAcc shape = cmp.empty();
  opt.per_replication = j.per_replication;
  opt.gzip_rows = j.gzip_rows;
  std::optional<RowsFile> rows;
  if (opt.per_replication) rows.emplace(out_dir / rows_partial(opt.gzip_rows), true, opt.gzip_rows);
  sim::BlockReducer<experiment::CompareAcc> red;
  double longest = 0.0;
  for (const PartInput* in : parts) {
    if (opt.cancel && opt.cancel->load()) throw CompareInterrupted{"while merging"};
    const experiment::Part p = in->read();
    if (p.batches.size() != 1 || p.batches.front().label != "compare" ||
        p.batches.front().replications != j.replications) {
      throw experiment::PartError(fmt::format("{}: its batches are not a comparison's", in->name()));
    }
    for (const experiment::PartNode& n : p.batches.front().nodes) {
      experiment::CompareAcc acc;
      try {
        acc = experiment::CompareAcc::load(n.bytes);
      } catch (const std::exception& e) {
        throw experiment::PartError(fmt::format("{}: its results cannot be read: {}", in->name(), e.what()));
      }
      const std::uint64_t bs = sim::kDefaultBlockSize;
      const std::uint64_t reps =
          std::min(j.replications, (n.first + n.blocks) * bs) - std::min(j.replications, n.first * bs);
      if (!acc.same_shape(shape) || acc.outcomes.front().replications != reps || acc.diffs.front().pairs() != reps) {
        throw experiment::PartError(fmt::format("{}: its results do not fit the scenarios", in->name()));
      }
      red.push(sim::BlockReducer<experiment::CompareAcc>::Node{std::move(acc), n.blocks, n.first});
    }
    if (rows) in->copy_rows(p, [&](std::string_view bytes) { rows->file().write(bytes); });
    longest = std::max(longest, p.batch_seconds);
  }
  write_comparison(cmp, red.result(cmp.empty()), opt, folder, out_dir, longest, rows ? &*rows : nullptr);
  return kExitOk;
}
}  // namespace

int merge_compare(const std::vector<const PartInput*>& parts, const experiment::Part& first, const MergeOptions& mo) {
  try {
    return compare_merged(parts, first, mo);
  } catch (const CompareInterrupted& e) {
    std::cerr << "wsic merge: interrupted " << e.during << "; the comparison is not complete (no comparison.json)\n";
    return kExitInterrupted;
  }
}

int compare_command(const CompareOptions& opt) {
  if (opt.scenarios.size() < 2) {
    std::cerr << "wsic compare: give a base scenario and at least one what-if\n";
    return kExitBadInput;
  }
  try {
    return compare_scenarios(opt);
  } catch (const scenario::ScenarioError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << d.format() << '\n';
    return kExitBadInput;
  } catch (const InputError& e) {
    std::cerr << "wsic compare: " << e.what() << '\n';
    return kExitBadInput;
  } catch (const experiment::PartError& e) {
    std::cerr << "wsic compare: " << e.what() << '\n';
    return kExitBadInput;
  } catch (const CompareInterrupted& e) {
    std::cerr << "wsic compare: interrupted " << e.during << "; the comparison is not complete (no comparison.json)\n";
    return kExitInterrupted;
  } catch (const std::exception& e) {
    std::cerr << "wsic compare: " << e.what() << '\n';
    return kExitFailure;
  }
}

}  // namespace wsic::cli
