#pragma once
// InitProducerId (key 22), v0-4 (v2+ flexible). Without a transactional id:
// an idempotent producer gets a new id with epoch 0 (ids come from the wall
// clock, so a restart never reuses one), or from v3, sending its id and epoch,
// the same id with the next epoch (KIP-360). With a transactional id the
// transaction coordinator (txn/) keeps one producer id per transactional id
// and bumps its epoch on each call, aborting a transaction the previous
// epoch left open. transaction.timeout.ms must be within 1 ms..15 min
// (INVALID_TRANSACTION_TIMEOUT). Storage checks each producer's sequences.
#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct InitProducerIdRequest {
  std::optional<std::string> transactional_id;
  std::int32_t transaction_timeout_ms = 0;
  std::int64_t producer_id = -1;     // v3+
  std::int16_t producer_epoch = -1;  // v3+
};
InitProducerIdRequest decode_init_producer_id_request(Reader& r, std::int16_t version);

struct InitProducerIdResponse {
  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
};
void encode_init_producer_id_response(Writer& w, const InitProducerIdResponse& r, std::int16_t version);

void handle_init_producer_id(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
