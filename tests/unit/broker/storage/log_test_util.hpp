#pragma once
// Helpers for the PartitionLog tests: append a built batch, decode what a read returned.
#include <string>
#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "../batch_builder.hpp"
#include "broker/record_batch.hpp"
#include "broker/storage/partition_log.hpp"
#include "temp_dir.hpp"

namespace ftgo::test {

inline broker::storage::AppendResult append_copy(broker::storage::PartitionLog& log, std::string batch) {
  return log.append(as_span(batch));
}

// The headers of the batches in `bytes`; REQUIREs each to be valid (CRC too).
inline std::vector<broker::BatchHeader> batches_in(std::string& bytes) {
  std::vector<broker::BatchHeader> out;
  broker::BatchCursor c(as_span(bytes), true);
  while (c.next()) out.push_back(c.header());
  REQUIRE(c.error() == broker::BatchError::none);
  return out;
}

inline broker::storage::LogOptions small_options() {
  broker::storage::LogOptions o;
  o.segment_bytes = 4096;
  o.index_interval_bytes = 256;
  o.retention_ms = -1;
  return o;
}

// The .log files of a partition directory, sorted.
inline std::vector<std::filesystem::path> segment_files(const std::filesystem::path& dir,
                                                        const std::string& ext = ".log") {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ftgo::test
