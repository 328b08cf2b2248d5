#pragma once
// CleanJob: one log-cleaner pass over one partition, in three steps so the
// heavy part runs off the io thread (Kafka's log cleaner threads):
//   1. PartitionLog::plan_clean (io thread) picks the cleanable range and
//      notes which file (device, inode) each closed segment of it is;
//   2. run_clean_job (the cleaner thread) reads them, builds the key map and
//      writes the cleaned segments, fsync'd, into P/cleaning;
//   3. PartitionLog::finish_clean (io thread) swaps them in (FORMAT.md,
//      "Swapping in a cleaned segment") and moves the checkpoint.
// Closed segments never change while a job runs, except by being removed
// (retention, DeleteRecords, DeleteTopics). The thread opens each segment
// when it reads it and closes it after (a pass over thousands of segments
// holds one input descriptor at a time, not thousands): a segment whose name
// is gone, or names another file, was removed meanwhile and is skipped — not
// mapped, and the group it belongs to not rewritten; one removed while it is
// open stays readable through the descriptor. finish_clean skips an output
// whose segments are no longer all in the log. The segments a swap replaces
// or removes are handed to the job (`retired`), so their last descriptors
// close, freeing their blocks, where the job is dropped: on the cleaner
// thread (CleanerThread::release), not the io thread.
//
// Ownership and threads: shared by the PartitionLog that planned it, the
// Broker and the cleaner thread. The fields under "plan" are written before
// the job is handed over and only read after; those under "run" are written
// by run_clean_job and read by finish_clean once the thread has posted its
// completion (the post orders them); `cancelled` is the one field both sides
// touch at once.
#include <atomic>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "broker/storage/file.hpp"
#include "broker/storage/log_cleaner.hpp"
#include "broker/storage/partition_log.hpp"
#include "broker/storage/segment.hpp"

namespace ftgo::broker::storage {

// A closed segment the job reads (opened by name when read; `id` tells
// whether the name still holds the file planned).
struct CleanInput {
  std::int64_t base = 0;
  std::int64_t next_offset = 0;  // one past its last offset
  std::uint64_t size = 0;
  FileId id;
};

// One segment the job rewrote (its cleaned files are P/cleaning/<base>.*),
// with the segments after it merged into it, if any.
struct CleanOutput {
  std::int64_t base = 0;
  bool empty = false;  // no record left
  std::uint64_t size_before = 0, size_after = 0;  // size_before: of `base` alone
  std::vector<std::pair<std::int64_t, std::uint64_t>> merged;  // (base, size) of the segments merged in
  std::int64_t records_removed = 0;
  bool abandoned = false;  // a segment of it was removed mid-pass: not written whole, never swapped in
};

struct CleanJob {
  // plan
  fs::path dir, work;  // the partition's directory, and dir / "cleaning"
  LogOptions options;
  std::int64_t now_ms = 0;
  std::int64_t checkpoint = 0;  // the first dirty offset
  std::int64_t end = 0;         // the first offset past the cleanable segments
  // The delete horizon of the clean segments is not known (first pass since
  // open) and the dirty ratio is too low: the thread scans for it and
  // cleans only when tombstones are due.
  bool horizon_unknown = false;
  std::vector<CleanInput> segments;  // the cleanable segments, oldest first
  std::vector<AbortedRange> aborted;  // batches kept as they are, not mapped
  std::string topic;                 // for the Store's log line
  int partition = -1;
  // run
  bool ran = false;
  std::int64_t clean_end = 0;  // where the checkpoint moves: `end`, or less when the key map filled
  std::vector<CleanOutput> outputs;
  std::int64_t next_horizon = INT64_MAX;  // of the batches with tombstones left below clean_end
  std::int64_t clean_horizon = INT64_MAX;  // horizon_unknown: what the scan found
  std::size_t keys_mapped = 0;
  std::string error;  // the pass failed (the log is as it was)
  std::size_t inputs_gone = 0;  // segments removed (by retention, DeleteRecords) before the thread read them
  // finish: the segments the swap replaced or removed (unlinked, descriptors still open).
  std::vector<std::unique_ptr<Segment>> retired;
  // Set by the io thread to stop a pass (shutdown; the partition closed or deleted).
  std::atomic<bool> cancelled{false};
  // io thread only: the PartitionLog is gone (its topic was deleted); the job
  // must not touch its directory any more.
  bool detached = false;
};

// Step 2: everything between plan and finish, on any thread. Never throws:
// a failure goes to job.error; a cancelled job stops within a chunk (1 MiB).
void run_clean_job(CleanJob& job);

}  // namespace ftgo::broker::storage
