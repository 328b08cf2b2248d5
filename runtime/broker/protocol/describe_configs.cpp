#include "broker/protocol/describe_configs.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int8_t k_topic = 2;
constexpr std::int8_t k_broker = 4;
constexpr std::int8_t k_source_topic = 1;
constexpr std::int8_t k_source_static_broker = 4;
constexpr std::int8_t k_source_default = 5;
constexpr std::int8_t k_type_string = 2;
constexpr std::int8_t k_type_int = 3;
constexpr std::int8_t k_type_long = 5;
constexpr std::int8_t k_type_boolean = 1;

using Config = DescribeConfigsResponse::Config;

std::vector<Config> topic_defaults(const BrokerOptions& opt) {
  const auto& log = opt.log;
  return {
      {"cleanup.policy", "delete", false, k_source_default, false, 7},
      {"compression.type", "producer", false, k_source_default, false, k_type_string},
      {"max.message.bytes", std::to_string(opt.max_message_bytes), false, k_source_default, false, k_type_int},
      {"message.timestamp.type", "CreateTime", false, k_source_default, false, k_type_string},
      {"min.insync.replicas", "1", false, k_source_default, false, k_type_int},
      {"retention.bytes", std::to_string(log.retention_bytes), false, k_source_default, false, k_type_long},
      {"retention.ms", std::to_string(log.retention_ms), false, k_source_default, false, k_type_long},
      {"segment.bytes", std::to_string(log.segment_bytes), false, k_source_default, false, k_type_int},
  };
}

std::vector<Config> broker_configs(const BrokerOptions& opt) {
  auto c = [](std::string name, std::string value, std::int8_t type) {
    return Config{std::move(name), std::move(value), true, k_source_static_broker, false, type};
  };
  return {
      c("auto.create.topics.enable", opt.auto_create_topics ? "true" : "false", k_type_boolean),
      c("broker.id", std::to_string(opt.node_id), k_type_int),
      c("default.replication.factor", "1", k_type_int),
      c("group.initial.rebalance.delay.ms", "0", k_type_int),
      c("log.retention.ms", std::to_string(opt.log.retention_ms), k_type_long),
      c("log.segment.bytes", std::to_string(opt.log.segment_bytes), k_type_int),
      c("message.max.bytes", std::to_string(opt.max_message_bytes), k_type_int),
      c("num.partitions", std::to_string(opt.default_partitions), k_type_int),
      c("offsets.topic.replication.factor", "1", k_type_int),
  };
}
}  // namespace

DescribeConfigsRequest decode_describe_configs_request(Reader& r, std::int16_t version) {
  DescribeConfigsRequest req;
  std::int32_t n = r.array_length_not_null(7);
  req.resources.resize(n);
  for (auto& res : req.resources) {
    res.type = r.i8();
    res.name = r.string();
    if (auto nk = r.array_length(2)) {
      std::vector<std::string> keys;
      for (std::int32_t i = 0; i < *nk; ++i) keys.push_back(r.string());
      res.keys = std::move(keys);
    }
  }
  if (version >= 1) req.include_synonyms = r.boolean();
  if (version >= 3) req.include_documentation = r.boolean();
  return req;
}

void encode_describe_configs_response(Writer& w, const DescribeConfigsResponse& r, std::int16_t version) {
  w.i32(r.throttle_time_ms);
  w.array_length(r.results.size());
  for (const auto& res : r.results) {
    w.i16(res.error_code);
    w.nullable_string(res.error_message);
    w.i8(res.resource_type);
    w.string(res.resource_name);
    w.array_length(res.configs.size());
    for (const auto& c : res.configs) {
      w.string(c.name);
      w.nullable_string(c.value);
      w.boolean(c.read_only);
      if (version == 0) w.boolean(c.source == k_source_default);
      if (version >= 1) w.i8(c.source);
      w.boolean(c.sensitive);
      if (version >= 1) w.array_length(0);  // synonyms
      if (version >= 3) {
        w.i8(c.type);
        w.null_string();  // documentation
      }
    }
  }
}

void handle_describe_configs(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  DescribeConfigsRequest req = decode_describe_configs_request(body, version);
  DescribeConfigsResponse resp;
  const auto& opt = broker.options();
  for (const auto& res : req.resources) {
    auto& out = resp.results.emplace_back();
    out.resource_type = res.type;
    out.resource_name = res.name;
    std::vector<Config> configs;
    if (res.type == k_topic) {
      const auto* topic = broker.store().topic(res.name);
      if (!topic) {
        out.error_code = error::unknown_topic_or_partition;
        out.error_message = fmt::format("topic '{}' does not exist", res.name);
        continue;
      }
      configs = topic_defaults(opt);
      for (const auto& entry : topic->config) {
        const std::string& name = entry.first;
        const std::string& value = entry.second;
        auto it = std::find_if(configs.begin(), configs.end(), [&](const Config& c) { return c.name == name; });
        if (it == configs.end()) {
          configs.push_back({name, value, false, k_source_topic, false, k_type_string});
        } else {
          it->value = value;
          it->source = k_source_topic;
        }
      }
    } else if (res.type == k_broker) {
      configs = broker_configs(opt);
    } else {
      out.error_code = error::invalid_request;
      out.error_message = fmt::format("resource type {} is not supported (2 topic, 4 broker)", res.type);
      continue;
    }
    for (auto& c : configs) {
      if (!res.keys || std::find(res.keys->begin(), res.keys->end(), c.name) != res.keys->end()) {
        out.configs.push_back(std::move(c));
      }
    }
  }
  Writer w = Writer::response();
  encode_describe_configs_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
