#include <catch2/catch.hpp>

#include "broker/protocol/codec.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::hex;

namespace {
Reader reader(std::string& bytes) { return Reader(reinterpret_cast<std::uint8_t*>(bytes.data()), bytes.size()); }
}  // namespace

TEST_CASE("the reader decodes big-endian integers and int16 strings", "[broker][codec]") {
  std::string b = hex("ff | 00 2a | 00 00 01 00 | ff ff ff ff ff ff ff fe | 00 03 61 62 63 | ff ff");
  Reader r = reader(b);
  CHECK(r.i8() == -1);
  CHECK(r.i16() == 42);
  CHECK(r.i32() == 256);
  CHECK(r.i64() == -2);
  CHECK(r.string() == "abc");
  CHECK_FALSE(r.nullable_string().has_value());
  CHECK(r.empty());
}

TEST_CASE("the reader refuses to read past the end", "[broker][codec]") {
  std::string b = hex("00 05 61 62");  // a 5-byte string with 2 bytes
  Reader r = reader(b);
  CHECK_THROWS_AS(r.string(), DecodeError);
  std::string c = hex("00 00 00");
  Reader r2 = reader(c);
  CHECK_THROWS_AS(r2.i32(), DecodeError);
}

TEST_CASE("negative lengths other than -1 are refused", "[broker][codec]") {
  std::string b = hex("ff fe");
  Reader r = reader(b);
  CHECK_THROWS_AS(r.nullable_string(), DecodeError);
  std::string c = hex("ff ff ff fd");
  Reader r2 = reader(c);
  CHECK_THROWS_AS(r2.nullable_bytes_view(), DecodeError);
}

TEST_CASE("an array longer than the bytes left is refused before allocating", "[broker][codec]") {
  std::string b = hex("7f ff ff ff 00 00");
  Reader r = reader(b);
  CHECK_THROWS_AS(r.array_length(4), DecodeError);
  std::string c = hex("ff ff ff ff");
  Reader r2 = reader(c);
  CHECK_FALSE(r2.array_length().has_value());
}

TEST_CASE("compact strings, arrays and tagged fields decode", "[broker][codec]") {
  // "ab" as compact string, compact array of 2, tagged fields: 1 field tag 0 of 2 bytes
  std::string b = hex("03 61 62 | 03 | 01 00 02 aa bb | 00");
  Reader r = reader(b);
  CHECK(r.compact_string() == "ab");
  CHECK(r.compact_array_length().value() == 2);
  r.skip_tagged_fields();
  CHECK(r.compact_nullable_string() == std::nullopt);
  CHECK(r.empty());
}

TEST_CASE("varints longer than five bytes are refused", "[broker][codec]") {
  std::string b = hex("ff ff ff ff ff ff");
  Reader r = reader(b);
  CHECK_THROWS_AS(r.uvarint(), DecodeError);
}

TEST_CASE("the writer encodes primitives big-endian", "[broker][codec]") {
  Writer w;
  w.i8(-1);
  w.i16(42);
  w.i32(256);
  w.i64(-2);
  w.string("abc");
  w.null_string();
  w.bytes("xy");
  w.null_bytes();
  w.compact_string("ab");
  w.compact_array_length(2);
  w.uvarint(300);
  w.varint(-1);
  CHECK(w.buffer() == hex("ff 002a 00000100 fffffffffffffffe 0003 616263 ffff 00000002 7879 ffffffff "
                          "03 6162 03 ac02 01"));
}

TEST_CASE("a reserved int32 is patched in place", "[broker][codec]") {
  Writer w = Writer::response();
  CHECK(w.size() == Writer::k_frame_header_bytes);
  auto pos = w.reserve_i32();
  w.raw("abc");
  w.patch_i32(pos, 3);
  CHECK(w.buffer().substr(8) == hex("00000003 616263"));
}
