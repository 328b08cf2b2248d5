#pragma once
// OffsetFetch (key 9), v1-7 (v6+ flexible): a group's committed offsets; -1
// and empty metadata where none was committed. v2+: a null topic list asks
// for every committed offset of the group. v7 require_stable (sent by
// read_committed consumers, required by Kafka Streams exactly_once_v2): a
// partition with an offset pending in an open transaction answers
// UNSTABLE_OFFSET_COMMIT. v8+ (several groups per request) is not served.
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct OffsetFetchRequest {
  std::string group_id;
  struct Topic {
    std::string name;
    std::vector<std::int32_t> partitions;
  };
  std::optional<std::vector<Topic>> topics;  // nullopt: all (v2+)
  bool require_stable = false;               // v7+
};
OffsetFetchRequest decode_offset_fetch_request(Reader& r, std::int16_t version);

struct OffsetFetchResponse {
  std::int32_t throttle_time_ms = 0;  // v3+
  struct Partition {
    std::int32_t index = 0;
    std::int64_t offset = -1;
    std::int32_t leader_epoch = -1;  // v5+
    std::string metadata;
    std::int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  std::int16_t error_code = 0;  // v2+
};
void encode_offset_fetch_response(Writer& w, const OffsetFetchResponse& r, std::int16_t version);

void handle_offset_fetch(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
