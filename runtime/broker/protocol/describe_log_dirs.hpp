#pragma once
// DescribeLogDirs (key 35), v0-1: the one log directory (<data>/topics) with
// each partition's size in bytes (kafka-log-dirs.sh --describe). Topics null
// means all; unknown topics and partitions are left out, as in Kafka.
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct DescribeLogDirsRequest {
  struct Topic {
    std::string name;
    std::vector<std::int32_t> partitions;
  };
  std::optional<std::vector<Topic>> topics;  // nullopt: all
};
DescribeLogDirsRequest decode_describe_log_dirs_request(Reader& r, std::int16_t version);

struct DescribeLogDirsResponse {
  std::int32_t throttle_time_ms = 0;
  struct Partition {
    std::int32_t index = 0;
    std::int64_t size = 0;
    std::int64_t offset_lag = 0;
    bool is_future = false;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  struct Result {
    std::int16_t error_code = 0;
    std::string log_dir;
    std::vector<Topic> topics;
  };
  std::vector<Result> results;
};
void encode_describe_log_dirs_response(Writer& w, const DescribeLogDirsResponse& r, std::int16_t version);

void handle_describe_log_dirs(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
