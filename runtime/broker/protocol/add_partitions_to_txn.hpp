#pragma once
// AddPartitionsToTxn (key 24), v0-3 (v3 flexible): a transactional producer
// names the partitions it is about to write to. The transaction coordinator
// (txn/) checks the producer id and epoch; one error answers every partition,
// except that an unknown partition gets UNKNOWN_TOPIC_OR_PARTITION and the
// others OPERATION_NOT_ATTEMPTED (Kafka's rule). v4+ (the brokers' batched
// form) is not served.
#include <vector>

#include "broker/protocol/api.hpp"
#include "broker/protocol/per_partition.hpp"

namespace ftgo::broker::protocol {

struct AddPartitionsToTxnRequest {
  std::string transactional_id;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::vector<TopicIndexes> topics;
};
AddPartitionsToTxnRequest decode_add_partitions_to_txn_request(Reader& r, std::int16_t version);

struct AddPartitionsToTxnResponse {
  std::int32_t throttle_time_ms = 0;
  struct Partition {
    std::int32_t index = 0;
    std::int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
void encode_add_partitions_to_txn_response(Writer& w, const AddPartitionsToTxnResponse& r, std::int16_t version);

void handle_add_partitions_to_txn(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
