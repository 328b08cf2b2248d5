// The Flusher (fdatasync off the io thread), the collection of what to sync,
// and the broker's flush and retention timers under both fsync policies.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "broker/broker.hpp"
#include "broker/storage/flusher.hpp"
#include "broker/storage/store.hpp"
#include "log_test_util.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;
namespace fs = std::filesystem;

namespace {

bool fd_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

// Runs `io` until `done()` holds or 20 s pass (a wait, not a timed assertion).
template <class Pred>
void run_until(boost::asio::io_context& io, Pred done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
  }
}

// Syncs `files` on a new Flusher; checks each was synced without error.
void sync_all(std::vector<File>& files) {
  Flusher flusher;
  std::size_t n = files.size();
  flusher.submit(std::move(files));
  flusher.drain();
  CHECK(flusher.synced() == n);
  CHECK(flusher.failed() == 0);
  files.clear();
}

// How many of this process's threads run at `nice` (field 19 of /proc/self/task/TID/stat).
int threads_at_nice(int nice) {
  int n = 0;
  for (const auto& t : fs::directory_iterator("/proc/self/task")) {
    std::ifstream f(t.path() / "stat");
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::istringstream rest(all.substr(all.rfind(')') + 2));  // from field 3, the state
    std::string field;
    for (int i = 3; i <= 19 && rest >> field; ++i)
      if (i == 19 && std::stoi(field) == nice) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("the flusher's thread runs 10 nice levels below the io thread, whose priority is untouched",
          "[broker][storage]") {
  const int own = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  if (own >= 19) return;  // already the lowest: nothing to tell apart
  const int expected = std::min(own + 10, 19);
  TempDir tmp;
  File a = File::open_rw(tmp.path() / "a");
  const int before = threads_at_nice(expected);
  const int mine = threads_at_nice(own);
  {
    Flusher flusher;
    std::vector<File> files;
    files.push_back(a.dup());
    flusher.submit(std::move(files));
    flusher.drain();  // its thread has started and synced: the nice value is set by now
    CHECK(threads_at_nice(expected) == before + 1);
    CHECK(threads_at_nice(own) == mine);
  }
  CHECK(threads_at_nice(expected) == before);
}

TEST_CASE("the flusher syncs and closes what it is given; drain waits for it", "[broker][storage]") {
  TempDir tmp;
  File a = File::open_rw(tmp.path() / "a"), b = File::open_rw(tmp.path() / "b");
  a.pwrite_all("x", 1, 0);
  std::vector<File> files;
  files.push_back(a.dup());
  files.push_back(b.dup());
  int fd0 = files[0].fd(), fd1 = files[1].fd();
  Flusher flusher;
  CHECK(flusher.idle());
  flusher.submit(std::move(files));
  flusher.drain();
  CHECK(flusher.idle());
  CHECK(flusher.synced() == 2);
  CHECK(flusher.failed() == 0);
  CHECK_FALSE(fd_open(fd0));
  CHECK_FALSE(fd_open(fd1));
  CHECK(a.is_open());  // the originals are untouched
  char c = 0;
  CHECK(a.pread_some(&c, 1, 0) == 1);
}

TEST_CASE("the flusher syncs what is queued before it is destroyed", "[broker][storage]") {
  TempDir tmp;
  File a = File::open_rw(tmp.path() / "a");
  std::vector<int> fds;
  {
    Flusher flusher;
    for (int round = 0; round < 20; ++round) {
      std::vector<File> files;
      files.push_back(a.dup());
      fds.push_back(files.back().fd());
      flusher.submit(std::move(files));
    }
  }
  for (int fd : fds) CHECK_FALSE(fd_open(fd));
}

TEST_CASE("collect_sync hands over each unsynced log and index once", "[broker][storage]") {
  TempDir tmp;
  Store store(tmp.path(), small_options());
  store.create_topic({"t", 2, {}});
  std::vector<File> files;
  store.collect_sync(files);
  CHECK(files.empty());  // nothing written yet
  std::string batch = make_batch(5, 100);
  REQUIRE(store.partition("t", 1)->append(as_span(batch)).error == AppendError::none);
  store.commit_offset("g", "t", 1, CommittedOffset{5, -1, "", 1});
  store.collect_sync(files);
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.path().filename().string());
  std::sort(names.begin(), names.end());
  // The log of partition 1 (a first batch is not indexed) and the offsets log.
  CHECK(names == std::vector<std::string>{"00000000000000000000.log", "offsets.log"});
  sync_all(files);
  store.collect_sync(files);
  CHECK(files.empty());  // already handed over
  REQUIRE(store.partition("t", 1)->append(as_span(batch)).error == AppendError::none);
  store.collect_sync(files);
  names.clear();
  for (const auto& f : files) names.push_back(f.path().filename().string());
  std::sort(names.begin(), names.end());
  // The second batch is 700 bytes in: past the 256-byte index interval.
  CHECK(names == std::vector<std::string>{"00000000000000000000.index", "00000000000000000000.log",
                                          "00000000000000000000.timeindex"});
}

TEST_CASE("segments deleted by retention or a topic delete while queued for sync are synced harmlessly",
          "[broker][storage]") {
  TempDir tmp;
  LogOptions o = small_options();
  o.retention_bytes = 0;
  Store store(tmp.path(), o);
  store.create_topic({"gone", 1, {}});
  store.create_topic({"kept", 1, {}});
  for (int i = 0; i < 20; ++i) {
    std::string batch = make_batch(5, 100);
    REQUIRE(store.partition("kept", 0)->append(as_span(batch)).error == AppendError::none);
    batch = make_batch(5, 100);
    REQUIRE(store.partition("gone", 0)->append(as_span(batch)).error == AppendError::none);
  }
  REQUIRE(store.partition("kept", 0)->segment_count() > 3);
  std::vector<File> files;
  store.collect_sync(files);
  REQUIRE(files.size() > 6);
  // What the queued descriptors point at goes away before the flusher runs.
  store.enforce_retention(0);
  CHECK(store.partition("kept", 0)->segment_count() == 1);
  store.delete_topic("gone");
  CHECK_FALSE(fs::exists(tmp.path() / "topics" / "gone"));
  sync_all(files);
  // The live segment still takes appends, and the next collection has it.
  std::string batch = make_batch(5, 100);
  REQUIRE(store.partition("kept", 0)->append(as_span(batch)).error == AppendError::none);
  store.collect_sync(files);
  CHECK_FALSE(files.empty());
}

TEST_CASE("under fsync interval the broker's timer syncs on the flusher; flush() leaves nothing unsynced",
          "[broker][storage]") {
  TempDir tmp;
  boost::asio::io_context io;
  BrokerOptions opt;
  opt.data_dir = tmp.path();
  opt.flush_interval_ms = 10;
  Broker broker(io, opt);
  REQUIRE(broker.flusher() != nullptr);
  REQUIRE(broker.ensure_topic("t", true) == 0);
  std::string batch = make_batch(5, 100);
  REQUIRE(broker.store().partition("t", 0)->append(as_span(batch)).error == AppendError::none);
  broker.start_timers();
  run_until(io, [&] { return broker.flusher()->synced() > 0; });
  CHECK(broker.flusher()->synced() > 0);
  broker.cancel_timers();
  io.restart();
  io.run();
  // Shutdown: what is written after the last tick is synced by flush().
  REQUIRE(broker.store().partition("t", 0)->append(as_span(batch)).error == AppendError::none);
  broker.store().commit_offset("g", "t", 0, CommittedOffset{1, -1, "", 1});
  broker.flush();
  CHECK(broker.flusher()->idle());
  std::vector<File> files;
  broker.store().collect_sync(files);
  CHECK(files.empty());
}

TEST_CASE("retention runs on its own timer under fsync always", "[broker][storage]") {
  TempDir tmp;
  boost::asio::io_context io;
  BrokerOptions opt;
  opt.data_dir = tmp.path();
  opt.log.fsync = FsyncPolicy::always;
  opt.retention_check_interval_ms = 10;
  Broker broker(io, opt);
  CHECK(broker.flusher() == nullptr);
  broker.store().create_topic({"old", 1, {{"retention.ms", "60000"}, {"segment.bytes", "2048"}}});
  PartitionLog* log = broker.store().partition("old", 0);
  for (int i = 0; i < 12; ++i) {
    std::string batch = make_batch(5, 100, 1000 + i);  // timestamps in 1970: long expired
    REQUIRE(log->append(as_span(batch)).error == AppendError::none);
  }
  REQUIRE(log->segment_count() > 2);
  broker.start_timers();
  run_until(io, [&] { return log->segment_count() == 1; });
  broker.cancel_timers();
  io.restart();
  io.run();
  CHECK(log->segment_count() == 1);
  CHECK(log->log_start_offset() > 0);
  CHECK(log->high_watermark() == 60);
  CHECK(segment_files(log->dir()).size() == 1);
}
