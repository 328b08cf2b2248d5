#pragma once
// TxnOffsetCommit (key 28), v0-3 (v3 flexible): offsets a transactional
// producer commits for a consumer group (after AddOffsetsToTxn). They are
// held by the transaction coordinator (txn/) and reach the group's committed
// offsets only when the transaction commits. From v3 the consumer's
// generation and member id are checked as OffsetCommit's are.
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct TxnOffsetCommitRequest {
  std::string transactional_id;
  std::string group_id;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::int32_t generation_id = -1;                // v3+
  std::string member_id;                          // v3+
  std::optional<std::string> group_instance_id;  // v3+
  struct Partition {
    std::int32_t index = 0;
    std::int64_t offset = -1;
    std::int32_t leader_epoch = -1;  // v2+
    std::optional<std::string> metadata;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
TxnOffsetCommitRequest decode_txn_offset_commit_request(Reader& r, std::int16_t version);

struct TxnOffsetCommitResponse {
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
void encode_txn_offset_commit_response(Writer& w, const TxnOffsetCommitResponse& r, std::int16_t version);

void handle_txn_offset_commit(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
