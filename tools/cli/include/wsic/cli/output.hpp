#pragma once
/// What every command shows on the terminal while it works (the output
/// folder is files.hpp's OutputFolder).

#include <cstdint>
#include <string>
#include <string_view>

#include "wsic/model/model.hpp"
#include "wsic/sim/runner.hpp"

namespace wsic::cli {

/// A one-line progress bar with rate and time left, redrawn on stderr.
void draw_progress(const sim::Progress& p);

/// One replication's per-replication rows: a line per scheme of `sc`,
/// `lead` (e.g. the scenario column) then the replication, the scheme and
/// its dates (empty when not reached by the horizon), ending with `run_id`.
std::string replication_rows(const model::Scenario& sc, std::string_view lead, std::uint64_t index,
                             const model::ReplicationOutcome& r, std::string_view run_id);

/// `text` as one gzip member (RFC 1952). Members written one after another
/// make one .gz file that gunzip, zcat and zlib's gzread read whole, so rows
/// can be compressed block by block, appended as they come, cut back to a
/// checkpoint between two members, and copied from parts in order.
std::string gzip_member(std::string_view text);

/// The file name of the per-replication rows: per_replication.csv, or
/// per_replication.csv.gz with `gzip`.
inline const char* rows_file_name(bool gzip) { return gzip ? "per_replication.csv.gz" : "per_replication.csv"; }

/// `csv` (a header line and rows) with the column `run_id` added last, every
/// row holding `id`.
std::string with_run_id(std::string_view csv, std::string_view id);

}  // namespace wsic::cli
