#pragma once
// expire_offsets: Kafka's committed-offsets retention (offsets.retention.minutes,
// KIP-211; Kafka 4.0's OffsetMetadataManager.cleanupExpiredOffsets and
// ClassicGroup.offsetExpirationCondition). For each group, by its state:
//   - Empty with a protocol type (a consumer group whose members all left):
//     every offset expires `retention_ms` after the group became Empty
//     (Group::empty_since_ms; after its commit time when that is unknown);
//   - no protocol type (a "simple" group: consumers that only commit, known
//     to the coordinator or only by its offsets): each offset expires
//     `retention_ms` after it was committed;
//   - Stable consumer group: offsets of topics no member subscribes to expire
//     `retention_ms` after their commit; the subscribed topics' are kept;
//   - anything else (a rebalance under way, a Stable group of another
//     protocol type, one whose subscriptions do not decode): nothing expires.
// An offset committed with OffsetCommit v2-v4's retention_time_ms carries its
// own expiry time (CommittedOffset::expire_time_ms), which then replaces the
// rule's time, still only where the rule lets offsets expire at all.
// (OffsetCommit v1's per-partition commit timestamp does not arise: ftgo
// serves v2-v7, and Kafka 4.0 dropped v0-v1 with KIP-896.)
// A group with no member and no pending join whose offsets are all gone (or
// that never had any) is removed: it goes Dead and leaves ListGroups.
// Transactions (Kafka 4.0's cleanupExpiredOffsets): an offset for which an
// ongoing transaction holds a TxnOffsetCommit is kept whatever its age, and
// a group with such pending offsets is not removed (the commit would land
// in a group that is gone).
//
// Removals are written to the offsets log as OffsetDelete writes them, so
// nothing expired comes back after a restart. Called by the Broker on its io
// thread every offsets.retention.check.interval.ms; unit tests call it with a
// ManualClock's time.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "broker/groups/coordinator.hpp"
#include "broker/storage/store.hpp"

namespace ftgo::broker::groups {

struct ExpiryResult {
  std::size_t offsets = 0;          // committed offsets removed
  std::vector<std::string> groups;  // groups removed, by id
};

// What ongoing transactions hold (the TxnCoordinator's; empty functions:
// nothing).
struct PendingTxnOffsets {
  // Whether a transaction has staged an offset of `group` for the partition.
  std::function<bool(const std::string& group, const std::string& topic, std::int32_t partition)> offset;
  // Whether a transaction has staged any offset of `group`.
  std::function<bool(const std::string& group)> group;
};

// `now_ms` is wall-clock time (ms since the epoch), like the commit times.
// A write error of one group's removals is logged and that group skipped.
ExpiryResult expire_offsets(Coordinator& coordinator, storage::Store& store, std::int64_t now_ms,
                            std::int64_t retention_ms, const PendingTxnOffsets& pending = {});

}  // namespace ftgo::broker::groups
