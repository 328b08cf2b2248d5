#include "broker/record_batch.hpp"

#include <algorithm>
#include <array>
#include <climits>

#include "broker/decompress.hpp"
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

BatchError validate_batch(std::span<const std::uint8_t> buf, BatchHeader& h, bool compacted) {
  if (auto e = parse_batch_header(buf, h); e != BatchError::none) return e;
  const std::int64_t span = static_cast<std::int64_t>(h.last_offset_delta) + 1;
  if (h.record_count <= 0 || h.last_offset_delta < 0 || (compacted ? h.record_count > span : h.record_count != span))
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

namespace {

// Walks the records section of a batch fed in pieces (decompressed chunks, or
// the stored bytes at once), reading only each record's length, timestamp
// delta and offset delta and skipping the rest. Up to 31 bytes of a record's
// start are kept across pieces in m_head.
class RecordWalker {
 public:
  using Visit = std::function<bool(std::int64_t offset, std::int64_t timestamp)>;
  RecordWalker(const BatchHeader& h, const Visit& visit) : m_header(h), m_visit(visit) {}

  // Takes the next bytes; false once the walk is over (ended or malformed).
  bool feed(std::span<const std::uint8_t> in);
  // Every record was visited, or `visit` stopped the walk.
  bool finished() const {
    return m_state == State::finished || (m_state == State::walking && all_seen() && m_skip == 0);
  }

 private:
  enum class State { walking, finished, malformed };
  bool all_seen() const { return m_seen >= m_header.record_count; }

  const BatchHeader& m_header;
  const Visit& m_visit;
  State m_state = State::walking;
  std::int32_t m_seen = 0;
  std::uint64_t m_skip = 0;  // bytes of the current record still to pass over
  std::array<std::uint8_t, 32> m_head{};
  std::size_t m_head_len = 0;
};

bool RecordWalker::feed(std::span<const std::uint8_t> in) {
  const std::uint8_t* p = in.data();
  const std::uint8_t* const end = p + in.size();
  while (m_state == State::walking) {
    if (all_seen()) {
      m_state = State::finished;
      break;
    }
    if (m_skip > 0) {
      auto n = std::min<std::uint64_t>(m_skip, static_cast<std::uint64_t>(end - p));
      p += n;
      m_skip -= n;
      if (m_skip > 0) break;  // this piece is used up
      continue;
    }
    std::size_t n = std::min<std::size_t>(m_head.size() - m_head_len, static_cast<std::size_t>(end - p));
    std::memcpy(m_head.data() + m_head_len, p, n);
    m_head_len += n;
    p += n;
    // Here either m_head is full or the piece is used up: a short parse waits for the next piece.
    const bool full = m_head_len == m_head.size();
    const std::uint8_t* q = m_head.data();
    const std::uint8_t* const head_end = q + m_head_len;
    std::int64_t length = 0, ts_delta = 0, offset_delta = 0;
    if (!read_varlong(q, head_end, length)) {
      if (full) m_state = State::malformed;
      break;
    }
    if (length < 1) {
      m_state = State::malformed;
      break;
    }
    const std::uint64_t total = static_cast<std::uint64_t>(q - m_head.data()) + static_cast<std::uint64_t>(length);
    const bool whole = total <= m_head_len;
    const std::uint8_t* const record_end = whole ? m_head.data() + total : head_end;
    q += 1;  // attributes
    if (q > record_end || !read_varlong(q, record_end, ts_delta) || !read_varlong(q, record_end, offset_delta)) {
      if (whole || full) m_state = State::malformed;
      break;
    }
    ++m_seen;
    if (!m_visit(m_header.base_offset + offset_delta, m_header.base_timestamp + ts_delta)) {
      m_state = State::finished;
      break;
    }
    if (whole) {
      std::memmove(m_head.data(), m_head.data() + total, m_head_len - total);
      m_head_len -= total;
    } else {
      m_skip = total - m_head_len;
      m_head_len = 0;
    }
  }
  return m_state == State::walking;
}

}  // namespace

bool for_each_record(std::span<const std::uint8_t> batch,
                     const std::function<bool(std::int64_t offset, std::int64_t timestamp)>& visit,
                     std::string* why) {
  BatchHeader h;
  if (BatchError e = parse_batch_header(batch, h); e != BatchError::none) {
    if (why) *why = to_string(e);
    return false;
  }
  if (h.log_append_time()) return false;
  RecordWalker walker(h, visit);
  auto records = batch.subspan(k_batch_header_size, h.total_size() - k_batch_header_size);
  auto result = DecompressResult::done;
  if (h.compression() == 0)
    walker.feed(records);
  else
    result = decompress_records(h.compression(), records, k_max_decompressed_records,
                                [&](std::span<const std::uint8_t> chunk) { return walker.feed(chunk); });
  if (walker.finished()) return true;
  if (why) {
    if (result != DecompressResult::done && result != DecompressResult::stopped)
      *why = std::string(codec_name(h.compression())) + ": " + to_string(result);
    else
      *why = "malformed records";
  }
  return false;
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
