// The handlers through Broker::dispatch, on a Broker with a temporary data
// directory: requests as a client would send them, responses decoded by hand.
#include <catch2/catch.hpp>

#include "broker/protocol/api.hpp"
#include "broker/protocol/codec.hpp"
#include "broker/protocol/errors.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::make_batch;
using ftgo::test::s16;
using ftgo::test::to_hex;

namespace {
struct Response {
  std::string data;
  Reader r;
  explicit Response(std::optional<std::string> d) : data(d.value()) {
    r = Reader(reinterpret_cast<std::uint8_t*>(data.data()), data.size());
  }
};

std::string produce_v3(const std::string& topic, const std::string& records, std::int32_t partition = 0) {
  return hex("ffff ffff 00001388 00000001") + s16(topic) + hex("00000001") + ftgo::test::be32(partition) +
         ftgo::test::be32(static_cast<std::uint32_t>(records.size())) + records;
}

std::string fetch_v4(const std::string& topic, std::int64_t offset, std::int32_t max_wait_ms = 0) {
  std::string off;
  for (int i = 7; i >= 0; --i) off.push_back(static_cast<char>(offset >> (8 * i)));
  return hex("ffffffff") + ftgo::test::be32(max_wait_ms) + hex("00000001 00100000 00 00000001") + s16(topic) +
         hex("00000001 00000000") + off + hex("00100000");
}

std::string metadata_v4(const std::string& topic, bool auto_create) {
  return hex("00000001") + s16(topic) + (auto_create ? hex("01") : hex("00"));
}

// Produce v3 response -> (error, base offset) of the single partition.
std::pair<std::int16_t, std::int64_t> produce_result(Response resp) {
  auto& r = resp.r;
  r.i32();
  r.string();
  r.i32();
  r.i32();
  std::int16_t err = r.i16();
  return {err, r.i64()};
}

struct FetchResult {
  std::int16_t error;
  std::int64_t high_watermark;
  std::string records;
};
FetchResult fetch_result(Response resp) {
  auto& r = resp.r;
  r.i32();  // throttle
  r.i32();
  r.string();
  r.i32();
  r.i32();  // partition
  FetchResult f;
  f.error = r.i16();
  f.high_watermark = r.i64();
  r.i64();  // lso
  r.i32();  // aborted
  f.records = r.bytes();
  return f;
}
}  // namespace

TEST_CASE("ApiVersions above v3 gets a v0-format UNSUPPORTED_VERSION with the ranges", "[broker][protocol]") {
  BrokerFixture f;
  Response resp(f.call(api_key::api_versions, 4, hex("00 05 6b636174 04 312e30 00")));
  CHECK(resp.r.i16() == error::unsupported_version);
  std::int32_t n = resp.r.i32();
  bool found = false;
  for (int i = 0; i < n; ++i) {
    auto key = resp.r.i16(), min = resp.r.i16(), max = resp.r.i16();
    if (key == api_key::api_versions) found = min == 0 && max == 3;
  }
  CHECK(found);
  CHECK(resp.r.empty());
}

TEST_CASE("ApiVersions v3 reads the flexible header and body", "[broker][protocol]") {
  BrokerFixture f;
  Response resp(f.call(api_key::api_versions, 3, hex("00 | 05 6b636174 04 312e30 00")));
  CHECK(resp.r.i16() == error::none);
  auto n = resp.r.compact_array_length(7);
  CHECK(n.value() >= 18);
}

TEST_CASE("Metadata auto-creates topics and refuses bad names", "[broker][protocol]") {
  BrokerFixture f(3);
  Response resp(f.call(api_key::metadata, 4, metadata_v4("orders", true)));
  auto& r = resp.r;
  r.i32();                  // throttle
  CHECK(r.i32() == 1);      // brokers
  r.i32();
  CHECK(r.string() == "127.0.0.1");
  r.i32();
  r.nullable_string();
  r.nullable_string();      // cluster id
  r.i32();                  // controller
  CHECK(r.i32() == 1);      // topics
  CHECK(r.i16() == error::none);
  CHECK(r.string() == "orders");
  r.i8();
  CHECK(r.i32() == 3);      // partitions
  CHECK(f.broker->store().topic("orders") != nullptr);

  Response bad(f.call(api_key::metadata, 4, metadata_v4("bad name!", true)));
  bad.r.skip(4 + 4 + 4 + 11 + 4 + 2 + 6 + 4 + 4);
  CHECK(bad.r.i16() == error::invalid_topic_exception);

  Response no(f.call(api_key::metadata, 4, metadata_v4("other", false)));
  no.r.skip(4 + 4 + 4 + 11 + 4 + 2 + 6 + 4 + 4);
  CHECK(no.r.i16() == error::unknown_topic_or_partition);
  CHECK(f.broker->store().topic("other") == nullptr);
}

TEST_CASE("a produced batch is fetched back whole, with the offset assigned", "[broker][protocol]") {
  BrokerFixture f;
  f.call(api_key::metadata, 4, metadata_v4("t", true));
  auto [err, base] = produce_result(Response(f.call(api_key::produce, 3, produce_v3("t", make_batch("k", "v1")))));
  CHECK(err == error::none);
  CHECK(base == 0);
  auto second = produce_result(Response(f.call(api_key::produce, 3, produce_v3("t", make_batch("k", "v2")))));
  CHECK(second.second == 1);

  FetchResult fr = fetch_result(Response(f.call(api_key::fetch, 4, fetch_v4("t", 1))));
  CHECK(fr.error == error::none);
  CHECK(fr.high_watermark == 2);
  std::string expected = make_batch("k", "v2");
  expected[7] = 1;  // base offset 1
  CHECK(fr.records == expected);
}

TEST_CASE("a fetch at the end waits for the next append instead of answering empty", "[broker][protocol]") {
  BrokerFixture f;
  f.call(api_key::metadata, 4, metadata_v4("t", true));
  std::optional<std::string> fetched;
  {
    std::string frame = ftgo::test::request_frame(api_key::fetch, 4, 1, "c", fetch_v4("t", 0, 60000));
    Reader r(reinterpret_cast<std::uint8_t*>(frame.data()), frame.size());
    Request req;
    req.header = decode_request_header_prefix(r);
    f.broker->dispatch(req, r, [&](std::optional<Writer> w) {
      if (w) fetched = w->take().substr(8);
    });
  }
  f.io.poll();
  CHECK_FALSE(fetched.has_value());
  f.call(api_key::produce, 3, produce_v3("t", make_batch("k", "v")));
  f.io.poll();
  REQUIRE(fetched.has_value());
  FetchResult fr = fetch_result(Response(fetched));
  CHECK(fr.high_watermark == 1);
  CHECK_FALSE(fr.records.empty());
}

TEST_CASE("Produce and Fetch below the record-batch-v2 versions get UNSUPPORTED_VERSION", "[broker][protocol]") {
  BrokerFixture f;
  f.call(api_key::metadata, 4, metadata_v4("t", true));
  // Produce v2: no transactional id; response has log append time, throttle.
  std::string body = hex("ffff 00001388 00000001") + s16("t") + hex("00000001 00000000 00000000");
  Response resp(f.call(api_key::produce, 2, body));
  resp.r.skip(4 + 3 + 4 + 4);
  CHECK(resp.r.i16() == error::unsupported_version);

  std::string fetch3 = hex("ffffffff 00000000 00000001 00100000 00000001") + s16("t") +
                       hex("00000001 00000000 0000000000000000 00100000");
  Response fr(f.call(api_key::fetch, 3, fetch3));
  fr.r.skip(4 + 4 + 3 + 4 + 4);
  CHECK(fr.r.i16() == error::unsupported_version);
}

TEST_CASE("Produce errors: unknown topic, batch too large, corrupt batch", "[broker][protocol]") {
  BrokerFixture f;
  CHECK(produce_result(Response(f.call(api_key::produce, 3, produce_v3("nope", make_batch("k", "v"))))).first ==
        error::unknown_topic_or_partition);
  f.call(api_key::metadata, 4, metadata_v4("t", true));
  std::string big = make_batch("k", std::string(1100000, 'x'));
  CHECK(produce_result(Response(f.call(api_key::produce, 3, produce_v3("t", big)))).first ==
        error::message_too_large);
  std::string bad = make_batch("k", "v");
  bad.back() ^= 1;  // CRC no longer matches
  CHECK(produce_result(Response(f.call(api_key::produce, 3, produce_v3("t", bad)))).first ==
        error::corrupt_message);
}

TEST_CASE("acks=0 produce sends no response", "[broker][protocol]") {
  BrokerFixture f;
  f.call(api_key::metadata, 4, metadata_v4("t", true));
  std::string records = make_batch("k", "v");
  std::string body = hex("ffff 0000 00001388 00000001") + s16("t") + hex("00000001 00000000") +
                     ftgo::test::be32(static_cast<std::uint32_t>(records.size())) + records;
  CHECK_FALSE(f.call(api_key::produce, 3, body).has_value());
  CHECK(f.broker->store().partition("t", 0)->high_watermark() == 1);
}

TEST_CASE("a fetch beyond the high watermark is OFFSET_OUT_OF_RANGE", "[broker][protocol]") {
  BrokerFixture f;
  f.call(api_key::metadata, 4, metadata_v4("t", true));
  CHECK(fetch_result(Response(f.call(api_key::fetch, 4, fetch_v4("t", 5)))).error == error::offset_out_of_range);
}

TEST_CASE("ListOffsets gives earliest and latest", "[broker][protocol]") {
  BrokerFixture f;
  f.call(api_key::metadata, 4, metadata_v4("t", true));
  f.call(api_key::produce, 3, produce_v3("t", make_batch("k", "v")));
  auto list = [&](const char* ts) {
    Response resp(f.call(api_key::list_offsets, 1,
                         hex("ffffffff 00000001") + s16("t") + hex("00000001 00000000") + hex(ts)));
    resp.r.skip(4 + 3 + 4 + 4);
    CHECK(resp.r.i16() == error::none);
    resp.r.i64();
    return resp.r.i64();
  };
  CHECK(list("fffffffffffffffe") == 0);
  CHECK(list("ffffffffffffffff") == 1);
}

TEST_CASE("CreateTopics and DeleteTopics report Kafka's errors", "[broker][protocol]") {
  BrokerFixture f;
  auto create = [&](const std::string& name, const char* partitions) {
    Response resp(f.call(api_key::create_topics, 4,
                         hex("00000001") + s16(name) + hex(partitions) + hex("ffff 00000000 00000000 00007530 00")));
    resp.r.skip(4 + 4);
    resp.r.string();
    return resp.r.i16();
  };
  CHECK(create("a", "00000002") == error::none);
  CHECK(f.broker->store().topic("a")->partitions == 2);
  CHECK(create("a", "00000002") == error::topic_already_exists);
  CHECK(create("..", "00000001") == error::invalid_topic_exception);
  CHECK(create("b", "00000000") == error::invalid_partitions);
  CHECK(create("c", "ffffffff") == error::none);

  auto del = [&](const std::string& name) {
    Response resp(f.call(api_key::delete_topics, 1, hex("00000001") + s16(name) + hex("00007530")));
    resp.r.skip(4 + 4);
    resp.r.string();
    return resp.r.i16();
  };
  CHECK(del("a") == error::none);
  CHECK(f.broker->store().topic("a") == nullptr);
  CHECK(del("a") == error::unknown_topic_or_partition);
}

TEST_CASE("committed offsets round-trip with metadata; none is -1", "[broker][protocol]") {
  BrokerFixture f;
  f.call(api_key::metadata, 4, metadata_v4("t", true));
  Response commit(f.call(api_key::offset_commit, 2,
                         s16("g") + hex("ffffffff") + s16("") + hex("ffffffffffffffff 00000001") + s16("t") +
                             hex("00000001 00000000 000000000000002a") + s16("meta")));
  commit.r.skip(4 + 3 + 4 + 4);
  CHECK(commit.r.i16() == error::none);

  auto fetch_offset = [&](const std::string& group) {
    Response resp(f.call(api_key::offset_fetch, 1, s16(group) + hex("00000001") + s16("t") + hex("00000001 00000000")));
    resp.r.skip(4 + 3 + 4 + 4);
    std::int64_t offset = resp.r.i64();
    std::string meta = resp.r.string();
    CHECK(resp.r.i16() == error::none);
    return std::make_pair(offset, meta);
  };
  CHECK(fetch_offset("g") == std::make_pair(std::int64_t{42}, std::string("meta")));
  CHECK(fetch_offset("other").first == -1);
}

TEST_CASE("OffsetFetch with null topics answers every committed offset of the group", "[broker][protocol]") {
  BrokerFixture f(2);
  f.call(api_key::metadata, 4, metadata_v4("t", true));
  f.call(api_key::metadata, 4, metadata_v4("u", true));
  auto commit = [&](const std::string& group, const std::string& topics) {
    Response resp(f.call(api_key::offset_commit, 2, s16(group) + hex("ffffffff") + s16("") + hex("ffffffffffffffff") + topics));
    return resp.data;
  };
  commit("g", hex("00000002") + s16("u") + hex("00000001 00000000 0000000000000003") + s16("x") + s16("t") +
                  hex("00000002 00000001 0000000000000007") + s16("") + hex("00000000 000000000000002a") + s16("m0"));
  commit("other", hex("00000001") + s16("t") + hex("00000001 00000000 0000000000000063") + s16(""));

  // v5: throttle, topics by name with partitions in order, leader epoch -1, top-level error.
  std::string all = hex("00000000 00000002") + s16("t") + hex("00000002") +
                    hex("00000000 000000000000002a ffffffff") + s16("m0") + hex("0000") +
                    hex("00000001 0000000000000007 ffffffff") + s16("") + hex("0000") + s16("u") + hex("00000001") +
                    hex("00000000 0000000000000003 ffffffff") + s16("x") + hex("0000") + hex("0000");
  CHECK(to_hex(f.call(api_key::offset_fetch, 5, s16("g") + hex("ffffffff")).value()) == to_hex(all));
  // v2 (no throttle, no leader epoch).
  std::string v2 = hex("00000001") + s16("t") + hex("00000001 00000000 0000000000000063") + s16("") + hex("0000") +
                   hex("0000");
  CHECK(to_hex(f.call(api_key::offset_fetch, 2, s16("other") + hex("ffffffff")).value()) == to_hex(v2));
  // A group with no commits: no topics.
  CHECK(to_hex(f.call(api_key::offset_fetch, 3, s16("none") + hex("ffffffff")).value()) ==
        to_hex(hex("00000000 00000000 0000")));
}

TEST_CASE("an unknown API key or a truncated body is a decode error", "[broker][protocol]") {
  BrokerFixture f;
  CHECK_THROWS_AS(f.call(99, 0, ""), DecodeError);
  CHECK_THROWS_AS(f.call(api_key::metadata, 4, hex("00000001 0005 61")), DecodeError);
  CHECK_THROWS_AS(f.call(api_key::metadata, 9, hex("00")), DecodeError);
}

TEST_CASE("InitProducerId hands out distinct ids with epoch 0", "[broker][protocol]") {
  BrokerFixture f;
  auto init = [&] {
    Response resp(f.call(api_key::init_producer_id, 0, hex("ffff 0000ea60")));
    resp.r.i32();
    CHECK(resp.r.i16() == error::none);
    std::int64_t id = resp.r.i64();
    CHECK(resp.r.i16() == 0);
    return id;
  };
  std::int64_t a = init(), b = init();
  CHECK(a >= 0);
  CHECK(a != b);
}

TEST_CASE("DescribeConfigs lists topic defaults and the broker's configs", "[broker][protocol]") {
  BrokerFixture f;
  f.call(api_key::metadata, 4, metadata_v4("t", true));
  Response resp(f.call(api_key::describe_configs, 1,
                       hex("00000002 02") + s16("t") + hex("00000001") + s16("retention.ms") + hex("04") + s16("0") +
                           hex("ffffffff 00")));
  auto& r = resp.r;
  r.i32();
  CHECK(r.i32() == 2);
  CHECK(r.i16() == error::none);
  r.nullable_string();
  CHECK(r.i8() == 2);
  CHECK(r.string() == "t");
  CHECK(r.i32() == 1);
  CHECK(r.string() == "retention.ms");
  CHECK(r.nullable_string() == std::optional<std::string>("604800000"));
}

TEST_CASE("ListOffsets by timestamp finds the first record at or after it, with its timestamp", "[broker][protocol]") {
  BrokerFixture f;
  f.call(api_key::metadata, 4, metadata_v4("t", true));
  f.call(api_key::produce, 3, produce_v3("t", make_batch("a", "1", 1000)));
  f.call(api_key::produce, 3, produce_v3("t", make_batch("b", "2", 2000)));
  auto list = [&](const std::string& ts) {
    Response resp(f.call(api_key::list_offsets, 1, hex("ffffffff 00000001") + s16("t") + hex("00000001 00000000") + ts));
    resp.r.skip(4 + 3 + 4 + 4);
    CHECK(resp.r.i16() == error::none);
    std::int64_t timestamp = resp.r.i64();
    return std::make_pair(resp.r.i64(), timestamp);
  };
  CHECK(list(hex("00000000000005dc")) == std::make_pair(std::int64_t{1}, std::int64_t{2000}));  // 1500
  CHECK(list(hex("0000000000000000")) == std::make_pair(std::int64_t{0}, std::int64_t{1000}));
  CHECK(list(hex("0000000000002710")) == std::make_pair(std::int64_t{-1}, std::int64_t{-1}));  // 10000
}
