#pragma once
// AddOffsetsToTxn (key 25), v0-3 (v3 flexible): a transactional producer
// says it will commit offsets of a consumer group in its transaction (then
// sends TxnOffsetCommit). Checked by the transaction coordinator (txn/).
#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct AddOffsetsToTxnRequest {
  std::string transactional_id;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::string group_id;
};
AddOffsetsToTxnRequest decode_add_offsets_to_txn_request(Reader& r, std::int16_t version);

struct AddOffsetsToTxnResponse {
  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;
};
void encode_add_offsets_to_txn_response(Writer& w, const AddOffsetsToTxnResponse& r, std::int16_t version);

void handle_add_offsets_to_txn(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
