#pragma once
// IncrementalAlterConfigs (key 44), v0: sets, deletes, appends to or
// subtracts from a topic's configs (kafka-configs.sh --alter). The change is
// durable (topic.json) and applies to the topic's logs at once; broker
// configs are static (INVALID_REQUEST).
#include <map>
#include <optional>
#include <vector>

#include "broker/protocol/api.hpp"
#include "broker/storage/store.hpp"

namespace ftgo::broker::protocol {

struct IncrementalAlterConfigsRequest {
  struct Config {
    std::string name;
    std::int8_t operation = 0;  // 0 set, 1 delete, 2 append, 3 subtract
    std::optional<std::string> value;
  };
  struct Resource {
    std::int8_t type = 0;
    std::string name;
    std::vector<Config> configs;
  };
  std::vector<Resource> resources;
  bool validate_only = false;
};
IncrementalAlterConfigsRequest decode_incremental_alter_configs_request(Reader& r, std::int16_t version);

struct IncrementalAlterConfigsResponse {
  std::int32_t throttle_time_ms = 0;
  struct Result {
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::int8_t resource_type = 0;
    std::string resource_name;
  };
  std::vector<Result> results;
};
void encode_incremental_alter_configs_response(Writer& w, const IncrementalAlterConfigsResponse& r,
                                               std::int16_t version);

// The configs after applying `changes` to `config`; nullopt and `error` set
// when an operation is invalid (a null value to set, an unknown operation).
std::optional<std::map<std::string, std::string>> apply_config_changes(
    std::map<std::string, std::string> config, const std::vector<IncrementalAlterConfigsRequest::Config>& changes,
    std::string& error);

// Shared by both AlterConfigs APIs. The topic `type`/`name` names, or nullptr
// with `out`'s error set (not a topic resource, or no such topic).
const storage::TopicInfo* alterable_topic(Broker& broker, std::int8_t type, const std::string& name,
                                          IncrementalAlterConfigsResponse::Result& out);
// Validates `config` as the topic's whole set of overrides and, unless
// `validate_only`, makes it durable and applies it; errors go to `out`.
void replace_topic_config(Broker& broker, const std::string& name, const std::map<std::string, std::string>& config,
                          bool validate_only, IncrementalAlterConfigsResponse::Result& out);

void handle_incremental_alter_configs(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
