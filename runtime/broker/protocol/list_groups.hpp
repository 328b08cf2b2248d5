#pragma once
// ListGroups (key 16), v0-5: every group with members or committed offsets.
// v3+ is flexible (the response header gets its tagged fields here); v4 adds
// the state of each group and a filter by state (kafka-consumer-groups.sh
// --list --state), v5 the type ("classic": the only protocol served) and a
// filter by type. Filters match case-insensitively, as Kafka's do.
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct ListGroupsRequest {
  std::vector<std::string> states_filter;  // v4+; empty: all
  std::vector<std::string> types_filter;   // v5+; empty: all
};
ListGroupsRequest decode_list_groups_request(Reader& r, std::int16_t version);

struct ListGroupsResponse {
  std::int32_t throttle_time_ms = 0;  // v1+
  std::int16_t error_code = 0;
  struct Group {
    std::string group_id;
    std::string protocol_type;
    std::string state = "Empty";   // v4+
    std::string type = "classic";  // v5+
  };
  std::vector<Group> groups;
};
void encode_list_groups_response(Writer& w, const ListGroupsResponse& r, std::int16_t version);

void handle_list_groups(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
