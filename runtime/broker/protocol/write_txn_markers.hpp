#pragma once
// WriteTxnMarkers (key 27), v1-2 (flexible): writes COMMIT or ABORT markers
// of a producer on partitions. In a cluster the coordinator sends it to the
// partition leaders; here the coordinator writes its markers itself, and the
// request comes from an operator's admin client: kafka-transactions.sh abort
// of a hanging transaction (Admin.abortTransaction). Each partition's open
// transaction of that producer ends at the marker. An epoch below the one
// the partition has seen from the producer is refused
// (INVALID_PRODUCER_EPOCH); the coordinator epoch is not checked (there is
// one coordinator, for good).
#include <vector>

#include "broker/protocol/api.hpp"
#include "broker/protocol/per_partition.hpp"

namespace ftgo::broker::protocol {

struct WriteTxnMarkersRequest {
  struct Marker {
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    bool commit = false;
    std::vector<TopicIndexes> topics;
    std::int32_t coordinator_epoch = 0;
  };
  std::vector<Marker> markers;
};
WriteTxnMarkersRequest decode_write_txn_markers_request(Reader& r, std::int16_t version);

struct WriteTxnMarkersResponse {
  struct Partition {
    std::int32_t index = 0;
    std::int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  struct Marker {
    std::int64_t producer_id = -1;
    std::vector<Topic> topics;
  };
  std::vector<Marker> markers;
};
void encode_write_txn_markers_response(Writer& w, const WriteTxnMarkersResponse& r, std::int16_t version);

void handle_write_txn_markers(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
