#pragma once
// Kafka's error codes (org.apache.kafka.common.protocol.Errors) that the
// embedded broker sends. int16 on the wire.
#include <cstdint>

namespace ftgo::broker::protocol::error {

inline constexpr std::int16_t none = 0;
inline constexpr std::int16_t unknown_server_error = -1;
inline constexpr std::int16_t offset_out_of_range = 1;
inline constexpr std::int16_t corrupt_message = 2;
inline constexpr std::int16_t unknown_topic_or_partition = 3;
inline constexpr std::int16_t message_too_large = 10;
inline constexpr std::int16_t offset_metadata_too_large = 12;
inline constexpr std::int16_t coordinator_not_available = 15;
inline constexpr std::int16_t not_coordinator = 16;
inline constexpr std::int16_t invalid_topic_exception = 17;
inline constexpr std::int16_t invalid_required_acks = 21;
inline constexpr std::int16_t illegal_generation = 22;
inline constexpr std::int16_t inconsistent_group_protocol = 23;
inline constexpr std::int16_t invalid_group_id = 24;
inline constexpr std::int16_t unknown_member_id = 25;
inline constexpr std::int16_t invalid_session_timeout = 26;
inline constexpr std::int16_t rebalance_in_progress = 27;
inline constexpr std::int16_t unsupported_version = 35;
inline constexpr std::int16_t topic_already_exists = 36;
inline constexpr std::int16_t invalid_partitions = 37;
inline constexpr std::int16_t invalid_replication_factor = 38;
inline constexpr std::int16_t invalid_replica_assignment = 39;
inline constexpr std::int16_t invalid_request = 42;
inline constexpr std::int16_t policy_violation = 44;
inline constexpr std::int16_t out_of_order_sequence_number = 45;
inline constexpr std::int16_t invalid_config = 40;
inline constexpr std::int16_t invalid_producer_epoch = 47;
inline constexpr std::int16_t invalid_txn_state = 48;
inline constexpr std::int16_t invalid_producer_id_mapping = 49;
inline constexpr std::int16_t invalid_transaction_timeout = 50;
inline constexpr std::int16_t concurrent_transactions = 51;
inline constexpr std::int16_t operation_not_attempted = 55;
inline constexpr std::int16_t non_empty_group = 68;
inline constexpr std::int16_t group_id_not_found = 69;
inline constexpr std::int16_t fetch_session_id_not_found = 70;
inline constexpr std::int16_t invalid_fetch_session_epoch = 71;
inline constexpr std::int16_t member_id_required = 79;
inline constexpr std::int16_t fenced_instance_id = 82;
inline constexpr std::int16_t group_subscribed_to_topic = 86;
inline constexpr std::int16_t invalid_record = 87;
inline constexpr std::int16_t unstable_offset_commit = 88;
inline constexpr std::int16_t producer_fenced = 90;
inline constexpr std::int16_t transactional_id_not_found = 105;

}  // namespace ftgo::broker::protocol::error
