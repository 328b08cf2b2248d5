#include "broker/protocol/create_topics.hpp"

#include <fmt/format.h>

#include <set>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"
#include "util/error.hpp"

namespace ftgo::broker::protocol {

CreateTopicsRequest decode_create_topics_request(Reader& r, std::int16_t version) {
  CreateTopicsRequest req;
  std::int32_t n = r.array_length_not_null(2 + 4 + 2 + 4 + 4);
  req.topics.resize(n);
  for (auto& t : req.topics) {
    t.name = r.string();
    t.num_partitions = r.i32();
    t.replication_factor = r.i16();
    t.assignments = r.array_length_not_null(8);
    for (std::int32_t i = 0; i < t.assignments; ++i) {
      r.i32();
      std::int32_t brokers = r.array_length_not_null(4);
      r.skip(static_cast<std::size_t>(brokers) * 4);
    }
    std::int32_t nc = r.array_length_not_null(4);
    for (std::int32_t i = 0; i < nc; ++i) {
      std::string name = r.string();
      auto value = r.nullable_string();
      if (value) t.configs[name] = *value;
    }
  }
  req.timeout_ms = r.i32();
  if (version >= 1) req.validate_only = r.boolean();
  return req;
}

void encode_create_topics_response(Writer& w, const CreateTopicsResponse& r, std::int16_t version) {
  if (version >= 2) w.i32(r.throttle_time_ms);
  w.array_length(r.topics.size());
  for (const auto& t : r.topics) {
    w.string(t.name);
    w.i16(t.error_code);
    if (version >= 1) w.nullable_string(t.error_message);
  }
}

namespace {
// Why the topic's configs would be refused (INVALID_CONFIG), or "".
std::string config_error(Broker& broker, const std::string& topic, const std::map<std::string, std::string>& configs) {
  try {
    broker.store().validate_topic_config(topic, configs);
  } catch (const ftgo::Error& e) {
    return e.cause();
  }
  return {};
}
}  // namespace

void handle_create_topics(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  CreateTopicsRequest req = decode_create_topics_request(body, version);
  std::multiset<std::string> names;
  for (const auto& t : req.topics) names.insert(t.name);
  CreateTopicsResponse resp;
  for (const auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    auto fail = [&](std::int16_t code, std::string message) {
      rt.error_code = code;
      rt.error_message = std::move(message);
    };
    int partitions = t.num_partitions;
    if (t.assignments > 0) partitions = t.assignments;
    if (partitions == -1) partitions = broker.options().default_partitions;
    if (names.count(t.name) > 1) {
      fail(error::invalid_request, "topic named more than once in the request");
    } else if (!storage::valid_topic_name(t.name)) {
      fail(error::invalid_topic_exception,
           fmt::format("invalid topic name '{}': use 1-249 of [a-zA-Z0-9._-], not '.' or '..'", t.name));
    } else if (broker.store().topic(t.name)) {
      fail(error::topic_already_exists, fmt::format("topic '{}' already exists", t.name));
    } else if (partitions <= 0 || partitions > broker.options().max_partitions) {
      fail(error::invalid_partitions,
           fmt::format("number of partitions must be 1-{}", broker.options().max_partitions));
    } else if (t.replication_factor != -1 && t.replication_factor != 1) {
      fail(error::invalid_replication_factor, "replication factor must be 1 (one broker)");
    } else if (std::string why = config_error(broker, t.name, t.configs); !why.empty()) {
      fail(error::invalid_config, why);
    } else if (!req.validate_only) {
      try {
        broker.store().create_topic(storage::TopicInfo{t.name, partitions, t.configs});
      } catch (const std::exception& e) {
        fail(error::unknown_server_error, e.what());
      }
    }
  }
  Writer w = Writer::response();
  encode_create_topics_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
