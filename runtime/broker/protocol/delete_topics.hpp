#pragma once
// DeleteTopics (key 20), v1-3: deletes topics and their data.
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct DeleteTopicsRequest {
  std::vector<std::string> topics;
  std::int32_t timeout_ms = 0;
};
DeleteTopicsRequest decode_delete_topics_request(Reader& r, std::int16_t version);

struct DeleteTopicsResponse {
  std::int32_t throttle_time_ms = 0;  // v1+
  struct Topic {
    std::string name;
    std::int16_t error_code = 0;
  };
  std::vector<Topic> topics;
};
void encode_delete_topics_response(Writer& w, const DeleteTopicsResponse& r, std::int16_t version);

void handle_delete_topics(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
