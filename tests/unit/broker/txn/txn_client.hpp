#pragma once
// A transactional client's requests through Broker::dispatch, for the
// transaction unit tests: InitProducerId, AddPartitionsToTxn, a transactional
// Produce, EndTxn and Fetch at an isolation level, each returning what the
// tests check.
#include <catch2/catch.hpp>

#include "../batch_builder.hpp"
#include "../protocol/wire.hpp"
#include "broker/protocol/api.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/record_batch.hpp"

namespace ftgo::test::txn {

using namespace ftgo::broker::protocol;
using ftgo::test::be32;
using ftgo::test::be64;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::s16;
struct Response {
  std::string data;
  Reader r;
  explicit Response(std::optional<std::string> d) : data(d.value()) {
    r = Reader(reinterpret_cast<std::uint8_t*>(data.data()), data.size());
  }
};

// Reads a response's throttle time, then its first topic's first partition
// (name, index) and returns that partition's error code.
inline std::int16_t first_partition_error(Reader& r) {
  r.i32();
  r.i32();
  r.string();
  r.i32();
  r.i32();
  return r.i16();
}

struct Producer {
  std::int64_t id = -1;
  std::int16_t epoch = -1;
  std::int32_t sequence = 0;
};

inline std::string be16(std::int16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v)}; }

inline Producer init(BrokerFixture& f, const std::string& txn_id, std::int32_t timeout_ms = 60000) {
  Response resp(f.call(api_key::init_producer_id, 1, s16(txn_id) + be32(timeout_ms)));
  resp.r.i32();
  REQUIRE(resp.r.i16() == error::none);
  Producer p;
  p.id = resp.r.i64();
  p.epoch = resp.r.i16();
  return p;
}

inline std::int16_t add_partition(BrokerFixture& f, const std::string& txn_id, const Producer& p, const std::string& topic) {
  Response resp(f.call(api_key::add_partitions_to_txn, 1,
                       s16(txn_id) + be64(p.id) + be16(p.epoch) + hex("00000001") + s16(topic) + hex("00000001 00000000")));
  return first_partition_error(resp.r);
}

// A transactional batch of `n` records; returns the Produce error.
inline std::int16_t produce(BrokerFixture& f, const std::string& txn_id, Producer& p, const std::string& topic, int n) {
  ftgo::test::BatchBuilder b;
  b.producer(p.id, p.epoch, p.sequence).attributes(0x10);
  for (int i = 0; i < n; ++i) b.add("k", "v" + std::to_string(i));
  p.sequence += n;
  std::string records = b.build();
  Response resp(f.call(api_key::produce, 3,
                       s16(txn_id) + hex("ffff 00001388 00000001") + s16(topic) + hex("00000001 00000000") +
                           be32(static_cast<std::uint32_t>(records.size())) + records));
  auto& r = resp.r;
  r.i32();
  r.string();
  r.i32();
  r.i32();
  return r.i16();
}

inline std::int16_t end_txn(BrokerFixture& f, const std::string& txn_id, const Producer& p, bool commit) {
  Response resp(f.call(api_key::end_txn, 1, s16(txn_id) + be64(p.id) + be16(p.epoch) + (commit ? hex("01") : hex("00"))));
  resp.r.i32();
  return resp.r.i16();
}

struct Fetched {
  std::int64_t high_watermark = -1;
  std::int64_t last_stable_offset = -1;
  std::vector<std::pair<std::int64_t, std::int64_t>> aborted;
  std::vector<std::int64_t> batch_offsets;  // base offset of each batch returned
};

inline Fetched fetch(BrokerFixture& f, const std::string& topic, std::int8_t isolation) {
  std::string body = hex("ffffffff 00000000 00000000 00100000") + std::string(1, static_cast<char>(isolation)) +
                     hex("00000001") + s16(topic) + hex("00000001 00000000") + be64(0) + hex("00100000");
  Response resp(f.call(api_key::fetch, 4, body));
  auto& r = resp.r;
  r.i32();
  r.i32();
  r.string();
  r.i32();
  r.i32();
  REQUIRE(r.i16() == error::none);
  Fetched out;
  out.high_watermark = r.i64();
  out.last_stable_offset = r.i64();
  std::int32_t n = r.i32();
  for (std::int32_t i = 0; i < n; ++i) {
    std::int64_t pid = r.i64();
    out.aborted.emplace_back(pid, r.i64());
  }
  std::string records = r.bytes();
  std::span<const std::uint8_t> buf{reinterpret_cast<const std::uint8_t*>(records.data()), records.size()};
  for (ftgo::broker::BatchCursor c(buf); c.next();) out.batch_offsets.push_back(c.header().base_offset);
  return out;
}

inline std::int16_t add_offsets(BrokerFixture& f, const std::string& txn_id, const Producer& p,
                                const std::string& group) {
  Response resp(f.call(api_key::add_offsets_to_txn, 1, s16(txn_id) + be64(p.id) + be16(p.epoch) + s16(group)));
  resp.r.i32();
  return resp.r.i16();
}

// TxnOffsetCommit v1 of `offset` for partition 0 of `topic`: its error.
inline std::int16_t txn_commit_offset(BrokerFixture& f, const std::string& txn_id, const std::string& group,
                                      const Producer& p, const std::string& topic, std::int64_t offset) {
  Response resp(f.call(api_key::txn_offset_commit, 1,
                       s16(txn_id) + s16(group) + be64(p.id) + be16(p.epoch) + hex("00000001") + s16(topic) +
                           hex("00000001 00000000") + be64(offset) + hex("ffff")));
  return first_partition_error(resp.r);
}

}  // namespace ftgo::test::txn
