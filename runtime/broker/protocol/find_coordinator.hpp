#pragma once
// FindCoordinator (key 10), v0-2: this broker coordinates every group and
// transactional id.
#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct FindCoordinatorRequest {
  std::string key;
  std::int8_t key_type = 0;  // v1+: 0 group, 1 transaction
};
FindCoordinatorRequest decode_find_coordinator_request(Reader& r, std::int16_t version);

struct FindCoordinatorResponse {
  std::int32_t throttle_time_ms = 0;  // v1+
  std::int16_t error_code = 0;
  std::optional<std::string> error_message;  // v1+
  std::int32_t node_id = 0;
  std::string host;
  std::int32_t port = 0;
};
void encode_find_coordinator_response(Writer& w, const FindCoordinatorResponse& r, std::int16_t version);

void handle_find_coordinator(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
