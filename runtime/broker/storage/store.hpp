#pragma once
// Store: everything the broker keeps on disk under its data directory —
// topics (with partition count and config), their PartitionLogs, and the
// consumer groups' committed offsets. Layout: FORMAT.md beside this file.
//
// Ownership and threads: one per broker, owned by the server; not thread-safe
// (the broker's io thread only).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/storage/partition_log.hpp"

namespace ftgo::broker::storage {

struct TopicInfo {
  std::string name;
  int partitions = 1;
  std::map<std::string, std::string> config;  // Kafka topic configs given at create
};

struct CommittedOffset {
  std::int64_t offset = -1;
  std::int32_t leader_epoch = -1;
  std::string metadata;
  std::int64_t commit_time_ms = 0;
  // OffsetCommit v2-v4's retention_time_ms, when not -1: commit time plus it
  // (Kafka's expireTimestamp); -1: the broker's offsets retention decides.
  std::int64_t expire_time_ms = -1;
};

class Store {
 public:
  // Opens or creates `data_dir`, loading every topic and committed offset.
  Store(fs::path data_dir, LogOptions defaults);
  ~Store();

  const fs::path& data_dir() const;
  std::vector<TopicInfo> topics() const;                 // sorted by name
  const TopicInfo* topic(const std::string& name) const; // nullptr when missing
  // Creates the topic durably; throws ftgo::Error when it exists.
  void create_topic(const TopicInfo& info);
  // Replaces the topic's config (IncrementalAlterConfigs) durably and applies
  // it to its logs; throws ftgo::Error when the topic is missing or a value
  // is invalid, changing nothing.
  void alter_topic_config(const std::string& name, const std::map<std::string, std::string>& config);
  // Throws ftgo::Error when `config` is invalid for a topic (names a topic in the message).
  void validate_topic_config(const std::string& name, const std::map<std::string, std::string>& config) const;
  // Grows the topic to `count` partitions (CreatePartitions) durably; throws
  // ftgo::Error when the topic is missing or `count` is not above its count.
  void add_partitions(const std::string& name, int count);
  // Deletes the topic and its data; throws ftgo::Error when missing.
  void delete_topic(const std::string& name);
  // nullptr when the topic or partition does not exist.
  PartitionLog* partition(const std::string& topic, int partition);

  void commit_offset(const std::string& group, const std::string& topic, int partition,
                     const CommittedOffset& offset);
  std::optional<CommittedOffset> committed_offset(const std::string& group, const std::string& topic,
                                                  int partition) const;
  // Every committed offset of a group, by (topic, partition).
  std::map<std::pair<std::string, int>, CommittedOffset> committed_offsets(const std::string& group) const;
  std::vector<std::string> groups_with_offsets() const;
  void delete_group_offsets(const std::string& group);
  // Forgets one committed offset (OffsetDelete); nothing when there is none.
  void delete_offset(const std::string& group, const std::string& topic, int partition);

  // fsyncs every log, index and the offsets log, on the calling thread.
  void flush_all();
  // What flush_all() would fsync, handed to `out` to sync on another thread
  // (the broker's Flusher under FsyncPolicy::interval): dups of descriptors,
  // so the logs may roll, delete segments or close meanwhile.
  void collect_sync(std::vector<File>& out);
  void enforce_retention(std::int64_t now_ms);
  // One log-cleaner pass over the compacted topics' partitions
  // (PartitionLog::clean); a partition that fails is logged and skipped.
  void clean_logs(std::int64_t now_ms);
  // The broker's cleaner thread's passes, one partition at a time
  // (PartitionLog::plan_clean): the job of the next compacted partition with
  // something to clean, in (topic, partition) order after the one planned
  // last; nullptr once every partition was looked at (the next call starts
  // over from the first). A partition whose plan fails is logged and skipped.
  // `txns` gives a partition's transactions (nullopt: it has none).
  using TxnsOf = std::function<std::optional<CleanTxns>(const std::string& topic, int partition)>;
  std::shared_ptr<CleanJob> plan_clean(std::int64_t now_ms, const TxnsOf& txns = {});
  // Swaps in a job's cleaned segments and logs what the pass did; nothing
  // when its partition was deleted meanwhile. Failures are logged.
  CleanStats finish_clean(CleanJob& job);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Kafka's rule for topic names: 1..249 chars of [a-zA-Z0-9._-], not "." or "..".
bool valid_topic_name(const std::string& name);

// The items of a list-valued topic config ("compact,delete"), empty ones dropped.
std::vector<std::string> split_config_list(const std::string& value);

}  // namespace ftgo::broker::storage
