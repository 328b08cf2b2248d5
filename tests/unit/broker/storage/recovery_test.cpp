#include <catch2/catch.hpp>

#include <fstream>

#include "log_test_util.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;
namespace fs = std::filesystem;

namespace {

// Writes `n` batches of 3 records (100-byte values) into a fresh log and closes it.
std::uint64_t fill(const fs::path& dir, int n, LogOptions o = small_options()) {
  PartitionLog log(dir, o);
  for (int i = 0; i < n; ++i) REQUIRE(append_copy(log, make_batch(3, 100, 1000 + i)).error == AppendError::none);
  return log.size_bytes();
}

void flip_byte(const fs::path& file, std::uint64_t pos) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(pos));
  char c;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(pos));
  f.put(static_cast<char>(c ^ 0x10));
}

std::string read_all(PartitionLog& log) {
  std::string out;
  for (std::int64_t off = log.log_start_offset(); off < log.high_watermark();) {
    std::string chunk;
    REQUIRE(log.read(off, 1 << 20, chunk) > 0);
    auto hs = batches_in(chunk);
    off = hs.back().last_offset() + 1;
    out += chunk;
  }
  return out;
}

}  // namespace

TEST_CASE("a reopened log keeps its data and high watermark", "[broker][storage]") {
  TempDir tmp;
  LogOptions o = small_options();
  std::string before;
  {
    PartitionLog log(tmp.path() / "p", o);
    for (int i = 0; i < 30; ++i) append_copy(log, make_batch(3, 100, 1000 + i));
    before = read_all(log);
    REQUIRE(log.segment_count() > 2);
  }
  PartitionLog log(tmp.path() / "p", o);
  CHECK(log.high_watermark() == 90);
  CHECK(log.log_start_offset() == 0);
  CHECK(read_all(log) == before);
  CHECK(log.max_timestamp() == 1029 + 2);
  CHECK(append_copy(log, make_batch(1, 10)).base_offset == 90);
}

TEST_CASE("a torn tail is truncated on open", "[broker][storage]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  LogOptions o = small_options();
  o.segment_bytes = 1 << 20;
  std::uint64_t size = fill(dir, 10, o);
  fs::path seg = segment_files(dir).at(0);
  std::uint64_t one = make_batch(3, 100).size();
  fs::resize_file(seg, size - 50);  // the last batch loses its end
  PartitionLog log(dir, o);
  CHECK(log.high_watermark() == 27);
  CHECK(log.size_bytes() == 9 * one);
  CHECK(fs::file_size(seg) == 9 * one);
  CHECK(append_copy(log, make_batch(1, 10)).base_offset == 27);
}

TEST_CASE("garbage after the last batch is truncated on open", "[broker][storage]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  std::uint64_t size = fill(dir, 3);
  {
    std::ofstream f(segment_files(dir).back(), std::ios::app | std::ios::binary);
    f << std::string(30, '\0') << "junk";
  }
  PartitionLog log(dir, small_options());
  CHECK(log.high_watermark() == 9);
  CHECK(log.size_bytes() == size);
}

TEST_CASE("a flipped CRC byte in the last batch drops that batch", "[broker][storage]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  LogOptions o = small_options();
  o.segment_bytes = 1 << 20;
  std::uint64_t size = fill(dir, 10, o);
  std::uint64_t one = make_batch(3, 100).size();
  fs::path seg = segment_files(dir).at(0);
  SECTION("in the records") { flip_byte(seg, size - 10); }
  SECTION("in the CRC field") { flip_byte(seg, size - one + 18); }
  PartitionLog log(dir, o);
  CHECK(log.high_watermark() == 27);
  CHECK(fs::file_size(seg) == 9 * one);
  std::string all = read_all(log);
  CHECK(batches_in(all).size() == 9);
}

TEST_CASE("a missing index is rebuilt from the log", "[broker][storage]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  LogOptions o = small_options();
  o.segment_bytes = 1 << 20;
  fill(dir, 40, o);
  fs::path idx = segment_files(dir, ".index").at(0);
  std::uint64_t idx_size = fs::file_size(idx);
  REQUIRE(idx_size > 0);
  SECTION("both index files deleted") {
    fs::remove(idx);
    fs::remove(segment_files(dir, ".timeindex").at(0));
  }
  SECTION("offset index cut mid-entry") { fs::resize_file(idx, idx_size / 2 + 3); }
  SECTION("time index emptied") { fs::resize_file(segment_files(dir, ".timeindex").at(0), 0); }
  SECTION("offset index overwritten with garbage") {
    std::ofstream f(idx, std::ios::binary | std::ios::trunc);
    f << std::string(idx_size, '\x7f');
  }
  {
    PartitionLog log(dir, o);
    CHECK(log.high_watermark() == 120);
    for (std::int64_t off = 0; off < 120; off += 5) {
      std::string out;
      REQUIRE(log.read(off, 1, out) > 0);
      CHECK(batches_in(out).at(0).base_offset == off / 3 * 3);
    }
    CHECK(log.offset_for_timestamp(1020) == 56);  // batch 18 holds 1018..1020
    log.flush();
  }
  CHECK(fs::file_size(idx) == idx_size);
}

TEST_CASE("an index pointing past a truncated log is cut back", "[broker][storage]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  LogOptions o = small_options();
  o.segment_bytes = 1 << 20;
  std::uint64_t size = fill(dir, 40, o);
  std::uint64_t one = make_batch(3, 100).size();
  fs::path seg = segment_files(dir).at(0);
  fs::resize_file(seg, size - 10 * one - 7);  // cuts into batch 29
  PartitionLog log(dir, o);
  CHECK(log.high_watermark() == 29 * 3);
  std::string out;
  REQUIRE(log.read(86, 1, out) > 0);
  CHECK(batches_in(out).at(0).base_offset == 84);
  CHECK(append_copy(log, make_batch(3, 100)).base_offset == 87);
}

TEST_CASE("an orphan index left by an interrupted delete is removed", "[broker][storage]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  fill(dir, 20);
  auto logs = segment_files(dir);
  REQUIRE(logs.size() > 1);
  fs::remove(logs[0]);
  PartitionLog log(dir, small_options());
  CHECK(segment_files(dir, ".index").size() == logs.size() - 1);
  CHECK(log.log_start_offset() > 0);
}
