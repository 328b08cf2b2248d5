// cleanup.policy in storage: retention only with `delete`, keys required with
// `compact`, the policy parsed from a topic's config (Store).
#include <catch2/catch.hpp>

#include "broker/storage/store.hpp"
#include "log_test_util.hpp"
#include "util/error.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;

namespace {

LogOptions policy(bool del, bool compact) {
  LogOptions o = small_options();
  o.retention_ms = 1000;
  o.retention_bytes = 0;
  o.cleanup_delete = del;
  o.cleanup_compact = compact;
  return o;
}

// Twenty batches of old timestamps over several segments.
void fill_old(PartitionLog& log) {
  for (int i = 0; i < 20; ++i) REQUIRE(append_copy(log, make_batch(5, 100, 10'000 + i)).error == AppendError::none);
  REQUIRE(log.segment_count() > 3);
}

}  // namespace

TEST_CASE("a compact-only log keeps segments past retention.ms and retention.bytes", "[broker][storage][compact]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", policy(false, true));
  fill_old(log);
  std::size_t before = log.segment_count();
  log.enforce_retention(1'000'000'000);
  CHECK(log.segment_count() == before);
  CHECK(log.log_start_offset() == 0);
  std::string out;
  CHECK(log.read(0, 100, out) > 0);
}

TEST_CASE("compact,delete and delete logs drop segments past retention", "[broker][storage][compact]") {
  for (bool compact : {false, true}) {
    TempDir tmp;
    PartitionLog log(tmp.path() / "p", policy(true, compact));
    fill_old(log);
    log.enforce_retention(1'000'000'000);
    CHECK(log.segment_count() == 1);
    CHECK(log.log_start_offset() > 0);
  }
}

TEST_CASE("a compacted log refuses a batch with a record without a key, naming the record",
          "[broker][storage][compact]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", policy(false, true));
  AppendResult r = append_copy(log, BatchBuilder().add("k", "v").add({}, "v").add("k2", "v").add({}, {}).build());
  CHECK(r.error == AppendError::missing_key);
  CHECK(r.missing_keys == std::vector<std::int32_t>{1, 3});
  CHECK(log.high_watermark() == 0);
  // Keyed records, tombstones included, go in.
  r = append_copy(log, BatchBuilder().add("k", "v").add("k", std::nullopt).build());
  CHECK(r.error == AppendError::none);
  CHECK(log.high_watermark() == 2);
}

TEST_CASE("a delete-policy log takes records without a key", "[broker][storage][compact]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", policy(true, false));
  CHECK(append_copy(log, BatchBuilder().add({}, "v").build()).error == AppendError::none);
}

TEST_CASE("the store reads cleanup.policy from a topic's config and checks its values",
          "[broker][storage][compact]") {
  TempDir tmp;
  Store store(tmp.path() / "data", LogOptions{});
  store.create_topic({"c", 1, {{"cleanup.policy", "compact"}}});
  store.create_topic({"cd", 1, {{"cleanup.policy", "delete,compact"}}});
  store.create_topic({"d", 1, {}});
  CHECK(store.partition("c", 0)->options().cleanup_compact);
  CHECK_FALSE(store.partition("c", 0)->options().cleanup_delete);
  CHECK(store.partition("cd", 0)->options().cleanup_compact);
  CHECK(store.partition("cd", 0)->options().cleanup_delete);
  CHECK_FALSE(store.partition("d", 0)->options().cleanup_compact);
  CHECK(store.partition("d", 0)->options().cleanup_delete);
  CHECK_THROWS_AS(store.create_topic({"x", 1, {{"cleanup.policy", "compacted"}}}), ftgo::Error);
  CHECK_THROWS_AS(store.create_topic({"y", 1, {{"min.cleanable.dirty.ratio", "1.5"}}}), ftgo::Error);
  CHECK_THROWS_AS(store.create_topic({"z", 1, {{"delete.retention.ms", "-2"}}}), ftgo::Error);
  CHECK(store.topic("x") == nullptr);
  // Altering the policy applies to the open logs.
  store.alter_topic_config("d", {{"cleanup.policy", "compact"}});
  CHECK(store.partition("d", 0)->options().cleanup_compact);
  CHECK_FALSE(store.partition("d", 0)->options().cleanup_delete);
}
