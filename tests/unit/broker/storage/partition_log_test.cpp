#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "log_test_util.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;

TEST_CASE("appended batches read back byte for byte except baseOffset", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", LogOptions{});
  std::string b = BatchBuilder().timestamp(1000).add("key", "value").add({}, "").add("k", std::nullopt).build();
  std::string original = b;
  AppendResult r = log.append(as_span(b));
  REQUIRE(r.error == AppendError::none);
  CHECK(r.base_offset == 0);
  CHECK(r.last_offset == 2);
  CHECK(log.high_watermark() == 3);
  std::string out;
  REQUIRE(log.read(0, 1 << 20, out) == original.size());
  CHECK(out.substr(8) == original.substr(8));
  CHECK(log.read(3, 1 << 20, out) == 0);
}

TEST_CASE("offsets are assigned by rewriting baseOffset and the CRC still holds", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", LogOptions{});
  for (int i = 1; i <= 4; ++i) {
    AppendResult r = append_copy(log, make_batch(i, 20));
    REQUIRE(r.error == AppendError::none);
    CHECK(r.base_offset == (i - 1) * i / 2);
    CHECK(r.last_offset == i * (i + 1) / 2 - 1);
  }
  std::string out;
  log.read(0, 1 << 20, out);
  auto hs = batches_in(out);  // validates every CRC
  REQUIRE(hs.size() == 4);
  CHECK(hs[0].base_offset == 0);
  CHECK(hs[1].base_offset == 1);
  CHECK(hs[2].base_offset == 3);
  CHECK(hs[3].base_offset == 6);
}

TEST_CASE("several batches in one append get consecutive offsets", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", LogOptions{});
  std::string two = make_batch(2, 10) + make_batch(3, 10);
  AppendResult r = log.append(as_span(two));
  REQUIRE(r.error == AppendError::none);
  CHECK(r.base_offset == 0);
  CHECK(r.last_offset == 4);
  std::string out;
  log.read(0, 1 << 20, out);
  auto hs = batches_in(out);
  REQUIRE(hs.size() == 2);
  CHECK(hs[1].base_offset == 2);
}

TEST_CASE("a read from inside a batch returns the whole batch", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", LogOptions{});
  append_copy(log, make_batch(5, 10));
  append_copy(log, make_batch(5, 10));
  std::string out;
  log.read(7, 1 << 20, out);
  auto hs = batches_in(out);
  REQUIRE(hs.size() == 1);
  CHECK(hs[0].base_offset == 5);
  CHECK(hs[0].record_count == 5);
}

TEST_CASE("a read stops at max_bytes on a batch boundary but returns at least one batch", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", LogOptions{});
  std::string one = make_batch(10, 100);
  for (int i = 0; i < 5; ++i) append_copy(log, one);
  std::string out;
  CHECK(log.read(0, 10, out) == one.size());
  CHECK(batches_in(out).size() == 1);
  out.clear();
  CHECK(log.read(0, one.size() * 2 + one.size() / 2, out) == one.size() * 2);
  CHECK(batches_in(out).size() == 2);
  out = "prefix";
  CHECK(log.read(20, one.size() * 3, out) == one.size() * 3);
  CHECK(out.substr(0, 6) == "prefix");
}

TEST_CASE("offsets before the log start or at the end read nothing", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", LogOptions{});
  std::string out;
  CHECK(log.read(0, 100, out) == 0);
  append_copy(log, make_batch(2, 10));
  CHECK(log.read(-1, 100, out) == 0);
  CHECK(log.read(2, 100, out) == 0);
  CHECK(out.empty());
}

TEST_CASE("the sparse index finds every offset across many batches", "[broker][storage]") {
  TempDir tmp;
  LogOptions o = small_options();
  o.segment_bytes = 1 << 20;
  PartitionLog log(tmp.path() / "p", o);
  for (int i = 0; i < 300; ++i) append_copy(log, make_batch(1 + i % 4, 30));
  std::int64_t hw = log.high_watermark();
  for (std::int64_t off = 0; off < hw; off += 7) {
    std::string out;
    REQUIRE(log.read(off, 1, out) > 0);
    auto hs = batches_in(out);
    REQUIRE(hs.size() == 1);
    CHECK(hs[0].base_offset <= off);
    CHECK(hs[0].last_offset() >= off);
  }
  log.flush();
  CHECK(std::filesystem::file_size(segment_files(tmp.path() / "p", ".index").at(0)) > 8 * 10);
}

TEST_CASE("segments roll when the next append would pass segment_bytes", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", small_options());
  std::string one = make_batch(5, 100);  // ~700 bytes
  for (int i = 0; i < 20; ++i) REQUIRE(append_copy(log, one).error == AppendError::none);
  auto files = segment_files(tmp.path() / "p");
  CHECK(files.size() > 3);
  CHECK(log.segment_count() == files.size());
  for (const auto& f : files) CHECK(std::filesystem::file_size(f) <= 4096);
  std::int64_t per_segment = static_cast<std::int64_t>(4096 / one.size()) * 5;
  CHECK(files[1].filename().string() == fmt::format("{:020d}.log", per_segment));
  for (std::int64_t off = 0; off < 100; off += 9) {
    std::string out;
    REQUIRE(log.read(off, 1, out) > 0);
    CHECK(batches_in(out).at(0).base_offset == off / 5 * 5);
  }
}

TEST_CASE("retention by time drops old segments but never the active one", "[broker][storage]") {
  TempDir tmp;
  LogOptions o = small_options();
  o.retention_ms = 1000;
  PartitionLog log(tmp.path() / "p", o);
  for (int i = 0; i < 20; ++i) append_copy(log, make_batch(5, 100, 10'000 + i * 100));
  std::size_t before = log.segment_count();
  REQUIRE(before > 3);
  log.enforce_retention(10'000 + 500);  // nothing older than 1 s yet
  CHECK(log.segment_count() == before);
  log.enforce_retention(10'000 + 1000 + 1050);  // batches up to ts 11049 expire
  CHECK(log.segment_count() < before);
  CHECK(log.log_start_offset() > 0);
  std::string out;
  CHECK(log.read(0, 100, out) == 0);
  CHECK(log.read(log.log_start_offset(), 100, out) > 0);
  log.enforce_retention(1'000'000'000);
  CHECK(log.segment_count() == 1);
  CHECK(log.high_watermark() == 100);
  CHECK(segment_files(tmp.path() / "p").size() == 1);
  CHECK(segment_files(tmp.path() / "p", ".index").size() == 1);
}

TEST_CASE("retention by size keeps at least retention_bytes", "[broker][storage]") {
  TempDir tmp;
  LogOptions o = small_options();
  o.retention_bytes = 6000;
  PartitionLog log(tmp.path() / "p", o);
  for (int i = 0; i < 40; ++i) append_copy(log, make_batch(5, 100));
  std::uint64_t before = log.size_bytes();
  log.enforce_retention(0);
  CHECK(log.size_bytes() < before);
  CHECK(log.size_bytes() >= 6000);
  CHECK(log.size_bytes() < 6000 + 4096);
  CHECK(log.high_watermark() == 200);
}

TEST_CASE("offset_for_timestamp finds the first record at or after a time", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", small_options());
  CHECK(log.offset_for_timestamp(0) == 0);
  CHECK(log.max_timestamp() == -1);
  for (int i = 0; i < 50; ++i) append_copy(log, make_batch(4, 100, 1000 + i * 10));  // records at 1000+10i+j
  CHECK(log.offset_for_timestamp(0) == 0);
  CHECK(log.offset_for_timestamp(1000) == 0);
  CHECK(log.offset_for_timestamp(1002) == 2);
  CHECK(log.offset_for_timestamp(1005) == 4);
  CHECK(log.offset_for_timestamp(1251) == 101);
  CHECK(log.offset_for_timestamp(1493) == 199);
  CHECK(log.offset_for_timestamp(1494) == 200);
  CHECK(log.max_timestamp() == 1493);
}

TEST_CASE("a bad batch is refused and nothing is written", "[broker][storage]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", LogOptions{});
  append_copy(log, make_batch(1, 10));
  std::string good = make_batch(2, 10), bad = make_batch(2, 10);
  bad[bad.size() - 1] ^= 0x40;
  std::string both = good + bad;
  CHECK(log.append(as_span(both)).error == AppendError::corrupt_message);
  std::string v1 = good;
  v1[16] = 1;
  CHECK(log.append(as_span(v1)).error == AppendError::unsupported_magic);
  std::string torn = good.substr(0, good.size() - 1);
  CHECK(log.append(as_span(torn)).error == AppendError::corrupt_message);
  std::string empty;
  CHECK(log.append(as_span(empty)).error == AppendError::corrupt_message);
  CHECK(log.high_watermark() == 1);
  CHECK(log.size_bytes() == make_batch(1, 10).size());
}

TEST_CASE("an old active segment rolls on the next append so retention can drop it", "[broker][storage]") {
  TempDir tmp;
  LogOptions o;
  o.segment_ms = 0;
  o.retention_ms = 1000;
  PartitionLog log(tmp.path() / "p", o);
  append_copy(log, make_batch(2, 10, 1000));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  append_copy(log, make_batch(2, 10, 1000));
  CHECK(log.segment_count() == 2);
  log.enforce_retention(1'000'000);
  CHECK(log.segment_count() == 1);
  CHECK(log.log_start_offset() == 2);
}
