#pragma once
// Fetch (key 1), advertised v0-11; v0-3 (message formats 0 and 1) answered
// UNSUPPORTED_VERSION per partition. Returns whole stored batches from the
// one holding the fetch offset (the client skips records before its offset),
// within the partition and response max_bytes but at least one batch. When
// there is less than min_bytes, the fetch parks until an append to one of its
// partitions or max_wait_ms — a timer and a waiter, no polling. Fetch
// sessions (KIP-227, v7+): fetch_context.hpp.
// READ_COMMITTED (isolation level 1) returns batches below the last stable
// offset only, with the aborted transactions among them (the client drops
// their records); control batches go to every client, which skips them.
#include <vector>

#include "broker/protocol/api.hpp"
#include "broker/txn/partition_txns.hpp"

namespace ftgo::broker::protocol {

struct FetchRequest {
  std::int32_t replica_id = -1;
  std::int32_t max_wait_ms = 0;
  std::int32_t min_bytes = 0;
  std::int32_t max_bytes = 0x7fffffff;  // v3+
  std::int8_t isolation_level = 0;      // v4+
  std::int32_t session_id = 0;          // v7+
  std::int32_t session_epoch = -1;      // v7+
  struct Partition {
    std::int32_t index = 0;
    std::int32_t current_leader_epoch = -1;  // v9+
    std::int64_t fetch_offset = 0;
    std::int64_t log_start_offset = -1;  // v5+
    std::int32_t max_bytes = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  struct Forgotten {
    std::string name;
    std::vector<std::int32_t> partitions;
  };
  std::vector<Forgotten> forgotten;  // v7+: partitions to remove from the session
  std::string rack_id;  // v11+
};
FetchRequest decode_fetch_request(Reader& r, std::int16_t version);

struct FetchResponse {
  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;  // v7+
  std::int32_t session_id = 0;  // v7+
  struct Partition {
    std::int32_t index = 0;
    std::int16_t error_code = 0;
    std::int64_t high_watermark = -1;
    std::int64_t last_stable_offset = -1;  // v4+
    std::int64_t log_start_offset = -1;    // v5+
    std::string records;                   // whole v2 batches
    std::vector<txn::AbortedTxn> aborted;  // v4+, READ_COMMITTED only
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
};
void encode_fetch_response(Writer& w, const FetchResponse& r, std::int16_t version);

// Reads what `req` asks for from the broker's logs now. `bytes` is the total
// size of the record data; `error` whether a partition has an error.
FetchResponse read_fetch(Broker& broker, const FetchRequest& req, std::int16_t version, std::size_t& bytes,
                         bool& error);

void handle_fetch(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
