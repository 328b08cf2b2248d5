#pragma once
// Reader and Writer for the Kafka wire primitives: big-endian integers,
// int16-length strings, int32-length bytes and arrays (classic encodings),
// and the compact/flexible ones (unsigned varint lengths + 1, tagged fields)
// of the flexible versions (ApiVersions v3, ListGroups v3+, ListOffsets v6+,
// request header v2).
//
// Reader is a bounds-checked cursor over a buffer it does not own: every read
// past the end, every negative or impossible length throws DecodeError. It
// reads from a mutable buffer so Produce can hand record batches to storage
// without copying (storage rewrites baseOffset in place).
// Writer appends to a std::string it owns; patch_i32 fills in a length
// written before the data it measures.
//
// Both are cheap values used on the broker's io thread only.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ftgo::broker::protocol {

// A request that cannot be decoded: the connection that sent it is closed.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  Reader() = default;
  Reader(std::uint8_t* data, std::size_t size) : m_pos(data), m_end(data + size) {}

  std::size_t remaining() const { return static_cast<std::size_t>(m_end - m_pos); }
  bool empty() const { return m_pos == m_end; }

  std::int8_t i8();
  bool boolean() { return i8() != 0; }
  std::int16_t i16();
  std::int32_t i32();
  std::int64_t i64();
  std::uint32_t uvarint();
  std::int32_t varint();  // zigzag

  std::string string();                        // int16 length, not null
  std::optional<std::string> nullable_string();  // int16 length, -1 = null
  std::string compact_string();                // uvarint length + 1
  std::optional<std::string> compact_nullable_string();
  std::string bytes();                           // int32 length (null reads as empty)
  // int32 length, -1 = null (nullopt); the span points into the buffer.
  std::optional<std::span<std::uint8_t>> nullable_bytes_view();
  // Array length: int32, -1 = null (nullopt). Checked against the bytes left
  // (every element takes at least `min_element_bytes`).
  std::optional<std::int32_t> array_length(std::size_t min_element_bytes = 1);
  std::int32_t array_length_not_null(std::size_t min_element_bytes = 1);
  std::optional<std::int32_t> compact_array_length(std::size_t min_element_bytes = 1);
  void skip_tagged_fields();
  // The same fields in the classic or, when `flexible`, the compact encoding,
  // for APIs that serve both (ListOffsets v1-5 and v6+).
  std::string string(bool flexible) { return flexible ? compact_string() : string(); }
  std::int32_t array_length_not_null(std::size_t min_element_bytes, bool flexible);
  void skip_tagged_fields(bool flexible) {
    if (flexible) skip_tagged_fields();
  }
  void skip(std::size_t n);
  std::span<std::uint8_t> take(std::size_t n);

 private:
  void need(std::size_t n) const;
  std::uint8_t* m_pos = nullptr;
  std::uint8_t* m_end = nullptr;
};

class Writer {
 public:
  Writer() = default;
  // A response body: starts with k_frame_header_bytes reserved for the frame
  // size and correlation id, which the connection fills in.
  static Writer response();
  static constexpr std::size_t k_frame_header_bytes = 8;

  void i8(std::int8_t v) { m_buf.push_back(static_cast<char>(v)); }
  void boolean(bool v) { i8(v ? 1 : 0); }
  void i16(std::int16_t v);
  void i32(std::int32_t v);
  void i64(std::int64_t v);
  void uvarint(std::uint32_t v);
  void varint(std::int32_t v);

  void string(std::string_view s);
  void nullable_string(const std::optional<std::string>& s);
  void null_string() { i16(-1); }
  void compact_string(std::string_view s);
  void bytes(std::string_view b);
  void null_bytes() { i32(-1); }
  void array_length(std::size_t n) { i32(static_cast<std::int32_t>(n)); }
  void compact_array_length(std::size_t n) { uvarint(static_cast<std::uint32_t>(n + 1)); }
  void empty_tagged_fields() { uvarint(0); }
  // The classic or, when `flexible`, the compact encoding (see Reader).
  void string(std::string_view s, bool flexible) { flexible ? compact_string(s) : string(s); }
  void array_length(std::size_t n, bool flexible) { flexible ? compact_array_length(n) : array_length(n); }
  void empty_tagged_fields(bool flexible) {
    if (flexible) empty_tagged_fields();
  }
  void raw(std::string_view b) { m_buf.append(b); }

  // Reserves an int32 and returns its position for patch_i32.
  std::size_t reserve_i32();
  void patch_i32(std::size_t pos, std::int32_t v);

  std::size_t size() const { return m_buf.size(); }
  std::string& buffer() { return m_buf; }
  const std::string& buffer() const { return m_buf; }
  std::string take() { return std::move(m_buf); }

 private:
  std::string m_buf;
};

}  // namespace ftgo::broker::protocol
