#pragma once
// ListOffsets (key 2), v1-5: timestamp -2 = earliest (log start), -1 =
// latest (high watermark), otherwise the first offset of the first batch
// whose max timestamp is at or after it (-1 when there is none).
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct ListOffsetsRequest {
  std::int32_t replica_id = -1;
  std::int8_t isolation_level = 0;  // v2+
  struct Partition {
    std::int32_t index = 0;
    std::int32_t current_leader_epoch = -1;  // v4+
    std::int64_t timestamp = -1;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
ListOffsetsRequest decode_list_offsets_request(Reader& r, std::int16_t version);

struct ListOffsetsResponse {
  std::int32_t throttle_time_ms = 0;  // v2+
  struct Partition {
    std::int32_t index = 0;
    std::int16_t error_code = 0;
    std::int64_t timestamp = -1;
    std::int64_t offset = -1;
    std::int32_t leader_epoch = 0;  // v4+
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
void encode_list_offsets_response(Writer& w, const ListOffsetsResponse& r, std::int16_t version);

void handle_list_offsets(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
