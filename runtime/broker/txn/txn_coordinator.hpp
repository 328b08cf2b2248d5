#pragma once
// TxnCoordinator: Kafka's transaction coordinator for this one broker — the
// state of each transactional.id (producer id, epoch, timeout, the partitions
// and groups of its ongoing transaction, its pending offset commits) and each
// partition's open and aborted transactions (PartitionTxns), from which
// Fetch READ_COMMITTED and ListOffsets get the last stable offset.
//
// States, as Kafka's TransactionCoordinator (single node, so a commit or
// abort completes within its EndTxn: PrepareCommit/PrepareAbort last only
// from the save before the markers to the save after them, or, after a crash
// in between, until load() completes the transaction):
//   Empty --AddPartitions/AddOffsets--> Ongoing --EndTxn--> Prepare* --markers--> CompleteCommit | CompleteAbort
//   Complete* --AddPartitions/AddOffsets--> Ongoing
//   any --InitProducerId--> Empty (epoch + 1; an Ongoing transaction is aborted first)
//   Ongoing --transaction.timeout.ms passes--> CompleteAbort (epoch + 1: the producer is fenced)
//
// CONCURRENT_TRANSACTIONS (51), which Kafka answers to InitProducerId,
// AddPartitionsToTxn and AddOffsetsToTxn while the previous transaction's
// markers are still being written (its coordinator sends them to the
// partition leaders asynchronously, after EndTxn is answered), never arises
// here: the markers are appended to the local logs inside EndTxn (or the
// InitProducerId or timeout abort) on the io thread, so every later request
// finds the transaction Complete*; and a Prepare* state left by a crash is
// completed by load() before the server accepts a connection. Only a marker
// that cannot be written (an I/O error) leaves a transaction Prepare*: then
// InitProducerId, AddPartitionsToTxn and AddOffsetsToTxn get
// CONCURRENT_TRANSACTIONS (retriable) until retry_markers() writes it.
//
// Markers and offset commits go through TxnHooks (the Broker's log and offset
// store; fakes in the unit tests). Every change is saved to `state_file`
// (TxnStore, FORMAT.md) before the call returns, and what a crash must not
// lose before the log write it announces: a partition's open transaction
// before its first transactional batch is appended (before_produce), the
// decision to commit or abort before the markers (Prepare*).
//
// Ownership and threads: owned by the Broker, io thread only.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/txn/partition_txns.hpp"

namespace ftgo::broker::txn {

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

struct PendingOffset {
  std::int64_t offset = -1;
  std::int32_t leader_epoch = -1;
  std::string metadata;
};

enum class TxnStatus { empty, ongoing, prepare_commit, prepare_abort, complete_commit, complete_abort };
const char* to_string(TxnStatus s);
std::optional<TxnStatus> txn_status_from(const std::string& s);

struct Transaction {
  std::string id;
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
  std::int32_t timeout_ms = 60000;
  TxnStatus status = TxnStatus::empty;
  std::int64_t started_ms = -1;  // when it became Ongoing
  std::set<TopicPartition> partitions;
  std::set<std::string> groups;
  std::map<std::string, std::map<TopicPartition, PendingOffset>> offsets;  // by group
};

inline constexpr std::int64_t k_marker_failed = -2;

struct TxnHooks {
  std::function<std::int64_t()> allocate_producer_id;
  // Appends a COMMIT or ABORT marker to a partition; returns its offset, -1
  // when the partition no longer exists, k_marker_failed when it exists but
  // the marker could not be written (an I/O error): then the transaction
  // stays Prepare* and the marker is written again by retry_markers().
  std::function<std::int64_t(const TopicPartition&, std::int64_t producer_id, std::int16_t epoch, bool commit)>
      write_marker;
  std::function<void(const std::string& group, const TopicPartition&, const PendingOffset&)> commit_offset;
  // A partition's log end offset, -1 when it is gone (load() checks the
  // state against the logs; may be empty: no check).
  std::function<std::int64_t(const TopicPartition&)> log_end;
  // Tests only (may be empty): called at the named points a crash test
  // stops at ("txn-prepared", "txn-markers-written").
  std::function<void(const char* point)> crash_point;
};

struct InitResult {
  std::int16_t error = 0;
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
};

class TxnCoordinator {
 public:
  // Kafka's transaction.max.timeout.ms default (15 minutes).
  static constexpr std::int32_t k_max_timeout_ms = 15 * 60 * 1000;

  TxnCoordinator(TxnHooks hooks, std::filesystem::path state_file);

  // Loads the saved state; throws ftgo::Error for a file that does not parse.
  // A transaction saved in PrepareCommit/PrepareAbort (a crash between the
  // decision and the end of its markers) is completed: its markers are
  // written (again), its offsets applied at a commit.
  void load();

  // InitProducerId. Without a transactional id: a new producer id (or, with
  // `producer_id`/`epoch` from v3+, the same id with the next epoch). Errors
  // for a fenced producer are PRODUCER_FENCED (v4+ callers map it).
  InitResult init_producer_id(const std::optional<std::string>& transactional_id, std::int32_t timeout_ms,
                              std::int64_t producer_id, std::int16_t epoch, std::int64_t now_ms);
  // AddPartitionsToTxn / AddOffsetsToTxn: one error for the whole request.
  std::int16_t add_partitions(const std::string& id, std::int64_t producer_id, std::int16_t epoch,
                              const std::vector<TopicPartition>& partitions, std::int64_t now_ms);
  std::int16_t add_offsets(const std::string& id, std::int64_t producer_id, std::int16_t epoch,
                           const std::string& group, std::int64_t now_ms);
  // TxnOffsetCommit: offsets held until the transaction commits.
  std::int16_t check_offset_commit(const std::string& id, const std::string& group, std::int64_t producer_id,
                                   std::int16_t epoch) const;
  void stage_offsets(const std::string& id, const std::string& group,
                     const std::vector<std::pair<TopicPartition, PendingOffset>>& offsets);
  // Whether an ongoing transaction holds an offset of `group` for `tp`
  // (OffsetFetch require_stable).
  bool has_pending_offset(const std::string& group, const TopicPartition& tp) const;
  // EndTxn: writes the markers, applies or drops the pending offsets.
  std::int16_t end_txn(const std::string& id, std::int64_t producer_id, std::int16_t epoch, bool commit);

  // Produce of a transactional batch: the error for it (none when the
  // partition is in the producer's ongoing transaction).
  std::int16_t check_produce(const TopicPartition& tp, std::int64_t producer_id, std::int16_t epoch) const;
  // Before it is appended at `next_offset` (the log end offset): the first
  // transactional batch of the producer's transaction on `tp` opens it there,
  // saved before the append, so that a crash right after the append leaves a
  // batch the state knows (held back by the last stable offset until its
  // transaction ends). Returns whether it opened one; `produce_failed` undoes
  // that when the append is refused.
  bool before_produce(const TopicPartition& tp, std::int64_t producer_id, std::int64_t next_offset);
  void produce_failed(const TopicPartition& tp, std::int64_t producer_id);

  // Whether any partition has transaction state (a fast path for Fetch).
  bool has_partition_state() const { return !m_partitions.empty(); }
  std::int64_t last_stable_offset(const TopicPartition& tp, std::int64_t high_watermark) const;
  std::vector<AbortedTxn> aborted_in(const TopicPartition& tp, std::int64_t from, std::int64_t to) const;
  // WriteTxnMarkers (an operator aborting a hanging transaction with
  // kafka-transactions.sh abort): a COMMIT or ABORT marker of `producer_id`
  // on `tp`, ending its transaction there whatever the transaction's own
  // state, as Kafka's partition leader does. Returns the marker's offset, -1
  // when the partition is gone.
  std::int64_t write_marker(const TopicPartition& tp, std::int64_t producer_id, std::int16_t epoch, bool commit);
  // A deleted topic's partitions forget their transactions.
  void forget_topic(const std::string& topic);
  // Aborted transactions whose marker is below their partition's log start
  // offset (`log_start` of it; -1 for a partition that is gone) are dropped,
  // as Kafka drops them with the segments holding them. Returns how many.
  std::size_t trim_aborted(const std::function<std::int64_t(const TopicPartition&)>& log_start);
  // Whether an ongoing transaction has offsets of `group` staged by
  // TxnOffsetCommit (they keep the group's offsets from expiring).
  bool has_pending_offsets(const std::string& group) const;

  // Ongoing transactions past their timeout are aborted (epoch + 1).
  // Returns how many.
  std::size_t abort_expired(std::int64_t now_ms);
  // Transactions left in PrepareCommit/PrepareAbort by a marker that could
  // not be written: their markers are written again. Returns how many end.
  std::size_t retry_markers();
  // The earliest time an ongoing transaction times out (0 while one is
  // preparing: its markers are retried at the next check).
  std::optional<std::int64_t> next_deadline() const;

  const Transaction* find(const std::string& id) const;
  const std::map<std::string, Transaction>& transactions() const { return m_txns; }
  const std::map<TopicPartition, PartitionTxns>& partitions() const { return m_partitions; }

 private:
  // The error for a request of (producer_id, epoch) on `t`: Kafka's checks.
  std::int16_t check_producer(const Transaction* t, std::int64_t producer_id, std::int16_t epoch) const;
  void begin(Transaction& t, std::int64_t now_ms);
  // Prepare* saved, the markers written, the offsets applied (at a commit):
  // Complete*, which the caller saves.
  void complete(Transaction& t, bool commit);
  // Writes the markers (and applies the offsets at a commit): Complete*, or
  // false when a marker failed (t keeps Prepare* and the partitions left).
  bool finish(Transaction& t, bool commit);
  static bool preparing(const Transaction& t) {
    return t.status == TxnStatus::prepare_commit || t.status == TxnStatus::prepare_abort;
  }
  void crash_point(const char* point) const;
  // load(): the state against logs that lost their tail (PartitionTxns::lost_tail).
  bool repair_lost_tails();
  void fence(Transaction& t);
  void save() const;

  TxnHooks m_hooks;
  std::filesystem::path m_state_file;
  std::map<std::string, Transaction> m_txns;
  std::map<std::int64_t, std::string> m_by_producer;  // producer id -> transactional id
  std::map<TopicPartition, PartitionTxns> m_partitions;
};

}  // namespace ftgo::broker::txn
