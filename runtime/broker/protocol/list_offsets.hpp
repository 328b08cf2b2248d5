#pragma once
// ListOffsets (key 2), v1-7; v6+ is flexible (compact strings and arrays,
// tagged fields, the response header's tagged fields written here).
// Timestamps (Kafka's, whatever the version):
//   -1 latest (the high watermark)       -2 earliest (the log start offset)
//   -3 max timestamp (v7, KIP-734): the first record with the largest
//      timestamp, with that timestamp, as Kafka finds it: from the segments,
//      so records DeleteRecords removed still count while their segment
//      stays (list_offsets.cpp); offset and timestamp -1 when empty
//   -4 earliest local (= earliest: no tiered storage)
//   -5 latest tiered: -1 (no tiered storage)
//   anything else: the first record whose timestamp is at or after it, with
//      its timestamp, looked for (as Kafka) only in the first segment that
//      reaches it (-1 when there is none).
// No answer but -3's is below the log start offset (DeleteRecords).
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
