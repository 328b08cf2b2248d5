#pragma once
// SyncGroup (key 14), v0-3: the leader sends every member's assignment; each
// member (the leader included) gets its own once the leader's has arrived.
#include "broker/groups/coordinator.hpp"
#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

groups::SyncRequest decode_sync_group_request(Reader& r, std::int16_t version);

struct SyncGroupResponse {
  std::int32_t throttle_time_ms = 0;  // v1+
  groups::SyncResult result;
};
void encode_sync_group_response(Writer& w, const SyncGroupResponse& r, std::int16_t version);

void handle_sync_group(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
