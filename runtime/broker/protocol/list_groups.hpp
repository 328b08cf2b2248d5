#pragma once
// ListGroups (key 16), v0-2: every group with members or committed offsets.
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct ListGroupsResponse {
  std::int32_t throttle_time_ms = 0;  // v1+
  std::int16_t error_code = 0;
  struct Group {
    std::string group_id;
    std::string protocol_type;
  };
  std::vector<Group> groups;
};
void encode_list_groups_response(Writer& w, const ListGroupsResponse& r, std::int16_t version);

void handle_list_groups(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
