#pragma once
// Produce (key 0), advertised v0-8 so librdkafka turns on its features
// (KAFKA-NOTES.md); v0-2 (message formats 0 and 1) are answered
// UNSUPPORTED_VERSION per partition. Records (v2 batches) go to storage as
// received, without copying: the Reader's buffer is the request frame.
// acks=0 gets no response.
#include <span>
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct ProduceRequest {
  std::optional<std::string> transactional_id;  // v3+
  std::int16_t acks = -1;
  std::int32_t timeout_ms = 0;
  struct Partition {
    std::int32_t index = 0;
    std::optional<std::span<std::uint8_t>> records;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
ProduceRequest decode_produce_request(Reader& r, std::int16_t version);

struct ProduceResponse {
  struct Partition {
    std::int32_t index = 0;
    std::int16_t error_code = 0;
    std::int64_t base_offset = -1;
    std::int64_t log_append_time_ms = -1;
    std::int64_t log_start_offset = -1;
    struct RecordError {
      std::int32_t batch_index = 0;  // the record's index in its batch
      std::optional<std::string> message;
    };
    std::vector<RecordError> record_errors;  // v8+
    std::optional<std::string> error_message; // v8+
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  std::int32_t throttle_time_ms = 0;
};
void encode_produce_response(Writer& w, const ProduceResponse& r, std::int16_t version);

void handle_produce(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
