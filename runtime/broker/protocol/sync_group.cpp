#include "broker/protocol/sync_group.hpp"

#include "broker/broker.hpp"

namespace ftgo::broker::protocol {

groups::SyncRequest decode_sync_group_request(Reader& r, std::int16_t version) {
  groups::SyncRequest req;
  req.group_id = r.string();
  req.generation_id = r.i32();
  req.member_id = r.string();
  if (version >= 3) req.group_instance_id = r.nullable_string();
  std::int32_t n = r.array_length_not_null(6);
  req.assignments.resize(n);
  for (auto& [member, assignment] : req.assignments) {
    member = r.string();
    assignment = r.bytes();
  }
  return req;
}

void encode_sync_group_response(Writer& w, const SyncGroupResponse& r, std::int16_t version) {
  if (version >= 1) w.i32(r.throttle_time_ms);
  w.i16(r.result.error);
  w.bytes(r.result.assignment);
}

void handle_sync_group(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  groups::SyncRequest req = decode_sync_group_request(body, version);
  broker.groups().sync(std::move(req), [version, reply = std::move(reply)](groups::SyncResult result) {
    Writer w = Writer::response();
    encode_sync_group_response(w, SyncGroupResponse{0, std::move(result)}, version);
    reply(std::move(w));
  });
}

}  // namespace ftgo::broker::protocol
