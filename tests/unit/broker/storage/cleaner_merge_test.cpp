// The log cleaner merges consecutive small cleaned segments into one, up to
// segment.bytes (Kafka's LogCleaner.groupSegmentsBySize), crash-safely.
#include <catch2/catch.hpp>

#include <algorithm>

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
                         CleanStep::indexes_swapped}) {
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
    if (step == CleanStep::committed || step == CleanStep::indexes_swapped) {
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
