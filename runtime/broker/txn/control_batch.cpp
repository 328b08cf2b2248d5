#include "broker/txn/control_batch.hpp"

#include <span>

#include "broker/record_batch.hpp"

namespace ftgo::broker::txn {

namespace {
constexpr std::int16_t k_attributes = 0x10 | 0x20;  // transactional | control

void put16(std::vector<std::uint8_t>& b, std::int16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& b, std::int32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}
void put64(std::vector<std::uint8_t>& b, std::int64_t v) {
  for (int s = 56; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}
// Record fields are zigzag varints; every one here fits in a byte.
void put_small_varint(std::vector<std::uint8_t>& b, std::int32_t v) { b.push_back(static_cast<std::uint8_t>(v << 1)); }
}  // namespace

std::vector<std::uint8_t> make_control_batch(std::int64_t producer_id, std::int16_t producer_epoch, ControlType type,
                                             std::int32_t coordinator_epoch, std::int64_t timestamp_ms) {
  // The record: attributes, timestampDelta, offsetDelta, key, value, no headers.
  std::vector<std::uint8_t> record;
  record.push_back(0);        // attributes
  put_small_varint(record, 0);  // timestampDelta
  put_small_varint(record, 0);  // offsetDelta
  put_small_varint(record, 4);  // key length
  put16(record, 0);             // key version
  put16(record, static_cast<std::int16_t>(type));
  put_small_varint(record, 6);  // value length
  put16(record, 0);             // value version
  put32(record, coordinator_epoch);
  put_small_varint(record, 0);  // headers

  std::vector<std::uint8_t> b;
  b.reserve(k_batch_header_size + record.size() + 1);
  put64(b, 0);  // baseOffset
  put32(b, 0);  // batchLength, below
  put32(b, 0);  // partitionLeaderEpoch
  b.push_back(2);  // magic
  put32(b, 0);     // crc, below
  put16(b, k_attributes);
  put32(b, 0);  // lastOffsetDelta
  put64(b, timestamp_ms);
  put64(b, timestamp_ms);
  put64(b, producer_id);
  put16(b, producer_epoch);
  put32(b, -1);  // baseSequence
  put32(b, 1);   // recordCount
  put_small_varint(b, static_cast<std::int32_t>(record.size()));
  b.insert(b.end(), record.begin(), record.end());
  store_be32(b.data() + 8, static_cast<std::int32_t>(b.size() - k_batch_log_overhead));
  store_be32(b.data() + 17, static_cast<std::int32_t>(compute_batch_crc(b)));
  return b;
}

}  // namespace ftgo::broker::txn
