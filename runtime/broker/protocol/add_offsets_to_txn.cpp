#include "broker/protocol/add_offsets_to_txn.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int16_t k_first_flexible = 3;
}

AddOffsetsToTxnRequest decode_add_offsets_to_txn_request(Reader& r, std::int16_t version) {
  const bool flexible = version >= k_first_flexible;
  AddOffsetsToTxnRequest req;
  req.transactional_id = r.string(flexible);
  req.producer_id = r.i64();
  req.producer_epoch = r.i16();
  req.group_id = r.string(flexible);
  r.skip_tagged_fields(flexible);
  return req;
}

void encode_add_offsets_to_txn_response(Writer& w, const AddOffsetsToTxnResponse& r, std::int16_t version) {
  const bool flexible = version >= k_first_flexible;
  w.empty_tagged_fields(flexible);  // response header v1
  w.i32(r.throttle_time_ms);
  w.i16(r.error_code);
  w.empty_tagged_fields(flexible);
}

void handle_add_offsets_to_txn(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  AddOffsetsToTxnRequest req = decode_add_offsets_to_txn_request(body, version);
  AddOffsetsToTxnResponse resp;
  if (req.group_id.empty()) {
    resp.error_code = error::invalid_group_id;
  } else {
    resp.error_code = broker.txns().add_offsets(req.transactional_id, req.producer_id, req.producer_epoch,
                                                req.group_id, broker.now_ms());
    if (resp.error_code == error::producer_fenced && version < 2) resp.error_code = error::invalid_producer_epoch;
  }
  Writer w = Writer::response();
  encode_add_offsets_to_txn_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
