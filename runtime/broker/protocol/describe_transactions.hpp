#pragma once
// DescribeTransactions (key 65), v0 (flexible): for each transactional id,
// the coordinator's state of it — producer id and epoch, timeout, when the
// ongoing transaction began and its partitions — or
// TRANSACTIONAL_ID_NOT_FOUND (kafka-transactions.sh describe).
#include <vector>

#include "broker/protocol/api.hpp"
#include "broker/protocol/per_partition.hpp"

namespace ftgo::broker::protocol {

struct DescribeTransactionsRequest {
  std::vector<std::string> transactional_ids;
};
DescribeTransactionsRequest decode_describe_transactions_request(Reader& r, std::int16_t version);

struct DescribeTransactionsResponse {
  struct State {
    std::int16_t error_code = 0;
    std::string transactional_id;
    std::string state;
    std::int32_t timeout_ms = 0;
    std::int64_t start_time_ms = -1;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    std::vector<TopicIndexes> topics;
  };
  std::int32_t throttle_time_ms = 0;
  std::vector<State> states;
};
void encode_describe_transactions_response(Writer& w, const DescribeTransactionsResponse& r, std::int16_t version);

void handle_describe_transactions(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
