#include "broker/protocol/init_producer_id.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int16_t k_first_flexible = 2;
}

InitProducerIdRequest decode_init_producer_id_request(Reader& r, std::int16_t version) {
  const bool flexible = version >= k_first_flexible;
  InitProducerIdRequest req;
  req.transactional_id = flexible ? r.compact_nullable_string() : r.nullable_string();
  req.transaction_timeout_ms = r.i32();
  if (version >= 3) {
    req.producer_id = r.i64();
    req.producer_epoch = r.i16();
  }
  r.skip_tagged_fields(flexible);
  return req;
}

void encode_init_producer_id_response(Writer& w, const InitProducerIdResponse& r, std::int16_t version) {
  const bool flexible = version >= k_first_flexible;
  w.empty_tagged_fields(flexible);  // response header v1
  w.i32(r.throttle_time_ms);
  w.i16(r.error_code);
  w.i64(r.producer_id);
  w.i16(r.producer_epoch);
  w.empty_tagged_fields(flexible);
}

void handle_init_producer_id(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  InitProducerIdRequest req = decode_init_producer_id_request(body, version);
  txn::InitResult res = broker.txns().init_producer_id(req.transactional_id, req.transaction_timeout_ms,
                                                       req.producer_id, req.producer_epoch, broker.now_ms());
  InitProducerIdResponse resp;
  resp.error_code = res.error;
  if (resp.error_code == error::producer_fenced && version < 4) resp.error_code = error::invalid_producer_epoch;
  resp.producer_id = res.producer_id;
  resp.producer_epoch = res.epoch;
  Writer w = Writer::response();
  encode_init_producer_id_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
