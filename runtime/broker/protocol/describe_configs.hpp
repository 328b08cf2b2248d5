#pragma once
// DescribeConfigs (key 32), v1-3: a topic's configs (Kafka's defaults, with
// the ones given at creation overriding them) and the broker's (resource
// type 2 = topic, 4 = broker).
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct DescribeConfigsRequest {
  struct Resource {
    std::int8_t type = 0;
    std::string name;
    std::optional<std::vector<std::string>> keys;  // nullopt: all
  };
  std::vector<Resource> resources;
  bool include_synonyms = false;       // v1+
  bool include_documentation = false;  // v3+
};
DescribeConfigsRequest decode_describe_configs_request(Reader& r, std::int16_t version);

struct DescribeConfigsResponse {
  std::int32_t throttle_time_ms = 0;
  struct Config {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    std::int8_t source = 5;  // 1 topic override, 4 static broker, 5 default
    bool sensitive = false;
    std::int8_t type = 0;  // v3: 1 boolean, 2 string, 3 int, 5 long, 7 list
  };
  struct Result {
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::int8_t resource_type = 0;
    std::string resource_name;
    std::vector<Config> configs;
  };
  std::vector<Result> results;
};
void encode_describe_configs_response(Writer& w, const DescribeConfigsResponse& r, std::int16_t version);

void handle_describe_configs(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
