// PartitionLog::delete_records_before (DeleteRecords): the log start offset
// moves forward durably, whole segments below it go, reads and timestamp
// lookups below it find nothing, and appends carry on at the end.
#include <catch2/catch.hpp>

#include <fstream>

#include "log_test_util.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;

TEST_CASE("records deleted before an offset stay deleted across a reopen", "[broker][storage]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  {
    PartitionLog log(dir, small_options());
    for (int i = 0; i < 40; ++i) REQUIRE(append_copy(log, make_batch(1, 400, 1000 + i)).error == AppendError::none);
    REQUIRE(log.segment_count() > 3);
    std::size_t segments = log.segment_count();
    CHECK(log.delete_records_before(0) == 0);  // nothing to do
    CHECK(log.delete_records_before(25) == 25);
    CHECK(log.log_start_offset() == 25);
    CHECK(log.segment_count() < segments);
    std::string out;
    CHECK(log.read(24, 1 << 20, out) == 0);
    CHECK(log.read(25, 1 << 20, out) > 0);
    CHECK(log.offset_for_timestamp(0) == 25);
    CHECK(log.delete_records_before(10) == 25);  // never backwards
    CHECK(log.delete_records_before(1000) == 40);  // at most the high watermark
  }
  PartitionLog log(dir, small_options());
  CHECK(log.log_start_offset() == 40);
  CHECK(log.high_watermark() == 40);
  AppendResult r = append_copy(log, make_batch(2, 10));
  CHECK(r.base_offset == 40);
  CHECK(r.log_start_offset == 40);
  std::string out;
  CHECK(log.read(40, 1 << 20, out) > 0);
}

TEST_CASE("a log start offset beyond the end of the log after a power loss starts the log over there",
          "[broker][storage]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  {
    PartitionLog log(dir, small_options());
    for (int i = 0; i < 10; ++i) REQUIRE(append_copy(log, make_batch(1, 100, 1000 + i)).error == AppendError::none);
    REQUIRE(log.delete_records_before(10) == 10);
  }
  // The start offset file reached the disk, the records below it did not.
  auto logs = segment_files(dir);
  REQUIRE(!logs.empty());
  fs::resize_file(logs.back(), 0);
  PartitionLog log(dir, small_options());
  CHECK(log.log_start_offset() == 10);
  CHECK(log.high_watermark() == 10);
  AppendResult r = append_copy(log, make_batch(1, 100, 5000));
  CHECK(r.base_offset == 10);
  std::string out;
  CHECK(log.read(10, 1 << 20, out) > 0);  // an acknowledged record is readable
}

TEST_CASE("segments a crash left below the log start offset go at the next open", "[broker][storage]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  {
    PartitionLog log(dir, small_options());
    for (int i = 0; i < 40; ++i) REQUIRE(append_copy(log, make_batch(1, 400, 1000 + i)).error == AppendError::none);
    REQUIRE(log.segment_count() > 3);
  }
  // A crash after the start offset was written, before the segments below it were unlinked.
  { std::ofstream(dir / "log-start-offset") << "39\n"; }
  PartitionLog log(dir, small_options());
  CHECK(log.log_start_offset() == 39);
  CHECK(log.segment_count() == 1);
  CHECK(segment_files(dir).size() == 1);
}
