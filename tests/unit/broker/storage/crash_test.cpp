#include <catch2/catch.hpp>
#include <signal.h>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include "log_test_util.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;
namespace fs = std::filesystem;

TEST_CASE("every append acknowledged before a kill -9 is there after reopening", "[broker][storage]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  LogOptions o = small_options();  // rolls every few batches; index never flushed by the child
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    PartitionLog log(dir, o);
    for (int i = 0; i < 50; ++i)
      if (append_copy(log, make_batch(3, 100, 1000 + i)).error != AppendError::none) ::_exit(1);
    ::kill(::getpid(), SIGKILL);
    ::_exit(2);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);
  PartitionLog log(dir, o);
  CHECK(log.high_watermark() == 150);
  for (std::int64_t off = 0; off < 150; off += 3) {
    std::string out;
    REQUIRE(log.read(off, 1, out) > 0);
    auto hs = batches_in(out);
    CHECK(hs.at(0).base_offset == off);
    CHECK(hs.at(0).max_timestamp == 1000 + off / 3 + 2);
  }
  CHECK(log.offset_for_timestamp(1040) == 38 * 3 + 2);
}

TEST_CASE("a log cut at any byte reopens to a whole-batch prefix", "[broker][storage]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  LogOptions o = small_options();
  o.segment_bytes = 1 << 20;
  o.index_interval_bytes = 100;
  std::uint64_t one = make_batch(2, 40).size();
  std::uint64_t full;
  {
    PartitionLog log(dir, o);
    for (int i = 0; i < 8; ++i) append_copy(log, make_batch(2, 40));
    full = log.size_bytes();
  }
  fs::path seg = segment_files(dir).at(0);
  std::string saved;
  {
    std::ifstream in(seg, std::ios::binary);
    saved.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (std::uint64_t cut = full; cut-- > full - 2 * one;) {
    {
      std::ofstream out(seg, std::ios::binary | std::ios::trunc);
      out.write(saved.data(), static_cast<std::streamsize>(cut));
    }
    PartitionLog log(dir, o);
    std::uint64_t whole = cut / one;
    INFO("cut at " << cut);
    REQUIRE(log.high_watermark() == static_cast<std::int64_t>(whole * 2));
    REQUIRE(fs::file_size(seg) == whole * one);
    if (whole > 0) {
      std::string out;
      REQUIRE(log.read(static_cast<std::int64_t>(whole * 2 - 1), 1, out) == one);
    }
  }
}

TEST_CASE("random damage anywhere in the files never crashes recovery", "[broker][storage]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  LogOptions o = small_options();
  std::uint64_t one = make_batch(3, 50).size();
  {
    PartitionLog log(dir, o);
    for (int i = 0; i < 40; ++i) append_copy(log, make_batch(3, 50, 1000 + i));
  }
  std::vector<std::pair<fs::path, std::string>> saved;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    saved.emplace_back(e.path(), std::string(std::istreambuf_iterator<char>(in), {}));
  }
  std::sort(saved.begin(), saved.end());
  std::uint32_t seed = 12345;
  auto rnd = [&seed] { return seed = seed * 1103515245u + 12345u, (seed >> 8); };
  for (int round = 0; round < 60; ++round) {
    for (const auto& e : fs::directory_iterator(dir))  // segments the last round's append made
      if (std::none_of(saved.begin(), saved.end(), [&](const auto& f) { return f.first == e.path(); }))
        fs::remove(e.path());
    for (const auto& [path, content] : saved) {
      std::string c = content;
      if (!c.empty() && rnd() % 3 == 0)
        for (int k = 0; k < 3; ++k) c[rnd() % c.size()] = static_cast<char>(rnd());
      if (!c.empty() && rnd() % 5 == 0) c.resize(rnd() % c.size());
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << c;
    }
    PartitionLog log(dir, o);
    INFO("round " << round);
    // Damage before a segment's last index entry is not scanned on open (as in
    // Kafka, consumers see the bad CRC); reads of it must still be bounded.
    std::int64_t at = log.log_start_offset();
    for (int reads = 0; at < log.high_watermark() && reads < 200; ++reads) {
      std::string out;
      if (log.read(at, 1 << 20, out) == 0) break;
      BatchHeader h;
      if (parse_batch_header(as_span(out), h) != BatchError::none || h.last_offset() < at) break;
      at = h.last_offset() + 1;
    }
    // The tail is whole again: a new batch lands at the high watermark and reads back intact.
    std::int64_t hw = log.high_watermark();
    REQUIRE(append_copy(log, make_batch(3, 50)).base_offset == hw);
    std::string out;
    REQUIRE(log.read(hw, 1, out) == one);
    CHECK(batches_in(out).at(0).base_offset == hw);
    CHECK(log.size_bytes() % one == 0);
  }
}
