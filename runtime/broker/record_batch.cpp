#include "broker/record_batch.hpp"

#include <climits>

#include "util/crc32c.hpp"

namespace ftgo::broker {

std::int32_t BatchHeader::last_sequence() const {
  if (base_sequence < 0) return base_sequence;
  std::int64_t last = static_cast<std::int64_t>(base_sequence) + last_offset_delta;
  if (last > INT32_MAX) last -= static_cast<std::int64_t>(INT32_MAX) + 1;
  return static_cast<std::int32_t>(last);
}

const char* to_string(BatchError e) {
  switch (e) {
    case BatchError::none: return "ok";
    case BatchError::truncated: return "truncated record batch";
    case BatchError::bad_length: return "record batch length below the header size";
    case BatchError::bad_magic: return "record batch magic is not 2";
    case BatchError::bad_crc: return "record batch CRC-32C mismatch";
    case BatchError::bad_count: return "record batch count inconsistent with its offset delta";
  }
  return "?";
}

BatchError parse_batch_header(std::span<const std::uint8_t> buf, BatchHeader& h) {
  if (buf.size() < k_batch_header_size) {
    // Enough for the magic? Report a wrong magic before a short header, so a
    // v0/v1 message set (shorter headers) is named as such.
    if (buf.size() > 16 && static_cast<std::int8_t>(buf[16]) != 2) return BatchError::bad_magic;
    return BatchError::truncated;
  }
  if (auto e = decode_batch_header(buf.data(), h); e != BatchError::none) return e;
  if (h.total_size() > buf.size()) return BatchError::truncated;
  return BatchError::none;
}

BatchError decode_batch_header(const std::uint8_t* p, BatchHeader& h) {
  h.base_offset = load_be64(p);
  h.batch_length = load_be32(p + 8);
  h.partition_leader_epoch = load_be32(p + 12);
  h.magic = static_cast<std::int8_t>(p[16]);
  if (h.magic != 2) return BatchError::bad_magic;
  if (h.batch_length < k_min_batch_length) return BatchError::bad_length;
  h.crc = static_cast<std::uint32_t>(load_be32(p + 17));
  h.attributes = load_be16(p + 21);
  h.last_offset_delta = load_be32(p + 23);
  h.base_timestamp = load_be64(p + 27);
  h.max_timestamp = load_be64(p + 35);
  h.producer_id = load_be64(p + 43);
  h.producer_epoch = load_be16(p + 51);
  h.base_sequence = load_be32(p + 53);
  h.record_count = load_be32(p + 57);
  return BatchError::none;
}

std::uint32_t compute_batch_crc(std::span<const std::uint8_t> batch) {
  return util::crc32c(batch.data() + k_batch_crc_start, batch.size() - k_batch_crc_start);
}

BatchError validate_batch(std::span<const std::uint8_t> buf, BatchHeader& h) {
  if (auto e = parse_batch_header(buf, h); e != BatchError::none) return e;
  if (h.record_count <= 0 || h.last_offset_delta < 0 ||
      static_cast<std::int64_t>(h.last_offset_delta) + 1 != h.record_count)
    return BatchError::bad_count;
  if (compute_batch_crc(buf.first(h.total_size())) != h.crc) return BatchError::bad_crc;
  return BatchError::none;
}

void set_max_timestamp(std::span<std::uint8_t> batch, std::int64_t ts) {
  store_be64(batch.data() + 35, ts);
  store_be32(batch.data() + 17, static_cast<std::int32_t>(compute_batch_crc(batch)));
}

bool BatchCursor::next() {
  if (m_error != BatchError::none) return false;
  m_pos = m_next;
  if (m_pos >= m_buf.size()) return false;
  auto rest = m_buf.subspan(m_pos);
  m_error = m_check_crc ? validate_batch(rest, m_header) : parse_batch_header(rest, m_header);
  if (m_error != BatchError::none) return false;
  m_next = m_pos + m_header.total_size();
  return true;
}

namespace {

// Reads a zigzag varint (up to 10 bytes); false when it runs off the end.
bool read_varlong(const std::uint8_t*& p, const std::uint8_t* end, std::int64_t& out) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (p >= end) return false;
    std::uint8_t b = *p++;
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      out = static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
      return true;
    }
  }
  return false;
}

}  // namespace

bool for_each_record(std::span<const std::uint8_t> batch,
                     const std::function<bool(std::int64_t offset, std::int64_t timestamp)>& visit) {
  BatchHeader h;
  if (parse_batch_header(batch, h) != BatchError::none || h.compression() != 0 || h.log_append_time()) return false;
  const std::uint8_t* p = batch.data() + k_batch_header_size;
  const std::uint8_t* end = batch.data() + h.total_size();
  for (std::int32_t i = 0; i < h.record_count; ++i) {
    std::int64_t length = 0, ts_delta = 0, offset_delta = 0;
    if (!read_varlong(p, end, length) || length < 1 || length > end - p) return false;
    const std::uint8_t* record_end = p + length;
    const std::uint8_t* q = p + 1;  // skip attributes
    if (!read_varlong(q, record_end, ts_delta) || !read_varlong(q, record_end, offset_delta)) return false;
    if (!visit(h.base_offset + offset_delta, h.base_timestamp + ts_delta)) return true;
    p = record_end;
  }
  return true;
}

bool find_record_by_timestamp(std::span<const std::uint8_t> batch, std::int64_t ts, std::int64_t& offset) {
  BatchHeader h;
  if (parse_batch_header(batch, h) != BatchError::none || h.compression() != 0) return false;
  if (h.log_append_time()) {
    offset = h.base_offset;
    return h.max_timestamp >= ts;
  }
  bool found = false;
  bool whole = for_each_record(batch, [&](std::int64_t record_offset, std::int64_t record_ts) {
    if (record_ts < ts) return true;
    offset = record_offset;
    found = true;
    return false;
  });
  return whole && found;
}

}  // namespace ftgo::broker
