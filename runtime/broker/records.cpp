#include "broker/records.hpp"

#include <climits>

#include "broker/decompress.hpp"
#include "util/crc32c.hpp"

namespace ftgo::broker {
namespace {

void write_varint(std::int64_t value, std::string& out) {
  auto v = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// A length-prefixed byte string (-1: null).
bool read_bytes(const std::uint8_t*& p, const std::uint8_t* end, bool& null, std::span<const std::uint8_t>& out) {
  std::int64_t n = 0;
  if (!read_varlong(p, end, n) || n < -1 || n > end - p) return false;
  null = n < 0;
  out = null ? std::span<const std::uint8_t>{} : std::span<const std::uint8_t>(p, static_cast<std::size_t>(n));
  if (n > 0) p += n;
  return true;
}

void write_bytes(bool null, std::span<const std::uint8_t> bytes, std::string& out) {
  if (null) return write_varint(-1, out);
  write_varint(static_cast<std::int64_t>(bytes.size()), out);
  out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

bool parse_records(std::span<const std::uint8_t> body, std::int32_t count, std::vector<Record>& out) {
  out.clear();
  const std::uint8_t* p = body.data();
  const std::uint8_t* const end = p + body.size();
  for (std::int32_t i = 0; i < count; ++i) {
    std::int64_t length = 0;
    if (!read_varlong(p, end, length) || length < 1 || length > end - p) return false;
    const std::uint8_t* const rend = p + length;
    Record r;
    r.attributes = static_cast<std::int8_t>(*p++);
    std::int64_t offset_delta = 0;
    if (!read_varlong(p, rend, r.timestamp_delta) || !read_varlong(p, rend, offset_delta)) return false;
    if (offset_delta < 0 || offset_delta > INT32_MAX) return false;
    r.offset_delta = static_cast<std::int32_t>(offset_delta);
    if (!read_bytes(p, rend, r.key_null, r.key) || !read_bytes(p, rend, r.value_null, r.value)) return false;
    r.headers = {p, static_cast<std::size_t>(rend - p)};
    std::int64_t header_count = 0;
    if (!read_varlong(p, rend, header_count) || header_count < 0) return false;
    p = rend;
    out.push_back(r);
  }
  return p == end;
}

bool records_section(std::span<const std::uint8_t> batch, const BatchHeader& h, std::string& scratch,
                     std::span<const std::uint8_t>& out) {
  auto body = batch.subspan(k_batch_header_size, h.total_size() - k_batch_header_size);
  if (h.compression() == 0) {
    out = body;
    return true;
  }
  scratch.clear();
  auto result = decompress_records(h.compression(), body, k_max_decompressed_records,
                                   [&](std::span<const std::uint8_t> chunk) {
                                     scratch.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
                                     return true;
                                   });
  if (result != DecompressResult::done) return false;
  out = {reinterpret_cast<const std::uint8_t*>(scratch.data()), scratch.size()};
  return true;
}

bool decode_batch_records(std::span<const std::uint8_t> batch, const BatchHeader& h, std::string& scratch,
                          std::vector<Record>& out) {
  std::span<const std::uint8_t> body;
  return records_section(batch, h, scratch, body) && parse_records(body, h.record_count, out);
}

void encode_record(const Record& r, std::string& out) {
  std::string body;
  body.push_back(static_cast<char>(r.attributes));
  write_varint(r.timestamp_delta, body);
  write_varint(r.offset_delta, body);
  write_bytes(r.key_null, r.key, body);
  write_bytes(r.value_null, r.value, body);
  if (r.headers.empty())
    body.push_back(0);  // no headers
  else
    body.append(reinterpret_cast<const char*>(r.headers.data()), r.headers.size());
  write_varint(static_cast<std::int64_t>(body.size()), out);
  out += body;
}

std::string build_batch(const BatchHeader& h, std::span<const Record> records, std::int64_t max_timestamp) {
  std::string out(k_batch_header_size, '\0');
  for (const Record& r : records) encode_record(r, out);
  auto p = reinterpret_cast<std::uint8_t*>(out.data());
  store_be64(p, h.base_offset);
  store_be32(p + 8, static_cast<std::int32_t>(out.size() - k_batch_log_overhead));
  store_be32(p + 12, h.partition_leader_epoch);
  p[16] = 2;
  auto attributes = static_cast<std::int16_t>(h.attributes & ~0x07);
  p[21] = static_cast<std::uint8_t>((attributes >> 8) & 0xFF);
  p[22] = static_cast<std::uint8_t>(attributes & 0xFF);
  store_be32(p + 23, h.last_offset_delta);
  store_be64(p + 27, h.base_timestamp);
  store_be64(p + 35, max_timestamp);
  store_be64(p + 43, h.producer_id);
  p[51] = static_cast<std::uint8_t>((h.producer_epoch >> 8) & 0xFF);
  p[52] = static_cast<std::uint8_t>(h.producer_epoch & 0xFF);
  store_be32(p + 53, h.base_sequence);
  store_be32(p + 57, static_cast<std::int32_t>(records.size()));
  store_be32(p + 17, static_cast<std::int32_t>(compute_batch_crc({p, out.size()})));
  return out;
}

}  // namespace ftgo::broker
