#pragma once
// JoinGroup (key 11), v0-5. From v4 a member without an id first gets
// MEMBER_ID_REQUIRED with its id and joins again with it. The reply waits
// for the group's join phase to complete (groups::Coordinator).
#include <vector>

#include "broker/groups/coordinator.hpp"
#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

groups::JoinRequest decode_join_group_request(Reader& r, std::int16_t version);

struct JoinGroupResponse {
  std::int32_t throttle_time_ms = 0;  // v2+
  groups::JoinResult result;
};
void encode_join_group_response(Writer& w, const JoinGroupResponse& r, std::int16_t version);

void handle_join_group(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
