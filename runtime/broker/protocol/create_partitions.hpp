#pragma once
// CreatePartitions (key 37), v0-1: grows a topic's partition count
// (kafka-topics.sh --alter --partitions N). Manual assignments may only name
// this broker; shrinking is INVALID_PARTITIONS, as in Kafka.
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct CreatePartitionsRequest {
  struct Topic {
    std::string name;
    std::int32_t count = 0;
    std::optional<std::vector<std::vector<std::int32_t>>> assignments;  // broker ids per new partition
  };
  std::vector<Topic> topics;
  std::int32_t timeout_ms = 0;
  bool validate_only = false;
};
CreatePartitionsRequest decode_create_partitions_request(Reader& r, std::int16_t version);

struct CreatePartitionsResponse {
  std::int32_t throttle_time_ms = 0;
  struct Result {
    std::string name;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
  };
  std::vector<Result> results;
};
void encode_create_partitions_response(Writer& w, const CreatePartitionsResponse& r, std::int16_t version);

void handle_create_partitions(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
