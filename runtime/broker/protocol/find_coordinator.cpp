#include "broker/protocol/find_coordinator.hpp"

#include "broker/broker.hpp"

namespace ftgo::broker::protocol {

FindCoordinatorRequest decode_find_coordinator_request(Reader& r, std::int16_t version) {
  FindCoordinatorRequest req;
  req.key = r.string();
  if (version >= 1) req.key_type = r.i8();
  return req;
}

void encode_find_coordinator_response(Writer& w, const FindCoordinatorResponse& r, std::int16_t version) {
  if (version >= 1) w.i32(r.throttle_time_ms);
  w.i16(r.error_code);
  if (version >= 1) w.nullable_string(r.error_message);
  w.i32(r.node_id);
  w.string(r.host);
  w.i32(r.port);
}

void handle_find_coordinator(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  decode_find_coordinator_request(body, version);
  FindCoordinatorResponse resp;
  resp.node_id = broker.options().node_id;
  resp.host = broker.options().host;
  resp.port = broker.options().port;
  Writer w = Writer::response();
  encode_find_coordinator_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
