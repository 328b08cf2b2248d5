#include <catch2/catch.hpp>

#include "log_test_util.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;

namespace {

std::string batch(std::int64_t pid, std::int16_t epoch, std::int32_t seq, int records) {
  BatchBuilder b;
  b.timestamp(1000).producer(pid, epoch, seq);
  for (int i = 0; i < records; ++i) b.add("k", "v" + std::to_string(i));
  return b.build();
}

}  // namespace

TEST_CASE("an idempotent retry is a duplicate with the original offsets", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", LogOptions{});
  append_copy(log, make_batch(2, 10));  // a non-idempotent batch first: offsets 0-1
  AppendResult first = append_copy(log, batch(7, 0, 0, 3));
  REQUIRE(first.error == AppendError::none);
  CHECK(first.base_offset == 2);
  REQUIRE(append_copy(log, batch(7, 0, 3, 2)).error == AppendError::none);
  std::uint64_t size = log.size_bytes();
  AppendResult again = append_copy(log, batch(7, 0, 0, 3));
  CHECK(again.error == AppendError::duplicate_sequence);
  CHECK(again.base_offset == 2);
  CHECK(again.last_offset == 4);
  CHECK(log.size_bytes() == size);
  CHECK(log.high_watermark() == 7);
}

TEST_CASE("only the last five batches of a producer are remembered", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", LogOptions{});
  for (int i = 0; i < 7; ++i) REQUIRE(append_copy(log, batch(1, 0, i, 1)).error == AppendError::none);
  CHECK(append_copy(log, batch(1, 0, 2, 1)).error == AppendError::duplicate_sequence);
  CHECK(append_copy(log, batch(1, 0, 1, 1)).error == AppendError::out_of_order_sequence);
}

TEST_CASE("a sequence gap is out of order and writes nothing", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", LogOptions{});
  REQUIRE(append_copy(log, batch(7, 0, 0, 3)).error == AppendError::none);
  CHECK(append_copy(log, batch(7, 0, 5, 1)).error == AppendError::out_of_order_sequence);
  CHECK(append_copy(log, batch(7, 0, 2, 1)).error == AppendError::out_of_order_sequence);
  CHECK(log.high_watermark() == 3);
  CHECK(append_copy(log, batch(7, 0, 3, 1)).error == AppendError::none);
  // Another producer has its own sequence.
  CHECK(append_copy(log, batch(8, 0, 0, 1)).error == AppendError::none);
}

TEST_CASE("a new producer epoch restarts at sequence zero and fences the old one", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", LogOptions{});
  REQUIRE(append_copy(log, batch(7, 0, 0, 3)).error == AppendError::none);
  CHECK(append_copy(log, batch(7, 1, 5, 1)).error == AppendError::out_of_order_sequence);
  CHECK(append_copy(log, batch(7, 1, 0, 1)).error == AppendError::none);
  CHECK(append_copy(log, batch(7, 0, 3, 1)).error == AppendError::invalid_producer_epoch);
  CHECK(append_copy(log, batch(7, 1, 1, 1)).error == AppendError::none);
}

TEST_CASE("two batches of one producer in one append are checked in order", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", LogOptions{});
  std::string ok = batch(3, 0, 0, 2) + batch(3, 0, 2, 2);
  CHECK(log.append(as_span(ok)).error == AppendError::none);
  std::string gap = batch(3, 0, 4, 1) + batch(3, 0, 6, 1);
  CHECK(log.append(as_span(gap)).error == AppendError::out_of_order_sequence);
  CHECK(log.high_watermark() == 4);
}

TEST_CASE("producer state is rebuilt from the last segment on open", "[broker][storage]") {
  TempDir tmp;
  {
    PartitionLog log(tmp.path() / "p", LogOptions{});
    REQUIRE(append_copy(log, batch(9, 2, 0, 4)).error == AppendError::none);
    REQUIRE(append_copy(log, batch(9, 2, 4, 4)).error == AppendError::none);
  }
  PartitionLog log(tmp.path() / "p", LogOptions{});
  AppendResult dup = append_copy(log, batch(9, 2, 4, 4));
  CHECK(dup.error == AppendError::duplicate_sequence);
  CHECK(dup.base_offset == 4);
  CHECK(append_copy(log, batch(9, 2, 9, 1)).error == AppendError::out_of_order_sequence);
  CHECK(append_copy(log, batch(9, 2, 8, 1)).error == AppendError::none);
}
