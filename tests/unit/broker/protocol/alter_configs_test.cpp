// AlterConfigs (key 33): the v0-1 request against hand-written bytes, and the
// handler through Broker::dispatch: the entries given replace the topic's
// overrides, a null value is not set, and bad values, unknown topics and
// broker resources change nothing.
#include <catch2/catch.hpp>

#include "broker/protocol/alter_configs.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/storage/store.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::reader_of;
using ftgo::test::s16;
using Entry = AlterConfigsRequest::Config;
using ConfigMap = std::map<std::string, std::string>;

namespace {
// One resource of `type` with (name, value) entries, v0-1.
std::string request(const std::string& name, const std::vector<Entry>& entries, bool validate_only = false,
                    char type = 2) {
  std::string out = hex("00000001") + std::string(1, type) + s16(name) +
                    ftgo::test::be32(static_cast<std::uint32_t>(entries.size()));
  for (const auto& e : entries) out += s16(e.name) + (e.value ? s16(*e.value) : hex("ffff"));
  return out + (validate_only ? hex("01") : hex("00"));
}

// A v0-1 response of one resource.
struct Result {
  std::int16_t error;
  std::optional<std::string> message;
  std::int8_t type;
  std::string name;
};
Result result(std::string data) {
  Reader r = reader_of(data);
  CHECK(r.i32() == 0);  // throttle
  REQUIRE(r.i32() == 1);
  Result out;
  out.error = r.i16();
  out.message = r.nullable_string();
  out.type = r.i8();
  out.name = r.string();
  CHECK(r.empty());
  return out;
}
}  // namespace

TEST_CASE("AlterConfigs: v0-1 request", "[broker][codec]") {
  std::string bytes = hex("00000002 02") + s16("t") + hex("00000002") + s16("retention.ms") + s16("1000") +
                      s16("segment.bytes") + hex("ffff") + hex("04") + s16("0") + hex("00000000") + hex("01");
  Reader r = reader_of(bytes);
  auto req = decode_alter_configs_request(r, 1);
  REQUIRE(req.resources.size() == 2);
  CHECK(req.resources[0].type == 2);
  CHECK(req.resources[0].name == "t");
  REQUIRE(req.resources[0].configs.size() == 2);
  CHECK(req.resources[0].configs[0].name == "retention.ms");
  CHECK(req.resources[0].configs[0].value == "1000");
  CHECK_FALSE(req.resources[0].configs[1].value.has_value());
  CHECK(req.resources[1].type == 4);
  CHECK(req.resources[1].configs.empty());
  CHECK(req.validate_only);
  CHECK(r.empty());
  // Cut anywhere: a decode error, not a crash.
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::string part = bytes.substr(0, n);
    Reader cut = reader_of(part);
    CHECK_THROWS(decode_alter_configs_request(cut, 1));
  }
}

TEST_CASE("AlterConfigs replaces a topic's overrides; bad values and unknown topics change nothing",
          "[broker][protocol]") {
  BrokerFixture f;
  f.auto_create("t");
  auto& store = f.broker->store();
  auto call = [&](const std::string& body, std::int16_t version = 1) {
    return result(f.call(api_key::alter_configs, version, body).value());
  };

  CHECK(call(request("t", {{"retention.ms", "1000"}, {"segment.bytes", "2048"}}), 0).error == error::none);
  CHECK(store.topic("t")->config == ConfigMap{{"retention.ms", "1000"}, {"segment.bytes", "2048"}});
  // Not incremental: what is not named goes back to its default; a null value is not set.
  CHECK(call(request("t", {{"retention.bytes", "4096"}, {"segment.bytes", std::nullopt}})).error == error::none);
  CHECK(store.topic("t")->config == ConfigMap{{"retention.bytes", "4096"}});
  CHECK(call(request("t", {}, true)).error == error::none);  // validate only
  CHECK(store.topic("t")->config == ConfigMap{{"retention.bytes", "4096"}});

  Result bad = call(request("t", {{"retention.ms", "5"}, {"segment.bytes", "big"}}));
  CHECK(bad.error == error::invalid_config);
  CHECK(bad.message.value_or("").find("segment.bytes=big") != std::string::npos);
  CHECK(bad.type == 2);
  CHECK(bad.name == "t");
  CHECK(store.topic("t")->config == ConfigMap{{"retention.bytes", "4096"}});
  Result missing = call(request("nope", {{"retention.ms", "1"}}));
  CHECK(missing.error == error::unknown_topic_or_partition);
  CHECK(missing.name == "nope");
  CHECK(store.topic("nope") == nullptr);
  // A broker resource (type 4): static.
  Result static_config = call(request("0", {{"log.retention.ms", "1"}}, false, 4));
  CHECK(static_config.error == error::invalid_request);
  CHECK(static_config.type == 4);
}
