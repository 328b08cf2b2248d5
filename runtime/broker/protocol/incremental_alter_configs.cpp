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

const storage::TopicInfo* alterable_topic(Broker& broker, std::int8_t type, const std::string& name,
                                          IncrementalAlterConfigsResponse::Result& out) {
  out.resource_type = type;
  out.resource_name = name;
  if (type != k_topic) {
    out.error_code = error::invalid_request;
    out.error_message =
        fmt::format("resource type {} cannot be altered: only topic configs (2) can; the broker's are static", type);
    return nullptr;
  }
  const auto* topic = broker.store().topic(name);
  if (!topic) {
    out.error_code = error::unknown_topic_or_partition;
    out.error_message = fmt::format("topic '{}' does not exist", name);
  }
  return topic;
}

void replace_topic_config(Broker& broker, const std::string& name, const std::map<std::string, std::string>& config,
                          bool validate_only, IncrementalAlterConfigsResponse::Result& out) {
  try {
    broker.store().validate_topic_config(name, config);
  } catch (const ftgo::Error& e) {
    out.error_code = error::invalid_config;
    out.error_message = e.cause();
    return;
  }
  if (validate_only) return;
  try {
    broker.store().alter_topic_config(name, config);
  } catch (const std::exception& e) {
    out.error_code = error::unknown_server_error;
    out.error_message = e.what();
  }
}

void handle_incremental_alter_configs(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  auto req = decode_incremental_alter_configs_request(body, version);
  IncrementalAlterConfigsResponse resp;
  for (const auto& res : req.resources) {
    auto& out = resp.results.emplace_back();
    const auto* topic = alterable_topic(broker, res.type, res.name, out);
    if (!topic) continue;
    std::string why;
    auto config = apply_config_changes(topic->config, res.configs, why);
    if (!config) {
      out.error_code = error::invalid_request;
      out.error_message = why;
      continue;
    }
    replace_topic_config(broker, res.name, *config, req.validate_only, out);
  }
  Writer w = Writer::response();
  encode_incremental_alter_configs_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
