// IncrementalAlterConfigs (key 44): the v0 codec against hand-written bytes,
// the set/delete/append/subtract rules, the handler's errors through
// Broker::dispatch, and a changed config surviving a reopen of the store.
#include <catch2/catch.hpp>

#include "broker/protocol/errors.hpp"
#include "broker/protocol/incremental_alter_configs.hpp"
#include "broker/storage/store.hpp"
#include "util/error.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::reader_of;
using ftgo::test::s16;
using ftgo::test::to_hex;
using Change = IncrementalAlterConfigsRequest::Config;
using ConfigMap = std::map<std::string, std::string>;

namespace {
// One topic resource with (name, operation, value) changes, v0.
std::string request(const std::string& topic, const std::vector<Change>& changes, bool validate_only = false) {
  std::string out = hex("00000001 02") + s16(topic) + ftgo::test::be32(static_cast<std::uint32_t>(changes.size()));
  for (const auto& c : changes) {
    out += s16(c.name) + std::string(1, static_cast<char>(c.operation)) + (c.value ? s16(*c.value) : hex("ffff"));
  }
  return out + (validate_only ? hex("01") : hex("00"));
}

// A v0 response of one resource -> (error, message).
std::pair<std::int16_t, std::optional<std::string>> result(std::string data) {
  Reader r = reader_of(data);
  r.i32();
  REQUIRE(r.i32() == 1);
  std::int16_t err = r.i16();
  return {err, r.nullable_string()};
}
}  // namespace

TEST_CASE("IncrementalAlterConfigs: v0 request and response", "[broker][codec]") {
  std::string bytes = hex("00000001 02") + s16("t") + hex("00000002") + s16("retention.ms") + hex("00") + s16("1000") +
                      s16("segment.bytes") + hex("01 ffff") + hex("01");
  Reader r = reader_of(bytes);
  auto req = decode_incremental_alter_configs_request(r, 0);
  REQUIRE(req.resources.size() == 1);
  CHECK(req.resources[0].type == 2);
  CHECK(req.resources[0].name == "t");
  REQUIRE(req.resources[0].configs.size() == 2);
  CHECK(req.resources[0].configs[0].value == "1000");
  CHECK(req.resources[0].configs[1].operation == 1);
  CHECK_FALSE(req.resources[0].configs[1].value.has_value());
  CHECK(req.validate_only);
  CHECK(r.empty());

  IncrementalAlterConfigsResponse resp;
  resp.results.push_back({0, std::nullopt, 2, "t"});
  resp.results.push_back({40, "bad", 2, "u"});
  Writer w;
  encode_incremental_alter_configs_response(w, resp, 0);
  CHECK(to_hex(w.take()) == to_hex(hex("00000000 00000002 0000 ffff 02") + s16("t") + hex("0028") + s16("bad") +
                                   hex("02") + s16("u")));
}

TEST_CASE("config changes: set, delete, append and subtract a list", "[broker][protocol]") {
  std::string why;
  ConfigMap start{{"retention.ms", "1"}, {"cleanup.policy", "delete"}};
  auto out = apply_config_changes(start,
                                  {{"retention.ms", 1, std::nullopt},
                                   {"segment.bytes", 0, "2048"},
                                   {"cleanup.policy", 2, "compact,delete"},
                                   {"x", 2, "a"}},
                                  why);
  REQUIRE(out);
  CHECK(*out == ConfigMap{{"cleanup.policy", "delete,compact"}, {"segment.bytes", "2048"}, {"x", "a"}});
  out = apply_config_changes(*out, {{"cleanup.policy", 3, "delete"}, {"nothing", 1, std::nullopt}}, why);
  REQUIRE(out);
  CHECK(out->at("cleanup.policy") == "compact");
  CHECK_FALSE(apply_config_changes(start, {{"retention.ms", 0, std::nullopt}}, why));
  CHECK(why == "null value for retention.ms");
  CHECK_FALSE(apply_config_changes(start, {{"retention.ms", 7, "1"}}, why));
}

TEST_CASE("IncrementalAlterConfigs changes a topic's config; bad values and unknown topics change nothing",
          "[broker][protocol]") {
  BrokerFixture f;
  f.auto_create("t");
  auto& store = f.broker->store();
  auto call = [&](const std::string& body) { return result(f.call(api_key::incremental_alter_configs, 0, body).value()); };

  CHECK(call(request("t", {{"retention.ms", 0, "1000"}, {"segment.bytes", 0, "2048"}})).first == error::none);
  CHECK(store.topic("t")->config == ConfigMap{{"retention.ms", "1000"}, {"segment.bytes", "2048"}});
  CHECK(call(request("t", {{"retention.ms", 1, std::nullopt}}, true)).first == error::none);  // validate only
  CHECK(store.topic("t")->config.count("retention.ms") == 1);

  auto bad = call(request("t", {{"retention.ms", 1, std::nullopt}, {"segment.bytes", 0, "big"}}));
  CHECK(bad.first == error::invalid_config);
  CHECK(bad.second.value_or("").find("segment.bytes=big") != std::string::npos);
  CHECK(call(request("t", {{"retention.ms", 0, std::nullopt}})).first == error::invalid_request);
  CHECK(store.topic("t")->config == ConfigMap{{"retention.ms", "1000"}, {"segment.bytes", "2048"}});
  CHECK(call(request("nope", {{"retention.ms", 0, "1"}})).first == error::unknown_topic_or_partition);
  // A broker resource (type 4): static.
  std::string broker_req = hex("00000001 04") + s16("0") + hex("00000001") + s16("log.retention.ms") + hex("00") +
                           s16("1") + hex("00");
  CHECK(call(broker_req).first == error::invalid_request);
}

TEST_CASE("an altered topic config survives a reopen of the store", "[broker][storage]") {
  ftgo::test::TempDir tmp;
  using ftgo::broker::storage::Store;
  {
    Store store(tmp.path, {});
    store.create_topic({"t", 2, {{"retention.ms", "60000"}}});
    store.alter_topic_config("t", {{"retention.bytes", "4096"}});
    CHECK_THROWS_AS(store.alter_topic_config("t", {{"retention.bytes", "x"}}), ftgo::Error);
    CHECK_THROWS_AS(store.alter_topic_config("nope", {}), ftgo::Error);
  }
  Store store(tmp.path, {});
  REQUIRE(store.topic("t") != nullptr);
  CHECK(store.topic("t")->config == ConfigMap{{"retention.bytes", "4096"}});
  CHECK(store.topic("t")->partitions == 2);
}

TEST_CASE("topic configs: Kafka's names only, Kafka's choices, and max.message.bytes applies to Produce",
          "[broker][protocol]") {
  BrokerFixture f;
  f.auto_create("t");
  auto alter = [&](const std::string& name, const std::string& value) {
    return result(f.call(api_key::incremental_alter_configs, 0, request("t", {{name, 0, value}})).value());
  };
  auto [err, message] = alter("retention.msx", "1");
  CHECK(err == error::invalid_config);
  CHECK(message.value_or("").find("unknown topic config name: retention.msx") != std::string::npos);
  CHECK(alter("cleanup.policy", "bogus").first == error::invalid_config);
  CHECK(alter("compression.type", "brotli").first == error::invalid_config);
  CHECK(f.broker->store().topic("t")->config.empty());  // nothing refused was kept
  // Kept and described although ftgo does not compact.
  CHECK(alter("cleanup.policy", "compact,delete").first == error::none);
  CHECK(f.broker->store().topic("t")->config.at("cleanup.policy") == "compact,delete");

  // max.message.bytes: a batch above the topic's limit is MESSAGE_TOO_LARGE (10).
  auto produce_error = [&](std::size_t value_size) {
    std::string records = ftgo::test::make_batch("k", std::string(value_size, 'x'));
    std::string data = f.call(api_key::produce, 3, hex("ffff ffff 00001388 00000001") + s16("t") +
                                                       hex("00000001 00000000") +
                                                       ftgo::test::be32(static_cast<std::uint32_t>(records.size())) +
                                                       records)
                           .value();
    Reader r = reader_of(data);
    r.i32();
    r.string();
    r.i32();
    r.i32();
    return r.i16();
  };
  CHECK(produce_error(1000) == error::none);
  CHECK(alter("max.message.bytes", "500").first == error::none);
  CHECK(produce_error(1000) == error::message_too_large);
  CHECK(produce_error(100) == error::none);
}

TEST_CASE("CreateTopics refuses an unknown config name with INVALID_CONFIG", "[broker][protocol]") {
  BrokerFixture f;
  // CreateTopics v2: one topic, 1 partition, replication -1, no assignments, one config; timeout, validate_only.
  std::string body = hex("00000001") + s16("u") + hex("00000001 ffff 00000000 00000001") + s16("retention.msx") +
                     s16("1") + hex("00007530 00");
  std::string data = f.call(api_key::create_topics, 2, body).value();
  Reader r = reader_of(data);
  r.i32();  // throttle
  REQUIRE(r.i32() == 1);
  CHECK(r.string() == "u");
  CHECK(r.i16() == error::invalid_config);
  CHECK(r.nullable_string().value_or("").find("retention.msx") != std::string::npos);
  CHECK(f.broker->store().topic("u") == nullptr);
}
