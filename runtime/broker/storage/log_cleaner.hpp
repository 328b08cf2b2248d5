#pragma once
// Log compaction (cleanup.policy=compact): a pass keeps the latest record of
// each key in the closed segments, rewriting each segment into new files and
// swapping them in with renames; recover_cleaner_swaps finishes or discards
// a swap a crash interrupted. FORMAT.md ("Compaction") has the swap protocol
// and what of Kafka's cleaner configs is honoured. A pass is a CleanJob
// (clean_job.hpp): planned and swapped in on the io thread, run on the
// cleaner thread (cleaner_thread.hpp) in the broker.
#include <cstdint>
#include <climits>
#include <cstddef>
#include <filesystem>
#include <vector>

namespace ftgo::broker::storage {

namespace fs = std::filesystem;

// What one PartitionLog::clean pass did.
struct CleanStats {
  bool ran = false;                 // the log was dirty enough (or had tombstones due) to clean
  std::size_t segments_rewritten = 0;
  std::size_t segments_removed = 0;  // closed segments left with no record
  std::int64_t records_removed = 0;
  std::uint64_t bytes_before = 0, bytes_after = 0;  // of the closed segments cleaned
  std::int64_t clean_end = 0;   // the new checkpoint (below the cleanable end when the key map filled)
  std::size_t keys_mapped = 0;  // distinct keys in the pass's key map
};

struct CleanJob;

// An aborted transaction on a partition: the batches of `producer_id` from
// `first_offset` up to its ABORT marker at `last_offset`.
struct AbortedRange {
  std::int64_t producer_id = -1;
  std::int64_t first_offset = -1;
  std::int64_t last_offset = -1;
};

// What the cleaner must know of a partition's transactions (the broker's
// TxnCoordinator has it): nothing from the last stable offset on is
// cleaned (an open transaction may still abort), and the batches of aborted
// transactions are kept as they are, their keys not mapped, so an aborted
// record never supersedes a committed one (Kafka's cleaner does not map
// them either; it also drops them, which ftgo does not).
struct CleanTxns {
  std::int64_t last_stable_offset = INT64_MAX;
  std::vector<AbortedRange> aborted;
};

// Where a clean pass stops, to test recovery from a crash at each step of a
// swap (none: it runs to the end). The files each step leaves are in FORMAT.md.
enum class CleanStep {
  none,
  written,          // cleaning/<base>.{log,index,timeindex} written and fsync'd
  indexes_staged,   // <base>.index.swap and .timeindex.swap renamed in
  committed,        // <base>.log.swap renamed in: the swap will complete
  merged_removed,   // the segments merged into <base> unlinked, the directory fsync'd
  indexes_swapped,  // the indexes renamed over the old ones, <base>.log.swap still there
};

// Run on a partition directory before its segments are opened: removes the
// cleaning/ work directory and uncommitted .swap files, completes committed
// swaps (a <base>.log.swap exists). Returns how many swaps it completed.
int recover_cleaner_swaps(const fs::path& dir);

// The name of the per-partition file holding the cleaner's checkpoint.
inline constexpr const char* k_cleaner_checkpoint_file = "cleaner-checkpoint";

}  // namespace ftgo::broker::storage
