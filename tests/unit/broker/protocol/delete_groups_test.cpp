// DeleteGroups (key 42): the v0/v1 codec against hand-written bytes, and the
// handler's answers through Broker::dispatch (deleted, unknown, invalid, has
// members) with the committed offsets gone afterwards; a group whose last
// offset OffsetDelete removed is still there to delete (Kafka's simple group).
#include <catch2/catch.hpp>

#include "broker/protocol/delete_groups.hpp"
#include "broker/protocol/errors.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::reader_of;
using ftgo::test::s16;
using ftgo::test::simple_commit;
using ftgo::test::to_hex;

namespace {
// A DeleteGroups v1 response -> (group, error) in order.
std::vector<std::pair<std::string, std::int16_t>> results(std::string data) {
  Reader r = reader_of(data);
  r.i32();  // throttle
  std::vector<std::pair<std::string, std::int16_t>> out;
  for (std::int32_t n = r.i32(); n > 0; --n) {
    std::string id = r.string();
    out.emplace_back(id, r.i16());
  }
  return out;
}
}  // namespace

TEST_CASE("DeleteGroups: v0 request, v0 and v1 responses", "[broker][codec]") {
  std::string bytes = hex("00000002") + s16("g") + s16("h");
  Reader r = reader_of(bytes);
  CHECK(decode_delete_groups_request(r, 0).groups == std::vector<std::string>{"g", "h"});
  DeleteGroupsResponse resp;
  resp.results.push_back({"g", 0});
  resp.results.push_back({"h", 69});
  std::string expected = hex("00000000 00000002") + s16("g") + hex("0000") + s16("h") + hex("0045");
  for (std::int16_t v : {0, 1}) {
    Writer w;
    encode_delete_groups_response(w, resp, v);
    CHECK(to_hex(w.take()) == to_hex(expected));
  }
}

TEST_CASE("DeleteGroups deletes an empty group's offsets and refuses a group with members", "[broker][protocol]") {
  BrokerFixture f;
  f.auto_create("t");
  auto commit = [&](const std::string& group) { f.call(api_key::offset_commit, 2, simple_commit(group, "t", 42)); };
  auto committed = [&](const std::string& group) {
    std::string data = f.call(api_key::offset_fetch, 1, s16(group) + hex("00000001") + s16("t") + hex("00000001 00000000")).value();
    Reader r = reader_of(data);
    r.skip(4 + 3 + 4 + 4);
    return r.i64();
  };
  commit("g");
  REQUIRE(committed("g") == 42);
  // A member joins "busy" (v0: one member and no rebalance delay completes the join at once).
  REQUIRE(f.call(api_key::join_group, 0,
                 s16("busy") + hex("00002710") + s16("") + s16("consumer") + hex("00000001") + s16("range") +
                     hex("00000000"))
              .has_value());

  auto out = results(f.call(api_key::delete_groups, 1,
                            hex("00000004") + s16("g") + s16("nope") + s16("") + s16("busy")).value());
  using R = std::vector<std::pair<std::string, std::int16_t>>;
  // The empty id is an id like any other (Kafka: "we support DeleteGroups for the empty group id").
  CHECK(out == R{{"g", error::none}, {"nope", error::group_id_not_found}, {"", error::group_id_not_found},
                 {"busy", error::non_empty_group}});
  CHECK(committed("g") == -1);
  // Deleted once, it is unknown the second time.
  CHECK(results(f.call(api_key::delete_groups, 0, hex("00000001") + s16("g")).value()) ==
        R{{"g", error::group_id_not_found}});
}

TEST_CASE("DeleteGroups deletes a group whose last offset OffsetDelete removed, as Kafka", "[broker][protocol]") {
  // Kafka keeps a group that commits without membership (a "simple" group,
  // Empty) after OffsetDelete removes its last offset, until DeleteGroups or
  // its periodic cleanup: DeleteGroups deletes it, it is not GROUP_ID_NOT_FOUND.
  BrokerFixture f;
  f.auto_create("t");
  f.call(api_key::offset_commit, 2, simple_commit("g", "t", 42));
  // OffsetDelete of t-0 -> its top-level error.
  auto offset_delete = [&] {
    return f.call(api_key::offset_delete, 0, s16("g") + hex("00000001") + s16("t") + hex("00000001 00000000"))
        .value()
        .substr(0, 2);
  };
  REQUIRE(offset_delete() == hex("0000"));
  // Still there, Empty: a second OffsetDelete finds it, DescribeGroups says Empty.
  CHECK(offset_delete() == hex("0000"));
  std::string described = f.call(api_key::describe_groups, 0, hex("00000001") + s16("g")).value();
  CHECK(described.find(s16("Empty")) != std::string::npos);
  using R = std::vector<std::pair<std::string, std::int16_t>>;
  CHECK(results(f.call(api_key::delete_groups, 1, hex("00000001") + s16("g")).value()) == R{{"g", error::none}});
  // Deleted, it is gone.
  CHECK(results(f.call(api_key::delete_groups, 1, hex("00000001") + s16("g")).value()) ==
        R{{"g", error::group_id_not_found}});
  CHECK(offset_delete() == hex("0045"));
}
