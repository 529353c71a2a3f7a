#include "wsic/cli/research.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "wsic/cli/files.hpp"
#include "wsic/cli/output.hpp"
#include "wsic/experiment/batch.hpp"
#include "wsic/experiment/calibration.hpp"
#include "wsic/experiment/part.hpp"
#include "wsic/experiment/sensitivity.hpp"
#include "wsic/experiment/sweep.hpp"
#include "wsic/model/model.hpp"
#include "wsic/report/research.hpp"
#include "wsic/report/text.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/scenario/parameters.hpp"
#include "wsic/scenario/problem.hpp"
#include "wsic/sim/serial.hpp"

namespace wsic::cli {

namespace {

namespace fs = std::filesystem;
using scenario::Diagnostic;
using scenario::ScenarioError;

/// Ctrl-C seen between phases or during a batch.
struct Interrupted {
  std::string during;
};

/// A folder name from `parts`, short enough for any filesystem: the parts
/// joined by '-' while that stays short, otherwise the first and a checksum.
std::string folder_name(const std::vector<std::string>& parts) {
  std::string full;
  for (const auto& p : parts) full += (full.empty() ? "" : "-") + p;
  constexpr std::size_t kLongest = 80;
  if (full.size() <= kLongest) return full;
  sim::Fnv1a h;
  h.add(full);
  std::string first = parts.front().substr(0, 40);
  return fmt::format("{}-{:08x}", first, h.value() & 0xffffffffU);
}

/// A point's load problems, placed at the --vary that set the value where
/// the loader placed them at the --set it was given as.
void place_at_vary(std::vector<Diagnostic>& out, std::vector<Diagnostic> found, std::size_t sets,
                   const std::vector<experiment::VarySpec>& specs, const std::vector<std::string>& texts) {
  for (Diagnostic& d : found) {
    if (d.file == "--set" && d.line > static_cast<int>(sets)) {
      const std::size_t axis = static_cast<std::size_t>(d.line) - sets - 1;
      d.file = "--vary";
      d.line = static_cast<int>(axis + 1);
      d.column = static_cast<int>(specs[axis].value_column);
      d.message += fmt::format(" (at the value {})", texts[axis]);
    }
    // The same value refused at every point of the other axis: once is enough.
    const bool seen = std::any_of(out.begin(), out.end(), [&](const Diagnostic& o) {
      return o.file == d.file && o.line == d.line && o.column == d.column && o.message == d.message;
    });
    if (!seen) out.push_back(std::move(d));
  }
}

/// Removes files an earlier run of the same command left in `dir` (with
/// --force) that this run does not write, so no stale chart sits beside
/// the new results: the names starting with one of `prefixes`.
void remove_stale(const fs::path& dir, const OutputSet& files, std::initializer_list<std::string_view> prefixes) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (files.contains(name)) continue;
    for (const std::string_view p : prefixes) {
      if (name.rfind(p, 0) == 0) {
        fs::remove(entry.path(), ec);
        break;
      }
    }
  }
}

std::string programme_cell(const model::Scenario& sc, const experiment::SweepRow* row) {
  if (row == nullptr || !row->p50.value) return "after horizon";
  return model::iso_day(sc, row->p50.value);
}

/// A sweep's axes as given: each --vary parsed, its parameter found and its
/// values (a range's ends read as the file would read them). Throws
/// ScenarioError with every problem, placed at its --vary.
struct Axes {
  std::vector<experiment::VarySpec> specs;
  std::vector<report::SweepAxis> axes;
  std::vector<std::vector<std::string>> texts;  // per axis, per value, as --set takes it
  std::vector<std::size_t> indices;             // per axis, in the parameter space
};
Axes read_axes(const SweepOptions& opt, const std::vector<scenario::Override>& overrides, const model::Scenario& base,
               const scenario::ParameterSpace& space) {
  Axes out;
  auto& [specs, axes, texts, indices] = out;
  std::vector<Diagnostic> problems;
  for (std::size_t n = 0; n < opt.vary.size(); ++n) {
    const int line = static_cast<int>(n + 1);
    experiment::VarySpec v;
    try {
      v = experiment::parse_vary(opt.vary[n]);
    } catch (const experiment::VaryError& e) {
      problems.push_back({"--vary", line, static_cast<int>(e.column()), "", e.what()});
      continue;
    }
    const auto index = space.find(v.path);
    if (!index) {
      const std::string near = space.nearest(v.path);
      problems.push_back({"--vary", line, 1, "",
                          fmt::format("'{}' names no number of the scenario{}", v.path,
                                      near.empty() ? std::string() : fmt::format("; did you mean '{}'?", near))});
      continue;
    }
    for (std::size_t k = 0; k < indices.size(); ++k) {
      if (indices[k] == *index) problems.push_back({"--vary", line, 1, "", fmt::format("'{}' is swept twice", v.path)});
    }
    report::SweepAxis axis{v.path, space.parameters()[*index].unit, {}};
    std::vector<std::string> values = v.values;
    if (v.steps > 0) {
      // The ends as the file would read them, then evenly spaced between.
      double ends[2] = {0, 0};
      bool ok = true;
      for (int e = 0; e < 2; ++e) {
        std::vector<scenario::Override> with = overrides;
        with.push_back({v.path, e == 0 ? v.from : v.to});
        const scenario::LoadResult r = scenario::check_scenario(opt.scenario, {}, with);
        if (!r.ok()) {
          place_at_vary(problems, r.diagnostics, overrides.size(), {v}, {e == 0 ? v.from : v.to});
          for (auto it = problems.end() - static_cast<std::ptrdiff_t>(r.diagnostics.size()); it != problems.end();
               ++it) {
            if (it->file == "--vary") it->line = line;
          }
          ok = false;
          continue;
        }
        ends[e] = space.get(*r.scenario, *index);
      }
      if (!ok) continue;
      try {
        axis.values = experiment::evenly_spaced(ends[0], ends[1], v.steps, axis.unit == scenario::Unit::kCount);
      } catch (const Error& e) {
        problems.push_back({"--vary", line, static_cast<int>(v.value_column), "", e.what()});
        continue;
      }
      values.clear();
      for (double& x : axis.values) {
        if (axis.unit == scenario::Unit::kDay) x = std::round(x);
        values.push_back(space.text(base, *index, x));
      }
    }
    specs.push_back(std::move(v));
    axes.push_back(std::move(axis));
    texts.push_back(std::move(values));
    indices.push_back(*index);
  }
  if (!problems.empty()) throw ScenarioError(std::move(problems));
  return out;
}

int run_sweep(const SweepOptions& opt) {
  const auto check_cancel = [&](const char* during) {
    if (opt.cancel && opt.cancel->load()) throw Interrupted{during};
  };
  const std::vector<scenario::Override> overrides = parse_overrides(opt.overrides);
  const model::Scenario base = scenario::load_scenario(opt.scenario, {}, overrides);
  const scenario::ParameterSpace space(base);
  if (opt.vary.empty() || opt.vary.size() > 2) {
    throw InputError("give one or two --vary PATH=FROM:TO:STEPS (or PATH=V1,V2,...): a sweep is a line or a grid");
  }
  Axes read = read_axes(opt, overrides, base, space);
  std::vector<experiment::VarySpec>& specs = read.specs;
  std::vector<report::SweepAxis>& axes = read.axes;
  std::vector<std::vector<std::string>>& texts = read.texts;
  const std::vector<std::size_t>& indices = read.indices;
  std::vector<Diagnostic> problems;

  std::size_t points = 1;
  for (const auto& t : texts) points *= t.size();
  if (points > experiment::kMaxSweepPoints) {
    throw InputError(
        fmt::format("the grid has {} points, more than {}: use fewer steps", points, experiment::kMaxSweepPoints));
  }
  if (opt.replications > experiment::kMaxReplications / points) {
    throw InputError(fmt::format("{} points of {} replications is more than {} replications in all", points,
                                 opt.replications, experiment::kMaxReplications));
  }

  // Every point is loaded and checked before any is run.
  std::vector<model::Scenario> scenarios;
  std::vector<report::SweepPoint> grid;
  for (std::size_t k = 0; k < points; ++k) {
    check_cancel("while checking the points");
    report::SweepPoint p;
    std::size_t rest = k;
    p.at.assign(texts.size(), 0);
    for (std::size_t i = texts.size(); i-- > 0;) {
      p.at[i] = rest % texts[i].size();
      rest /= texts[i].size();
    }
    std::vector<scenario::Override> with = overrides;
    std::vector<std::string> point_texts;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      with.push_back({specs[i].path, texts[i][p.at[i]]});
      point_texts.push_back(texts[i][p.at[i]]);
    }
    scenario::LoadResult r = scenario::check_scenario(opt.scenario, {}, with);
    if (!r.ok()) {
      place_at_vary(problems, std::move(r.diagnostics), overrides.size(), specs, point_texts);
      if (problems.size() >= 20) break;
      continue;
    }
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (axes[i].values.size() < texts[i].size() && p.at[i] == axes[i].values.size()) {
        axes[i].values.push_back(space.get(*r.scenario, indices[i]));
      }
    }
    scenarios.push_back(std::move(*r.scenario));
    grid.push_back(std::move(p));
  }
  if (!problems.empty()) throw ScenarioError(std::move(problems));

  experiment::JobIdentity job;
  job.command = "sweep";
  job.tool_version = experiment::version();
  for (const auto& sc : scenarios) job.scenarios.push_back({opt.scenario.string(), "", model::content_hash(sc)});
  job.overrides = opt.overrides;
  job.seed = opt.seed;
  job.replications = opt.replications;
  job.block_size = sim::kDefaultBlockSize;
  {
    const model::Model m(base);
    job.fingerprint = experiment::run_fingerprint(base, m, opt.seed);
  }
  const std::string id = experiment::run_id(job);

  std::vector<std::string> name_parts{"sweep", base.name};
  for (const auto& s : specs) name_parts.push_back(s.path);
  const fs::path out_dir = opt.out ? *opt.out : fs::path("results") / folder_name(name_parts);
  const OutputFolder out(out_dir, "sweep.json", opt.force);

  const bool tty = opt.progress && ::isatty(STDERR_FILENO);
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < points; ++k) {
    experiment::BatchSpec spec{opt.seed, opt.replications, opt.threads, sim::kDefaultBlockSize, opt.cancel, {}};
    if (tty) {
      spec.progress = [&](const sim::Progress& pr) {
        fmt::print(stderr, "\rpoint {}/{} ", k + 1, points);
        draw_progress(pr);
      };
    }
    try {
      const model::Outcomes o = experiment::run_batch(scenarios[k], spec);
      grid[k].rows = experiment::sweep_rows(scenarios[k], o);
    } catch (const sim::Cancelled&) {
      if (tty) std::fputc('\n', stderr);
      throw Interrupted{fmt::format("at point {} of {}", k + 1, points)};
    }
  }
  if (tty) std::fputc('\n', stderr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  report::SweepResults res;
  res.scenario = &base;
  res.id = {experiment::version(), opt.scenario.string(), model::content_hash(base), opt.overrides, opt.seed, id};
  res.replications = opt.replications;
  res.axes = axes;
  res.points = std::move(grid);

  OutputSet files;
  files.add("sweep.csv", report::sweep_csv(res));
  for (auto& [name, content] : report::render_sweep(res)) files.add(name, std::move(content));
  check_cancel("before the results were written");
  remove_stale(out_dir, files, {"chart_sweep_", "sweep.csv"});
  files.write_to(out_dir, [&](const std::string&) { check_cancel("while writing the results"); });
  write_file_atomic(out_dir / "sweep.json", report::sweep_json(res).dump(2) + "\n");

  if (!opt.quiet) {
    std::string head = fmt::format("{:>4}", "#");
    for (const auto& a : res.axes) head += fmt::format("  {}", report::fit_column(a.path, 28));
    fmt::print("{}  {:<14}  {:<14}  {:<14}  {:>8}\n", head, "first live", "majority live", "all live", "all by hz");
    for (std::size_t k = 0; k < res.points.size(); ++k) {
      const auto& p = res.points[k];
      std::string line = fmt::format("{:>4}", k + 1);
      for (std::size_t i = 0; i < res.axes.size(); ++i) {
        line += "  " + report::fit_column(report::axis_label(base, res.axes[i], res.axes[i].values[p.at[i]]), 28);
      }
      const experiment::SweepRow* rows[3] = {nullptr, nullptr, nullptr};
      for (const auto& r : p.rows) {
        if (r.measure == "first_live") rows[0] = &r;
        if (r.measure == "majority_live") rows[1] = &r;
        if (r.measure == "all_live") rows[2] = &r;
      }
      fmt::print("{}  {:<14}  {:<14}  {:<14}  {:>7.1f}%\n", line, programme_cell(base, rows[0]),
                 programme_cell(base, rows[1]), programme_cell(base, rows[2]),
                 rows[2] ? 100.0 * rows[2]->reached : 0.0);
    }
    fmt::print("medians of {} replications per point (the same at every point), seed {}; {:.1f} s\n", opt.replications,
               opt.seed, seconds);
    fmt::print("wrote {} (open report.html)\n", out_dir.string());
  }
  return kExitOk;
}

/// A problem's resolved parameters as the analyses sample them, and each
/// one's unit (for the reports).
std::vector<experiment::SensitivityParameter> sampled(const std::vector<scenario::ResolvedParameter>& resolved,
                                                      const scenario::ParameterSpace& space,
                                                      std::vector<scenario::Unit>& units) {
  using Dist = experiment::SensitivityParameter::Dist;
  std::vector<experiment::SensitivityParameter> params;
  for (const auto& r : resolved) {
    experiment::SensitivityParameter p;
    p.path = r.path;
    p.index = r.index;
    if (r.dist == "normal") {
      p.dist = Dist::kNormal;
      p.a = r.mean;
      p.b = r.sd;
    } else {
      p.dist = r.dist == "triangular" ? Dist::kTriangular : Dist::kUniform;
      p.a = r.low;
      p.b = r.high;
      p.c = r.mode;
    }
    params.push_back(p);
    units.push_back(space.parameters()[r.index].unit);
  }
  return params;
}

/// A research command's run id (experiment::run_id): the command, the
/// scenario's content, `extra` (the problem or targets, by a hash of what
/// was resolved from them), the --set values, seed and replications.
std::string research_run_id(const char* command, const fs::path& file, const model::Scenario& base,
                            const model::Model& model, experiment::ScenarioRef extra,
                            const std::vector<std::string>& overrides, std::uint64_t seed, std::uint64_t replications) {
  experiment::JobIdentity job;
  job.command = command;
  job.tool_version = experiment::version();
  job.scenarios.push_back({file.string(), "", model::content_hash(base)});
  job.scenarios.push_back(std::move(extra));
  job.overrides = overrides;
  job.seed = seed;
  job.replications = replications;
  job.fingerprint = experiment::run_fingerprint(base, model, seed);
  return experiment::run_id(job);
}

std::string problem_hash(const std::vector<scenario::ResolvedParameter>& params, const SensitivityOptions& opt,
                         const experiment::SensitivitySpec& spec) {
  sim::Fnv1a h;
  for (const auto& p : params) {
    h.add(fmt::format("{} {} {} {} {} {} {}\n", p.path, p.dist, p.low, p.high, p.mode, p.mean, p.sd));
  }
  h.add(fmt::format("{} {} {} {} {}", opt.base_samples, opt.second_order, spec.noise_sets, spec.resamples,
                    spec.confidence));
  return fmt::format("{:016x}", h.value());
}

int run_sensitivity_command(const SensitivityOptions& opt) {
  const auto check_cancel = [&](const char* during) {
    if (opt.cancel && opt.cancel->load()) throw Interrupted{during};
  };
  if (opt.problem.has_value() == !opt.params.empty()) {
    throw InputError("give the parameters as --problem FILE or as --param PATH=LOW:HIGH (repeatable), one of the two");
  }
  const std::vector<scenario::Override> overrides = parse_overrides(opt.overrides);
  const model::Scenario base = scenario::load_scenario(opt.scenario, {}, overrides);
  const scenario::ParameterSpace space(base);
  scenario::Problem problem;
  if (opt.problem) {
    problem = scenario::load_problem(*opt.problem);
  } else {
    problem.file = "--param";
    for (std::size_t n = 0; n < opt.params.size(); ++n) {
      problem.entries.push_back(scenario::parse_param(opt.params[n], static_cast<int>(n + 1)));
    }
  }
  const std::vector<scenario::ResolvedParameter> resolved =
      scenario::resolve_problem(problem, opt.scenario, overrides, space);
  if (resolved.size() > experiment::kMaxSensitivityParameters) {
    throw InputError(fmt::format("{} parameters: at most {}", resolved.size(), experiment::kMaxSensitivityParameters));
  }
  std::vector<scenario::Unit> units;
  const std::vector<experiment::SensitivityParameter> params = sampled(resolved, space, units);
  std::size_t rows = 0;
  try {
    rows = experiment::saltelli_rows(opt.base_samples, params.size(), opt.second_order);
  } catch (const Error& e) {
    throw InputError(e.what());
  }
  if (opt.replications > experiment::kMaxReplications / rows) {
    throw InputError(fmt::format("{} sample points of {} replications is more than {} replications in all", rows,
                                 opt.replications, experiment::kMaxReplications));
  }

  experiment::SensitivitySpec spec;
  spec.base_samples = opt.base_samples;
  spec.second_order = opt.second_order;
  spec.replications = opt.replications;
  spec.seed = opt.seed;
  spec.threads = opt.threads;
  spec.resamples = opt.resamples;
  spec.cancel = opt.cancel;
  const bool tty = opt.progress && ::isatty(STDERR_FILENO);
  if (tty) spec.progress = draw_progress;

  const model::Model model(base);
  const std::string id =
      research_run_id("sensitivity", opt.scenario, base, model, {problem.file, "", problem_hash(resolved, opt, spec)},
                      opt.overrides, opt.seed, opt.replications);

  const fs::path out_dir = opt.out ? *opt.out : fs::path("results") / folder_name({"sensitivity", base.name});
  const OutputFolder out(out_dir, "sensitivity.json", opt.force);
  check_cancel("before the analysis started");
  const auto t0 = std::chrono::steady_clock::now();
  report::SensitivityResults res;
  // The sample goes to disk as it is run (a temporary name until complete),
  // so memory does not grow with it.
  const fs::path samples_partial = out_dir / ".sobol_samples.csv.tmp-stream";
  std::optional<AppendFile> samples(std::in_place, samples_partial, true);
  samples->write(report::sobol_samples_header(resolved, experiment::sensitivity_measures(base)));
  std::string pending;
  spec.on_row = [&](std::size_t row, std::span<const double> x, std::span<const double> y) {
    pending += report::sobol_samples_row(row, x, y, id);
    if (pending.size() > (1u << 20)) {
      samples->write(pending);
      pending.clear();
    }
  };
  const auto drop_samples = [&] {
    samples.reset();
    std::error_code ec;
    fs::remove(samples_partial, ec);
  };
  try {
    res.result = experiment::run_sensitivity(model, space, params, spec);
    samples->write(pending);
    samples->sync();
    samples->close();
  } catch (const sim::Cancelled& c) {
    drop_samples();
    if (tty) std::fputc('\n', stderr);
    throw Interrupted{fmt::format("after {} of {} base samples", c.done(), c.total())};
  } catch (const sim::ReplicationError&) {
    drop_samples();
    throw;
  } catch (const Error& e) {
    drop_samples();
    throw InputError(e.what());  // a sampled value the format refuses: the ranges are the user's
  }
  if (tty) std::fputc('\n', stderr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.scenario = &base;
  res.id = {experiment::version(), opt.scenario.string(), model::content_hash(base), opt.overrides, opt.seed, id};
  res.parameters = resolved;
  res.units = units;
  res.spec = spec;

  OutputSet files;
  files.add("sobol_indices.csv", report::sobol_indices_csv(res));
  if (opt.second_order) files.add("sobol_second_order.csv", report::sobol_second_order_csv(res));
  for (auto& [name, content] : report::render_sensitivity(res)) files.add(name, std::move(content));
  check_cancel("before the results were written");
  remove_stale(out_dir, files, {"chart_sobol_", "sobol_"});
  try {
    files.write_to(out_dir, [&](const std::string&) { check_cancel("while writing the results"); });
    fs::rename(samples_partial, out_dir / "sobol_samples.csv");
  } catch (...) {
    drop_samples();
    throw;
  }
  write_file_atomic(out_dir / "sensitivity.json", report::sensitivity_json(res).dump(2) + "\n");

  if (!opt.quiet) {
    const auto& idx = res.result.indices.front();
    fmt::print("{}: Sobol indices ({}% intervals)\n", res.result.measures.front().label,
               static_cast<int>(std::lround(100 * spec.confidence)));
    fmt::print("{}  {:>16}  {:>16}\n", report::fit_column("parameter", 48), "S1", "ST");
    for (std::size_t i = 0; i < resolved.size(); ++i) {
      fmt::print("{}  {:>7.3f} \xC2\xB1 {:<6.3f}  {:>7.3f} \xC2\xB1 {:.3f}\n", report::fit_column(resolved[i].path, 48),
                 idx.S1[i], idx.S1_conf[i], idx.ST[i], idx.ST_conf[i]);
    }
    fmt::print("simulation noise: {:.1f}% of the measure's variance over the sample\n",
               100.0 * res.result.noise_share.front());
    fmt::print("{} sample points x {} replications ({} in all) in {:.1f} s, seed {}\n", res.result.rows,
               opt.replications, res.result.rows * opt.replications, seconds, opt.seed);
    fmt::print("wrote {} (open report.html)\n", out_dir.string());
  }
  return kExitOk;
}

/// The calibrated scenario: an overlay at the posterior medians (recorded in
/// `res.medians`), kept only when it loads as exactly the scenario with those
/// values set (then `res.overlay_file` names it; otherwise `res.overlay_note`
/// says why there is none). Returns its text.
std::string calibrated_overlay(const CalibrateOptions& opt, const model::Scenario& base,
                               const scenario::ParameterSpace& space,
                               const std::vector<experiment::SensitivityParameter>& params,
                               const std::vector<scenario::Override>& overrides, const fs::path& out_dir,
                               const std::string& id, report::CalibrationResults& res) {
  std::vector<scenario::OverlayValue> values;
  std::vector<scenario::Override> sets = overrides;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const double median = experiment::weighted_quantile(res.result.abc.parameter(i), res.result.abc.weights, 0.5);
    res.medians.push_back(median);
    const std::string text = space.text(base, params[i].index, median);
    values.push_back({params[i].index, text, "posterior median (in-sample fit)"});
    sets.push_back({params[i].path, text});
  }
  std::string overlay;
  if (!overrides.empty()) {
    res.overlay_note = "the scenario was run with --set values, which an overlay of the file would not carry";
  } else {
    try {
      const fs::path rel = fs::absolute(opt.scenario).lexically_relative(fs::absolute(out_dir));
      overlay = scenario::overlay_text(space, rel.empty() ? fs::absolute(opt.scenario).string() : rel.string(),
                                       base.name + "-calibrated",
                                       "The scenario " + base.name +
                                           " with its calibrated parameters at their "
                                           "posterior medians (wsic calibrate, run id " +
                                           id + "; an in-sample fit).",
                                       values);
      const fs::path probe = out_dir / ".calibrated-check.yaml";
      write_file_atomic(probe, overlay);
      const scenario::LoadResult a = scenario::check_scenario(probe);
      std::error_code ec;
      fs::remove(probe, ec);
      const scenario::LoadResult b = scenario::check_scenario(opt.scenario, {}, sets);
      if (!a.ok() || !b.ok()) {
        res.overlay_note = "the overlay did not load; use --set with the medians in calibration.json";
      } else {
        model::Scenario x = *a.scenario, y = *b.scenario;
        y.name = x.name;
        y.description = x.description;
        y.source_file = x.source_file;
        if (model::content_hash(x) == model::content_hash(y)) {
          res.overlay_file = "calibrated.yaml";
        } else {
          res.overlay_note = "the overlay did not load as the calibrated scenario; use --set with the medians";
        }
      }
    } catch (const Error& e) {
      res.overlay_note = e.what();
    }
  }

  return overlay;
}

int run_calibrate(const CalibrateOptions& opt) {
  const auto check_cancel = [&](const char* during) {
    if (opt.cancel && opt.cancel->load()) throw Interrupted{during};
  };
  const std::vector<scenario::Override> overrides = parse_overrides(opt.overrides);
  const model::Scenario base = scenario::load_scenario(opt.scenario, {}, overrides);
  const scenario::ParameterSpace space(base);
  scenario::CalibrationFile file = scenario::load_calibration(opt.targets);
  scenario::resolve_calibration(file, base);
  const std::vector<scenario::ResolvedParameter> resolved =
      scenario::resolve_problem(file.priors, opt.scenario, overrides, space);
  std::vector<scenario::Unit> units;  // the priors are uniform: load_calibration refuses others
  const std::vector<experiment::SensitivityParameter> params = sampled(resolved, space, units);
  experiment::CalibrationSpec spec;
  spec.abc.population = opt.population ? opt.population : file.population;
  spec.abc.max_generations = opt.generations ? opt.generations : file.generations;
  spec.abc.quantile = file.quantile;
  spec.abc.min_acceptance = file.min_acceptance;
  spec.abc.seed = opt.seed;
  spec.abc.threads = opt.threads;
  spec.abc.cancel = opt.cancel;
  spec.predictive = opt.predictive;
  const bool tty = opt.progress && ::isatty(STDERR_FILENO);
  if (tty) {
    spec.abc.progress = [&](std::size_t generation, std::uint64_t attempts) {
      fmt::print(stderr, "\rgeneration {} of at most {}: {} attempts   ", generation, spec.abc.max_generations,
                 attempts);
      std::fflush(stderr);
    };
  }

  const model::Model model(base);
  std::string targets_hash;
  {
    sim::Fnv1a h;
    for (const auto& r : resolved) h.add(fmt::format("{} {} {}\n", r.path, r.low, r.high));
    for (const auto& t : file.targets) {
      h.add(fmt::format("{} {} {} {} {} {} {}\n", static_cast<int>(t.kind), t.day, t.of, t.observed, t.scale, t.weight,
                        t.live.size()));
      for (const bool b : t.live) h.add(b ? "1" : "0");
    }
    h.add(fmt::format("{} {} {} {} {}", spec.abc.population, spec.abc.max_generations, spec.abc.quantile,
                      spec.abc.min_acceptance, spec.predictive));
    targets_hash = fmt::format("{:016x}", h.value());
  }
  const std::string id = research_run_id("calibrate", opt.scenario, base, model,
                                         {opt.targets.string(), "", targets_hash}, opt.overrides, opt.seed, 0);

  const fs::path out_dir = opt.out ? *opt.out : fs::path("results") / folder_name({"calibrate", base.name});
  const OutputFolder out(out_dir, "calibration.json", opt.force);
  check_cancel("before the calibration started");
  const auto t0 = std::chrono::steady_clock::now();
  report::CalibrationResults res;
  try {
    res.result = experiment::calibrate(model, space, params, file.targets, spec);
  } catch (const sim::Cancelled&) {
    if (tty) std::fputc('\n', stderr);
    throw Interrupted{"during the calibration"};
  }
  if (tty) std::fputc('\n', stderr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.scenario = &base;
  res.id = {experiment::version(), opt.scenario.string(), model::content_hash(base), opt.overrides, opt.seed, id};
  res.targets_file = opt.targets.string();
  res.parameters = resolved;
  res.units = units;
  res.targets = file.targets;
  res.spec = spec;

  const std::string overlay = calibrated_overlay(opt, base, space, params, overrides, out_dir, id, res);

  OutputSet files;
  files.add("posterior.csv", report::posterior_csv(res));
  files.add("generations.csv", report::generations_csv(res));
  files.add("posterior_predictive.csv", report::predictive_csv(res));
  if (!res.overlay_file.empty()) files.add(res.overlay_file, overlay);
  for (auto& [name, content] : report::render_calibration(res)) files.add(name, std::move(content));
  check_cancel("before the results were written");
  remove_stale(out_dir, files, {"calibrated.yaml"});
  files.write_to(out_dir, [&](const std::string&) { check_cancel("while writing the results"); });
  write_file_atomic(out_dir / "calibration.json", report::calibration_json(res).dump(2) + "\n");

  if (!opt.quiet) {
    const auto& abc = res.result.abc;
    fmt::print("{} generations ({}), {} particles; final tolerance {:.3f}, acceptance {:.1f}%, ESS {:.0f}\n",
               abc.generations.size(), abc.stopped_because, abc.weights.size(), abc.generations.back().epsilon,
               100.0 * abc.generations.back().acceptance_rate, abc.generations.back().ess);
    fmt::print("{}  {:>16}  {:>16}  {:>16}\n", report::fit_column("parameter", 44), "P5", "median", "P95");
    for (std::size_t i = 0; i < params.size(); ++i) {
      const std::vector<double> col = abc.parameter(i);
      fmt::print("{}  {:>16}  {:>16}  {:>16}\n", report::fit_column(params[i].path, 44),
                 report::parameter_value(base, units[i], experiment::weighted_quantile(col, abc.weights, 0.05)),
                 report::parameter_value(base, units[i], res.medians[i]),
                 report::parameter_value(base, units[i], experiment::weighted_quantile(col, abc.weights, 0.95)));
    }
    fmt::print("posterior-predictive check (in-sample), share of futures matching:\n");
    for (std::size_t t = 0; t < file.targets.size(); ++t) {
      fmt::print("  {}  prior {:5.1f}%  posterior {:5.1f}%\n",
                 report::fit_column(report::target_text(file.targets[t], base), 56),
                 100.0 * res.result.prior_check[t].within, 100.0 * res.result.posterior_check[t].within);
    }
    fmt::print("{:.1f} s; wrote {} (open report.html{})\n", seconds, out_dir.string(),
               res.overlay_file.empty() ? "" : "; the calibrated scenario is calibrated.yaml");
  }
  return kExitOk;
}

template <class Fn>
int guarded(const char* command, const char* marker, Fn&& fn) {
  try {
    return fn();
  } catch (const ScenarioError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << d.format() << '\n';
    return kExitBadInput;
  } catch (const InputError& e) {
    std::cerr << "wsic " << command << ": " << e.what() << '\n';
    return kExitBadInput;
  } catch (const Interrupted& e) {
    std::cerr << "wsic " << command << ": interrupted " << e.during << "; the results are not complete (no " << marker
              << ")\n";
    return kExitInterrupted;
  } catch (const sim::ReplicationError& e) {
    std::cerr << "wsic " << command << ": " << e.what() << '\n';
    return kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "wsic " << command << ": " << e.what() << '\n';
    return kExitFailure;
  }
}

}  // namespace

int sweep_command(const SweepOptions& opt) {
  return guarded("sweep", "sweep.json", [&] { return run_sweep(opt); });
}

int sensitivity_command(const SensitivityOptions& opt) {
  return guarded("sensitivity", "sensitivity.json", [&] { return run_sensitivity_command(opt); });
}

int calibrate_command(const CalibrateOptions& opt) {
  return guarded("calibrate", "calibration.json", [&] { return run_calibrate(opt); });
}

}  // namespace wsic::cli
