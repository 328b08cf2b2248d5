// The log cleaner merges consecutive small cleaned segments into one, up to
// segment.bytes (Kafka's LogCleaner.groupSegmentsBySize), crash-safely.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "broker/storage/log_cleaner.hpp"
#include "cleaner_test_util.hpp"
#include "log_test_util.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;

namespace {

// 40 batches of 5 records (about 10 segments of 4 KiB), a third of them of keys
// written once, cleaned once: each segment keeps about a third of its records.
void fill_and_clean(PartitionLog& log) {
  for (int b = 0; b < 40; ++b) {
    BatchBuilder bb;
    bb.timestamp(k_now - 100'000 + b * 10);
    for (int j = 0; j < 5; ++j) {
      int i = b * 5 + j;
      bb.add(i % 3 ? "k" + std::to_string(i % 30) : "u" + std::to_string(i), "value " + std::to_string(i) + std::string(120, 'x'));
    }
    REQUIRE(append_copy(log, bb.build()).error == AppendError::none);
  }
  REQUIRE(log.segment_count() > 6);
  REQUIRE(log.clean(k_now).ran);
}

// Rolls a new segment, so the next pass has something dirty.
void append_more(PartitionLog& log) {
  std::size_t segments = log.segment_count();
  for (int i = 0; log.segment_count() == segments; ++i)
    REQUIRE(append_copy(log, BatchBuilder().timestamp(k_now).add("n" + std::to_string(i % 3), std::string(300, 'n')).build())
                .error == AppendError::none);
}

// Records the directory operations of the cleaner's swaps and recovery on
// this thread (file.hpp) while it lives.
class DirOps {
 public:
  DirOps() : m_observer([this](std::string_view op, const fs::path& p) { ops.emplace_back(op, p.lexically_normal()); }) {
    set_dir_op_observer(&m_observer);
  }
  ~DirOps() { set_dir_op_observer(nullptr); }
  DirOps(const DirOps&) = delete;
  DirOps& operator=(const DirOps&) = delete;

  // Checks that every unlink in `dir` is made durable (an fsync of `dir`)
  // before the next rename to a segment's `.log` name there: step 5 and
  // recovery hide which segments a swap merged. Returns how many such
  // renames there were.
  int check_unlinks_synced_before_log_renames(const fs::path& dir) const {
    const fs::path d = dir.lexically_normal();
    std::optional<std::size_t> unlinked, synced;
    int renames = 0;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const auto& [op, path] = ops[i];
      if (op == "unlink" && path.parent_path() == d) unlinked = i;
      if (op == "fsync" && path == d) synced = i;
      if (op == "rename" && path.parent_path() == d && path.extension() == ".log") {
        ++renames;
        CAPTURE(path.string());
        if (unlinked) CHECK((synced && *synced > *unlinked));
      }
    }
    return renames;
  }
  std::size_t count(std::string_view op) const {
    return static_cast<std::size_t>(std::count_if(ops.begin(), ops.end(), [&](const auto& o) { return o.first == op; }));
  }

  std::vector<std::pair<std::string, fs::path>> ops;

 private:
  DirOpObserver m_observer;
};

// The first record at or after `offset`, read from there (through the
// index) as a consumer does: past a batch whose records left are all below it.
std::optional<Rec> record_at(const PartitionLog& log, std::int64_t offset) {
  std::string buf, scratch;
  std::vector<Record> records;
  for (std::int64_t at = offset;;) {
    buf.clear();
    if (log.read(at, 1 << 20, buf) == 0) return std::nullopt;
    BatchCursor c({reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size()});
    while (c.next()) {
      const BatchHeader& h = c.header();
      REQUIRE(decode_batch_records(c.bytes(), h, scratch, records));
      for (const Record& r : records) {
        std::int64_t o = h.base_offset + r.offset_delta;
        if (o < offset) continue;
        auto str = [](bool null, std::span<const std::uint8_t> b) {
          return null ? std::nullopt : std::optional<std::string>(std::string(b.begin(), b.end()));
        };
        return Rec{o, str(r.key_null, r.key), str(r.value_null, r.value), h.base_timestamp + r.timestamp_delta};
      }
      at = h.last_offset() + 1;
    }
  }
}

// Every record of `expected` is what a read from its own offset (and from
// one past the record before it) finds first.
void check_reads_from_every_offset(const PartitionLog& log, const std::vector<Rec>& expected) {
  std::int64_t from = log.log_start_offset();
  for (const Rec& r : expected) {
    CAPTURE(r.offset);
    CHECK(record_at(log, r.offset) == r);
    CHECK(record_at(log, from) == r);
    from = r.offset + 1;
  }
}

// A merging pass (the second) over a fresh log in `dir`, stopped at `step`
// as a crash would; returns what the log must hold once it is complete.
std::vector<Rec> crash_merging_pass(const fs::path& dir, CleanStep step) {
  PartitionLog log(dir, compact_options());
  fill_and_clean(log);
  append_more(log);
  auto expected = compacted(read_all(log), active_base(dir));
  log.clean(k_now, step);
  return expected;
}

}  // namespace

TEST_CASE("a later pass merges small cleaned segments up to segment.bytes", "[broker][storage][compact]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  std::vector<Rec> expected;
  std::size_t after = 0;
  {
    PartitionLog log(dir, compact_options());
    fill_and_clean(log);
    append_more(log);
    const auto before = read_all(log);
    const std::size_t segments = log.segment_count();
    const std::int64_t end = active_base(dir);
    CleanStats st = log.clean(k_now);
    REQUIRE(st.ran);
    expected = compacted(before, end);
    CHECK(read_all(log) == expected);
    after = log.segment_count();
    CHECK(after < segments);
    CHECK(st.segments_removed == segments - after);
    for (const auto& f : segment_files(dir)) CHECK(fs::file_size(f) <= 4096);
    CHECK(log.high_watermark() == before.back().offset + 1);
  }
  PartitionLog reopened(dir, compact_options());
  CHECK(read_all(reopened) == expected);
  CHECK(reopened.segment_count() == after);
}

TEST_CASE("a crash at each step of a merging swap loses and duplicates nothing", "[broker][storage][compact]") {
  for (CleanStep step : {CleanStep::written, CleanStep::indexes_staged, CleanStep::committed,
                         CleanStep::merged_removed, CleanStep::indexes_swapped}) {
    CAPTURE(static_cast<int>(step));
    TempDir tmp;
    fs::path dir = tmp.path() / "p";
    std::vector<Rec> before;
    std::int64_t end = 0, hw = 0;
    std::size_t segments = 0, at_crash = 0;
    {
      PartitionLog log(dir, compact_options());
      fill_and_clean(log);
      append_more(log);
      before = read_all(log);
      end = active_base(dir);
      hw = log.high_watermark();
      segments = log.segment_count();
      log.clean(k_now, step);  // stops there, as a crash would
      at_crash = segment_files(dir).size();
    }
    PartitionLog log(dir, compact_options());
    for (const auto& e : fs::directory_iterator(dir))
      CHECK(e.path().filename().string().find(".swap") == std::string::npos);
    auto now = read_all(log);
    if (step >= CleanStep::committed) {
      CHECK(log.segment_count() < segments);  // the merges were completed
      if (step == CleanStep::committed) CHECK(log.segment_count() < at_crash);  // by recovery
    } else {
      CHECK_FALSE(fs::exists(dir / "cleaning"));  // discarded
    }
    auto expected = compacted(before, end);
    for (const Rec& r : now) CHECK(std::find(before.begin(), before.end(), r) != before.end());
    for (const Rec& r : expected) CHECK(std::find(now.begin(), now.end(), r) != now.end());
    CHECK(log.high_watermark() == hw);
    log.clean(k_now);
    CHECK(read_all(log) == expected);
  }
}

TEST_CASE("a merging swap makes the merged segments' unlinks durable before the renames that hide them",
          "[broker][storage][compact][cleaner]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  PartitionLog log(dir, compact_options());
  fill_and_clean(log);
  append_more(log);
  const std::size_t segments = log.segment_count();
  DirOps trace;
  CleanStats st = log.clean(k_now);
  REQUIRE(st.ran);
  REQUIRE(log.segment_count() < segments);  // it merged
  CHECK(trace.count("unlink") > 0);
  CHECK(trace.check_unlinks_synced_before_log_renames(dir) == static_cast<int>(st.segments_rewritten));
  CHECK(st.segments_rewritten > 0);
}

TEST_CASE("recovery of a committed merging swap makes its unlinks durable before renaming the log",
          "[broker][storage][compact][cleaner]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  const auto expected = crash_merging_pass(dir, CleanStep::committed);
  DirOps trace;
  PartitionLog log(dir, compact_options());
  CHECK(trace.count("unlink") > 0);  // the merged segments
  CHECK(trace.check_unlinks_synced_before_log_renames(dir) > 0);
  CHECK(read_all(log) == expected);
}

TEST_CASE("a crash that kept a swap's log rename but not its index renames leaves no stale index",
          "[broker][storage][compact][cleaner]") {
  // On a filesystem that does not keep the order of renames in a directory
  // without an fsync, a crash can keep <B>.log.swap (or its rename to <B>.log)
  // and lose the renames of its indexes: the old <B>.index, made for the old
  // log, is then beside the new one. Recovery removes it (rebuilt on open).
  for (bool log_renamed : {false, true}) {
    CAPTURE(log_renamed);
    TempDir tmp;
    fs::path dir = tmp.path() / "p";
    const auto expected = crash_merging_pass(dir, log_renamed ? CleanStep::merged_removed : CleanStep::committed);
    const auto swaps = segment_files(dir, ".swap");
    REQUIRE_FALSE(swaps.empty());
    for (const fs::path& swap : swaps) {
      std::string name = swap.filename().string();
      if (name.ends_with(".log.swap")) {
        if (log_renamed) fs::rename(swap, dir / name.substr(0, name.size() - 5));  // step 5 reached the disk
      } else if (!log_renamed) {
        fs::remove(swap);  // step 2 did not: the old index is still there
      }
    }
    PartitionLog log(dir, compact_options());
    for (const auto& e : fs::directory_iterator(dir))
      CHECK(e.path().filename().string().find(".swap") == std::string::npos);
    CHECK(read_all(log) == expected);
    check_reads_from_every_offset(log, expected);
    PartitionLog reopened(dir, compact_options());  // and the rebuilt indexes were written right
    check_reads_from_every_offset(reopened, expected);
  }
}
