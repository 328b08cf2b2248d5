#pragma once
// DescribeProducers (key 61), v0 (flexible): for each partition, the
// idempotent and transactional producers it knows — epoch, last sequence and
// the first offset of the transaction each has open there, if any
// (kafka-transactions.sh describe-producers, and find-hanging / abort, which
// look for an open transaction by its start offset). The last timestamp is
// that of the producer's last data batch (markers do not move it, unlike
// Kafka).
#include <vector>

#include "broker/protocol/api.hpp"
#include "broker/protocol/per_partition.hpp"

namespace ftgo::broker::protocol {

struct DescribeProducersRequest {
  std::vector<TopicIndexes> topics;
};
DescribeProducersRequest decode_describe_producers_request(Reader& r, std::int16_t version);

struct DescribeProducersResponse {
  struct Producer {
    std::int64_t producer_id = -1;
    std::int32_t epoch = -1;
    std::int32_t last_sequence = -1;
    std::int64_t last_timestamp = -1;
    std::int32_t coordinator_epoch = 0;
    std::int64_t current_txn_start_offset = -1;
  };
  struct Partition {
    std::int32_t index = 0;
    std::int16_t error_code = 0;
    std::vector<Producer> producers;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;
};
void encode_describe_producers_response(Writer& w, const DescribeProducersResponse& r, std::int16_t version);

void handle_describe_producers(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
