#pragma once
// DescribeGroups (key 15), v0-4: state, protocol and members of each group;
// an unknown group is described as Dead with no members. Member metadata and
// assignments are filled in only when the group is Stable (as Kafka does).
#include <vector>

#include "broker/groups/coordinator.hpp"
#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct DescribeGroupsRequest {
  std::vector<std::string> groups;
  bool include_authorized_operations = false;  // v3+
};
DescribeGroupsRequest decode_describe_groups_request(Reader& r, std::int16_t version);

struct DescribeGroupsResponse {
  std::int32_t throttle_time_ms = 0;  // v1+
  struct Group {
    std::int16_t error_code = 0;
    groups::GroupDescription description;
  };
  std::vector<Group> groups;
};
void encode_describe_groups_response(Writer& w, const DescribeGroupsResponse& r, std::int16_t version);

void handle_describe_groups(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
