#pragma once
// Heartbeat (key 12), v0-3: keeps a member's session alive; answers
// REBALANCE_IN_PROGRESS when it must rejoin.
#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct HeartbeatRequest {
  std::string group_id;
  std::int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+
};
HeartbeatRequest decode_heartbeat_request(Reader& r, std::int16_t version);

struct HeartbeatResponse {
  std::int32_t throttle_time_ms = 0;  // v1+
  std::int16_t error_code = 0;
};
void encode_heartbeat_response(Writer& w, const HeartbeatResponse& r, std::int16_t version);

void handle_heartbeat(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
