#include "wsic/sim/serial.hpp"

#include <catch2/catch.hpp>

#include <bit>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

using namespace wsic::sim;

namespace {

std::string sample_buffer() {
  ByteWriter w;
  w.write_header("TEST", 3);
  w.write_u8(0xab);
  w.write_u32(0x01020304U);
  w.write_u64(0x0102030405060708ULL);
  w.write_i64(-2);
  w.write_f64(-0.0);
  w.write_bool(true);
  w.write_string(std::string("a\0b", 3));
  return w.release();
}

}  // namespace

TEST_CASE("Serial.LittleEndianLayout", "[sim][serial]") {
  ByteWriter w;
  w.write_u32(0x01020304U);
  w.write_u64(0x0102030405060708ULL);
  w.write_i64(-1);
  w.write_f64(1.0);  // 0x3ff0000000000000
  const std::string expected = std::string("\x04\x03\x02\x01", 4) + std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8) +
                               std::string(8, '\xff') + std::string("\x00\x00\x00\x00\x00\x00\xf0\x3f", 8);
  CHECK(w.bytes() == expected);
}

TEST_CASE("Serial.RoundTripIsExact", "[sim][serial]") {
  const double nan_payload = std::bit_cast<double>(0x7ff8000000001234ULL);
  const double values[] = {
      0.0,        -0.0, 0.1, -1e308, std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::infinity(),
      nan_payload};
  ByteWriter w;
  for (const double v : values) w.write_f64(v);
  w.write_u8(0);
  w.write_u8(255);
  w.write_u32(std::numeric_limits<std::uint32_t>::max());
  w.write_u64(std::numeric_limits<std::uint64_t>::max());
  w.write_i64(std::numeric_limits<std::int64_t>::min());
  w.write_i64(-7);
  w.write_bool(false);
  w.write_string(std::string("x\0y\xff", 4));
  w.write_string("");

  const std::string bytes = w.release();
  ByteReader r(bytes);
  for (const double v : values) {
    CHECK(std::bit_cast<std::uint64_t>(r.read_f64()) == std::bit_cast<std::uint64_t>(v));
  }
  CHECK(r.read_u8() == 0);
  CHECK(r.read_u8() == 255);
  CHECK(r.read_u32() == std::numeric_limits<std::uint32_t>::max());
  CHECK(r.read_u64() == std::numeric_limits<std::uint64_t>::max());
  CHECK(r.read_i64() == std::numeric_limits<std::int64_t>::min());
  CHECK(r.read_i64() == -7);
  CHECK_FALSE(r.read_bool());
  CHECK(r.read_string() == std::string("x\0y\xff", 4));
  CHECK(r.read_string().empty());
  CHECK(r.at_end());
  CHECK_NOTHROW(r.expect_end());
}

TEST_CASE("Serial.EveryTruncationThrows", "[sim][serial]") {
  const std::string full = sample_buffer();
  const auto read_all = [](std::string_view bytes) {
    ByteReader r(bytes);
    if (r.read_header("TEST", 3) != 3) throw std::logic_error("wrong version");
    r.read_u8();
    r.read_u32();
    r.read_u64();
    r.read_i64();
    r.read_f64();
    r.read_bool();
    const std::string s = r.read_string();
    r.expect_end();
    return s;
  };
  CHECK(read_all(full) == std::string("a\0b", 3));
  for (std::size_t n = 0; n < full.size(); ++n) {
    INFO("prefix length " << n);
    CHECK_THROWS_AS(read_all(std::string_view(full).substr(0, n)), SerialError);
  }
  // One byte too many is as wrong as one too few.
  CHECK_THROWS_AS(read_all(full + "x"), SerialError);
}

TEST_CASE("Serial.WrongTagOrVersionThrows", "[sim][serial]") {
  ByteWriter w;
  w.write_header("ABCD", 2);
  const std::string bytes = w.release();

  CHECK_THROWS_AS(ByteReader(bytes).read_header("ABCE", 2), SerialError);
  CHECK_THROWS_WITH(ByteReader(bytes).read_header("ABCE", 2), Catch::Contains("type tag"));
  // Written by a newer format than this reader supports.
  CHECK_THROWS_WITH(ByteReader(bytes).read_header("ABCD", 1), Catch::Contains("version 2"));
  CHECK(ByteReader(bytes).read_header("ABCD", 5) == 2);

  ByteWriter zero;
  zero.write_header("ABCD", 0);
  CHECK_THROWS_AS(ByteReader(zero.bytes()).read_header("ABCD", 5), SerialError);
}

TEST_CASE("Serial.CorruptLengthAndBoolThrow", "[sim][serial]") {
  ByteWriter w;
  w.write_u64(1ULL << 60);  // a string length far beyond the buffer
  w.write_string("abc");
  const std::string bytes = w.release();
  CHECK_THROWS_AS(ByteReader(bytes).read_string(), SerialError);
  CHECK_THROWS_AS(ByteReader(bytes).read_length(8), SerialError);

  const std::string two("\x02", 1);
  CHECK_THROWS_AS(ByteReader(two).read_bool(), SerialError);
}

TEST_CASE("Serial.SerialErrorIsProjectError", "[sim][serial]") {
  const std::string empty;
  CHECK_THROWS_AS(ByteReader(empty).read_u8(), wsic::Error);
}
