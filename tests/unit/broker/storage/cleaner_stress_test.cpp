// Stress for the log cleaner thread (clean_job.hpp, cleaner_thread.hpp): many
// passes on a CleanerThread while this ("io") thread appends, deletes records,
// alters the topic's config, adds partitions, or deletes and re-creates the
// topic. Each pass must keep the latest record of every key, lose none
// appended meanwhile, leave no work files, and reopen to the same log. Built
// to make races likely under ThreadSanitizer (build-tsan, see the tag).
#include <catch2/catch.hpp>

#include <future>
#include <map>
#include <string>

#include "broker/storage/clean_job.hpp"
#include "broker/storage/cleaner_thread.hpp"
#include "broker/storage/store.hpp"
#include "cleaner_test_util.hpp"
#include "log_test_util.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;

namespace {

const std::map<std::string, std::string> k_config{
    {"cleanup.policy", "compact"}, {"segment.bytes", "4096"}, {"min.cleanable.dirty.ratio", "0"}, {"segment.ms", "-1"}};

void append_batch(PartitionLog& log, int n) {
  BatchBuilder b;
  b.timestamp(k_now);
  for (int j = 0; j < 5; ++j) b.add("k" + std::to_string((n + j) % 9), "v" + std::to_string(n) + std::string(100, 'a'));
  REQUIRE(append_copy(log, b.build()).error == AppendError::none);
}

bool has_cleaning_dir(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); ++it)
    if (it->path().filename() == "cleaning") return true;
  return false;
}

}  // namespace

TEST_CASE("stress: cleaner passes on their thread race appends, DeleteRecords, config changes and topic deletion",
          "[broker][storage][compact]") {
  TempDir tmp;
  auto store = std::make_unique<Store>(tmp.path(), LogOptions{});
  CleanerThread thread;
  int next = 0;
  for (int round = 0; round < 12; ++round) {
    if (!store->topic("t")) {
      store->create_topic({"t", 1, k_config});
      fill(*store->partition("t", 0));
    }
    PartitionLog* log = store->partition("t", 0);
    // At least one new closed segment: something for the pass to clean.
    for (const std::size_t segments = log->segment_count(); log->segment_count() == segments;)
      append_batch(*log, next++);
    append_batch(*log, next++);
    const auto before = read_all(*log);
    auto job = store->plan_clean(k_now);
    if (!job) job = store->plan_clean(k_now);  // the cursor was past partition 0
    INFO("round " << round);
    REQUIRE(job);
    REQUIRE(job->partition == 0);
    const std::int64_t end = job->end;
    auto promise = std::make_shared<std::promise<void>>();
    auto done = promise->get_future();
    thread.submit(job, [promise](std::shared_ptr<CleanJob>) { promise->set_value(); });
    const int op = round % 4;
    bool recreated = false;
    std::vector<Rec> fresh;
    int steps = 0;
    do {
      switch (op) {
        case 0:  // appends roll segments meanwhile
          if (steps < 100) append_batch(*log, next++);
          break;
        case 1:  // DeleteRecords, one segment's worth at a time, below the end of the pass
          if (log->log_start_offset() + 8 < end) log->delete_records_before(log->log_start_offset() + 8);
          break;
        case 2:  // DeleteTopics, then CreateTopics of the same name
          if (!recreated) {
            store->delete_topic("t");
            store->create_topic({"t", 1, k_config});
            log = store->partition("t", 0);
            fill(*log);
            fresh = read_all(*log);
            recreated = true;
          }
          break;
        case 3:  // IncrementalAlterConfigs and CreatePartitions
          if (steps == 0) {
            auto config = k_config;
            config["delete.retention.ms"] = std::to_string(1000 + round);
            store->alter_topic_config("t", config);
            store->add_partitions("t", static_cast<int>(store->topic("t")->partitions) + 1);
            log = store->partition("t", 0);
          }
          if (steps < 100) append_batch(*log, next++);
          break;
      }
      ++steps;
    } while (done.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready || steps < 3);
    done.get();
    const auto all_before_swap = read_all(*log);
    store->finish_clean(*job);
    CHECK_FALSE(has_cleaning_dir(tmp.path()));
    const auto now = read_all(*log);
    if (op == 2) {
      CHECK(now == fresh);  // the new topic is not touched by the old pass
      continue;
    }
    CHECK(job->error.empty());
    // DeleteRecords may have removed the first segment of a merged group:
    // the rest of that group is left for the next pass (op 1 rolls nothing,
    // so that pass cleans up to `end` too).
    if (op == 1 && log->cleaner_checkpoint() < end) log->clean(k_now);
    // What the pass must leave: the latest record of each key below `end`,
    // from the log start on, and everything from `end` on.
    std::vector<Rec> expected;
    for (const Rec& r : compacted(all_before_swap, end))
      if (r.offset >= log->log_start_offset()) expected.push_back(r);
    CHECK(now == expected);
    CHECK(now.size() <= all_before_swap.size());
    CHECK(before.back().offset <= now.back().offset);
    if (round % 4 == 3) {  // reopen: the same log
      store.reset();
      store = std::make_unique<Store>(tmp.path(), LogOptions{});
      CHECK(read_all(*store->partition("t", 0)) == now);
    }
  }
}

TEST_CASE("DeleteRecords removing the first segment of a merged group during a pass leaves the rest dirty",
          "[broker][storage][compact]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  PartitionLog log(dir, compact_options());
  fill(log);
  REQUIRE(log.clean(k_now).ran);  // small cleaned segments: the next pass merges them
  for (int n = 0; n < 30; ++n) append_batch(log, n);
  auto job = log.plan_clean(k_now);
  REQUIRE(job);
  const std::int64_t end = job->end;
  run_clean_job(*job);
  REQUIRE(job->error.empty());
  REQUIRE_FALSE(job->outputs.empty());
  const CleanOutput& first = job->outputs.front();
  REQUIRE(first.base == job->segments.front().base);
  REQUIRE_FALSE(first.merged.empty());
  // DeleteRecords drops the group's first segment only, while the pass ran.
  const std::int64_t second = first.merged.front().first;
  REQUIRE(log.delete_records_before(second) == second);
  const auto all = read_all(log);
  log.finish_clean(*job);
  // The group was not swapped in: its segments left are not clean yet.
  CHECK(log.cleaner_checkpoint() <= second);
  log.clean(k_now);
  std::vector<Rec> expected;
  for (const Rec& r : compacted(all, end))
    if (r.offset >= second) expected.push_back(r);
  CHECK(read_all(log) == expected);
}
