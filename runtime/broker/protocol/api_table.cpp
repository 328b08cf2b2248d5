// The table of served APIs: key, advertised versions, first flexible version,
// handler. Versions follow DESIGN.md; KAFKA-NOTES.md says why Produce and
// Fetch advertise versions below the ones they serve.
#include <algorithm>
#include <array>

#include "broker/protocol/add_offsets_to_txn.hpp"
#include "broker/protocol/add_partitions_to_txn.hpp"
#include "broker/protocol/alter_configs.hpp"
#include "broker/protocol/api.hpp"
#include "broker/protocol/api_versions.hpp"
#include "broker/protocol/create_partitions.hpp"
#include "broker/protocol/create_topics.hpp"
#include "broker/protocol/delete_groups.hpp"
#include "broker/protocol/delete_records.hpp"
#include "broker/protocol/delete_topics.hpp"
#include "broker/protocol/describe_configs.hpp"
#include "broker/protocol/describe_groups.hpp"
#include "broker/protocol/describe_log_dirs.hpp"
#include "broker/protocol/describe_producers.hpp"
#include "broker/protocol/describe_transactions.hpp"
#include "broker/protocol/end_txn.hpp"
#include "broker/protocol/fetch.hpp"
#include "broker/protocol/find_coordinator.hpp"
#include "broker/protocol/heartbeat.hpp"
#include "broker/protocol/incremental_alter_configs.hpp"
#include "broker/protocol/init_producer_id.hpp"
#include "broker/protocol/join_group.hpp"
#include "broker/protocol/leave_group.hpp"
#include "broker/protocol/list_groups.hpp"
#include "broker/protocol/list_offsets.hpp"
#include "broker/protocol/list_transactions.hpp"
#include "broker/protocol/metadata.hpp"
#include "broker/protocol/offset_commit.hpp"
#include "broker/protocol/offset_delete.hpp"
#include "broker/protocol/offset_fetch.hpp"
#include "broker/protocol/produce.hpp"
#include "broker/protocol/sync_group.hpp"
#include "broker/protocol/txn_offset_commit.hpp"
#include "broker/protocol/write_txn_markers.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr auto k_table = std::to_array<ApiEntry>({
    {api_key::produce, 0, 8, 9, "Produce", handle_produce},
    {api_key::fetch, 0, 11, 12, "Fetch", handle_fetch},
    {api_key::list_offsets, 1, 7, 6, "ListOffsets", handle_list_offsets},
    {api_key::metadata, 0, 8, 9, "Metadata", handle_metadata},
    {api_key::offset_commit, 2, 7, 8, "OffsetCommit", handle_offset_commit},
    {api_key::offset_fetch, 1, 7, 6, "OffsetFetch", handle_offset_fetch},
    {api_key::find_coordinator, 0, 2, 3, "FindCoordinator", handle_find_coordinator},
    {api_key::join_group, 0, 5, 6, "JoinGroup", handle_join_group},
    {api_key::heartbeat, 0, 3, 4, "Heartbeat", handle_heartbeat},
    {api_key::leave_group, 0, 3, 4, "LeaveGroup", handle_leave_group},
    {api_key::sync_group, 0, 3, 4, "SyncGroup", handle_sync_group},
    {api_key::describe_groups, 0, 4, 5, "DescribeGroups", handle_describe_groups},
    {api_key::list_groups, 0, 5, 3, "ListGroups", handle_list_groups},
    {api_key::api_versions, 0, 3, 3, "ApiVersions", handle_api_versions},
    {api_key::create_topics, 2, 4, 5, "CreateTopics", handle_create_topics},
    {api_key::delete_topics, 1, 3, 4, "DeleteTopics", handle_delete_topics},
    {api_key::delete_records, 0, 1, 2, "DeleteRecords", handle_delete_records},
    {api_key::init_producer_id, 0, 4, 2, "InitProducerId", handle_init_producer_id},
    {api_key::add_partitions_to_txn, 0, 3, 3, "AddPartitionsToTxn", handle_add_partitions_to_txn},
    {api_key::add_offsets_to_txn, 0, 3, 3, "AddOffsetsToTxn", handle_add_offsets_to_txn},
    {api_key::end_txn, 0, 3, 3, "EndTxn", handle_end_txn},
    {api_key::txn_offset_commit, 0, 3, 3, "TxnOffsetCommit", handle_txn_offset_commit},
    {api_key::describe_configs, 1, 3, 4, "DescribeConfigs", handle_describe_configs},
    {api_key::describe_log_dirs, 0, 1, 2, "DescribeLogDirs", handle_describe_log_dirs},
    {api_key::create_partitions, 0, 1, 2, "CreatePartitions", handle_create_partitions},
    {api_key::delete_groups, 0, 1, 2, "DeleteGroups", handle_delete_groups},
    {api_key::alter_configs, 0, 1, 2, "AlterConfigs", handle_alter_configs},
    {api_key::incremental_alter_configs, 0, 0, 1, "IncrementalAlterConfigs", handle_incremental_alter_configs},
    {api_key::offset_delete, 0, 0, 1, "OffsetDelete", handle_offset_delete},
    {api_key::write_txn_markers, 1, 2, 1, "WriteTxnMarkers", handle_write_txn_markers},
    {api_key::describe_producers, 0, 0, 0, "DescribeProducers", handle_describe_producers},
    {api_key::describe_transactions, 0, 0, 0, "DescribeTransactions", handle_describe_transactions},
    {api_key::list_transactions, 0, 1, 0, "ListTransactions", handle_list_transactions},
});
}  // namespace

std::span<const ApiEntry> api_table() { return k_table; }

const ApiEntry* find_api(std::int16_t key) {
  auto it = std::find_if(k_table.begin(), k_table.end(), [key](const ApiEntry& e) { return e.key == key; });
  return it == k_table.end() ? nullptr : &*it;
}

}  // namespace ftgo::broker::protocol
