#pragma once
// The table of Kafka APIs the broker serves: one entry per API, with its key,
// the version range it advertises in ApiVersions, the first flexible version
// and its handler. Each handler lives in its own file (produce.cpp, fetch.cpp,
// ...) and decodes its request body, acts on the Broker and replies.
//
// A handler replies exactly once, now or later (Fetch parks, JoinGroup waits
// for the group), with a body made by Writer::response(), or with nullopt for
// "no response" (Produce with acks=0). A handler throws DecodeError for a body
// it cannot decode: the connection is closed.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "broker/protocol/codec.hpp"
#include "broker/protocol/request_header.hpp"

namespace ftgo::broker {
class Broker;
}

namespace ftgo::broker::protocol {

using Reply = std::function<void(std::optional<Writer>)>;

struct Request {
  RequestHeader header;
  std::string client_host;  // the peer address, for DescribeGroups
};

using Handler = void (*)(Broker& broker, const Request& request, Reader& body, Reply reply);

namespace api_key {
inline constexpr std::int16_t produce = 0;
inline constexpr std::int16_t fetch = 1;
inline constexpr std::int16_t list_offsets = 2;
inline constexpr std::int16_t metadata = 3;
inline constexpr std::int16_t offset_commit = 8;
inline constexpr std::int16_t offset_fetch = 9;
inline constexpr std::int16_t find_coordinator = 10;
inline constexpr std::int16_t join_group = 11;
inline constexpr std::int16_t heartbeat = 12;
inline constexpr std::int16_t leave_group = 13;
inline constexpr std::int16_t sync_group = 14;
inline constexpr std::int16_t describe_groups = 15;
inline constexpr std::int16_t list_groups = 16;
inline constexpr std::int16_t api_versions = 18;
inline constexpr std::int16_t create_topics = 19;
inline constexpr std::int16_t delete_topics = 20;
inline constexpr std::int16_t delete_records = 21;
inline constexpr std::int16_t init_producer_id = 22;
inline constexpr std::int16_t add_partitions_to_txn = 24;
inline constexpr std::int16_t add_offsets_to_txn = 25;
inline constexpr std::int16_t end_txn = 26;
inline constexpr std::int16_t txn_offset_commit = 28;
inline constexpr std::int16_t describe_configs = 32;
inline constexpr std::int16_t describe_log_dirs = 35;
inline constexpr std::int16_t create_partitions = 37;
inline constexpr std::int16_t delete_groups = 42;
inline constexpr std::int16_t alter_configs = 33;
inline constexpr std::int16_t incremental_alter_configs = 44;
inline constexpr std::int16_t offset_delete = 47;
inline constexpr std::int16_t write_txn_markers = 27;
inline constexpr std::int16_t describe_producers = 61;
inline constexpr std::int16_t describe_transactions = 65;
inline constexpr std::int16_t list_transactions = 66;
}  // namespace api_key

struct ApiEntry {
  std::int16_t key;
  std::int16_t min_version;
  std::int16_t max_version;
  std::int16_t flexible_from;  // first flexible version (may be above max)
  const char* name;
  Handler handler;
};

// Sorted by key.
std::span<const ApiEntry> api_table();
const ApiEntry* find_api(std::int16_t key);

}  // namespace ftgo::broker::protocol
