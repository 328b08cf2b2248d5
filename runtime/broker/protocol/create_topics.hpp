#pragma once
// CreateTopics (key 19), v2-4: num_partitions -1 (v4) means the broker's
// default; replication factor must be -1 or 1 (one broker); topic configs are
// kept with the topic. validate_only checks without creating.
#include <map>
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct CreateTopicsRequest {
  struct Topic {
    std::string name;
    std::int32_t num_partitions = -1;
    std::int16_t replication_factor = -1;
    std::int32_t assignments = 0;  // how many manual assignments were given
    std::map<std::string, std::string> configs;
  };
  std::vector<Topic> topics;
  std::int32_t timeout_ms = 0;
  bool validate_only = false;
};
CreateTopicsRequest decode_create_topics_request(Reader& r, std::int16_t version);

struct CreateTopicsResponse {
  std::int32_t throttle_time_ms = 0;
  struct Topic {
    std::string name;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
  };
  std::vector<Topic> topics;
};
void encode_create_topics_response(Writer& w, const CreateTopicsResponse& r, std::int16_t version);

void handle_create_topics(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
