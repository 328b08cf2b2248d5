// OffsetDelete (key 47): the v0 codec against hand-written bytes, the
// handler's rules through Broker::dispatch (an inactive group loses the
// offsets, an active one keeps those of the topics it subscribes to), and a
// deleted offset staying deleted after a store reopen.
#include <catch2/catch.hpp>

#include "broker/protocol/errors.hpp"
#include "broker/protocol/offset_delete.hpp"
#include "broker/storage/store.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::reader_of;
using ftgo::test::s16;
using ftgo::test::to_hex;

namespace {
// Group g, topic t, partitions 0 and 1.
std::string request(const std::string& group, const std::string& topic) {
  return s16(group) + hex("00000001") + s16(topic) + hex("00000002 00000000 00000001");
}

// -> (top-level error, [partition errors of the one topic]).
std::pair<std::int16_t, std::vector<std::int16_t>> result(std::string data) {
  auto r = reader_of(data);
  std::int16_t top = r.i16();
  r.i32();
  std::vector<std::int16_t> errors;
  for (std::int32_t nt = r.i32(); nt > 0; --nt) {
    r.string();
    for (std::int32_t np = r.i32(); np > 0; --np) {
      r.i32();
      errors.push_back(r.i16());
    }
  }
  CHECK(r.empty());
  return {top, errors};
}

// A consumer-protocol subscription (v0) to `topic`.
std::string subscription(const std::string& topic) { return hex("0000 00000001") + s16(topic) + hex("ffffffff"); }
}  // namespace

TEST_CASE("OffsetDelete: v0 request and response", "[broker][codec]") {
  std::string bytes = request("g", "t");
  auto r = reader_of(bytes);
  auto req = decode_offset_delete_request(r, 0);
  CHECK(req.group_id == "g");
  REQUIRE(req.topics.size() == 1);
  CHECK(req.topics[0].name == "t");
  CHECK(req.topics[0].partitions == std::vector<std::int32_t>{0, 1});
  CHECK(r.empty());
  OffsetDeleteResponse resp;
  resp.topics.push_back({"t", {{0, 0}, {1, 86}}});
  Writer w;
  encode_offset_delete_response(w, resp, 0);
  CHECK(to_hex(w.take()) ==
        to_hex(hex("0000 00000000 00000001") + s16("t") + hex("00000002 00000000 0000 00000001 0056")));
  CHECK(subscribed_topics(subscription("orders")) == std::vector<std::string>{"orders"});
  CHECK(subscribed_topics(hex("00")).empty());
}

TEST_CASE("OffsetDelete forgets an inactive group's offsets, not those an active group subscribes to",
          "[broker][protocol]") {
  BrokerFixture f(2);
  for (const char* t : {"t", "u"}) f.auto_create(t);
  auto commit = [&](const std::string& group, const std::string& topic) {
    f.call(api_key::offset_commit, 2,
           s16(group) + hex("ffffffff") + s16("") + hex("ffffffffffffffff 00000001") + s16(topic) +
               hex("00000002 00000000 0000000000000005") + s16("") + hex("00000001 0000000000000007") + s16(""));
  };
  auto& store = f.broker->store();
  commit("idle", "t");
  commit("busy", "t");
  commit("busy", "u");
  // A member of "busy" subscribes to t (v0 join: one member completes the join at once).
  std::string meta = subscription("t");
  f.call(api_key::join_group, 0,
         s16("busy") + hex("00002710") + s16("") + s16("consumer") + hex("00000001") + s16("range") +
             ftgo::test::be32(static_cast<std::uint32_t>(meta.size())) + meta);
  auto call = [&](const std::string& group, const std::string& topic) {
    return result(f.call(api_key::offset_delete, 0, request(group, topic)).value());
  };
  using R = std::pair<std::int16_t, std::vector<std::int16_t>>;

  CHECK(call("idle", "t") == R{error::none, {error::none, error::none}});
  CHECK(store.committed_offsets("idle").empty());
  CHECK(call("busy", "t") == R{error::none, {error::group_subscribed_to_topic, error::group_subscribed_to_topic}});
  CHECK(call("busy", "u") == R{error::none, {error::none, error::none}});
  CHECK(store.committed_offsets("busy").size() == 2);  // t's two partitions
  CHECK(call("nobody", "t") == R{error::group_id_not_found, {}});
  CHECK(call("", "t") == R{error::invalid_group_id, {}});
}

TEST_CASE("a deleted committed offset stays deleted after a reopen", "[broker][storage]") {
  ftgo::test::TempDir tmp;
  using ftgo::broker::storage::Store;
  {
    Store store(tmp.path, {});
    store.create_topic({"t", 2, {}});
    store.commit_offset("g", "t", 0, {5, -1, "", 1});
    store.commit_offset("g", "t", 1, {7, -1, "", 1});
    store.commit_offset("h", "t", 0, {9, -1, "", 1});
    store.delete_offset("g", "t", 0);
    store.delete_offset("h", "t", 0);
    store.delete_offset("h", "t", 1);  // none: nothing written
  }
  Store store(tmp.path, {});
  CHECK_FALSE(store.committed_offset("g", "t", 0).has_value());
  CHECK(store.committed_offset("g", "t", 1).value().offset == 7);
  CHECK(store.committed_offsets("h").empty());
  CHECK(store.groups_with_offsets() == std::vector<std::string>{"g"});
}
