#include "broker/protocol/join_group.hpp"

#include "broker/broker.hpp"

namespace ftgo::broker::protocol {

groups::JoinRequest decode_join_group_request(Reader& r, std::int16_t version) {
  groups::JoinRequest req;
  req.group_id = r.string();
  req.session_timeout_ms = r.i32();
  if (version >= 1) req.rebalance_timeout_ms = r.i32();
  req.member_id = r.string();
  if (version >= 5) req.group_instance_id = r.nullable_string();
  req.protocol_type = r.string();
  std::int32_t n = r.array_length_not_null(6);
  req.protocols.resize(n);
  for (auto& p : req.protocols) {
    p.name = r.string();
    p.metadata = r.bytes();
  }
  req.require_known_member_id = version >= 4;
  return req;
}

void encode_join_group_response(Writer& w, const JoinGroupResponse& r, std::int16_t version) {
  if (version >= 2) w.i32(r.throttle_time_ms);
  const auto& res = r.result;
  w.i16(res.error);
  w.i32(res.generation_id);
  w.string(res.protocol_name);
  w.string(res.leader);
  w.string(res.member_id);
  w.array_length(res.members.size());
  for (const auto& m : res.members) {
    w.string(m.member_id);
    if (version >= 5) w.nullable_string(m.group_instance_id);
    w.bytes(m.metadata);
  }
}

void handle_join_group(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  groups::JoinRequest req = decode_join_group_request(body, version);
  req.client_id = request.header.client_id;
  req.client_host = "/" + request.client_host;
  broker.groups().join(std::move(req), [version, reply = std::move(reply)](groups::JoinResult result) {
    Writer w = Writer::response();
    encode_join_group_response(w, JoinGroupResponse{0, std::move(result)}, version);
    reply(std::move(w));
  });
}

}  // namespace ftgo::broker::protocol
