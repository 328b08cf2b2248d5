#include "broker/protocol/incremental_alter_configs.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"
#include "util/error.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int8_t k_topic = 2;
constexpr std::int8_t k_set = 0, k_delete = 1, k_append = 2, k_subtract = 3;

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}
}  // namespace

IncrementalAlterConfigsRequest decode_incremental_alter_configs_request(Reader& r, std::int16_t) {
  IncrementalAlterConfigsRequest req;
  req.resources.resize(r.array_length_not_null(7));
  for (auto& res : req.resources) {
    res.type = r.i8();
    res.name = r.string();
    res.configs.resize(r.array_length_not_null(5));
    for (auto& c : res.configs) {
      c.name = r.string();
      c.operation = r.i8();
      c.value = r.nullable_string();
    }
  }
  req.validate_only = r.boolean();
  return req;
}

void encode_incremental_alter_configs_response(Writer& w, const IncrementalAlterConfigsResponse& r, std::int16_t) {
  w.i32(r.throttle_time_ms);
  w.array_length(r.results.size());
  for (const auto& res : r.results) {
    w.i16(res.error_code);
    w.nullable_string(res.error_message);
    w.i8(res.resource_type);
    w.string(res.resource_name);
  }
}

std::optional<std::map<std::string, std::string>> apply_config_changes(
    std::map<std::string, std::string> config, const std::vector<IncrementalAlterConfigsRequest::Config>& changes,
    std::string& error) {
  for (const auto& c : changes) {
    if (c.operation == k_delete) {
      config.erase(c.name);
      continue;
    }
    if (c.operation < k_set || c.operation > k_subtract) {
      error = fmt::format("unknown config operation {} for {}", c.operation, c.name);
      return std::nullopt;
    }
    if (!c.value) {
      error = fmt::format("null value for {}", c.name);
      return std::nullopt;
    }
    if (c.operation == k_set) {
      config[c.name] = *c.value;
      continue;
    }
    auto it = config.find(c.name);
    std::vector<std::string> items =
        it == config.end() ? std::vector<std::string>{} : storage::split_config_list(it->second);
    for (const auto& v : storage::split_config_list(*c.value)) {
      bool present = std::find(items.begin(), items.end(), v) != items.end();
      if (c.operation == k_append && !present) items.push_back(v);
      if (c.operation == k_subtract) std::erase(items, v);
    }
    config[c.name] = join_list(items);
  }
  return config;
}

void handle_incremental_alter_configs(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  auto req = decode_incremental_alter_configs_request(body, version);
  IncrementalAlterConfigsResponse resp;
  for (const auto& res : req.resources) {
    auto& out = resp.results.emplace_back();
    out.resource_type = res.type;
    out.resource_name = res.name;
    auto fail = [&](std::int16_t code, std::string message) {
      out.error_code = code;
      out.error_message = std::move(message);
    };
    if (res.type != k_topic) {
      fail(error::invalid_request, fmt::format("resource type {} cannot be altered: only topic configs (2) can; "
                                               "the broker's are static",
                                               res.type));
      continue;
    }
    const auto* topic = broker.store().topic(res.name);
    if (!topic) {
      fail(error::unknown_topic_or_partition, fmt::format("topic '{}' does not exist", res.name));
      continue;
    }
    std::string why;
    auto config = apply_config_changes(topic->config, res.configs, why);
    if (!config) {
      fail(error::invalid_request, why);
      continue;
    }
    try {
      broker.store().validate_topic_config(res.name, *config);
    } catch (const ftgo::Error& e) {
      fail(error::invalid_config, e.cause());
      continue;
    }
    if (req.validate_only) continue;
    try {
      broker.store().alter_topic_config(res.name, *config);
    } catch (const std::exception& e) {
      fail(error::unknown_server_error, e.what());
    }
  }
  Writer w = Writer::response();
  encode_incremental_alter_configs_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
