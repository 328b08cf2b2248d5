#pragma once
// InitProducerId (key 22), v0-1: gives an idempotent producer a new id with
// epoch 0 (ids come from the wall clock, so a restart never reuses one).
// Storage checks each producer's sequences on Produce. Transactions are not
// supported: a transactional id gets an id too, but no transaction state.
#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct InitProducerIdRequest {
  std::optional<std::string> transactional_id;
  std::int32_t transaction_timeout_ms = 0;
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
