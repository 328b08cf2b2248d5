#pragma once
// ListTransactions (key 66), v0-1 (flexible from v0): the transactional ids
// the transaction coordinator knows, with their producer id and state
// (kafka-transactions.sh list). Filters: states (unknown ones are echoed back
// in unknown_state_filters, as Kafka does), producer ids and, from v1, a
// minimum duration: only transactions Ongoing for at least that long (the
// coordinator keeps no start time for the others).
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct ListTransactionsRequest {
  std::vector<std::string> state_filters;
  std::vector<std::int64_t> producer_id_filters;
  std::int64_t duration_filter_ms = -1;
};
ListTransactionsRequest decode_list_transactions_request(Reader& r, std::int16_t version);

struct ListTransactionsResponse {
  struct State {
    std::string transactional_id;
    std::int64_t producer_id = -1;
    std::string state;
  };
  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;
  std::vector<std::string> unknown_state_filters;
  std::vector<State> states;
};
void encode_list_transactions_response(Writer& w, const ListTransactionsResponse& r, std::int16_t version);

void handle_list_transactions(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
