#pragma once
// DeleteRecords (key 21), v0-1: moves partitions' log start offsets forward
// (kafka-delete-records.sh); an offset of -1 means the high watermark, one
// beyond it is OFFSET_OUT_OF_RANGE. Answers each partition's new low watermark,
// once per partition: one named twice counts once, with the offset named last
// (Kafka's map of partition -> offset). A topic whose cleanup.policy lacks
// `delete` answers POLICY_VIOLATION and keeps its records, as Kafka does.
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct DeleteRecordsRequest {
  struct Partition {
    std::int32_t index = 0;
    std::int64_t offset = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  std::int32_t timeout_ms = 0;
};
DeleteRecordsRequest decode_delete_records_request(Reader& r, std::int16_t version);

struct DeleteRecordsResponse {
  std::int32_t throttle_time_ms = 0;
  struct Partition {
    std::int32_t index = 0;
    std::int64_t low_watermark = -1;
    std::int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
void encode_delete_records_response(Writer& w, const DeleteRecordsResponse& r, std::int16_t version);

void handle_delete_records(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
