#pragma once
// Topic and consumer-group administration for `ftgo topics` and `ftgo groups`,
// through librdkafka's admin API. Each call opens its own short-lived client;
// all throw ftgo::Error (unreachable brokers: failure; unknown names: usage).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "events/brokers.hpp"
#include "events/start_position.hpp"

namespace ftgo::events {

struct PartitionInfo {
  int32_t id = 0;
  int32_t leader = -1;
  int64_t low = 0;   // first offset still stored
  int64_t high = 0;  // next offset to be written
  int64_t messages() const { return high - low; }
};

struct TopicInfo {
  std::string name;
  int32_t partition_count = 0;
  std::vector<PartitionInfo> partitions;     // filled by describe_topic only
  std::map<std::string, std::string> configs;  // describe_topic: the topic's own settings (not defaults)
};

// Every topic, sorted by name; internal ones ("__consumer_offsets") only when asked.
std::vector<TopicInfo> list_topics(const Brokers& brokers, bool include_internal);
// One topic with its partitions' leaders and watermarks.
TopicInfo describe_topic(const Brokers& brokers, const std::string& name);
// Creates topics; an existing one is an error unless `if_not_exists`.
// `replication_factor` -1 lets the broker choose.
void create_topics(const Brokers& brokers, const std::vector<config::TopicSpec>& topics, bool if_not_exists,
                   int replication_factor = -1);
void delete_topics(const Brokers& brokers, const std::vector<std::string>& names);

// `ftgo topics alter`: what to change on one topic.
struct TopicChange {
  std::map<std::string, std::string> set;  // configs to set
  std::vector<std::string> unset;          // configs back to the broker's default
  int32_t partitions = 0;                  // more partitions; 0: unchanged
};
// Applies `change` to an existing topic: partitions first, then its configs
// (the topic's settings after the change replace the old ones, in one
// AlterConfigs request).
void alter_topic(const Brokers& brokers, const std::string& name, const TopicChange& change);

struct GroupSummary {
  std::string name;
  std::string state;  // Stable, Empty, PreparingRebalance, ... or Unknown
};

struct GroupMember {
  std::string id;
  std::string client_id;
  std::string host;
  std::string instance_id;  // group.instance.id of a static member; empty for a dynamic one
  std::vector<std::pair<std::string, int32_t>> assignment;  // topic, partition
};

struct GroupOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;  // -1: nothing committed
  int64_t high = -1;       // the partition's high watermark
  int64_t lag() const { return committed < 0 || high < 0 ? -1 : std::max<int64_t>(0, high - committed); }
};

struct GroupInfo {
  std::string name;
  std::string state;
  std::string assignor;
  std::vector<GroupMember> members;
  std::vector<GroupOffset> offsets;  // sorted by topic, partition
};

std::vector<GroupSummary> list_groups(const Brokers& brokers);
// A group the broker does not know is a usage error ("unknown group", with a
// did-you-mean) unless `must_exist` is false: then it comes back Dead, empty.
GroupInfo describe_group(const Brokers& brokers, const std::string& name, bool must_exist = true);
// Deletes groups that have no members (with their committed offsets).
void delete_groups(const Brokers& brokers, const std::vector<std::string>& names);

// `ftgo groups reset-offsets`: where to move a group's committed offsets.
struct OffsetTarget {
  bool shift = false;   // move by `by` from the committed offset, else go to `to`
  StartPosition to;     // beginning, end, an offset, the last N, or a time
  int64_t by = 0;
};

// The partitions to reset: one topic, all its partitions when `partitions` is empty.
struct TopicSelection {
  std::string topic;
  std::vector<int32_t> partitions;
};
// Parses "TOPIC" or "TOPIC:P[,P...]" (a --topic value); throws a usage ftgo::Error.
TopicSelection parse_topic_selection(const std::string& text);

struct OffsetReset {
  std::string topic;
  int32_t partition = 0;
  int64_t current = -1;  // committed now; -1: nothing committed
  int64_t target = 0;    // the offset to commit
};

// The new offsets of `group` for `topics` (every topic it has committed
// offsets for when empty), clamped to each partition's stored range as
// kafka-consumer-groups does. Refuses a group with members: offsets can only
// be reset while no consumer is in it.
std::vector<OffsetReset> plan_offset_reset(const Brokers& brokers, const std::string& group,
                                           const std::vector<TopicSelection>& topics, const OffsetTarget& target);
// Commits the planned offsets for `group`.
void commit_offsets(const Brokers& brokers, const std::string& group, const std::vector<OffsetReset>& offsets);

}  // namespace ftgo::events
