// The log cleaner (PartitionLog::clean, log_cleaner.cpp): the latest record
// of each key kept with its offset, tombstones expiring after
// delete.retention.ms, compressed and idempotent batches, and recovery from a
// crash at each step of a segment swap.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <tuple>

#include "../compressed_batch.hpp"
#include "broker/records.hpp"
#include "broker/storage/log_cleaner.hpp"
#include "cleaner_test_util.hpp"
#include "log_test_util.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;

TEST_CASE("cleaning a multi-segment log keeps the latest record of each key at its offset",
          "[broker][storage][compact]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  std::vector<Rec> before, after;
  std::int64_t end = 0;
  {
    PartitionLog log(dir, compact_options());
    fill(log);
    before = read_all(log);
    end = active_base(dir);
    std::size_t segments = log.segment_count();
    CleanStats st = log.clean(k_now);
    CHECK(st.ran);
    CHECK(st.records_removed > 0);
    CHECK(st.bytes_after < st.bytes_before);
    after = read_all(log);
    CHECK(after == compacted(before, end));
    CHECK(log.high_watermark() == 200);
    CHECK(log.log_start_offset() == 0);
    CHECK(log.cleaner_checkpoint() == end);
    CHECK(log.segment_count() <= segments);
    // Nothing new to clean: a second pass does nothing.
    CHECK_FALSE(log.clean(k_now).ran);
    // Appends go on at the same offsets.
    CHECK(append_copy(log, BatchBuilder().add("k1", "new").build()).base_offset == 200);
  }
  PartitionLog reopened(dir, compact_options());  // the cleaned segments recover as they are
  auto again = read_all(reopened);
  REQUIRE(again.size() == after.size() + 1);
  CHECK(std::vector<Rec>(again.begin(), again.end() - 1) == after);
  CHECK(reopened.cleaner_checkpoint() == end);
  CHECK(reopened.high_watermark() == 201);
}

TEST_CASE("the cleaner leaves delete-policy logs, the active segment and young segments alone",
          "[broker][storage][compact]") {
  TempDir tmp;
  LogOptions o = compact_options();
  o.cleanup_compact = false;
  o.cleanup_delete = true;
  PartitionLog del(tmp.path() / "d", o);
  fill(del);
  CHECK_FALSE(del.clean(k_now).ran);

  o = compact_options();
  o.min_compaction_lag_ms = 100'000 - 200;  // only the batches of the first 20 ms are old enough
  PartitionLog lag(tmp.path() / "l", o);
  fill(lag);
  auto before = read_all(lag);
  lag.clean(k_now);
  auto after = read_all(lag);
  CHECK(lag.cleaner_checkpoint() < active_base(tmp.path() / "l"));
  CHECK(after == compacted(before, lag.cleaner_checkpoint()));

  PartitionLog one(tmp.path() / "o", compact_options());  // a single (active) segment
  append_copy(one, BatchBuilder().add("k", "1").add("k", "2").build());
  CHECK_FALSE(one.clean(k_now).ran);
  CHECK(read_all(one).size() == 2);
}

TEST_CASE("min.cleanable.dirty.ratio: a log is cleaned again once enough of it is dirty",
          "[broker][storage][compact]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  LogOptions o = compact_options();
  o.min_cleanable_dirty_ratio = 0.5;
  PartitionLog log(dir, o);
  fill(log);
  REQUIRE(log.clean(k_now).ran);  // all dirty: ratio 1
  int skipped = 0, ran = 0;
  for (int i = 0; i < 60 && ran < 2; ++i) {
    append_copy(log, make_batch(5, 100, k_now));
    // The ratio from the files: closed segments from the checkpoint on over all closed segments.
    auto logs = segment_files(dir);
    std::uint64_t dirty = 0, total = 0;
    for (std::size_t k = 0; k + 1 < logs.size(); ++k) {
      std::uint64_t size = fs::file_size(logs[k]);
      total += size;
      if (std::stoll(logs[k].filename().string().substr(0, 20)) >= log.cleaner_checkpoint()) dirty += size;
    }
    bool expected = dirty > 0 && static_cast<double>(dirty) >= 0.5 * static_cast<double>(total);
    CHECK(log.clean(k_now).ran == expected);
    (expected ? ran : skipped) += 1;
  }
  CHECK(skipped > 0);
  CHECK(ran == 2);
}

TEST_CASE("tombstones stay for delete.retention.ms after their first cleaning, then go",
          "[broker][storage][compact]") {
  TempDir tmp;
  LogOptions o = compact_options();
  o.delete_retention_ms = 1000;
  PartitionLog log(tmp.path() / "p", o);
  append_copy(log, BatchBuilder().timestamp(k_now - 5000).add("a", "a1").add("b", "b1").build());
  append_copy(log, BatchBuilder().timestamp(k_now - 4000).add("a", std::nullopt).add("c", "c1").build());
  fill(log);  // keys k0..k6: rolls the segments above out of the active one
  auto before = read_all(log);
  std::int64_t end = active_base(tmp.path() / "p");

  REQUIRE(log.clean(k_now).ran);
  auto first = read_all(log);
  CHECK(first == compacted(before, end));
  CHECK(first[0].key == "b");
  CHECK(first[1].key == "a");
  CHECK_FALSE(first[1].value);  // the tombstone is still there
  CHECK(first[1].timestamp == k_now - 4000);  // record timestamps survive the delete horizon
  CHECK(first[2].key == "c");

  CHECK_FALSE(log.clean(k_now + 999).ran);  // not due yet, nothing dirty
  CHECK(read_all(log) == first);
  REQUIRE(log.clean(k_now + 1000).ran);  // due: the tombstone goes
  auto second = read_all(log);
  CHECK(second == compacted(before, end, true));
  CHECK(second[0].key == "b");
  CHECK(second[1].key == "c");
}

TEST_CASE("a compressed batch with superseded records is rewritten uncompressed, the rest as it was",
          "[broker][storage][compact]") {
  for (Codec codec : {Codec::gzip, Codec::snappy, Codec::lz4, Codec::zstd}) {
    TempDir tmp;
    PartitionLog log(tmp.path() / "p", compact_options());
    append_copy(log, compress_batch(BatchBuilder().timestamp(k_now).add("x", "x1").add("y", "y1").build(), codec));
    append_copy(log, compress_batch(BatchBuilder().timestamp(k_now).add("z", "z1").build(), codec));
    append_copy(log, BatchBuilder().timestamp(k_now).add("x", "x2").build());
    fill(log);
    auto before = read_all(log);
    log.clean(k_now);
    auto after = read_all(log);
    CHECK(after == compacted(before, active_base(tmp.path() / "p")));
    std::string buf;
    log.read(0, 1 << 20, buf);
    BatchCursor c({reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size()});
    REQUIRE(c.next());
    CHECK(c.header().compression() == 0);  // [x1 y1] -> [y1], rewritten
    CHECK(c.header().record_count == 1);
    CHECK(c.header().last_offset_delta == 1);  // offsets and the last offset kept
    REQUIRE(c.next());
    CHECK(c.header().compression() == static_cast<int>(codec));  // [z1] untouched
  }
}

TEST_CASE("an idempotent producer's batches keep their sequence fields and its next batch still fits",
          "[broker][storage][compact]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  std::int32_t seq = 0;
  auto next = [&](const std::string& key, int n) {
    BatchBuilder b;
    b.producer(7, 0, seq).timestamp(k_now);
    for (int i = 0; i < n; ++i) b.add(key, "v" + std::to_string(seq + i) + std::string(200, 'p'));
    seq += n;
    return b.build();
  };
  {
    PartitionLog log(dir, compact_options());
    for (int i = 0; i < 40; ++i) REQUIRE(append_copy(log, next("k" + std::to_string(i % 3), 3)).error == AppendError::none);
    REQUIRE(log.segment_count() > 3);
    REQUIRE(log.clean(k_now).ran);
    std::string buf;
    log.read(0, 1 << 20, buf);
    BatchCursor c({reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size()});
    while (c.next()) {
      CHECK(c.header().producer_id == 7);
      CHECK(c.header().base_sequence == c.header().base_offset);  // sequence i at offset i
      CHECK(c.header().last_offset_delta == 2);
    }
    CHECK(append_copy(log, next("k", 3)).error == AppendError::none);
    std::string retry = next("k", 3);
    CHECK(append_copy(log, retry).error == AppendError::none);
    CHECK(append_copy(log, retry).error == AppendError::duplicate_sequence);
  }
  PartitionLog reopened(dir, compact_options());
  CHECK(append_copy(reopened, next("k", 3)).error == AppendError::none);
  CHECK(append_copy(reopened, next("k", 3)).error == AppendError::none);
}

TEST_CASE("a crash at each step of a swap loses and duplicates nothing", "[broker][storage][compact]") {
  for (CleanStep step : {CleanStep::written, CleanStep::indexes_staged, CleanStep::committed,
                         CleanStep::merged_removed, CleanStep::indexes_swapped}) {
    CAPTURE(static_cast<int>(step));
    TempDir tmp;
    fs::path dir = tmp.path() / "p";
    std::vector<Rec> before;
    std::string first_before;
    std::int64_t end = 0;
    {
      PartitionLog log(dir, compact_options());
      fill(log);
      before = read_all(log);
      end = active_base(dir);
      first_before = read_file(dir / "00000000000000000000.log");
      log.clean(k_now, step);  // stops there, as a crash would
    }
    CHECK(fs::exists(dir / "cleaning"));
    PartitionLog log(dir, compact_options());
    for (const auto& e : fs::directory_iterator(dir))
      CHECK(e.path().filename().string().find(".swap") == std::string::npos);
    CHECK_FALSE(fs::exists(dir / "cleaning"));
    auto now = read_all(log);
    std::string first_now = read_file(dir / "00000000000000000000.log");
    if (step >= CleanStep::committed) {
      CHECK(first_now.size() < first_before.size());  // the swap was completed
    } else {
      CHECK(first_now == first_before);  // the swap was discarded
    }
    // Every record now is one of before's, unchanged, and every latest value is there.
    auto expected = compacted(before, end);
    CHECK(std::includes(before.begin(), before.end(), now.begin(), now.end(),
                        [](const Rec& a, const Rec& b) { return a.offset < b.offset; }));
    for (const Rec& r : now) CHECK(std::find(before.begin(), before.end(), r) != before.end());
    for (const Rec& r : expected) CHECK(std::find(now.begin(), now.end(), r) != now.end());
    CHECK(log.high_watermark() == 200);
    // A full pass then gives the compacted log.
    log.clean(k_now);
    CHECK(read_all(log) == expected);
  }
}

TEST_CASE("leftover swap files without a committed log are removed on open", "[broker][storage][compact]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  fs::create_directories(dir / "cleaning");
  write_file_atomic(dir / "cleaning" / "00000000000000000000.log", "garbage");
  write_file_atomic(dir / "00000000000000000000.index.swap", "garbage");
  write_file_atomic(dir / "00000000000000000000.timeindex.swap", "garbage");
  CHECK(recover_cleaner_swaps(dir) == 0);
  CHECK_FALSE(fs::exists(dir / "cleaning"));
  CHECK_FALSE(fs::exists(dir / "00000000000000000000.index.swap"));
  CHECK_FALSE(fs::exists(dir / "00000000000000000000.timeindex.swap"));
}
