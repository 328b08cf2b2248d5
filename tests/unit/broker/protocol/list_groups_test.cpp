// ListGroups (key 16) v3-5, the flexible versions: golden bytes for the
// request filters and the response (header tagged fields, state, type), and
// the handler's filters by state and type through Broker::dispatch.
#include <catch2/catch.hpp>

#include "broker/protocol/list_groups.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::reader_of;
using ftgo::test::s16;
using ftgo::test::to_hex;
constexpr auto c = ftgo::test::compact;  // a compact string

namespace {
// A v5 response -> (group, state, type) in order.
std::vector<std::tuple<std::string, std::string, std::string>> groups_v5(std::string data) {
  Reader r = reader_of(data);
  r.skip_tagged_fields();  // response header
  r.i32();
  REQUIRE(r.i16() == 0);
  std::vector<std::tuple<std::string, std::string, std::string>> out;
  for (std::int32_t n = r.compact_array_length().value(); n > 0; --n) {
    std::string id = r.compact_string();
    r.compact_string();
    std::string state = r.compact_string();
    std::string type = r.compact_string();
    r.skip_tagged_fields();
    out.emplace_back(id, state, type);
  }
  r.skip_tagged_fields();
  CHECK(r.empty());
  return out;
}
}  // namespace

TEST_CASE("ListGroups: v3-v5 requests and responses", "[broker][codec]") {
  std::string v5 = hex("03") + c("Stable") + c("Empty") + hex("02") + c("classic") + hex("00");
  Reader r = reader_of(v5);
  auto req = decode_list_groups_request(r, 5);
  CHECK(req.states_filter == std::vector<std::string>{"Stable", "Empty"});
  CHECK(req.types_filter == std::vector<std::string>{"classic"});
  CHECK(r.empty());
  std::string v3 = hex("00");
  r = reader_of(v3);
  CHECK(decode_list_groups_request(r, 3).states_filter.empty());
  CHECK(r.empty());

  ListGroupsResponse resp;
  resp.groups.push_back({"g", "consumer", "Stable", "classic"});
  auto encode = [&](std::int16_t v) {
    Writer w;
    encode_list_groups_response(w, resp, v);
    return to_hex(w.take());
  };
  CHECK(encode(3) == to_hex(hex("00 00000000 0000 02") + c("g") + c("consumer") + hex("00 00")));
  CHECK(encode(4) == to_hex(hex("00 00000000 0000 02") + c("g") + c("consumer") + c("Stable") + hex("00 00")));
  CHECK(encode(5) ==
        to_hex(hex("00 00000000 0000 02") + c("g") + c("consumer") + c("Stable") + c("classic") + hex("00 00")));
  CHECK(encode(2) == to_hex(hex("00000000 0000 00000001") + s16("g") + s16("consumer")));
}

TEST_CASE("ListGroups v5 gives each group's state and filters by state and type", "[broker][protocol]") {
  BrokerFixture f;
  f.auto_create("t");
  // "idle": committed offsets only; "busy": one member (v0 join completes at once).
  f.call(api_key::offset_commit, 2,
         s16("idle") + hex("ffffffff") + s16("") + hex("ffffffffffffffff 00000001") + s16("t") +
             hex("00000001 00000000 0000000000000001") + s16(""));
  f.call(api_key::join_group, 0,
         s16("busy") + hex("00002710") + s16("") + s16("consumer") + hex("00000001") + s16("range") + hex("00000000"));
  // The body after the request header v2's (empty) tagged fields.
  auto list = [&](const std::string& body) {
    return groups_v5(f.call(api_key::list_groups, 5, hex("00") + body).value());
  };
  using G = std::vector<std::tuple<std::string, std::string, std::string>>;
  CHECK(list(hex("01 01 00")) == G{{"busy", "CompletingRebalance", "classic"}, {"idle", "Empty", "classic"}});
  CHECK(list(hex("02") + c("empty") + hex("01 00")) == G{{"idle", "Empty", "classic"}});
  CHECK(list(hex("01 02") + c("CLASSIC") + hex("00")).size() == 2);
  CHECK(list(hex("01 02") + c("consumer") + hex("00")).empty());
}
