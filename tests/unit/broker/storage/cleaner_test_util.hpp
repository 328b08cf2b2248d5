#pragma once
// Helpers for the log cleaner's tests: a compacted log's options, every
// record of a log, what compaction must leave of it, a log to clean.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/records.hpp"
#include "log_test_util.hpp"

namespace ftgo::test {

using namespace ftgo::broker;
using namespace ftgo::broker::storage;

inline constexpr std::int64_t k_now = 1'700'000'000'000;

struct Rec {
  std::int64_t offset;
  std::optional<std::string> key, value;
  std::int64_t timestamp;
  bool operator==(const Rec&) const = default;
};

inline LogOptions compact_options() {
  LogOptions o = small_options();
  o.cleanup_compact = true;
  o.cleanup_delete = false;
  o.min_cleanable_dirty_ratio = 0;
  return o;
}

// Every record of the log from its start, checking each batch's CRC and that
// offsets strictly increase.
inline std::vector<Rec> read_all(const PartitionLog& log) {
  std::vector<Rec> out;
  std::int64_t offset = log.log_start_offset();
  std::string buf, scratch;
  std::vector<Record> records;
  while (offset < log.high_watermark()) {
    buf.clear();
    std::size_t n = log.read(offset, 1 << 20, buf);
    REQUIRE(n > 0);
    BatchCursor c({reinterpret_cast<const std::uint8_t*>(buf.data()), n});
    while (c.next()) {
      const BatchHeader& h = c.header();
      REQUIRE(compute_batch_crc(c.bytes()) == h.crc);
      REQUIRE(decode_batch_records(c.bytes(), h, scratch, records));
      REQUIRE(h.record_count == static_cast<std::int32_t>(records.size()));
      for (const Record& r : records) {
        std::int64_t o = h.base_offset + r.offset_delta;
        if (o < offset) continue;
        REQUIRE((out.empty() || o > out.back().offset));
        auto str = [](bool null, std::span<const std::uint8_t> s) {
          return null ? std::nullopt : std::optional<std::string>(std::string(s.begin(), s.end()));
        };
        out.push_back({o, str(r.key_null, r.key), str(r.value_null, r.value), h.base_timestamp + r.timestamp_delta});
      }
      offset = h.last_offset() + 1;
    }
    REQUIRE(c.error() == BatchError::none);
  }
  return out;
}

// What compaction of `all` up to offset `end` must leave: the last record of
// each key below `end`, everything from `end` on.
inline std::vector<Rec> compacted(const std::vector<Rec>& all, std::int64_t end, bool drop_tombstones = false) {
  std::map<std::string, std::int64_t> latest;
  for (const Rec& r : all)
    if (r.offset < end) latest[*r.key] = r.offset;
  std::vector<Rec> out;
  for (const Rec& r : all)
    if (r.offset >= end || (latest[*r.key] == r.offset && !(drop_tombstones && !r.value))) out.push_back(r);
  return out;
}

// 40 batches of 5 records over 7 keys, about 10 segments of 4 KiB.
inline void fill(PartitionLog& log) {
  for (int b = 0; b < 40; ++b) {
    BatchBuilder bb;
    bb.timestamp(k_now - 100'000 + b * 10);
    for (int j = 0; j < 5; ++j) {
      int i = b * 5 + j;
      bb.add("k" + std::to_string(i % 7), "value " + std::to_string(i) + std::string(120, 'x'));
    }
    REQUIRE(append_copy(log, bb.build()).error == AppendError::none);
  }
  REQUIRE(log.segment_count() > 4);
}

inline std::int64_t active_base(const fs::path& dir) {
  auto logs = segment_files(dir);
  return std::stoll(logs.back().filename().string().substr(0, 20));
}


}  // namespace ftgo::test
