#include <catch2/catch.hpp>

#include "batch_builder.hpp"
#include "broker/record_batch.hpp"

using namespace ftgo::broker;
using ftgo::test::BatchBuilder;
using ftgo::test::as_span;
using ftgo::test::make_batch;

TEST_CASE("a built batch parses with its header fields", "[broker][batch]") {
  std::string b = BatchBuilder().timestamp(5000).producer(42, 3, 7).add("k", "v").add({}, std::nullopt, 6000).build();
  BatchHeader h;
  REQUIRE(validate_batch(as_span(b), h) == BatchError::none);
  CHECK(h.magic == 2);
  CHECK(h.total_size() == b.size());
  CHECK(h.record_count == 2);
  CHECK(h.last_offset_delta == 1);
  CHECK(h.base_timestamp == 5000);
  CHECK(h.max_timestamp == 6000);
  CHECK(h.producer_id == 42);
  CHECK(h.producer_epoch == 3);
  CHECK(h.base_sequence == 7);
  CHECK(h.last_sequence() == 8);
  CHECK(h.partition_leader_epoch == -1);
}

TEST_CASE("rewriting baseOffset and the leader epoch keeps the CRC valid", "[broker][batch]") {
  std::string b = make_batch(3, 10);
  auto s = as_span(b);
  set_base_offset(s.data(), 123456789012LL);
  set_partition_leader_epoch(s.data(), 9);
  BatchHeader h;
  REQUIRE(validate_batch(s, h) == BatchError::none);
  CHECK(h.base_offset == 123456789012LL);
  CHECK(h.partition_leader_epoch == 9);
  CHECK(h.last_offset() == 123456789014LL);
}

TEST_CASE("a flipped byte after the CRC field is caught", "[broker][batch]") {
  std::string b = make_batch(3, 10);
  b[b.size() - 2] ^= 0x01;
  BatchHeader h;
  CHECK(validate_batch(as_span(b), h) == BatchError::bad_crc);
  CHECK(parse_batch_header(as_span(b), h) == BatchError::none);  // the header alone is fine
}

TEST_CASE("framing errors are named", "[broker][batch]") {
  BatchHeader h;
  std::string b = make_batch(2, 10);
  SECTION("truncated") { CHECK(validate_batch(as_span(b).first(b.size() - 1), h) == BatchError::truncated); }
  SECTION("short header") { CHECK(validate_batch(as_span(b).first(20), h) == BatchError::truncated); }
  SECTION("magic 1") {
    b[16] = 1;
    CHECK(validate_batch(as_span(b), h) == BatchError::bad_magic);
  }
  SECTION("length below the header") {
    store_be32(reinterpret_cast<std::uint8_t*>(b.data()) + 8, 10);
    CHECK(validate_batch(as_span(b), h) == BatchError::bad_length);
  }
  SECTION("negative record count") {
    store_be32(reinterpret_cast<std::uint8_t*>(b.data()) + 57, -1);
    CHECK(validate_batch(as_span(b), h) == BatchError::bad_count);
  }
}

TEST_CASE("a cursor walks concatenated batches and stops at a bad one", "[broker][batch]") {
  std::string all = make_batch(1, 5) + make_batch(2, 5) + make_batch(3, 5);
  int n = 0;
  BatchCursor c(as_span(all), true);
  while (c.next()) CHECK(c.header().record_count == ++n);
  CHECK(n == 3);
  CHECK(c.error() == BatchError::none);
  std::string torn = all.substr(0, all.size() - 3);
  BatchCursor t(as_span(torn), true);
  n = 0;
  while (t.next()) ++n;
  CHECK(n == 2);
  CHECK(t.error() == BatchError::truncated);
}

TEST_CASE("LogAppendTime rewrite of maxTimestamp recomputes the CRC", "[broker][batch]") {
  std::string b = make_batch(2, 10);
  set_max_timestamp(as_span(b), 999999);
  BatchHeader h;
  REQUIRE(validate_batch(as_span(b), h) == BatchError::none);
  CHECK(h.max_timestamp == 999999);
}

TEST_CASE("the first record at or after a timestamp is found inside a batch", "[broker][batch]") {
  std::string b = BatchBuilder().timestamp(100).add("a", "1", 100).add("b", "2", 150).add("c", "3", 200).build();
  set_base_offset(as_span(b).data(), 10);
  std::int64_t off = -1;
  CHECK(find_record_by_timestamp(as_span(b), 120, off));
  CHECK(off == 11);
  CHECK(find_record_by_timestamp(as_span(b), 200, off));
  CHECK(off == 12);
  CHECK_FALSE(find_record_by_timestamp(as_span(b), 201, off));
}
