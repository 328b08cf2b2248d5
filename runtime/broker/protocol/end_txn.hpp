#pragma once
// EndTxn (key 26), v0-3 (v3 flexible): commits or aborts the producer's
// ongoing transaction. The transaction coordinator (txn/) writes a COMMIT or
// ABORT control batch to every partition of the transaction, then applies
// (commit) or drops (abort) its pending offset commits, before answering.
#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct EndTxnRequest {
  std::string transactional_id;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  bool committed = false;
};
EndTxnRequest decode_end_txn_request(Reader& r, std::int16_t version);

struct EndTxnResponse {
  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;
};
void encode_end_txn_response(Writer& w, const EndTxnResponse& r, std::int16_t version);

void handle_end_txn(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
