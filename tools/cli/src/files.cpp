#include "wsic/cli/files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace wsic::cli {

namespace {
std::string why() { return std::strerror(errno); }

// write(2) until everything is written; false with errno set on failure.
bool write_all(int fd, std::string_view bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}
}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  write_file_atomic(path, content, {});
}

void write_file_atomic(const std::filesystem::path& path, std::string_view head, const std::filesystem::path& tail) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string tmpl = (dir / ('.' + path.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    throw Error(
        fmt::format("cannot write {}: {} (check that the folder exists and is writable)", path.string(), why()));
  }
  const auto fail = [&](const std::string& reason) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw Error(fmt::format("cannot write {}: {}", path.string(), reason));
  };
  const auto fail_write = [&] {
    const bool full = errno == ENOSPC;
    fail(why() + (full ? " (the disk is full)" : ""));
  };
  if (!write_all(fd, head)) fail_write();
  if (!tail.empty()) {
    const int in = ::open(tail.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) fail(fmt::format("cannot read {}: {}", tail.string(), why()));
    std::string buf(1 << 20, '\0');
    for (;;) {
      const ssize_t n = ::read(in, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const std::string reason = why();
        ::close(in);
        fail(fmt::format("cannot read {}: {}", tail.string(), reason));
      }
      if (n == 0) break;
      if (!write_all(fd, std::string_view(buf.data(), static_cast<std::size_t>(n)))) {
        ::close(in);
        fail_write();
      }
    }
    ::close(in);
  }
  if (::fsync(fd) != 0 || ::fchmod(fd, 0644) != 0) fail(why());
  if (::close(fd) != 0) {
    const std::string reason = why();
    ::unlink(tmpl.c_str());
    throw Error(fmt::format("cannot write {}: {}", path.string(), reason));
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const std::string reason = why();
    ::unlink(tmpl.c_str());
    throw Error(fmt::format("cannot write {}: {}", path.string(), reason));
  }
}

bool is_temporary_name(std::string_view name) {
  const auto at = name.rfind(".tmp-");
  return !name.empty() && name.front() == '.' && at != std::string_view::npos && name.size() - at == 11;
}

// ---- AppendFile -------------------------------------------------------------

AppendFile::AppendFile(const std::filesystem::path& path, bool create_empty) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (create_empty ? O_TRUNC : 0), 0644);
  if (fd_ < 0) throw Error(fmt::format("cannot write {}: {}", path.string(), why()));
}

AppendFile::AppendFile(AppendFile&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)), bytes_(o.bytes_), hash_(o.hash_) {}

AppendFile& AppendFile::operator=(AppendFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    path_ = std::move(o.path_);
    bytes_ = o.bytes_;
    hash_ = o.hash_;
  }
  return *this;
}

AppendFile::~AppendFile() {
  if (fd_ >= 0) ::close(fd_);
}

void AppendFile::write(std::string_view bytes) {
  if (!write_all(fd_, bytes)) {
    throw Error(
        fmt::format("cannot write {}: {}{}", path_.string(), why(), errno == ENOSPC ? " (the disk is full)" : ""));
  }
  bytes_ += bytes.size();
  hash_.add(bytes);
}

void AppendFile::sync() {
  if (::fsync(fd_) != 0) throw Error(fmt::format("cannot write {}: {}", path_.string(), why()));
}

void AppendFile::truncate(std::uint64_t bytes, std::uint64_t hash) {
  if (::ftruncate(fd_, static_cast<off_t>(bytes)) != 0) {
    throw Error(fmt::format("cannot cut {} back to {} bytes: {}", path_.string(), bytes, why()));
  }
  bytes_ = bytes;
  hash_ = sim::Fnv1a(hash);
}

void AppendFile::close() {
  if (fd_ < 0) return;
  const int fd = std::exchange(fd_, -1);
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    throw Error(fmt::format("cannot finish writing {}: {}", path_.string(), why()));
}

bool file_prefix_matches(const std::filesystem::path& path, const Prefix& expected) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  sim::Fnv1a h;
  std::uint64_t left = expected.bytes;
  std::vector<char> buf(1 << 16);
  while (left > 0) {
    const ssize_t n = ::read(fd, buf.data(), static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size())));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    h.add(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    left -= static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  return left == 0 && h.value() == expected.hash;
}

// ---- OutputSet ----------------------------------------------------------------

void OutputSet::add(std::string name, std::string content) {
  const std::string key = name;
  if (!files_.emplace(std::move(name), std::move(content)).second) {
    throw InternalError(fmt::format("two outputs of the command are named {}", key));
  }
}

void OutputSet::write_to(const std::filesystem::path& dir,
                         const std::function<void(const std::string&)>& before_each) const {
  for (const auto& [name, content] : files_) {
    before_each(name);
    write_file_atomic(dir / name, content);
  }
}

// ---- OutputFolder -------------------------------------------------------------

OutputFolder::OutputFolder(const std::filesystem::path& dir, std::string_view marker, bool replace) : dir_(dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec)) {
    throw InputError(fmt::format("cannot use {} as the output folder: {}", dir.string(),
                                 ec ? ec.message() : std::string("it is not a folder")));
  }
  // Held until the command ends (the kernel drops it if the process dies):
  // a second run into the same folder is refused, not interleaved.
  const std::filesystem::path lock = dir / ".wsic.lock";
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) {
    throw InputError(
        fmt::format("cannot write to the output folder {}: {} (choose another with -o)", dir.string(), why()));
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(std::exchange(lock_fd_, -1));
    throw InputError(fmt::format(
        "another wsic is writing to {}; wait for it to finish or choose another folder with -o", dir.string()));
  }
  // Writable, checked now rather than after the whole batch has run.
  std::string probe = (dir / ".write-check.tmp-XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) {
    throw InputError(
        fmt::format("cannot write to the output folder {}: {} (choose another with -o)", dir.string(), why()));
  }
  ::close(fd);
  ::unlink(probe.c_str());
  // Temporary files of a run that was killed: nobody else writes here now.
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (is_temporary_name(e.path().filename().string())) std::filesystem::remove(e.path(), ec);
  }
  const std::filesystem::path done = dir / marker;
  if (std::filesystem::exists(done, ec)) {
    if (!replace) {
      throw InputError(
          fmt::format("{} already holds results ({}); pass --force to replace them, or choose another folder "
                      "with -o",
                      dir.string(), marker));
    }
    std::filesystem::remove(done, ec);
    if (ec) throw InputError(fmt::format("cannot replace the results in {}: {}", dir.string(), ec.message()));
  }
}

OutputFolder::~OutputFolder() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

}  // namespace wsic::cli
