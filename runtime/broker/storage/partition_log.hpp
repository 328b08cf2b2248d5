#pragma once
// PartitionLog: one partition's persistent log, a directory of segment files
// holding Kafka v2 record batches exactly as produced (baseOffset rewritten in
// place), with a sparse offset index and a time index per segment. Format:
// FORMAT.md beside this file.
//
// Ownership and threads: owned by the Store; not thread-safe — the broker
// touches it from its single io thread only (the log cleaner's heavy part
// works on a CleanJob of its own, never on this object). Lives until the
// topic is deleted or the broker stops.
#include <climits>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/storage/file.hpp"
#include "broker/storage/log_cleaner.hpp"
#include "broker/storage/producer_state.hpp"

namespace ftgo::broker::storage {

namespace fs = std::filesystem;

enum class FsyncPolicy {
  always,    // fsync before acknowledging each append (survives power loss)
  interval,  // the broker calls flush() on a timer; survives kill -9 (page cache)
};

struct LogOptions {
  std::uint64_t segment_bytes = 1ull << 30;          // roll at 1 GiB
  std::int64_t retention_ms = 7LL * 24 * 3600 * 1000; // -1: keep forever
  std::int64_t retention_bytes = -1;                  // -1: unlimited
  std::uint32_t index_interval_bytes = 4096;          // sparse index density
  FsyncPolicy fsync = FsyncPolicy::interval;
  // Roll the active segment once its first batch is older than this, so time
  // retention can delete it (Kafka's segment.ms); -1: never.
  std::int64_t segment_ms = 7LL * 24 * 3600 * 1000;
  // The largest record batch Produce accepts (the topic's max.message.bytes);
  // -1: the broker's message.max.bytes.
  std::int64_t max_message_bytes = -1;
  // cleanup.policy: time and size retention apply only with `delete`; with
  // `compact` every record needs a key and the LogCleaner keeps the latest
  // record of each key (both: compact,delete).
  bool cleanup_delete = true;
  bool cleanup_compact = false;
  // Compaction (cleaner.hpp): a record is cleanable once older than this (Kafka's default 0).
  std::int64_t min_compaction_lag_ms = 0;
  // Clean when dirty bytes / log bytes (closed segments) reach this.
  double min_cleanable_dirty_ratio = 0.5;
  // Tombstones stay this long after the cleaner first cleaned them (default 1 day).
  std::int64_t delete_retention_ms = 24LL * 3600 * 1000;
  // A dirty record older than this is cleaned whatever the dirty ratio, and
  // the active segment of a compacted log rolls at min(segment.ms, this)
  // (Kafka's max.compaction.lag.ms; default: never).
  std::int64_t max_compaction_lag_ms = INT64_MAX;
  // The bound of a pass's key map, in bytes (the broker's
  // --log-cleaner-dedupe-buffer-size, Kafka's log.cleaner.dedupe.buffer.size):
  // a pass maps the dirty records that fit and cleans up to there only.
  std::uint64_t cleaner_dedupe_buffer_bytes = 128ull << 20;
  // For crash tests of a real broker (its hidden --log-cleaner-crash-after):
  // the process kills itself (SIGKILL) when a pass reaches this step.
  CleanStep cleaner_crash_after = CleanStep::none;
};

enum class AppendError {
  none,
  corrupt_message,        // bad framing, CRC-32C mismatch (Kafka error 2)
  unsupported_magic,      // not a v2 batch (Kafka error 3? use INVALID_RECORD 87)
  duplicate_sequence,     // idempotent retry of an already-written batch: not an
                          // error to the client; base_offset is the original one
  out_of_order_sequence,  // a gap in an idempotent producer's sequence (error 45)
  invalid_producer_epoch, // an idempotent batch from an older producer epoch (error 47)
  missing_key,            // a record without a key for a compacted topic (INVALID_RECORD 87);
                          // AppendResult::missing_keys says which records of their batch
};

struct AppendResult {
  AppendError error = AppendError::none;
  std::int64_t base_offset = -1;   // offset given to the first record
  std::int64_t last_offset = -1;
  std::int64_t log_start_offset = 0;
  // missing_key: the index in its batch of each record without a key, in the
  // first batch that has one (Kafka validates one batch per partition).
  std::vector<std::int32_t> missing_keys;
};

class PartitionLog {
 public:
  // Opens (creating when missing) the log in `dir`; checks the tail of the
  // last segment and truncates a torn or corrupt tail (logged to stderr with
  // the byte count); rebuilds a missing or partial index.
  PartitionLog(fs::path dir, LogOptions options);
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  // Appends one or more concatenated v2 record batches, as received in a
  // Produce request's records field. Each batch's CRC-32C is checked; offsets
  // are assigned from high_watermark() by rewriting baseOffset in place; all
  // or nothing. Idempotent batches (producerId >= 0) are checked against the
  // producer's last sequence. All the batches are written with one pwrite;
  // with FsyncPolicy::always, fdatasync'd before returning. Throws ftgo::Error
  // on an I/O failure (disk full), leaving the log as it was.
  AppendResult append(std::span<std::uint8_t> batches);

  // Appends to `out` whole batches starting from the one holding `offset`, up
  // to `max_bytes` — but at least one whole batch when any exists at `offset`.
  // Returns the number of bytes appended (0 at the end of the log).
  std::size_t read(std::int64_t offset, std::size_t max_bytes, std::string& out) const;

  // DeleteRecords: records below `offset` (at most high_watermark()) are
  // gone: the log start offset moves there durably (file log-start-offset)
  // and whole segments below it are deleted. Returns the log start offset.
  std::int64_t delete_records_before(std::int64_t offset);
  std::int64_t log_start_offset() const;
  std::int64_t high_watermark() const;  // the next offset to be assigned
  // The idempotent and transactional producers this partition knows (from its
  // last segment on open, then every append), by producer id.
  const std::unordered_map<std::int64_t, ProducerEntry>& producers() const;
  // The first offset of the first batch whose max timestamp >= ts, or
  // high_watermark() when none (ListOffsets by timestamp). `segment_end`,
  // when given, gets the end (next offset) of the segment holding it: Kafka
  // searches that segment only (UnifiedLog.searchOffsetInLocalLog).
  std::int64_t offset_for_timestamp(std::int64_t ts, std::int64_t* segment_end = nullptr) const;
  // The largest batch max timestamp of the segments, -1 when empty.
  std::int64_t max_timestamp() const;
  // Appends to `out` the batch Kafka answers ListOffsets -3 from: in the
  // first segment holding the largest max timestamp, the first batch with it
  // as its max timestamp, read even when DeleteRecords put the log start
  // offset past it (Kafka reads the segment's file, deleted records
  // included). Returns its size, 0 when the log holds no batch.
  std::size_t read_max_timestamp_batch(std::string& out) const;

  // New options (a topic config change): retention, roll and index density
  // apply from the next append or retention pass.
  void set_options(LogOptions options);
  std::int64_t max_message_bytes() const;  // LogOptions::max_message_bytes
  const LogOptions& options() const;

  void flush();                                   // fsync data and indexes
  // What flush() would fsync, handed to `out` to sync elsewhere (Segment::collect_sync).
  void collect_sync(std::vector<File>& out);
  void enforce_retention(std::int64_t now_ms);    // drops whole old segments
  // Log compaction (cleanup.policy has compact; log_cleaner.cpp): when the
  // closed segments not yet cleaned are at least min_cleanable_dirty_ratio of
  // the closed ones (or tombstones are due for removal), keeps the latest
  // record of each key in the closed segments old enough for
  // min_compaction_lag_ms, offsets unchanged. Never touches the active segment.
  // One whole pass on the calling thread: plan_clean, run_clean_job, finish_clean.
  CleanStats clean(std::int64_t now_ms, CleanStep stop_after = CleanStep::none, const CleanTxns* txns = nullptr);
  // The pass in steps (clean_job.hpp), for the broker's cleaner thread: the
  // job for a pass when one is due (nullptr: nothing to clean, or a pass of
  // this log is in flight); its files are written by run_clean_job on any
  // thread; finish_clean swaps them in (or discards a failed or cancelled
  // job's; throws ftgo::Error for a failed one). Closing the log cancels its
  // job and detaches it: finish_clean of a detached job does nothing.
  // `txns`: the partition's transactions, when it has any.
  std::shared_ptr<CleanJob> plan_clean(std::int64_t now_ms, const CleanTxns* txns = nullptr);
  CleanStats finish_clean(CleanJob& job, CleanStep stop_after = CleanStep::none);
  std::int64_t cleaner_checkpoint() const;  // offsets below it have been cleaned
  std::uint64_t size_bytes() const;
  std::size_t segment_count() const;
  const fs::path& dir() const;
  // Closes and removes every file of the log (the object is unusable after).
  void remove_files();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace ftgo::broker::storage
