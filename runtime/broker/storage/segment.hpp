#pragma once
// Segment: one file of a partition's log, `<base offset, 20 digits>.log`,
// with its sparse offset index (`.index`) and time index (`.timeindex`).
// The index is kept in memory and written lazily (flush_index: on flush, roll
// and close); a missing tail of it is rebuilt from the log on open. Only the
// log's descriptor stays open, so a broker with many partitions stays far
// below the open-file limit. Owned by
// its PartitionLog; not thread-safe.
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "broker/record_batch.hpp"
#include "broker/storage/file.hpp"

namespace ftgo::broker::storage {

// One sparse index point: the batch starting at `position` has base offset
// base + rel_offset, and every batch before it has max timestamp <= max_ts_before.
struct IndexEntry {
  std::uint32_t rel_offset = 0;
  std::uint32_t position = 0;
  std::int64_t max_ts_before = -1;
};

class Segment {
 public:
  // Opens (creating when missing) the segment of `base` in `dir`, validates
  // the batches after its last good index entry and truncates a torn or
  // corrupt tail (logged to stderr). A missing or bad index is rebuilt.
  Segment(const fs::path& dir, std::int64_t base, std::uint32_t index_interval_bytes);

  std::int64_t base_offset() const { return m_base; }
  std::int64_t next_offset() const { return m_next; }  // base_offset() when empty
  std::uint64_t size() const { return m_size; }
  std::int64_t max_timestamp() const { return m_max_ts; }  // -1 when none
  // When the segment got its first batch, or was opened (wall clock, ms; for segment.ms).
  std::int64_t created_ms() const { return m_created_ms; }
  // Newest record time for retention: max timestamp, else the file's mtime.
  std::int64_t retention_timestamp() const;
  const fs::path& log_path() const { return m_log.path(); }
  const std::vector<IndexEntry>& index() const { return m_index; }

  // Writes `bytes` (whole batches, offsets assigned; `headers` describe them)
  // at the end of the log with one pwrite.
  void append(std::span<const std::uint8_t> bytes, std::span<const BatchHeader> headers, std::int64_t now_ms);

  // The position of the batch holding `offset` (or the first batch after it),
  // size() when none.
  std::uint64_t find_position(std::int64_t offset) const;
  // Appends to `out` whole batches from `position` up to `max_bytes`, at
  // least one batch. Returns the bytes appended.
  std::size_t read(std::uint64_t position, std::size_t max_bytes, std::string& out) const;
  // Calls `fn(header, position)` for each batch from `position`; stops when fn returns false.
  void scan_headers(std::uint64_t position, const std::function<bool(const BatchHeader&, std::uint64_t)>& fn) const;
  // The offset of the first record with timestamp >= ts here, -1 when none.
  std::int64_t offset_for_timestamp(std::int64_t ts) const;
  // The position of the first batch whose max timestamp is max_timestamp(),
  // size() when empty.
  std::uint64_t position_of_max_timestamp() const;

  void flush_index(bool sync_files = false);  // writes index entries not yet on disk
  void sync();         // flush_index, then fdatasync the log and indexes
  // flush_index, then hands to `out` what sync() would fdatasync — a dup of
  // the log's descriptor when it has unsynced data, the index files when they
  // do — and counts it as synced (the caller syncs them, e.g. on the Flusher).
  void collect_sync(std::vector<File>& out);
  void sync_log();     // fdatasync of the log only (indexes are rebuilt on recovery)
  void remove();       // closes and unlinks the files
  // Unlinks the files, keeping the log's descriptor open: its last close,
  // which frees the blocks, happens where the Segment is destroyed.
  void unlink();
  FileId file_id() const { return m_log.id(); }

  static fs::path log_file(const fs::path& dir, std::int64_t base);

 private:
  void load_index(std::uint64_t log_size);
  void recover(std::uint64_t log_size);
  void add_batch(const BatchHeader& h, std::uint64_t position, bool may_index);
  void truncate_index_files(std::size_t entries);
  void remember(std::int64_t offset, std::uint64_t position) const;

  std::int64_t m_base;
  std::uint32_t m_interval;
  File m_log;  // the only descriptor kept open: indexes are opened to be written
  fs::path m_index_path, m_time_path;
  std::uint64_t m_size = 0;
  std::int64_t m_next;
  std::int64_t m_max_ts = -1;
  std::int64_t m_created_ms = -1;
  std::uint64_t m_bytes_since_index = 0;
  std::vector<IndexEntry> m_index;
  std::size_t m_index_written = 0;  // entries already in the index files
  bool m_index_unsynced = false;    // index entries written since the last sync
  bool m_dirty = false;             // log data written since the last sync
  // Positions of recent reads' ends, so a consumer's next fetch skips the scan.
  mutable std::array<std::pair<std::int64_t, std::uint64_t>, 8> m_hints{};
  mutable std::size_t m_hint_next = 0;
};

}  // namespace ftgo::broker::storage
