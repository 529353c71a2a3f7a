#pragma once
/// Byte-level serialisation for accumulators, so a batch of replications can
/// be split across processes or machines and merged afterwards.
///
/// The format is fixed little-endian whatever the host, and doubles travel as
/// their IEEE-754 bit patterns: a round trip is exact, NaN payloads included,
/// which is what keeps merged results byte-identical. The engine knows nothing
/// of files; a std::string is used as the byte buffer.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "wsic/sim/error.hpp"

namespace wsic::sim {

/// Malformed serialised input: truncated, trailing bytes, a wrong type tag or
/// an unsupported format version. The message says which and where.
class SerialError : public wsic::Error {
 public:
  using wsic::Error::Error;
};

/// Appends values to a byte buffer in a fixed little-endian format.
/// Not thread-safe; use one writer per thread.
class ByteWriter {
 public:
  ByteWriter() = default;
  /// Continues appending to an existing buffer.
  explicit ByteWriter(std::string initial) : buf_(std::move(initial)) {}

  void write_u8(std::uint8_t v) { buf_.push_back(static_cast<char>(v)); }
  void write_u32(std::uint32_t v) { put_le(v, 4); }
  void write_u64(std::uint64_t v) { put_le(v, 8); }
  /// Two's complement, as its u64 bit pattern.
  void write_i64(std::int64_t v) { put_le(static_cast<std::uint64_t>(v), 8); }
  /// The exact IEEE-754 bit pattern (NaN payload and sign of zero preserved).
  void write_f64(double v) { put_le(std::bit_cast<std::uint64_t>(v), 8); }
  void write_bool(bool v) { write_u8(v ? 1 : 0); }
  /// u64 byte length, then the bytes.
  void write_string(std::string_view s) {
    write_u64(s.size());
    buf_.append(s);
  }
  /// A type tag (exactly 4 ASCII characters, e.g. "RSTA") and format version,
  /// so a reader can refuse bytes meant for another type or a newer format.
  void write_header(std::string_view tag, std::uint32_t version) {
    WSIC_ASSERT(tag.size() == 4, "serial tags are 4 characters");
    buf_.append(tag);
    write_u32(version);
  }

  /// The bytes written so far.
  const std::string& bytes() const noexcept { return buf_; }
  /// Moves the buffer out; the writer is left empty.
  std::string release() noexcept { return std::exchange(buf_, std::string{}); }

 private:
  void put_le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) buf_.push_back(static_cast<char>((v >> (8 * i)) & 0xffU));
  }

  std::string buf_;
};

/// Reads what ByteWriter wrote. Every read checks the remaining length and
/// throws SerialError on truncation, so corrupt input never reads out of
/// bounds. The viewed bytes must outlive the reader.
/// Not thread-safe; use one reader per thread.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) noexcept : data_(bytes) {}

  std::uint8_t read_u8() { return static_cast<std::uint8_t>(get_le(1, "u8")); }
  std::uint32_t read_u32() { return static_cast<std::uint32_t>(get_le(4, "u32")); }
  std::uint64_t read_u64() { return get_le(8, "u64"); }
  std::int64_t read_i64() { return static_cast<std::int64_t>(get_le(8, "i64")); }
  double read_f64() { return std::bit_cast<double>(get_le(8, "f64")); }
  /// Throws SerialError unless the byte is 0 or 1.
  bool read_bool() {
    const std::size_t at = pos_;
    const std::uint8_t v = read_u8();
    if (v > 1) fail("invalid bool byte " + std::to_string(v), at);
    return v == 1;
  }
  std::string read_string() {
    const std::uint64_t n = read_length(1);
    std::string s(data_.substr(pos_, static_cast<std::size_t>(n)));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  /// Reads an element count and checks that `n * element_bytes` bytes remain,
  /// so a corrupt count fails here rather than in a huge allocation.
  std::uint64_t read_length(std::size_t element_bytes) {
    const std::size_t at = pos_;
    const std::uint64_t n = read_u64();
    if (element_bytes != 0 && n > remaining() / element_bytes) {
      fail("length " + std::to_string(n) + " exceeds the " + std::to_string(remaining()) + " bytes remaining", at);
    }
    return n;
  }
  /// Reads a header written by ByteWriter::write_header; throws SerialError if
  /// the tag differs or the version is 0 or above `max_version`. Returns the
  /// version so a reader can handle older formats.
  std::uint32_t read_header(std::string_view tag, std::uint32_t max_version) {
    const std::size_t at = pos_;
    need(tag.size(), "type tag");
    const std::string_view got = data_.substr(pos_, tag.size());
    if (got != tag) {
      fail("expected type tag '" + std::string(tag) + "' but found '" + printable(got) + "'", at);
    }
    pos_ += tag.size();
    const std::uint32_t version = read_u32();
    if (version == 0 || version > max_version) {
      fail("unsupported '" + std::string(tag) + "' format version " + std::to_string(version) +
               " (this build reads 1.." + std::to_string(max_version) + ")",
           at);
    }
    return version;
  }

  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  bool at_end() const noexcept { return pos_ == data_.size(); }
  /// Throws SerialError if bytes are left over (input longer than expected).
  void expect_end() const {
    if (!at_end()) fail(std::to_string(remaining()) + " unexpected trailing bytes", pos_);
  }
  /// Throws SerialError with `what` and the current offset; for the loaders'
  /// own validity checks.
  [[noreturn]] void fail(const std::string& what) const { fail(what, pos_); }

 private:
  [[noreturn]] void fail(const std::string& what, std::size_t at) const {
    throw SerialError("serial: " + what + " at byte offset " + std::to_string(at));
  }
  void need(std::size_t n, const char* what) const {
    if (n > remaining()) {
      fail(std::string("truncated input: needed ") + std::to_string(n) + " bytes for " + what + ", " +
               std::to_string(remaining()) + " remain",
           pos_);
    }
  }
  std::uint64_t get_le(std::size_t n, const char* what) {
    need(n, what);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(data_[pos_ + i])) << (8 * i);
    }
    pos_ += n;
    return v;
  }
  static std::string printable(std::string_view s) {
    std::string out;
    for (const char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (u >= 0x20 && u < 0x7f) {
        out.push_back(c);
      } else {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\x";
        out.push_back(kHex[u >> 4]);
        out.push_back(kHex[u & 0xfU]);
      }
    }
    return out;
  }

  std::string_view data_;
  std::size_t pos_ = 0;
};

/// FNV-1a, 64 bits, over bytes fed in any number of pieces: the same bytes
/// give the same value however they are split. A checksum against accidents
/// (a flipped bit, a truncated or edited file), not against forgery: every
/// single-byte change and every change of length alters it.
class Fnv1a {
 public:
  static constexpr std::uint64_t kBasis = 0xcbf29ce484222325ULL;
  static constexpr std::uint64_t kPrime = 0x100000001b3ULL;

  Fnv1a() = default;
  explicit Fnv1a(std::uint64_t state) noexcept : h_(state) {}
  Fnv1a& add(std::string_view bytes) noexcept {
    for (const char c : bytes) {
      h_ ^= static_cast<unsigned char>(c);
      h_ *= kPrime;
    }
    return *this;
  }
  std::uint64_t value() const noexcept { return h_; }

 private:
  std::uint64_t h_ = kBasis;
};

/// Serialises any accumulator with `void save(ByteWriter&) const`.
template <class T>
std::string to_bytes(const T& value) {
  ByteWriter w;
  value.save(w);
  return w.release();
}

/// Loads an accumulator with `static T load(ByteReader&)` from exactly these
/// bytes; throws SerialError on malformed input or trailing bytes.
template <class T>
T from_bytes(std::string_view bytes) {
  ByteReader r(bytes);
  T value = T::load(r);
  r.expect_end();
  return value;
}

}  // namespace wsic::sim
