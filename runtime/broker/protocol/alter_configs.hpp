#pragma once
// AlterConfigs (key 33), v0-2 (v2 flexible): the older, non-incremental way
// to change a topic's configs, still what kafkajs's admin.alterConfigs,
// kafka-python's alter_configs and confluent-kafka's alter_configs send. The
// entries given become the topic's whole set of overrides: one not named goes
// back to its default, as Kafka answers it; an entry with a null value is not
// set. Validated, made durable and applied like IncrementalAlterConfigs
// (incremental_alter_configs.hpp, whose response it shares); broker configs
// are static (INVALID_REQUEST).
#include <optional>
#include <string>
#include <vector>

#include "broker/protocol/api.hpp"
#include "broker/protocol/incremental_alter_configs.hpp"

namespace ftgo::broker::protocol {

struct AlterConfigsRequest {
  struct Config {
    std::string name;
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
AlterConfigsRequest decode_alter_configs_request(Reader& r, std::int16_t version);

void handle_alter_configs(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
