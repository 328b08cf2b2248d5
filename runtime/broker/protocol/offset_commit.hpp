#pragma once
// OffsetCommit (key 8), v2-7: stores committed offsets with their metadata
// in the Store (persisted). Membership is checked by the group coordinator;
// a commit with generation -1 and no member id is a "simple" commit to a
// group without members.
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct OffsetCommitRequest {
  std::string group_id;
  std::int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v7+
  std::int64_t retention_time_ms = -1;            // v2-4
  struct Partition {
    std::int32_t index = 0;
    std::int64_t offset = -1;
    std::int32_t leader_epoch = -1;  // v6+
    std::optional<std::string> metadata;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
OffsetCommitRequest decode_offset_commit_request(Reader& r, std::int16_t version);

struct OffsetCommitResponse {
  std::int32_t throttle_time_ms = 0;  // v3+
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
void encode_offset_commit_response(Writer& w, const OffsetCommitResponse& r, std::int16_t version);
// The topics array of (name, [index, error code]) that OffsetCommit and
// OffsetDelete responses end with.
void encode_partition_errors(Writer& w, const std::vector<OffsetCommitResponse::Topic>& topics);

void handle_offset_commit(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
