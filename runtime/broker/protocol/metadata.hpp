#pragma once
// Metadata (key 3), v0-8. Topics: v0 empty array = all topics; v1+ null =
// all, empty = none. v4+ carries allow_auto_topic_creation (earlier versions
// auto-create). One broker (node 0) at the host and port the broker listens on.
#include <optional>
#include <vector>

#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct MetadataRequest {
  std::optional<std::vector<std::string>> topics;  // nullopt: all
  bool allow_auto_topic_creation = true;
  bool include_cluster_authorized_operations = false;
  bool include_topic_authorized_operations = false;
};
MetadataRequest decode_metadata_request(Reader& r, std::int16_t version);

struct MetadataResponse {
  std::int32_t throttle_time_ms = 0;
  struct BrokerInfo {
    std::int32_t node_id;
    std::string host;
    std::int32_t port;
  };
  std::vector<BrokerInfo> brokers;
  std::string cluster_id;
  std::int32_t controller_id = 0;
  struct Partition {
    std::int16_t error_code = 0;
    std::int32_t index = 0;
    std::int32_t leader = 0;
    std::int32_t leader_epoch = 0;
  };
  struct Topic {
    std::int16_t error_code = 0;
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
void encode_metadata_response(Writer& w, const MetadataResponse& r, std::int16_t version);

void handle_metadata(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
