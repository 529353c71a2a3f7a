#include "wsic/cli/parts.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>

#include "wsic/cli/files.hpp"
#include "wsic/cli/run.hpp"
#include "wsic/model/model.hpp"
#include "wsic/scenario/loader.hpp"
#include "wsic/sim/serial.hpp"

namespace wsic::cli {

namespace fs = std::filesystem;
using experiment::Part;
using experiment::PartError;

PartInput PartInput::from_file(fs::path file) {
  PartInput in;
  in.name_ = file.string();
  in.file_ = std::move(file);
  return in;
}

PartInput PartInput::from_bytes(std::string name, std::string bytes) {
  PartInput in;
  in.name_ = std::move(name);
  in.bytes_ = std::move(bytes);
  in.in_memory_ = true;
  return in;
}

namespace {
/// Reads up to `n` bytes at `offset` of an open stream.
std::string read_at(std::ifstream& f, std::uint64_t offset, std::uint64_t n) {
  std::string buf(n, '\0');
  f.seekg(static_cast<std::streamoff>(offset));
  f.read(buf.data(), static_cast<std::streamsize>(n));
  buf.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, f.gcount())));
  f.clear();
  return buf;
}
}  // namespace

Part PartInput::read() const {
  try {
    if (in_memory_) {
      const std::uint64_t size = experiment::part_header_bytes(bytes_);
      if (bytes_.size() < size) throw PartError("the part is truncated");
      return experiment::decode_part(std::string_view(bytes_).substr(0, size));
    }
    std::ifstream f(file_, std::ios::binary);
    if (!f) throw PartError("cannot be read (is it there?)");
    const std::string prelude = read_at(f, 0, experiment::kPartPreludeBytes);
    const std::uint64_t size = experiment::part_header_bytes(prelude);
    const std::string header = read_at(f, 0, size);
    if (header.size() != size) throw PartError(fmt::format("the part is truncated ({} bytes)", header.size()));
    return experiment::decode_part(header);
  } catch (const PartError& e) {
    throw PartError(fmt::format("{}: {}", name_, e.what()));
  }
}

void PartInput::copy_rows(const Part& header, const std::function<void(std::string_view)>& sink) const {
  sim::Fnv1a hash;
  std::uint64_t seen = 0;
  const auto feed = [&](std::string_view bytes) {
    seen += bytes.size();
    if (seen > header.rows.bytes) return;
    hash.add(bytes);
    sink(bytes);
  };
  if (in_memory_) {
    const std::uint64_t offset = experiment::part_header_bytes(bytes_);
    if (bytes_.size() >= offset) feed(std::string_view(bytes_).substr(offset));
  } else {
    std::ifstream f(file_, std::ios::binary);
    if (!f) throw PartError(fmt::format("{}: cannot be read (is it there?)", name_));
    const std::uint64_t offset = experiment::part_header_bytes(read_at(f, 0, experiment::kPartPreludeBytes));
    f.seekg(static_cast<std::streamoff>(offset));
    std::string buf(1 << 20, '\0');
    while (f) {
      f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      const auto n = static_cast<std::size_t>(f.gcount());
      if (n == 0) break;
      feed(std::string_view(buf.data(), n));
    }
  }
  if (seen != header.rows.bytes || hash.value() != header.rows.hash) {
    throw PartError(fmt::format(
        "{}: its per-replication rows are damaged ({} bytes where the part recorded {}, or a checksum that does not "
        "match): run that part again",
        name_, seen, header.rows.bytes));
  }
}

model::Scenario locate_scenario(const experiment::ScenarioRef& ref, const std::vector<std::string>& overrides,
                                fs::path& found, const std::function<void(model::Scenario&)>& adjust) {
  const std::vector<scenario::Override> sets = parse_overrides(overrides);
  std::string why;
  for (const fs::path& candidate : {fs::path(ref.absolute), fs::path(ref.file)}) {
    std::error_code ec;
    if (candidate.empty() || !fs::exists(candidate, ec)) continue;
    scenario::LoadResult r = scenario::check_scenario(candidate, {}, sets);
    if (!r.ok()) {
      why = fmt::format("{} no longer loads", candidate.string());
      continue;
    }
    model::Scenario sc = std::move(*r.scenario);
    adjust(sc);
    if (model::content_hash(sc) != ref.content_hash) {
      why = fmt::format("{} has changed since (content hash {}, the parts' {})", candidate.string(),
                        model::content_hash(sc), ref.content_hash);
      continue;
    }
    sc.source_file = ref.file;  // results name the file as the parts' command gave it
    found = candidate;
    return sc;
  }
  if (why.empty()) why = fmt::format("is neither at {} nor at {}", ref.absolute, ref.file);
  throw InputError(
      fmt::format("the parts were run from the scenario {}, which {}: the merge needs that scenario as it was (put it "
                  "back, or merge from the folder the parts were run in)",
                  ref.file, why));
}

void prepare_part_file(const fs::path& file, bool force) {
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec)) {
    throw InputError(fmt::format("cannot use {} as the folder for parts: {}", dir.string(),
                                 ec ? ec.message() : std::string("it is not a folder")));
  }
  if (fs::exists(file, ec) && !force) {
    throw InputError(
        fmt::format("{} already exists; pass --force to replace it, or choose another folder with -o", file.string()));
  }
}

std::string host_name() {
  char host[256] = {};
  return ::gethostname(host, sizeof host - 1) == 0 ? std::string(host) : std::string();
}

int merge_parts(const std::vector<PartInput>& inputs, const MergeOptions& opt) {
  try {
    if (inputs.empty()) throw InputError("give the part files to merge");
    // Every part is read and checked, rows included, before anything is
    // written: a missing, repeated, foreign or damaged part stops the merge
    // with nothing half-done.
    std::optional<Part> first;
    const PartInput* first_input = nullptr;
    std::map<std::uint64_t, const PartInput*> by_index;
    for (const PartInput& in : inputs) {
      if (opt.cancel && opt.cancel->load()) {
        std::cerr << "wsic merge: interrupted while checking the parts; nothing was written\n";
        return kExitInterrupted;
      }
      Part p = in.read();
      try {
        experiment::check_part_shape(p);
      } catch (const PartError& e) {
        throw PartError(fmt::format("{}: {}", in.name(), e.what()));
      }
      if (!first) {
        first_input = &in;
      } else {
        const std::string diff = experiment::job_difference(first->job, p.job);
        if (!diff.empty()) {
          throw PartError(
              fmt::format("{} and {} are parts of different jobs ({}): merge the parts of one job at a time",
                          first_input->name(), in.name(), diff));
        }
        if (p.count != first->count) {
          throw PartError(fmt::format("{} is part {} of {}, but {} is part {} of {}: a job is split one way only",
                                      first_input->name(), first->index, first->count, in.name(), p.index, p.count));
        }
      }
      const auto [at, fresh] = by_index.emplace(p.index, &in);
      if (!fresh) {
        throw PartError(
            fmt::format("part {} of {} is given twice ({} and {})", p.index, p.count, at->second->name(), in.name()));
      }
      if (p.job.per_replication) in.copy_rows(p, [](std::string_view) {});
      for (auto& b : p.batches) b.nodes.clear();  // the nodes are read again, one part at a time, to merge
      if (!first) first = std::move(p);
    }
    std::vector<std::uint64_t> missing;
    for (std::uint64_t i = 1; i <= first->count; ++i) {
      if (by_index.count(i) == 0) missing.push_back(i);
    }
    if (!missing.empty()) {
      std::string list;
      for (std::size_t m = 0; m < missing.size() && m < 10; ++m) list += (m ? ", " : "") + std::to_string(missing[m]);
      if (missing.size() > 10) list += fmt::format(" and {} more", missing.size() - 10);
      throw PartError(fmt::format("{} of the {} parts {} missing (part{} {}): run {} and merge again", missing.size(),
                                  first->count, missing.size() == 1 ? "is" : "are", missing.size() == 1 ? "" : "s",
                                  list, missing.size() == 1 ? "it" : "them"));
    }
    std::vector<const PartInput*> ordered;
    for (const auto& [index, in] : by_index) ordered.push_back(in);
    if (first->job.command == "run") return merge_run(ordered, *first, opt);
    if (first->job.command == "compare") return merge_compare(ordered, *first, opt);
    throw PartError(fmt::format("{}: a part of an unknown command '{}'", first_input->name(), first->job.command));
  } catch (const InputError& e) {
    std::cerr << "wsic merge: " << e.what() << '\n';
    return kExitBadInput;
  } catch (const PartError& e) {
    std::cerr << "wsic merge: " << e.what() << '\n';
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "wsic merge: " << e.what() << '\n';
    return kExitFailure;
  }
}

int merge_command(const MergeOptions& opt) {
  std::vector<PartInput> inputs;
  for (const fs::path& p : opt.parts) inputs.push_back(PartInput::from_file(p));
  return merge_parts(inputs, opt);
}

}  // namespace wsic::cli
