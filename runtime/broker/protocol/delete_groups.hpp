#pragma once
// DeleteGroups (key 42), v0-1: deletes groups without members and their
// committed offsets (kafka-consumer-groups.sh --delete).
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct DeleteGroupsRequest {
  std::vector<std::string> groups;
};
DeleteGroupsRequest decode_delete_groups_request(Reader& r, std::int16_t version);

struct DeleteGroupsResponse {
  std::int32_t throttle_time_ms = 0;
  struct Result {
    std::string group_id;
    std::int16_t error_code = 0;
  };
  std::vector<Result> results;
};
void encode_delete_groups_response(Writer& w, const DeleteGroupsResponse& r, std::int16_t version);

void handle_delete_groups(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
