#pragma once
// LeaveGroup (key 13), v0-3: v0-2 one member id; v3 a batch of members with
// a result each. A leave starts a rebalance for the others.
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct LeaveGroupRequest {
  std::string group_id;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
  };
  std::vector<Member> members;  // v0-2: exactly one
};
LeaveGroupRequest decode_leave_group_request(Reader& r, std::int16_t version);

struct LeaveGroupResponse {
  std::int32_t throttle_time_ms = 0;  // v1+
  std::int16_t error_code = 0;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::int16_t error_code = 0;
  };
  std::vector<Member> members;  // v3+
};
void encode_leave_group_response(Writer& w, const LeaveGroupResponse& r, std::int16_t version);

void handle_leave_group(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
