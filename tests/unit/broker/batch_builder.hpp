#pragma once
// Test helper: builds valid Kafka v2 record batches (uncompressed) with any
// number of records — keys, values (null allowed), headers, timestamps — and
// an idempotent producer's id, epoch and base sequence. baseOffset is 0.
//
//   std::string b = BatchBuilder().timestamp(1000).add("k", "v").add({}, "v2").build();
//   std::string b = make_batch(10, 100);  // 10 records of 100-byte values
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "broker/record_batch.hpp"

namespace ftgo::test {

struct TestRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  std::int64_t timestamp = -1;  // -1: the batch's base timestamp plus the record's index
};

class BatchBuilder {
 public:
  BatchBuilder& timestamp(std::int64_t base_ts) {
    m_base_ts = base_ts;
    return *this;
  }
  BatchBuilder& producer(std::int64_t id, std::int16_t epoch, std::int32_t base_sequence) {
    m_producer_id = id;
    m_producer_epoch = epoch;
    m_base_sequence = base_sequence;
    return *this;
  }
  BatchBuilder& attributes(std::int16_t a) {
    m_attributes = a;
    return *this;
  }
  BatchBuilder& add(TestRecord r) {
    m_records.push_back(std::move(r));
    return *this;
  }
  BatchBuilder& add(std::optional<std::string> key, std::optional<std::string> value, std::int64_t ts = -1) {
    return add(TestRecord{std::move(key), std::move(value), {}, ts});
  }

  std::string build() const {
    std::string records;
    std::int64_t max_ts = m_base_ts;
    for (std::size_t i = 0; i < m_records.size(); ++i) {
      const TestRecord& r = m_records[i];
      std::int64_t ts = r.timestamp >= 0 ? r.timestamp : m_base_ts + static_cast<std::int64_t>(i);
      if (ts > max_ts) max_ts = ts;
      std::string body;
      body.push_back(0);  // attributes
      put_varint(body, ts - m_base_ts);
      put_varint(body, static_cast<std::int64_t>(i));
      put_bytes(body, r.key);
      put_bytes(body, r.value);
      put_varint(body, static_cast<std::int64_t>(r.headers.size()));
      for (const auto& [hk, hv] : r.headers) {
        put_bytes(body, hk);
        put_bytes(body, hv);
      }
      put_varint(records, static_cast<std::int64_t>(body.size()));
      records += body;
    }
    std::string b(broker::k_batch_header_size, '\0');
    auto p = reinterpret_cast<std::uint8_t*>(b.data());
    auto n = static_cast<std::int32_t>(m_records.size());
    broker::store_be64(p, 0);
    broker::store_be32(p + 8, static_cast<std::int32_t>(broker::k_batch_header_size - 12 + records.size()));
    broker::store_be32(p + 12, -1);
    p[16] = 2;
    p[21] = static_cast<std::uint8_t>(m_attributes >> 8);
    p[22] = static_cast<std::uint8_t>(m_attributes);
    broker::store_be32(p + 23, n - 1);
    broker::store_be64(p + 27, m_base_ts);
    broker::store_be64(p + 35, max_ts);
    broker::store_be64(p + 43, m_producer_id);
    p[51] = static_cast<std::uint8_t>(m_producer_epoch >> 8);
    p[52] = static_cast<std::uint8_t>(m_producer_epoch);
    broker::store_be32(p + 53, m_base_sequence);
    broker::store_be32(p + 57, n);
    b += records;
    auto bytes = reinterpret_cast<std::uint8_t*>(b.data());
    broker::store_be32(bytes + 17, static_cast<std::int32_t>(broker::compute_batch_crc({bytes, b.size()})));
    return b;
  }

 private:
  static void put_varint(std::string& s, std::int64_t v) {
    auto z = (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
    while (z >= 0x80) {
      s.push_back(static_cast<char>((z & 0x7F) | 0x80));
      z >>= 7;
    }
    s.push_back(static_cast<char>(z));
  }
  static void put_bytes(std::string& s, const std::optional<std::string>& v) {
    if (!v) {
      put_varint(s, -1);
      return;
    }
    put_varint(s, static_cast<std::int64_t>(v->size()));
    s += *v;
  }

  std::vector<TestRecord> m_records;
  std::int64_t m_base_ts = 0;
  std::int64_t m_producer_id = -1;
  std::int16_t m_producer_epoch = -1;
  std::int32_t m_base_sequence = -1;
  std::int16_t m_attributes = 0;
};

// `records` records with keys "k<i>" and values of `value_size` bytes, at
// timestamps ts, ts+1, ...
inline std::string make_batch(int records, std::size_t value_size, std::int64_t ts = 1000) {
  BatchBuilder b;
  b.timestamp(ts);
  for (int i = 0; i < records; ++i)
    b.add("k" + std::to_string(i), std::string(value_size, static_cast<char>('a' + i % 26)));
  return b.build();
}

inline std::span<std::uint8_t> as_span(std::string& s) {
  return {reinterpret_cast<std::uint8_t*>(s.data()), s.size()};
}

}  // namespace ftgo::test
