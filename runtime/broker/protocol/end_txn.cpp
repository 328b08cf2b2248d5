#include "broker/protocol/end_txn.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int16_t k_first_flexible = 3;
}

EndTxnRequest decode_end_txn_request(Reader& r, std::int16_t version) {
  const bool flexible = version >= k_first_flexible;
  EndTxnRequest req;
  req.transactional_id = r.string(flexible);
  req.producer_id = r.i64();
  req.producer_epoch = r.i16();
  req.committed = r.boolean();
  r.skip_tagged_fields(flexible);
  return req;
}

void encode_end_txn_response(Writer& w, const EndTxnResponse& r, std::int16_t version) {
  const bool flexible = version >= k_first_flexible;
  w.empty_tagged_fields(flexible);  // response header v1
  w.i32(r.throttle_time_ms);
  w.i16(r.error_code);
  w.empty_tagged_fields(flexible);
}

void handle_end_txn(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  EndTxnRequest req = decode_end_txn_request(body, version);
  EndTxnResponse resp;
  resp.error_code = broker.txns().end_txn(req.transactional_id, req.producer_id, req.producer_epoch, req.committed);
  if (resp.error_code == error::producer_fenced && version < 2) resp.error_code = error::invalid_producer_epoch;
  Writer w = Writer::response();
  encode_end_txn_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
