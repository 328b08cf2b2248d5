// ListOffsets (key 2) v6-7, the flexible versions: golden bytes for the
// request and the response (header tagged fields, compact arrays), and the
// handler's special timestamps through Broker::dispatch: -3 (max timestamp,
// v7) with out-of-order timestamps inside and across batches and segments,
// with DeleteRecords (which, as in Kafka, does not hide the deleted records
// still in a segment from -3), on an empty partition; inside compressed
// batches of each codec, and on ones that do not decompress (corrupt,
// truncated, a bomb); -4, -5 and other negatives as Kafka.
#include <catch2/catch.hpp>

#include "../batch_builder.hpp"
#include "../client_batches.hpp"
#include "../compressed_batch.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/protocol/list_offsets.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::BatchBuilder;
using ftgo::test::be32;
using ftgo::test::be64;
using ftgo::test::BrokerFixture;
using ftgo::test::Codec;
using ftgo::test::compress_batch;
using ftgo::test::Snappy;
using ftgo::test::with_records_body;
using ftgo::test::hex;
using ftgo::test::reader_of;
using ftgo::test::s16;
using ftgo::test::to_hex;
constexpr auto c = ftgo::test::compact;  // a compact string

namespace {
struct Answer {
  std::int16_t error;
  std::int64_t timestamp;
  std::int64_t offset;
  std::int32_t leader_epoch;
  bool operator==(const Answer&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Answer& a) {
  return os << "{error " << a.error << ", timestamp " << a.timestamp << ", offset " << a.offset << ", epoch "
            << a.leader_epoch << "}";
}

// ListOffsets v7 for partition 0 of `topic` at `ts`, decoded by hand.
Answer list_v7(BrokerFixture& f, const std::string& topic, std::int64_t ts) {
  // Request header v2's tagged fields, then the body.
  std::string body = hex("00 ffffffff 00 02") + c(topic) + hex("02 00000000 ffffffff") + be64(ts) + hex("00 00 00");
  std::string data = f.call(api_key::list_offsets, 7, body).value();
  Reader r = reader_of(data);
  r.skip_tagged_fields();  // response header v1
  CHECK(r.i32() == 0);
  REQUIRE(r.compact_array_length() == 1);
  CHECK(r.compact_string() == topic);
  REQUIRE(r.compact_array_length() == 1);
  CHECK(r.i32() == 0);
  Answer a{};
  a.error = r.i16();
  a.timestamp = r.i64();
  a.offset = r.i64();
  a.leader_epoch = r.i32();
  r.skip_tagged_fields();
  r.skip_tagged_fields();
  r.skip_tagged_fields();
  CHECK(r.empty());
  return a;
}

// Produces `batch` (one v2 batch) to partition 0 of `topic` with Produce v3.
void produce_batch(BrokerFixture& f, const std::string& topic, const std::string& batch) {
  std::string data = f.call(api_key::produce, 3, hex("ffff ffff 00001388 00000001") + s16(topic) +
                                                     hex("00000001 00000000") +
                                                     be32(static_cast<std::uint32_t>(batch.size())) + batch)
                         .value();
  REQUIRE(data.substr(4 + 2 + topic.size() + 4 + 4, 2) == hex("0000"));
}

// A batch with a record per timestamp, each value `value_bytes` long.
// `attributes`: the batch's (compression, timestamp type).
std::string batch_of(std::initializer_list<std::int64_t> timestamps, std::size_t value_bytes = 1,
                     std::int16_t attributes = 0) {
  BatchBuilder b;
  b.timestamp(*timestamps.begin()).attributes(attributes);
  for (std::int64_t ts : timestamps) b.add(std::string("k"), std::string(value_bytes, 'v'), ts);
  return b.build();
}

// Produces one batch to partition 0 of `topic`: a record per timestamp.
void produce(BrokerFixture& f, const std::string& topic, std::initializer_list<std::int64_t> timestamps,
             std::size_t value_bytes = 1, std::int16_t attributes = 0) {
  produce_batch(f, topic, batch_of(timestamps, value_bytes, attributes));
}
// Creates topic t; its partition 0 rolls a new segment at each append of
// 1 KiB values (segment.bytes 1024, the smallest).
ftgo::broker::storage::PartitionLog& small_segments(BrokerFixture& f) {
  f.auto_create("t");
  auto& log = *f.broker->store().partition("t", 0);
  ftgo::broker::storage::LogOptions options;
  options.segment_bytes = 1024;
  log.set_options(options);
  return log;
}
}  // namespace

TEST_CASE("ListOffsets: v6 and v7 requests and responses", "[broker][codec]") {
  std::string v7 = hex("ffffffff 01 02") + c("t") + hex("03 00000000 00000005 fffffffffffffffd 00") +
                   hex("00000001 ffffffff 00000000000003e8 00 00 00");
  Reader r = reader_of(v7);
  auto req = decode_list_offsets_request(r, 7);
  CHECK(r.empty());
  CHECK(req.isolation_level == 1);
  REQUIRE(req.topics.size() == 1);
  CHECK(req.topics[0].name == "t");
  REQUIRE(req.topics[0].partitions.size() == 2);
  CHECK(req.topics[0].partitions[0].current_leader_epoch == 5);
  CHECK(req.topics[0].partitions[0].timestamp == -3);
  CHECK(req.topics[0].partitions[1].index == 1);
  CHECK(req.topics[0].partitions[1].timestamp == 1000);
  // A tagged field the broker does not know is skipped.
  std::string v6 = hex("ffffffff 00 02") + c("t") + hex("02 00000000 ffffffff ffffffffffffffff 01 07 02 abcd 00 00");
  r = reader_of(v6);
  CHECK(decode_list_offsets_request(r, 6).topics[0].partitions[0].timestamp == -1);
  CHECK(r.empty());

  ListOffsetsResponse resp;
  resp.topics.push_back({"t", {{0, 0, 1000, 7, 0}, {1, 3, -1, -1, -1}}});
  auto encode = [&](std::int16_t v) {
    Writer w;
    encode_list_offsets_response(w, resp, v);
    return to_hex(w.take());
  };
  std::string flexible = hex("00 00000000 02") + c("t") +
                         hex("03 00000000 0000 00000000000003e8 0000000000000007 00000000 00") +
                         hex("00000001 0003 ffffffffffffffff ffffffffffffffff ffffffff 00 00 00");
  CHECK(encode(6) == to_hex(flexible));
  CHECK(encode(7) == to_hex(flexible));
  CHECK(encode(5) == to_hex(hex("00000000 00000001") + s16("t") +
                            hex("00000002 00000000 0000 00000000000003e8 0000000000000007 00000000") +
                            hex("00000001 0003 ffffffffffffffff ffffffffffffffff ffffffff")));
  // A null topic array is not a request.
  std::string null_topics = hex("ffffffff 00 00 00");
  r = reader_of(null_topics);
  CHECK_THROWS_AS(decode_list_offsets_request(r, 6), DecodeError);
}

TEST_CASE("ListOffsets -3 answers the first record with the largest timestamp", "[broker][protocol]") {
  BrokerFixture f;
  f.auto_create("t");
  // An empty partition: no record, Kafka's -1, -1.
  CHECK(list_v7(f, "t", -3) == Answer{0, -1, -1, -1});
  produce(f, "t", {1000, 3000, 2000});  // offsets 0-2: the max inside the batch, not its last record
  produce(f, "t", {900, 800});          // 3-4: a later batch, earlier timestamps
  produce(f, "t", {2500, 3000, 100});   // 5-7: the same max again, later
  CHECK(list_v7(f, "t", -3) == Answer{0, 3000, 1, 0});
  // The other special timestamps are unchanged.
  CHECK(list_v7(f, "t", -1) == Answer{0, -1, 8, 0});
  CHECK(list_v7(f, "t", -2) == Answer{0, -1, 0, 0});
  CHECK(list_v7(f, "t", 2100) == Answer{0, 3000, 1, 0});  // the first at or after it, by offset
  CHECK(list_v7(f, "t", 3001) == Answer{0, -1, -1, -1});

  auto& log = *f.broker->store().partition("t", 0);
  // DeleteRecords does not hide it: Kafka reads the segment, deleted records
  // included, for as long as the segment stays (the active one always does).
  REQUIRE(log.delete_records_before(2) == 2);
  CHECK(list_v7(f, "t", -3) == Answer{0, 3000, 1, 0});
  REQUIRE(log.delete_records_before(8) == 8);
  CHECK(list_v7(f, "t", -3) == Answer{0, 3000, 1, 0});
}

TEST_CASE("ListOffsets -3 takes the first segment with the largest timestamp, deleted records included",
          "[broker][protocol]") {
  BrokerFixture f;
  auto& log = small_segments(f);
  produce(f, "t", {1000, 2000}, 1024);  // segment 0: offsets 0-1
  produce(f, "t", {3000, 2500}, 1024);  // segment 2: 2-3
  produce(f, "t", {3000}, 1024);        // segment 4: the same max, a later segment
  produce(f, "t", {100}, 1024);         // segment 5
  REQUIRE(log.segment_count() == 4);
  CHECK(list_v7(f, "t", -3) == Answer{0, 3000, 2, 0});
  // Offset 2 deleted, its segment still there (it holds offset 3): still 2.
  REQUIRE(log.delete_records_before(3) == 3);
  REQUIRE(log.segment_count() == 3);
  CHECK(list_v7(f, "t", -3) == Answer{0, 3000, 2, 0});
  // Its segment gone: the next one with the largest max.
  REQUIRE(log.delete_records_before(4) == 4);
  CHECK(list_v7(f, "t", -3) == Answer{0, 3000, 4, 0});
  REQUIRE(log.delete_records_before(5) == 5);
  CHECK(list_v7(f, "t", -3) == Answer{0, 100, 5, 0});
}

TEST_CASE("ListOffsets by timestamp searches only the first segment that reaches it, as Kafka",
          "[broker][protocol]") {
  BrokerFixture f;
  auto& log = small_segments(f);
  produce(f, "t", {3000, 1000}, 1024);  // segment 0: offsets 0-1
  produce(f, "t", {2000, 4000}, 1024);  // segment 2: 2-3
  REQUIRE(log.segment_count() == 2);
  CHECK(list_v7(f, "t", 2500) == Answer{0, 3000, 0, 0});
  // Offset 0 deleted, its segment still there: that segment reaches 2500 but
  // nothing in it at or after 2500 is left, and Kafka looks no further.
  REQUIRE(log.delete_records_before(1) == 1);
  CHECK(list_v7(f, "t", 2500) == Answer{0, -1, -1, -1});
  CHECK(list_v7(f, "t", 3500) == Answer{0, 4000, 3, 0});
  // The segment gone: the next one answers.
  REQUIRE(log.delete_records_before(2) == 2);
  CHECK(list_v7(f, "t", 2500) == Answer{0, 4000, 3, 0});
}

TEST_CASE("ListOffsets looks inside compressed batches, as Kafka decompresses them", "[broker][protocol]") {
  struct Case {
    const char* name;
    Codec codec;
    Snappy framing;
  };
  for (const Case& c : {Case{"gzip", Codec::gzip, Snappy::raw}, Case{"snappy", Codec::snappy, Snappy::raw},
                        Case{"snappy-java", Codec::snappy, Snappy::java}, Case{"lz4", Codec::lz4, Snappy::raw},
                        Case{"zstd", Codec::zstd, Snappy::raw}}) {
    SECTION(c.name) {
      BrokerFixture f;
      f.auto_create("t");
      produce(f, "t", {100});  // offset 0
      // Offsets 1-6; the largest timestamp at offset 5, not the last.
      produce_batch(f, "t", compress_batch(batch_of({900, 1000, 1200, 950, 1300, 1100}, 40), c.codec, c.framing));
      CHECK(list_v7(f, "t", 1000) == Answer{0, 1000, 2, 0});
      CHECK(list_v7(f, "t", 1150) == Answer{0, 1200, 3, 0});
      CHECK(list_v7(f, "t", 1250) == Answer{0, 1300, 5, 0});
      CHECK(list_v7(f, "t", 500) == Answer{0, 900, 1, 0});
      CHECK(list_v7(f, "t", 1301) == Answer{0, -1, -1, -1});
      CHECK(list_v7(f, "t", -3) == Answer{0, 1300, 5, 0});
      // Records deleted inside the batch are skipped, as Kafka's startingOffset does.
      REQUIRE(f.broker->store().partition("t", 0)->delete_records_before(3) == 3);
      CHECK(list_v7(f, "t", 950) == Answer{0, 1200, 3, 0});
    }
  }
}

TEST_CASE("ListOffsets inside batches real clients compressed", "[broker][protocol]") {
  // client_batches.hpp: librdkafka's (raw snappy) and the Java client's (snappy-java framing).
  const std::int64_t ts = ftgo::test::k_client_batch_ts;
  const std::int64_t spike = ftgo::test::k_client_batch_spike;
  for (const auto& batch : ftgo::test::k_client_batches) {
    SECTION(std::string(batch.producer) + " " + batch.codec) {
      BrokerFixture f;
      f.auto_create("t");
      produce_batch(f, "t", hex(batch.hex));
      CHECK(list_v7(f, "t", ts + 4500) == Answer{0, ts + 5000, 5, 0});
      CHECK(list_v7(f, "t", ts + 3000) == Answer{0, ts + 3000, 3, 0});
      CHECK(list_v7(f, "t", ts + 7500) == Answer{0, ts + 20000, spike, 0});
      CHECK(list_v7(f, "t", ts + 20001) == Answer{0, -1, -1, -1});
      CHECK(list_v7(f, "t", -3) == Answer{0, ts + 20000, spike, 0});
    }
  }
}

TEST_CASE("ListOffsets on a compressed batch that does not decompress answers the batch", "[broker][protocol]") {
  BrokerFixture f;
  f.auto_create("t");
  produce(f, "t", {100});
  // gzip in the attributes, plain records in the body: the batch's first offset and max timestamp.
  produce(f, "t", {900, 1000, 950}, 1, 1);
  CHECK(list_v7(f, "t", -3) == Answer{0, 1000, 1, 0});
  CHECK(list_v7(f, "t", 950) == Answer{0, 1000, 1, 0});
  // A truncated zstd body (its CRC made valid, as a broken producer would send it).
  const std::string whole = compress_batch(batch_of({2000, 3000, 2500}, 200), Codec::zstd);
  const std::size_t body = whole.size() - ftgo::broker::k_batch_header_size;
  std::string cut = with_records_body(whole, whole.substr(ftgo::broker::k_batch_header_size, body / 2), Codec::zstd);
  produce_batch(f, "t", cut);  // offsets 4-6
  CHECK(list_v7(f, "t", 2600) == Answer{0, 3000, 4, 0});
  CHECK(list_v7(f, "t", -3) == Answer{0, 3000, 4, 0});
}

TEST_CASE("ListOffsets on a decompression bomb answers as far as the cap, then the batch", "[broker][protocol]") {
  BrokerFixture f;
  f.auto_create("t");
  // Record 0 holds 80 MiB of zeros (past the 64 MiB cap); record 1 comes after it.
  BatchBuilder b;
  b.timestamp(1000).add(std::string("k"), std::string(80 << 20, '\0'), 1000).add(std::string("k"), "v", 2000);
  std::string bomb = compress_batch(b.build(), Codec::zstd);
  REQUIRE(bomb.size() < (1 << 20));
  produce_batch(f, "t", bomb);
  CHECK(list_v7(f, "t", 900) == Answer{0, 1000, 0, 0});   // record 0's head is within the cap
  CHECK(list_v7(f, "t", 1500) == Answer{0, 2000, 0, 0});  // record 1's is not: the batch
  CHECK(list_v7(f, "t", -3) == Answer{0, 2000, 0, 0});
}

TEST_CASE("ListOffsets answers -4, -5 and other negative timestamps as Kafka does", "[broker][protocol]") {
  BrokerFixture f;
  f.auto_create("t");
  produce(f, "t", {1000, 1001});
  produce(f, "t", {1002});
  REQUIRE(f.broker->store().partition("t", 0)->delete_records_before(1) == 1);
  // -4, earliest local: the log start offset (no tiered storage).
  CHECK(list_v7(f, "t", -4) == Answer{0, -1, 1, 0});
  // -5, latest tiered: nothing (no tiered storage).
  CHECK(list_v7(f, "t", -5) == Answer{0, -1, -1, -1});
  // Any other negative timestamp is a timestamp: the first record still in the log.
  CHECK(list_v7(f, "t", -7) == Answer{0, 1001, 1, 0});
  // An unknown partition.
  CHECK(list_v7(f, "nope", -3).error == error::unknown_topic_or_partition);
}

TEST_CASE("ApiVersions advertises ListOffsets 1-7", "[broker][protocol]") {
  BrokerFixture f;
  std::string data = f.call(api_key::api_versions, 0, "").value();
  Reader r = reader_of(data);
  CHECK(r.i16() == 0);
  bool seen = false;
  for (std::int32_t n = r.i32(); n > 0; --n) {
    std::int16_t key = r.i16(), min = r.i16(), max = r.i16();
    if (key == api_key::list_offsets) {
      seen = true;
      CHECK(min == 1);
      CHECK(max == 7);
    }
  }
  CHECK(seen);
}
