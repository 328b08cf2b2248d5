#include "broker/protocol/codec.hpp"

#include <fmt/format.h>

#include <cstring>

namespace ftgo::broker::protocol {

namespace {
template <typename T>
T load_be(const std::uint8_t* p) {
  std::make_unsigned_t<T> v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<decltype(v)>((v << 8) | p[i]);
  return static_cast<T>(v);
}

template <typename T>
void store_be(std::string& out, T value) {
  auto v = static_cast<std::make_unsigned_t<T>>(value);
  char b[sizeof(T)];
  for (std::size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<char>(v >> (8 * (sizeof(T) - 1 - i)));
  out.append(b, sizeof(T));
}
}  // namespace

void Reader::need(std::size_t n) const {
  if (remaining() < n) {
    throw DecodeError(fmt::format("truncated: needed {} more bytes, {} left", n, remaining()));
  }
}

void Reader::skip(std::size_t n) {
  need(n);
  m_pos += n;
}

std::span<std::uint8_t> Reader::take(std::size_t n) {
  need(n);
  std::span<std::uint8_t> s(m_pos, n);
  m_pos += n;
  return s;
}

std::int8_t Reader::i8() {
  need(1);
  return static_cast<std::int8_t>(*m_pos++);
}

std::int16_t Reader::i16() {
  need(2);
  auto v = load_be<std::int16_t>(m_pos);
  m_pos += 2;
  return v;
}

std::int32_t Reader::i32() {
  need(4);
  auto v = load_be<std::int32_t>(m_pos);
  m_pos += 4;
  return v;
}

std::int64_t Reader::i64() {
  need(8);
  auto v = load_be<std::int64_t>(m_pos);
  m_pos += 8;
  return v;
}

std::uint32_t Reader::uvarint() {
  std::uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    need(1);
    std::uint8_t b = *m_pos++;
    v |= static_cast<std::uint32_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  throw DecodeError("varint longer than 5 bytes");
}

std::int32_t Reader::varint() {
  std::uint32_t u = uvarint();
  return static_cast<std::int32_t>((u >> 1) ^ (~(u & 1) + 1));
}

std::string Reader::string() {
  auto s = nullable_string();
  if (!s) throw DecodeError("null string where one is required");
  return std::move(*s);
}

std::optional<std::string> Reader::nullable_string() {
  std::int16_t len = i16();
  if (len == -1) return std::nullopt;
  if (len < 0) throw DecodeError(fmt::format("negative string length {}", len));
  auto s = take(static_cast<std::size_t>(len));
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

std::string Reader::compact_string() {
  auto s = compact_nullable_string();
  if (!s) throw DecodeError("null compact string where one is required");
  return std::move(*s);
}

std::optional<std::string> Reader::compact_nullable_string() {
  std::uint32_t len = uvarint();
  if (len == 0) return std::nullopt;
  auto s = take(len - 1);
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

std::string Reader::bytes() {
  auto b = nullable_bytes_view();
  if (!b) return {};
  return std::string(reinterpret_cast<const char*>(b->data()), b->size());
}

std::optional<std::span<std::uint8_t>> Reader::nullable_bytes_view() {
  std::int32_t len = i32();
  if (len == -1) return std::nullopt;
  if (len < 0) throw DecodeError(fmt::format("negative bytes length {}", len));
  return take(static_cast<std::size_t>(len));
}

std::optional<std::int32_t> Reader::array_length(std::size_t min_element_bytes) {
  std::int32_t n = i32();
  if (n == -1) return std::nullopt;
  if (n < 0) throw DecodeError(fmt::format("negative array length {}", n));
  if (static_cast<std::size_t>(n) * min_element_bytes > remaining()) {
    throw DecodeError(fmt::format("array of {} elements does not fit in {} bytes", n, remaining()));
  }
  return n;
}

std::int32_t Reader::array_length_not_null(std::size_t min_element_bytes) {
  auto n = array_length(min_element_bytes);
  if (!n) throw DecodeError("null array where one is required");
  return *n;
}

std::optional<std::int32_t> Reader::compact_array_length(std::size_t min_element_bytes) {
  std::uint32_t n = uvarint();
  if (n == 0) return std::nullopt;
  --n;
  if (static_cast<std::size_t>(n) * min_element_bytes > remaining()) {
    throw DecodeError(fmt::format("array of {} elements does not fit in {} bytes", n, remaining()));
  }
  return static_cast<std::int32_t>(n);
}

std::int32_t Reader::array_length_not_null(std::size_t min_element_bytes, bool flexible) {
  if (!flexible) return array_length_not_null(min_element_bytes);
  auto n = compact_array_length(min_element_bytes);
  if (!n) throw DecodeError("null array where one is required");
  return *n;
}

void Reader::skip_tagged_fields() {
  std::uint32_t n = uvarint();
  if (n > remaining()) throw DecodeError(fmt::format("{} tagged fields do not fit", n));
  for (std::uint32_t i = 0; i < n; ++i) {
    uvarint();  // tag
    skip(uvarint());
  }
}

Writer Writer::response() {
  Writer w;
  w.m_buf.assign(k_frame_header_bytes, '\0');
  return w;
}

void Writer::i16(std::int16_t v) { store_be(m_buf, v); }
void Writer::i32(std::int32_t v) { store_be(m_buf, v); }
void Writer::i64(std::int64_t v) { store_be(m_buf, v); }

void Writer::uvarint(std::uint32_t v) {
  while (v >= 0x80) {
    m_buf.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  m_buf.push_back(static_cast<char>(v));
}

void Writer::varint(std::int32_t v) {
  uvarint((static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31));
}

void Writer::string(std::string_view s) {
  i16(static_cast<std::int16_t>(s.size()));
  m_buf.append(s);
}

void Writer::nullable_string(const std::optional<std::string>& s) {
  if (!s) return null_string();
  string(*s);
}

void Writer::compact_string(std::string_view s) {
  uvarint(static_cast<std::uint32_t>(s.size() + 1));
  m_buf.append(s);
}

void Writer::bytes(std::string_view b) {
  i32(static_cast<std::int32_t>(b.size()));
  m_buf.append(b);
}

std::size_t Writer::reserve_i32() {
  std::size_t pos = m_buf.size();
  m_buf.append(4, '\0');
  return pos;
}

void Writer::patch_i32(std::size_t pos, std::int32_t v) {
  auto u = static_cast<std::uint32_t>(v);
  for (int i = 0; i < 4; ++i) m_buf[pos + i] = static_cast<char>(u >> (8 * (3 - i)));
}

}  // namespace ftgo::broker::protocol
