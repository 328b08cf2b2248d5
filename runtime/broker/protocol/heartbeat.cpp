#include "broker/protocol/heartbeat.hpp"

#include "broker/broker.hpp"

namespace ftgo::broker::protocol {

HeartbeatRequest decode_heartbeat_request(Reader& r, std::int16_t version) {
  HeartbeatRequest req;
  req.group_id = r.string();
  req.generation_id = r.i32();
  req.member_id = r.string();
  if (version >= 3) req.group_instance_id = r.nullable_string();
  return req;
}

void encode_heartbeat_response(Writer& w, const HeartbeatResponse& r, std::int16_t version) {
  if (version >= 1) w.i32(r.throttle_time_ms);
  w.i16(r.error_code);
}

void handle_heartbeat(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  HeartbeatRequest req = decode_heartbeat_request(body, version);
  HeartbeatResponse resp;
  resp.error_code = broker.groups().heartbeat(req.group_id, req.generation_id, req.member_id, req.group_instance_id);
  Writer w = Writer::response();
  encode_heartbeat_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
