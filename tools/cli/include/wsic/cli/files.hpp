#pragma once
/// Writing results without ever leaving a half-written file behind, and the
/// output folder a command writes into.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "wsic/experiment/checkpoint.hpp"
#include "wsic/sim/error.hpp"
#include "wsic/sim/serial.hpp"

namespace wsic::cli {

using experiment::Prefix;

/// A problem with what the user asked for (a folder that cannot be written,
/// a checkpoint that does not belong): the command exits with 2.
class InputError : public wsic::Error {
 public:
  using wsic::Error::Error;
};

/// Writes `content` to `path` atomically: to a temporary file in the same
/// folder (`.<name>.tmp-XXXXXX`), flushed to disk, then renamed over `path`.
/// A crash or kill leaves either the old file or the new one, never a
/// truncated one. Throws wsic::Error saying which file and why.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);
/// The same, for a file made of `head` followed by the contents of the file
/// `tail` (copied in chunks, so the tail may be larger than memory).
void write_file_atomic(const std::filesystem::path& path, std::string_view head, const std::filesystem::path& tail);

/// True for the name of a temporary file left by write_file_atomic.
bool is_temporary_name(std::string_view filename);

/// A file written by appending, with every write checked (a full disk is
/// reported naming this file and why) and a running checksum of what was
/// written, so a checkpoint can prove which prefix of the file is its own.
/// Move-only; closes on destruction.
class AppendFile {
 public:
  AppendFile() = default;
  /// Opens `path` for appending: emptied (and created) if `create_empty`,
  /// otherwise as it is (then `truncate` to the prefix to continue from).
  AppendFile(const std::filesystem::path& path, bool create_empty);
  AppendFile(AppendFile&& o) noexcept;
  AppendFile& operator=(AppendFile&& o) noexcept;
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  ~AppendFile();

  bool is_open() const noexcept { return fd_ >= 0; }
  const std::filesystem::path& path() const noexcept { return path_; }
  /// Appends; throws wsic::Error naming the file on any failure.
  void write(std::string_view bytes);
  /// Forces what was written to disk (before a checkpoint claims it).
  void sync();
  /// Cuts the file back to `bytes` (a checkpoint's prefix) and continues
  /// from there with the checksum `hash` of that prefix.
  void truncate(std::uint64_t bytes, std::uint64_t hash);
  void close();
  std::uint64_t bytes() const noexcept { return bytes_; }
  std::uint64_t hash() const noexcept { return hash_.value(); }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
  std::uint64_t bytes_ = 0;
  sim::Fnv1a hash_;
};

/// True when `path` is at least `expected.bytes` long and its first bytes
/// have the checksum `expected.hash`.
bool file_prefix_matches(const std::filesystem::path& path, const Prefix& expected);

/// The files of a command's results, gathered by name before any is written:
/// a name given twice is a bug (InternalError), never a silent overwrite.
class OutputSet {
 public:
  void add(std::string name, std::string content);
  bool contains(const std::string& name) const { return files_.count(name) != 0; }
  const std::map<std::string, std::string>& files() const noexcept { return files_; }
  /// Writes every file atomically into `dir`, in name order, calling
  /// `before_each(name)` first (it may throw to stop, e.g. on Ctrl-C).
  void write_to(const std::filesystem::path& dir, const std::function<void(const std::string&)>& before_each) const;

 private:
  std::map<std::string, std::string> files_;
};

/// The folder a command writes its results into, held for the command's
/// lifetime: created if missing, locked against a second wsic writing into
/// it at the same time, checked to be writable before any work starts, and
/// cleared of temporary files a killed run left. Throws InputError saying
/// what to do when it cannot be used.
class OutputFolder {
 public:
  /// `marker` is the file whose presence marks complete results (e.g.
  /// summary.json). Unless `replace` (--force, or a resume of this folder's
  /// own run), a folder that holds results is refused; with it, the marker
  /// is removed first, so a run stopped half way never looks complete.
  OutputFolder(const std::filesystem::path& dir, std::string_view marker, bool replace);
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;
  ~OutputFolder();

  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  std::filesystem::path dir_;
  int lock_fd_ = -1;
};

}  // namespace wsic::cli
