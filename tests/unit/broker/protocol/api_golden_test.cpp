// Golden bytes for each API: requests decoded from bytes written by hand from
// the schemas (apache/kafka clients/src/main/resources/common/message), and
// responses encoded and compared with bytes written by hand.
#include <catch2/catch.hpp>

#include "broker/protocol/api_versions.hpp"
#include "broker/protocol/create_topics.hpp"
#include "broker/protocol/delete_topics.hpp"
#include "broker/protocol/describe_configs.hpp"
#include "broker/protocol/describe_groups.hpp"
#include "broker/protocol/fetch.hpp"
#include "broker/protocol/find_coordinator.hpp"
#include "broker/protocol/heartbeat.hpp"
#include "broker/protocol/init_producer_id.hpp"
#include "broker/protocol/join_group.hpp"
#include "broker/protocol/leave_group.hpp"
#include "broker/protocol/list_groups.hpp"
#include "broker/protocol/list_offsets.hpp"
#include "broker/protocol/metadata.hpp"
#include "broker/protocol/offset_commit.hpp"
#include "broker/protocol/offset_fetch.hpp"
#include "broker/protocol/produce.hpp"
#include "broker/protocol/sync_group.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::hex;
using ftgo::test::s16;
using ftgo::test::to_hex;

namespace {
struct Bytes {
  std::string data;
  Reader reader() { return Reader(reinterpret_cast<std::uint8_t*>(data.data()), data.size()); }
};

template <typename F>
std::string encoded(F&& encode) {
  Writer w;
  encode(w);
  return w.take();
}

#define CHECK_BYTES(actual, expected) CHECK(to_hex(actual) == to_hex(expected))
}  // namespace

TEST_CASE("ApiVersions: v3 request body and v0/v3 responses", "[broker][codec]") {
  Bytes b{hex("05 6b636174 | 04 312e30 | 00")};
  auto r = b.reader();
  auto req = decode_api_versions_request(r, 3);
  CHECK(req.client_software_name == "kcat");
  CHECK(req.client_software_version == "1.0");
  CHECK(r.empty());

  ApiVersionsResponse resp;
  resp.apis = {{18, 0, 3}};
  CHECK_BYTES(encoded([&](Writer& w) { encode_api_versions_response(w, resp, 0); }),
              hex("0000 | 00000001 | 0012 0000 0003"));
  CHECK_BYTES(encoded([&](Writer& w) { encode_api_versions_response(w, resp, 3); }),
              hex("0000 | 02 | 0012 0000 0003 00 | 00000000 | 00"));
}

TEST_CASE("Metadata: v0 empty means all, v1 null means all, v4 auto-create flag; v1 response", "[broker][codec]") {
  Bytes v0{hex("00000000")};
  auto r0 = v0.reader();
  CHECK_FALSE(decode_metadata_request(r0, 0).topics.has_value());
  Bytes v1{hex("ffffffff")};
  auto r1 = v1.reader();
  CHECK_FALSE(decode_metadata_request(r1, 1).topics.has_value());
  Bytes v4{hex("00000001") + s16("t") + hex("00")};
  auto r4 = v4.reader();
  auto req = decode_metadata_request(r4, 4);
  REQUIRE(req.topics.has_value());
  CHECK(*req.topics == std::vector<std::string>{"t"});
  CHECK_FALSE(req.allow_auto_topic_creation);

  MetadataResponse resp;
  resp.brokers = {{0, "h", 9092}};
  resp.topics.push_back({0, "t", {{0, 0, 0, 0}}});
  CHECK_BYTES(encoded([&](Writer& w) { encode_metadata_response(w, resp, 1); }),
              hex("00000001 00000000") + s16("h") + hex("00002384 ffff | 00000000 | 00000001 0000") + s16("t") +
                  hex("00 | 00000001 0000 00000000 00000000 | 00000001 00000000 | 00000001 00000000"));
}

TEST_CASE("Produce: v3 request and response", "[broker][codec]") {
  Bytes b{hex("ffff ffff 00001388 00000001") + s16("t") + hex("00000001 00000000 00000003 aabbcc")};
  auto r = b.reader();
  auto req = decode_produce_request(r, 3);
  CHECK_FALSE(req.transactional_id.has_value());
  CHECK(req.acks == -1);
  CHECK(req.timeout_ms == 5000);
  REQUIRE(req.topics.size() == 1);
  CHECK(req.topics[0].name == "t");
  REQUIRE(req.topics[0].partitions.size() == 1);
  CHECK(req.topics[0].partitions[0].records->size() == 3);

  ProduceResponse resp;
  resp.topics.push_back({"t", {{0, 0, 5, -1, 0, {}, {}}}});
  CHECK_BYTES(encoded([&](Writer& w) { encode_produce_response(w, resp, 3); }),
              hex("00000001") + s16("t") + hex("00000001 00000000 0000 0000000000000005 ffffffffffffffff 00000000"));
}

TEST_CASE("Fetch: v4 request and response", "[broker][codec]") {
  Bytes b{hex("ffffffff 000001f4 00000001 00100000 00 00000001") + s16("t") +
          hex("00000001 00000000 0000000000000000 00100000")};
  auto r = b.reader();
  auto req = decode_fetch_request(r, 4);
  CHECK(req.max_wait_ms == 500);
  CHECK(req.min_bytes == 1);
  CHECK(req.max_bytes == 1 << 20);
  REQUIRE(req.topics.size() == 1);
  CHECK(req.topics[0].partitions[0].max_bytes == 1 << 20);
  CHECK(r.empty());

  FetchResponse resp;
  resp.topics.push_back({"t", {{0, 0, 2, 2, 0, hex("abcd"), {}}}});
  CHECK_BYTES(encoded([&](Writer& w) { encode_fetch_response(w, resp, 4); }),
              hex("00000000 00000001") + s16("t") +
                  hex("00000001 00000000 0000 0000000000000002 0000000000000002 00000000 00000002 abcd"));
}

TEST_CASE("Fetch: v11 request with sessions, forgotten topics and rack", "[broker][codec]") {
  Bytes b{hex("ffffffff 000001f4 00000001 00100000 00 00000000 ffffffff 00000001") + s16("t") +
          hex("00000001 00000000 ffffffff 0000000000000007 ffffffffffffffff 00100000") + hex("00000000") +
          s16("")};
  auto r = b.reader();
  auto req = decode_fetch_request(r, 11);
  CHECK(req.topics[0].partitions[0].fetch_offset == 7);
  CHECK(r.empty());
}

TEST_CASE("ListOffsets: v1 request and response", "[broker][codec]") {
  Bytes b{hex("ffffffff 00000001") + s16("t") + hex("00000001 00000000 fffffffffffffffe")};
  auto r = b.reader();
  auto req = decode_list_offsets_request(r, 1);
  CHECK(req.topics[0].partitions[0].timestamp == -2);
  ListOffsetsResponse resp;
  resp.topics.push_back({"t", {{0, 0, -1, 3, 0}}});
  CHECK_BYTES(encoded([&](Writer& w) { encode_list_offsets_response(w, resp, 1); }),
              hex("00000001") + s16("t") + hex("00000001 00000000 0000 ffffffffffffffff 0000000000000003"));
}

TEST_CASE("CreateTopics: v2 request and response", "[broker][codec]") {
  Bytes b{hex("00000001") + s16("t") + hex("00000003 ffff 00000000 00000001") + s16("retention.ms") + s16("1000") +
          hex("00007530 00")};
  auto r = b.reader();
  auto req = decode_create_topics_request(r, 2);
  REQUIRE(req.topics.size() == 1);
  CHECK(req.topics[0].num_partitions == 3);
  CHECK(req.topics[0].configs.at("retention.ms") == "1000");
  CHECK(req.timeout_ms == 30000);
  CreateTopicsResponse resp;
  resp.topics.push_back({"t", 0, std::nullopt});
  CHECK_BYTES(encoded([&](Writer& w) { encode_create_topics_response(w, resp, 2); }),
              hex("00000000 00000001") + s16("t") + hex("0000 ffff"));
}

TEST_CASE("DeleteTopics: v1 request and response", "[broker][codec]") {
  Bytes b{hex("00000001") + s16("t") + hex("00007530")};
  auto r = b.reader();
  CHECK(decode_delete_topics_request(r, 1).topics == std::vector<std::string>{"t"});
  DeleteTopicsResponse resp;
  resp.topics.push_back({"t", 3});
  CHECK_BYTES(encoded([&](Writer& w) { encode_delete_topics_response(w, resp, 1); }),
              hex("00000000 00000001") + s16("t") + hex("0003"));
}

TEST_CASE("InitProducerId: v0 request and response", "[broker][codec]") {
  Bytes b{hex("ffff 0000ea60")};
  auto r = b.reader();
  auto req = decode_init_producer_id_request(r, 0);
  CHECK_FALSE(req.transactional_id.has_value());
  CHECK(req.transaction_timeout_ms == 60000);
  CHECK_BYTES(encoded([&](Writer& w) { encode_init_producer_id_response(w, {0, 0, 1, 0}, 0); }),
              hex("00000000 0000 0000000000000001 0000"));
}

TEST_CASE("FindCoordinator: v1 request, v0 and v1 responses", "[broker][codec]") {
  Bytes b{s16("g") + hex("00")};
  auto r = b.reader();
  CHECK(decode_find_coordinator_request(r, 1).key == "g");
  FindCoordinatorResponse resp{0, 0, std::nullopt, 0, "h", 9092};
  CHECK_BYTES(encoded([&](Writer& w) { encode_find_coordinator_response(w, resp, 0); }),
              hex("0000 00000000") + s16("h") + hex("00002384"));
  CHECK_BYTES(encoded([&](Writer& w) { encode_find_coordinator_response(w, resp, 1); }),
              hex("00000000 0000 ffff 00000000") + s16("h") + hex("00002384"));
}

TEST_CASE("JoinGroup: v5 request and response", "[broker][codec]") {
  Bytes b{s16("g") + hex("00002710 0000ea60") + s16("") + hex("ffff") + s16("consumer") + hex("00000001") +
          s16("range") + hex("00000002 0102")};
  auto r = b.reader();
  auto req = decode_join_group_request(r, 5);
  CHECK(req.group_id == "g");
  CHECK(req.session_timeout_ms == 10000);
  CHECK(req.rebalance_timeout_ms == 60000);
  CHECK(req.member_id.empty());
  CHECK(req.protocol_type == "consumer");
  REQUIRE(req.protocols.size() == 1);
  CHECK(req.protocols[0].metadata == hex("0102"));
  CHECK(req.require_known_member_id);

  JoinGroupResponse resp;
  resp.result = {0, 1, "range", "m1", "m1", {{"m1", std::nullopt, hex("0102")}}};
  CHECK_BYTES(encoded([&](Writer& w) { encode_join_group_response(w, resp, 5); }),
              hex("00000000 0000 00000001") + s16("range") + s16("m1") + s16("m1") + hex("00000001") + s16("m1") +
                  hex("ffff 00000002 0102"));
}

TEST_CASE("SyncGroup: v3 request and response", "[broker][codec]") {
  Bytes b{s16("g") + hex("00000001") + s16("m1") + hex("ffff 00000001") + s16("m1") + hex("00000001 aa")};
  auto r = b.reader();
  auto req = decode_sync_group_request(r, 3);
  CHECK(req.generation_id == 1);
  REQUIRE(req.assignments.size() == 1);
  CHECK(req.assignments[0].second == hex("aa"));
  CHECK_BYTES(encoded([&](Writer& w) { encode_sync_group_response(w, {0, {0, hex("aa")}}, 3); }),
              hex("00000000 0000 00000001 aa"));
}

TEST_CASE("Heartbeat: v3 request and response", "[broker][codec]") {
  Bytes b{s16("g") + hex("00000001") + s16("m1") + hex("ffff")};
  auto r = b.reader();
  auto req = decode_heartbeat_request(r, 3);
  CHECK(req.member_id == "m1");
  CHECK(r.empty());
  CHECK_BYTES(encoded([&](Writer& w) { encode_heartbeat_response(w, {0, 27}, 3); }), hex("00000000 001b"));
  CHECK_BYTES(encoded([&](Writer& w) { encode_heartbeat_response(w, {0, 27}, 0); }), hex("001b"));
}

TEST_CASE("LeaveGroup: v0 and v3 requests and responses", "[broker][codec]") {
  Bytes b0{s16("g") + s16("m1")};
  auto r0 = b0.reader();
  CHECK(decode_leave_group_request(r0, 0).members.at(0).member_id == "m1");
  Bytes b3{s16("g") + hex("00000001") + s16("m1") + hex("ffff")};
  auto r3 = b3.reader();
  CHECK(decode_leave_group_request(r3, 3).members.at(0).member_id == "m1");
  LeaveGroupResponse resp;
  resp.members.push_back({"m1", std::nullopt, 0});
  CHECK_BYTES(encoded([&](Writer& w) { encode_leave_group_response(w, resp, 0); }), hex("0000"));
  CHECK_BYTES(encoded([&](Writer& w) { encode_leave_group_response(w, resp, 3); }),
              hex("00000000 0000 00000001") + s16("m1") + hex("ffff 0000"));
}

TEST_CASE("OffsetCommit: v2 and v7 requests, v3 response", "[broker][codec]") {
  Bytes b{s16("g") + hex("00000001") + s16("m1") + hex("ffffffffffffffff 00000001") + s16("t") +
          hex("00000001 00000000 000000000000000a") + s16("md")};
  auto r = b.reader();
  auto req = decode_offset_commit_request(r, 2);
  CHECK(req.topics.at(0).partitions.at(0).offset == 10);
  CHECK(req.topics.at(0).partitions.at(0).metadata == "md");
  Bytes b7{s16("g") + hex("00000001") + s16("m1") + hex("ffff 00000001") + s16("t") +
           hex("00000001 00000000 000000000000000a 00000003 ffff")};
  auto r7 = b7.reader();
  auto req7 = decode_offset_commit_request(r7, 7);
  CHECK(req7.topics.at(0).partitions.at(0).leader_epoch == 3);
  CHECK_FALSE(req7.topics.at(0).partitions.at(0).metadata.has_value());
  OffsetCommitResponse resp;
  resp.topics.push_back({"t", {{0, 0}}});
  CHECK_BYTES(encoded([&](Writer& w) { encode_offset_commit_response(w, resp, 3); }),
              hex("00000000 00000001") + s16("t") + hex("00000001 00000000 0000"));
}

TEST_CASE("OffsetFetch: v1 request, v2 null topics, v5 response", "[broker][codec]") {
  Bytes b{s16("g") + hex("00000001") + s16("t") + hex("00000001 00000000")};
  auto r = b.reader();
  auto req = decode_offset_fetch_request(r, 1);
  REQUIRE(req.topics.has_value());
  CHECK(req.topics->at(0).partitions == std::vector<std::int32_t>{0});
  Bytes b2{s16("g") + hex("ffffffff")};
  auto r2 = b2.reader();
  CHECK_FALSE(decode_offset_fetch_request(r2, 2).topics.has_value());
  OffsetFetchResponse resp;
  resp.topics.push_back({"t", {{0, 10, -1, "md", 0}}});
  CHECK_BYTES(encoded([&](Writer& w) { encode_offset_fetch_response(w, resp, 5); }),
              hex("00000000 00000001") + s16("t") + hex("00000001 00000000 000000000000000a ffffffff") + s16("md") +
                  hex("0000 0000"));
}

TEST_CASE("DescribeGroups: v4 request and response", "[broker][codec]") {
  Bytes b{hex("00000001") + s16("g") + hex("00")};
  auto r = b.reader();
  CHECK(decode_describe_groups_request(r, 4).groups == std::vector<std::string>{"g"});
  DescribeGroupsResponse resp;
  DescribeGroupsResponse::Group g;
  g.description = {"g", "Stable", "consumer", "range", {{"m1", std::nullopt, "c", "/h", hex("01"), hex("02")}}};
  resp.groups.push_back(g);
  CHECK_BYTES(encoded([&](Writer& w) { encode_describe_groups_response(w, resp, 4); }),
              hex("00000000 00000001 0000") + s16("g") + s16("Stable") + s16("consumer") + s16("range") +
                  hex("00000001") + s16("m1") + hex("ffff") + s16("c") + s16("/h") +
                  hex("00000001 01 00000001 02 80000000"));
}

TEST_CASE("ListGroups: v1 response", "[broker][codec]") {
  ListGroupsResponse resp;
  resp.groups.push_back({"g", "consumer"});
  CHECK_BYTES(encoded([&](Writer& w) { encode_list_groups_response(w, resp, 1); }),
              hex("00000000 0000 00000001") + s16("g") + s16("consumer"));
}

TEST_CASE("DescribeConfigs: v1 request, v1 and v3 responses", "[broker][codec]") {
  Bytes b{hex("00000001 02") + s16("t") + hex("ffffffff 00")};
  auto r = b.reader();
  auto req = decode_describe_configs_request(r, 1);
  CHECK(req.resources.at(0).type == 2);
  CHECK_FALSE(req.resources.at(0).keys.has_value());
  DescribeConfigsResponse resp;
  DescribeConfigsResponse::Result res;
  res.resource_type = 2;
  res.resource_name = "t";
  res.configs.push_back({"retention.ms", "1000", false, 1, false, 5});
  resp.results.push_back(res);
  std::string common = hex("00000000 00000001 0000 ffff 02") + s16("t") + hex("00000001") + s16("retention.ms") +
                       s16("1000") + hex("00 01 00 00000000");
  CHECK_BYTES(encoded([&](Writer& w) { encode_describe_configs_response(w, resp, 1); }), common);
  CHECK_BYTES(encoded([&](Writer& w) { encode_describe_configs_response(w, resp, 3); }), common + hex("05 ffff"));
}
