#pragma once
// OffsetDelete (key 47), v0: forgets committed offsets of a group
// (kafka-consumer-groups.sh --delete-offsets). As in Kafka: an unknown group
// is GROUP_ID_NOT_FOUND; a group with members keeps the offsets of the topics
// its members subscribe to (GROUP_SUBSCRIBED_TO_TOPIC per partition) and
// loses the others; a non-consumer group with members is NON_EMPTY_GROUP.
#include <vector>

#include "broker/protocol/api.hpp"
#include "broker/protocol/offset_commit.hpp"

namespace ftgo::broker::protocol {

struct OffsetDeleteRequest {
  std::string group_id;
  struct Topic {
    std::string name;
    std::vector<std::int32_t> partitions;
  };
  std::vector<Topic> topics;
};
OffsetDeleteRequest decode_offset_delete_request(Reader& r, std::int16_t version);

struct OffsetDeleteResponse {
  std::int16_t error_code = 0;
  std::int32_t throttle_time_ms = 0;
  std::vector<OffsetCommitResponse::Topic> topics;  // the same shape
};
void encode_offset_delete_response(Writer& w, const OffsetDeleteResponse& r, std::int16_t version);

// The topics in a consumer-protocol subscription (member metadata of the
// "consumer" protocol type); empty when it cannot be read.
std::vector<std::string> subscribed_topics(const std::string& metadata);

void handle_offset_delete(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
