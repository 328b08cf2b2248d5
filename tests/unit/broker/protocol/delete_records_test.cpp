// DeleteRecords (key 21): the v0/v1 codec against hand-written bytes and the
// handler's answers through Broker::dispatch (-1 = the high watermark, beyond
// it OFFSET_OUT_OF_RANGE, unknown partitions, a partition named twice, a
// compact-only topic).
#include <catch2/catch.hpp>

#include "../batch_builder.hpp"
#include "broker/protocol/delete_records.hpp"
#include "broker/protocol/errors.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::make_batch;
using ftgo::test::reader_of;
using ftgo::test::s16;
using ftgo::test::to_hex;

namespace {
// Topic t (the fixture's 2 partitions) with `n` records in partition 0.
void topic_with_records(BrokerFixture& f, int n) {
  f.auto_create("t");
  std::string records = make_batch("k", "v");
  for (int i = 0; i < n; ++i) {
    f.call(api_key::produce, 3, hex("ffff ffff 00001388 00000001") + s16("t") + hex("00000001 00000000") +
                                    ftgo::test::be32(static_cast<std::uint32_t>(records.size())) + records);
  }
}
}  // namespace

TEST_CASE("DeleteRecords: v0 request and response", "[broker][codec]") {
  std::string bytes = hex("00000001") + s16("t") + hex("00000002 00000000 0000000000000005 00000001 ffffffffffffffff") +
                      hex("00007530");
  auto r = reader_of(bytes);
  auto req = decode_delete_records_request(r, 0);
  REQUIRE(req.topics.size() == 1);
  REQUIRE(req.topics[0].partitions.size() == 2);
  CHECK(req.topics[0].partitions[0].offset == 5);
  CHECK(req.topics[0].partitions[1].index == 1);
  CHECK(req.topics[0].partitions[1].offset == -1);
  CHECK(req.timeout_ms == 30000);
  CHECK(r.empty());
  DeleteRecordsResponse resp;
  resp.topics.push_back({"t", {{0, 5, 0}, {1, -1, 1}}});
  Writer w;
  encode_delete_records_response(w, resp, 1);
  CHECK(to_hex(w.take()) == to_hex(hex("00000000 00000001") + s16("t") +
                                   hex("00000002 00000000 0000000000000005 0000 00000001 ffffffffffffffff 0001")));
}

TEST_CASE("DeleteRecords moves the log start offset; -1 is the end, beyond it is out of range", "[broker][protocol]") {
  BrokerFixture f(2);
  topic_with_records(f, 3);
  // p0 to 2, p1 (empty) to -1, p7 (none); then p1 to 1 (beyond its end).
  std::string body = hex("00000001") + s16("t") +
                     hex("00000003 00000000 0000000000000002 00000001 ffffffffffffffff") +
                     hex("00000007 0000000000000000 00007530");
  std::string data = f.call(api_key::delete_records, 1, body).value();
  std::string expected = hex("00000000 00000001") + s16("t") +
                         hex("00000003 00000000 0000000000000002 0000 00000001 0000000000000000 0000") +
                         hex("00000007 ffffffffffffffff 0003");
  CHECK(to_hex(data) == to_hex(expected));
  body = hex("00000001") + s16("t") + hex("00000001 00000001 0000000000000001 00007530");
  CHECK(to_hex(f.call(api_key::delete_records, 1, body).value()) ==
        to_hex(hex("00000000 00000001") + s16("t") + hex("00000001 00000001 ffffffffffffffff 0001")));
  CHECK(f.broker->store().partition("t", 0)->log_start_offset() == 2);
}

TEST_CASE("DeleteRecords of a partition named twice answers it once, with the offset named last, as Kafka",
          "[broker][protocol]") {
  BrokerFixture f(2);
  topic_with_records(f, 6);
  // t: p0 to 5, p1 to 0, p0 to 2; then t again: p1 to -1. Kafka: one t, p0 to 2 (not 5), p1 to its end.
  std::string body = hex("00000002") + s16("t") +
                     hex("00000003 00000000 0000000000000005 00000001 0000000000000000 00000000 0000000000000002") +
                     s16("t") + hex("00000001 00000001 ffffffffffffffff 00007530");
  std::string data = f.call(api_key::delete_records, 1, body).value();
  CHECK(to_hex(data) == to_hex(hex("00000000 00000001") + s16("t") +
                               hex("00000002 00000000 0000000000000002 0000 00000001 0000000000000000 0000")));
  CHECK(f.broker->store().partition("t", 0)->log_start_offset() == 2);
  // The last one out of range: that error alone, nothing deleted (not the earlier 4).
  body = hex("00000001") + s16("t") + hex("00000002 00000000 0000000000000004 00000000 0000000000000063 00007530");
  data = f.call(api_key::delete_records, 1, body).value();
  CHECK(to_hex(data) ==
        to_hex(hex("00000000 00000001") + s16("t") + hex("00000001 00000000 ffffffffffffffff 0001")));
  CHECK(f.broker->store().partition("t", 0)->log_start_offset() == 2);
}

namespace {
// ListOffsets v1 for partition 0 of `topic` at `ts`: (error, offset).
std::pair<std::int16_t, std::int64_t> offset_for_time(BrokerFixture& f, const std::string& topic, std::int64_t ts) {
  std::string body = hex("ffffffff 00000001") + s16(topic) + hex("00000001 00000000") +
                     ftgo::test::be32(static_cast<std::uint32_t>(static_cast<std::uint64_t>(ts) >> 32)) +
                     ftgo::test::be32(static_cast<std::uint32_t>(ts));
  std::string data = f.call(api_key::list_offsets, 1, body).value();
  auto r = reader_of(data);
  r.i32();  // topics
  r.string();
  r.i32();  // partitions
  r.i32();  // index
  std::int16_t error = r.i16();
  r.i64();  // timestamp
  return {error, r.i64()};
}
}  // namespace

TEST_CASE("ListOffsets by timestamp never answers an offset DeleteRecords removed", "[broker][protocol]") {
  BrokerFixture f;
  f.auto_create("t");
  auto produce = [&](std::int64_t first_ts) {
    ftgo::test::BatchBuilder b;
    b.timestamp(first_ts);
    for (int i = 0; i < 10; ++i) b.add(std::string("k"), std::string("v"));  // timestamps first_ts .. +9
    std::string records = b.build();
    f.call(api_key::produce, 3, hex("ffff ffff 00001388 00000001") + s16("t") + hex("00000001 00000000") +
                                    ftgo::test::be32(static_cast<std::uint32_t>(records.size())) + records);
  };
  produce(1000);  // offsets 0-9
  produce(2000);  // offsets 10-19
  REQUIRE(f.broker->store().partition("t", 0)->delete_records_before(5) == 5);
  // The first record at or after 1000 still in the log is offset 5 (time 1005), not 0.
  CHECK(offset_for_time(f, "t", 1000) == std::pair<std::int16_t, std::int64_t>{0, 5});
  CHECK(offset_for_time(f, "t", 1007) == std::pair<std::int16_t, std::int64_t>{0, 7});
  // Past the first batch: the search goes on into the next one.
  CHECK(offset_for_time(f, "t", 1500) == std::pair<std::int16_t, std::int64_t>{0, 10});
  // Delete into the middle of the second batch: its deleted half is skipped too.
  REQUIRE(f.broker->store().partition("t", 0)->delete_records_before(15) == 15);
  CHECK(offset_for_time(f, "t", 1000) == std::pair<std::int16_t, std::int64_t>{0, 15});
  CHECK(offset_for_time(f, "t", 9999) == std::pair<std::int16_t, std::int64_t>{0, -1});
}

TEST_CASE("DeleteRecords of a compact-only topic is a policy violation, as Kafka", "[broker][protocol]") {
  BrokerFixture f;
  f.broker->store().create_topic({"c", 1, {{"cleanup.policy", "compact"}}});
  std::string records = make_batch("k", "v");
  for (int i = 0; i < 3; ++i)
    f.call(api_key::produce, 3, hex("ffff ffff 00001388 00000001") + s16("c") + hex("00000001 00000000") +
                                    ftgo::test::be32(static_cast<std::uint32_t>(records.size())) + records);
  REQUIRE(f.broker->store().partition("c", 0)->high_watermark() == 3);
  std::string body = hex("00000001") + s16("c") + hex("00000001 00000000 0000000000000002 00007530");
  CHECK(to_hex(f.call(api_key::delete_records, 1, body).value()) ==
        to_hex(hex("00000000 00000001") + s16("c") + hex("00000001 00000000 ffffffffffffffff 002c")));
  CHECK(f.broker->store().partition("c", 0)->log_start_offset() == 0);
}
