#include "broker/protocol/init_producer_id.hpp"

#include "broker/broker.hpp"

namespace ftgo::broker::protocol {

InitProducerIdRequest decode_init_producer_id_request(Reader& r, std::int16_t) {
  InitProducerIdRequest req;
  req.transactional_id = r.nullable_string();
  req.transaction_timeout_ms = r.i32();
  return req;
}

void encode_init_producer_id_response(Writer& w, const InitProducerIdResponse& r, std::int16_t) {
  w.i32(r.throttle_time_ms);
  w.i16(r.error_code);
  w.i64(r.producer_id);
  w.i16(r.producer_epoch);
}

void handle_init_producer_id(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  decode_init_producer_id_request(body, version);
  InitProducerIdResponse resp;
  resp.producer_id = broker.allocate_producer_id();
  resp.producer_epoch = 0;
  Writer w = Writer::response();
  encode_init_producer_id_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
