// CreatePartitions (key 37): the v0/v1 codec against hand-written bytes, the
// handler's answers through Broker::dispatch (grow, same count, shrink,
// unknown topic, assignments) and the new count surviving a store reopen.
#include <catch2/catch.hpp>

#include "broker/protocol/create_partitions.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/storage/store.hpp"
#include "util/error.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::be32;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::reader_of;
using ftgo::test::s16;
using ftgo::test::to_hex;

namespace {
// One topic, v1, no assignments unless given (a hand-made array of arrays).
std::string request(const std::string& topic, std::int32_t count, const std::string& assignments = hex("ffffffff"),
                    bool validate_only = false) {
  return hex("00000001") + s16(topic) + be32(static_cast<std::uint32_t>(count)) + assignments + hex("00007530") +
         (validate_only ? hex("01") : hex("00"));
}

std::pair<std::int16_t, std::string> result(std::string data) {
  auto r = reader_of(data);
  r.i32();
  REQUIRE(r.i32() == 1);
  r.string();
  std::int16_t err = r.i16();
  return {err, r.nullable_string().value_or("")};
}
}  // namespace

TEST_CASE("CreatePartitions: v0 request and response", "[broker][codec]") {
  std::string bytes = request("t", 3, hex("00000002 00000001 00000000 00000001 00000000"), true);
  auto r = reader_of(bytes);
  auto req = decode_create_partitions_request(r, 0);
  REQUIRE(req.topics.size() == 1);
  CHECK(req.topics[0].name == "t");
  CHECK(req.topics[0].count == 3);
  CHECK(req.topics[0].assignments == std::vector<std::vector<std::int32_t>>{{0}, {0}});
  CHECK(req.timeout_ms == 30000);
  CHECK(req.validate_only);
  CHECK(r.empty());

  CreatePartitionsResponse resp;
  resp.results.push_back({"t", 0, std::nullopt});
  resp.results.push_back({"u", 37, "no"});
  Writer w;
  encode_create_partitions_response(w, resp, 1);
  CHECK(to_hex(w.take()) == to_hex(hex("00000000 00000002") + s16("t") + hex("0000 ffff") + s16("u") + hex("0025") +
                                   s16("no")));
}

TEST_CASE("CreatePartitions grows a topic and refuses what Kafka refuses", "[broker][protocol]") {
  BrokerFixture f;
  f.auto_create("t");
  auto call = [&](const std::string& body) { return result(f.call(api_key::create_partitions, 1, body).value()); };
  auto partitions = [&] { return f.broker->store().topic("t")->partitions; };

  CHECK(call(request("t", 3, hex("ffffffff"), true)).first == error::none);  // validate only
  CHECK(partitions() == 1);
  CHECK(call(request("t", 3)).first == error::none);
  CHECK(partitions() == 3);
  CHECK(f.broker->store().partition("t", 2) != nullptr);
  CHECK(call(request("t", 3)) == std::pair{error::invalid_partitions, std::string("Topic already has 3 partition(s).")});
  CHECK(call(request("t", 2)) ==
        std::pair{error::invalid_partitions, std::string("The topic t currently has 3 partition(s); 2 would not be an increase.")});
  CHECK(call(request("nope", 2)).first == error::unknown_topic_or_partition);
  // Assignments: one per new partition, each on this broker (node 0) alone.
  CHECK(call(request("t", 4, hex("00000001 00000001 00000007"))).first == error::invalid_replica_assignment);
  CHECK(call(request("t", 5, hex("00000001 00000001 00000000"))).first == error::invalid_replica_assignment);
  CHECK(call(request("t", 4, hex("00000001 00000001 00000000"))).first == error::none);
  CHECK(partitions() == 4);
}

TEST_CASE("added partitions survive a reopen of the store", "[broker][storage]") {
  ftgo::test::TempDir tmp;
  using ftgo::broker::storage::Store;
  {
    Store store(tmp.path, {});
    store.create_topic({"t", 1, {{"retention.ms", "60000"}}});
    store.add_partitions("t", 3);
    CHECK_THROWS_AS(store.add_partitions("t", 3), ftgo::Error);
    CHECK_THROWS_AS(store.add_partitions("nope", 3), ftgo::Error);
  }
  Store store(tmp.path, {});
  REQUIRE(store.topic("t") != nullptr);
  CHECK(store.topic("t")->partitions == 3);
  CHECK(store.topic("t")->config.at("retention.ms") == "60000");
  CHECK(store.partition("t", 2) != nullptr);
}
