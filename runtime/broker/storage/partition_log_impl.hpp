#pragma once
// PartitionLog's state, shared by partition_log.cpp (append, read, retention)
// and log_cleaner.cpp (compaction). Internal to storage; same threading as
// PartitionLog (the io thread only).
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "broker/storage/partition_log.hpp"
#include "broker/storage/producer_state.hpp"
#include "broker/storage/segment.hpp"

namespace ftgo::broker::storage {

inline constexpr const char* k_start_offset_file = "log-start-offset";

struct PartitionLog::Impl {
  fs::path dir;
  LogOptions options;
  std::map<std::int64_t, std::unique_ptr<Segment>> segments;  // by base offset
  ProducerState producers;
  std::vector<BatchHeader> headers;  // scratch for append
  std::vector<std::pair<std::int64_t, ProducerEntry>> overlay;  // scratch: multi-batch appends
  std::int64_t start_floor = 0;  // DeleteRecords' log start offset (file log-start-offset)
  // The cleaner's: offsets below it are clean (file cleaner-checkpoint; absent: the log start).
  std::int64_t cleaner_checkpoint = 0;
  // The earliest delete horizon of a batch holding tombstones below the
  // checkpoint (when the next pass may drop them); nullopt: not known yet.
  std::optional<std::int64_t> next_horizon;
  std::shared_ptr<CleanJob> job;  // the cleaner's pass in flight, if any
  // Cancels and detaches the job in flight (the log closes or goes).
  void detach_job();

  Segment& active() { return *segments.rbegin()->second; }
  const Segment& active() const { return *segments.rbegin()->second; }

  void open_segments();
  void roll(std::int64_t base);
  void drop_segments_below(std::int64_t offset);
  AppendError check_producers(ProducerBatch& dup);
  AppendError check_keys(std::span<const std::uint8_t> batches, std::vector<std::int32_t>& missing) const;
};

}  // namespace ftgo::broker::storage
