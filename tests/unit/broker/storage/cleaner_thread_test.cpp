// The log cleaner off the io thread (clean_job.hpp, cleaner_thread.hpp):
// appends and reads during a pass, segments removed and topics deleted
// mid-pass, cancellation, the key map's memory bound, max.compaction.lag.ms.
#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include "broker/storage/clean_job.hpp"
#include "broker/storage/cleaner_thread.hpp"
#include "broker/storage/store.hpp"
#include "cleaner_test_util.hpp"
#include "log_test_util.hpp"
#include "util/error.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;

namespace {

// Runs `job` on a CleanerThread; the future is ready when it is done.
std::future<void> run_on_thread(CleanerThread& thread, std::shared_ptr<CleanJob> job) {
  auto done = std::make_shared<std::promise<void>>();
  auto f = done->get_future();
  thread.submit(std::move(job), [done](std::shared_ptr<CleanJob>) { done->set_value(); });
  return f;
}

int open_fds() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

bool has_entry_named(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); ++it)
    if (it->path().filename() == name) return true;
  return false;
}

}  // namespace

TEST_CASE("a pass on the cleaner thread lets appends and reads go on, then swaps in at the end",
          "[broker][storage][compact]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  PartitionLog log(dir, compact_options());
  fill(log);
  const auto before = read_all(log);
  const std::int64_t end = active_base(dir);
  CleanerThread thread;
  auto job = log.plan_clean(k_now);
  REQUIRE(job);
  CHECK_FALSE(log.plan_clean(k_now));  // one pass of a log at a time
  auto done = run_on_thread(thread, job);
  // Meanwhile, on this ("io") thread: appends roll new segments, reads see
  // the log as it was plus the new records.
  std::vector<Rec> added;
  int appended = 0;
  do {
    BatchBuilder b;
    b.timestamp(k_now);
    for (int j = 0; j < 5; ++j) b.add("n" + std::to_string(j), "new " + std::to_string(appended) + std::string(150, 'n'));
    REQUIRE(append_copy(log, b.build()).error == AppendError::none);
    ++appended;
    auto now = read_all(log);
    REQUIRE(now.size() == before.size() + static_cast<std::size_t>(appended) * 5);
    CHECK(std::equal(before.begin(), before.end(), now.begin()));
  } while (done.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready || appended < 20);
  done.get();
  std::vector<Rec> all_before = read_all(log);
  CleanStats st = log.finish_clean(*job);
  CHECK(st.ran);
  CHECK(st.records_removed > 0);
  CHECK(log.cleaner_checkpoint() == end);
  // The segments the swap replaced or removed are the job's, their
  // descriptors open until it is dropped (CleanerThread::release: on its thread).
  const std::size_t retired = st.segments_rewritten + st.segments_removed;
  CHECK(retired > 0);
  CHECK(job->retired.size() == retired);
  while (job.use_count() > 1) std::this_thread::yield();  // the thread lets go of it after `done`
  const int swapped = open_fds();
  job.reset();
  CHECK(open_fds() == swapped - static_cast<int>(retired));
  // The pass cleaned what it planned: below `end`; everything appended since is there as written.
  CHECK(read_all(log) == compacted(all_before, end));
  CHECK_FALSE(fs::exists(dir / "cleaning"));
  // And the next pass cleans the segments rolled meanwhile.
  CHECK(log.clean(k_now).ran);
  CHECK(log.cleaner_checkpoint() == active_base(dir));
  CHECK(read_all(log) == compacted(all_before, active_base(dir)));
}

TEST_CASE("segments removed by DeleteRecords during a pass are not brought back by its swap",
          "[broker][storage][compact]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  PartitionLog log(dir, compact_options());
  fill(log);
  const auto before = read_all(log);
  const std::int64_t end = active_base(dir);
  auto job = log.plan_clean(k_now);
  REQUIRE(job);
  const auto segments = segment_files(dir);
  const std::int64_t third = std::stoll(segments[2].filename().string().substr(0, 20));
  REQUIRE(log.delete_records_before(third + 1) == third + 1);  // drops the first two segments
  // A file of the first one's name again (another inode): not the segment planned.
  write_file_atomic(segments[0], "not the planned segment");
  run_clean_job(*job);
  REQUIRE(job->error.empty());
  CHECK(job->inputs_gone >= 2);  // skipped, not read
  fs::remove(segments[0]);
  log.finish_clean(*job);
  CHECK_FALSE(fs::exists(segments[0]));
  CHECK_FALSE(fs::exists(segments[1]));
  CHECK(log.log_start_offset() == third + 1);
  std::vector<Rec> expected;
  for (const Rec& r : compacted(before, end))
    if (r.offset > third) expected.push_back(r);
  CHECK(read_all(log) == expected);
  PartitionLog reopened(tmp.path() / "p", compact_options());
  CHECK(read_all(reopened) == expected);
}

TEST_CASE("a topic deleted during a pass stays deleted, and a new one of its name is not touched",
          "[broker][storage][compact]") {
  TempDir tmp;
  Store store(tmp.path(), LogOptions{});
  auto make = [&] {
    store.create_topic({"t", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "4096"},
                                 {"min.cleanable.dirty.ratio", "0"}, {"segment.ms", "-1"}}});
    fill(*store.partition("t", 0));
  };
  make();
  SECTION("deleted before the thread starts") {
    auto job = store.plan_clean(k_now);
    REQUIRE(job);
    CHECK(job->topic == "t");
    store.delete_topic("t");
    CHECK(job->cancelled);
    CHECK(job->detached);
    run_clean_job(*job);
    CHECK_FALSE(job->error.empty());
    store.finish_clean(*job);
    CHECK_FALSE(fs::exists(tmp.path() / "topics" / "t"));
  }
  SECTION("deleted while it runs, then created again") {
    CleanerThread thread;
    auto job = store.plan_clean(k_now);
    REQUIRE(job);
    auto done = run_on_thread(thread, job);
    store.delete_topic("t");
    CHECK_FALSE(fs::exists(tmp.path() / "topics" / "t"));
    done.get();
    CHECK_FALSE(fs::exists(tmp.path() / "topics" / "t"));  // not resurrected by the thread's writes
    make();
    auto fresh = read_all(*store.partition("t", 0));
    CHECK(store.finish_clean(*job).ran == false);
    CHECK(read_all(*store.partition("t", 0)) == fresh);
    CHECK_FALSE(has_entry_named(tmp.path() / "topics" / "t", "cleaning"));
  }
  CHECK(store.topics().size() == (store.topic("t") ? 1u : 0u));
  Store reopened(tmp.path(), LogOptions{});  // nothing half-done on disk
  CHECK_FALSE(has_entry_named(tmp.path(), "cleaning"));
}

TEST_CASE("a cancelled pass (shutdown) leaves the log as it was and no work files",
          "[broker][storage][compact]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  PartitionLog log(dir, compact_options());
  fill(log);
  const auto before = read_all(log);
  auto job = log.plan_clean(k_now);
  REQUIRE(job);
  std::promise<void> called;
  {
    CleanerThread thread;
    job->cancelled = true;  // what Broker::cancel_timers does
    thread.submit(job, [&](std::shared_ptr<CleanJob>) { called.set_value(); });
  }  // the destructor waits for the thread
  called.get_future().get();
  CHECK(job->error == "cancelled");
  CHECK_FALSE(log.finish_clean(*job).ran);
  CHECK_FALSE(fs::exists(dir / "cleaning"));
  CHECK(read_all(log) == before);
  CHECK(log.cleaner_checkpoint() == 0);
  CHECK(log.clean(k_now).ran);  // the next pass does the work
}

TEST_CASE("a tiny dedupe buffer still cleans correctly, over several passes",
          "[broker][storage][compact]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  LogOptions o = compact_options();
  o.cleaner_dedupe_buffer_bytes = 3 * (2 + 48);  // three keys of two bytes
  PartitionLog log(dir, o);
  fill(log);  // 7 keys
  const auto before = read_all(log);
  const std::int64_t end = active_base(dir);
  int passes = 0;
  std::int64_t last = log.cleaner_checkpoint();
  while (log.cleaner_checkpoint() < end && passes < 100) {
    CleanStats st = log.clean(k_now);
    REQUIRE(st.ran);
    CHECK(st.keys_mapped <= 7);
    CHECK(log.cleaner_checkpoint() > last);  // every pass makes progress
    CHECK(read_all(log) == compacted(before, log.cleaner_checkpoint()));
    last = log.cleaner_checkpoint();
    ++passes;
  }
  CHECK(passes > 1);
  CHECK(read_all(log) == compacted(before, end));
  PartitionLog reopened(dir, o);
  CHECK(read_all(reopened) == compacted(before, end));
  CHECK(reopened.cleaner_checkpoint() == end);
}

TEST_CASE("max.compaction.lag.ms cleans a log below the dirty ratio, and rolls a compacted log's active segment",
          "[broker][storage][compact]") {
  TempDir tmp;
  LogOptions o = compact_options();
  o.min_cleanable_dirty_ratio = 1;  // never reached once a pass ran
  PartitionLog log(tmp.path() / "p", o);
  fill(log);  // records of k_now - 100 s
  REQUIRE(log.clean(k_now).ran);
  for (int i = 0; i < 6; ++i) append_copy(log, make_batch(5, 300, k_now - 50'000));
  const auto before = read_all(log);
  const std::int64_t end = active_base(tmp.path() / "p");
  REQUIRE(log.cleaner_checkpoint() < end);  // some of it is dirty
  CHECK_FALSE(log.clean(k_now).ran);
  o.max_compaction_lag_ms = 60'000;
  log.set_options(o);
  CHECK_FALSE(log.clean(k_now - 45'000).ran);  // the oldest dirty record is not 60 s old yet
  CHECK(log.clean(k_now).ran);  // now it is
  CHECK(read_all(log) == compacted(before, end));

  Store store(tmp.path() / "data", LogOptions{});
  store.create_topic({"c", 1, {{"cleanup.policy", "compact"}, {"max.compaction.lag.ms", "60000"}}});
  store.create_topic({"d", 1, {{"max.compaction.lag.ms", "60000"}}});
  CHECK(store.partition("c", 0)->options().segment_ms == 60'000);
  CHECK(store.partition("d", 0)->options().segment_ms == LogOptions{}.segment_ms);  // not compacted
  CHECK_THROWS_AS(store.create_topic({"x", 1, {{"max.compaction.lag.ms", "0"}}}), ftgo::Error);
}
