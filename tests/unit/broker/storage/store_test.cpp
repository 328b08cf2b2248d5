#include <catch2/catch.hpp>

#include <fstream>

#include "log_test_util.hpp"
#include "broker/storage/store.hpp"
#include "util/error.hpp"

using namespace ftgo::broker::storage;
using namespace ftgo::test;
namespace fs = std::filesystem;

TEST_CASE("topic names follow Kafka's rule", "[broker][storage]") {
  CHECK(valid_topic_name("orders"));
  CHECK(valid_topic_name("Order-Events_v1.2"));
  CHECK(valid_topic_name(std::string(249, 'a')));
  CHECK_FALSE(valid_topic_name(std::string(250, 'a')));
  CHECK_FALSE(valid_topic_name(""));
  CHECK_FALSE(valid_topic_name("."));
  CHECK_FALSE(valid_topic_name(".."));
  CHECK_FALSE(valid_topic_name("a/b"));
  CHECK_FALSE(valid_topic_name("a b"));
  CHECK_FALSE(valid_topic_name("ünï"));
}

TEST_CASE("topics are created, survive a reopen and are deleted", "[broker][storage]") {
  TempDir tmp;
  {
    Store store(tmp.path(), LogOptions{});
    CHECK(store.topics().empty());
    store.create_topic({"orders", 3, {{"retention.ms", "60000"}}});
    store.create_topic({"audit", 1, {}});
    CHECK_THROWS_AS(store.create_topic({"orders", 1, {}}), ftgo::Error);
    CHECK_THROWS_AS(store.create_topic({"bad/name", 1, {}}), ftgo::Error);
    CHECK_THROWS_AS(store.create_topic({"zero", 0, {}}), ftgo::Error);
    CHECK_THROWS_AS(store.create_topic({"badconf", 1, {{"retention.ms", "soon"}}}), ftgo::Error);
    CHECK_FALSE(fs::exists(tmp.path() / "topics" / "badconf"));
    REQUIRE(store.partition("orders", 2) != nullptr);
    CHECK(store.partition("orders", 3) == nullptr);
    CHECK(store.partition("orders", -1) == nullptr);
    CHECK(store.partition("nope", 0) == nullptr);
    REQUIRE(append_copy(*store.partition("orders", 1), make_batch(4, 10)).error ==
            ftgo::broker::storage::AppendError::none);
  }
  Store store(tmp.path(), LogOptions{});
  auto topics = store.topics();
  REQUIRE(topics.size() == 2);
  CHECK(topics[0].name == "audit");
  CHECK(topics[1].name == "orders");
  CHECK(topics[1].partitions == 3);
  CHECK(topics[1].config.at("retention.ms") == "60000");
  CHECK(store.partition("orders", 1)->high_watermark() == 4);
  CHECK(store.partition("orders", 0)->high_watermark() == 0);
  store.delete_topic("orders");
  CHECK(store.topic("orders") == nullptr);
  CHECK_FALSE(fs::exists(tmp.path() / "topics" / "orders"));
  CHECK_THROWS_AS(store.delete_topic("orders"), ftgo::Error);
  store.create_topic({"orders", 1, {}});
  CHECK(store.partition("orders", 0)->high_watermark() == 0);
}

TEST_CASE("a half-created topic and a half-deleted one are cleaned up on open", "[broker][storage]") {
  TempDir tmp;
  { Store store(tmp.path(), LogOptions{}); }
  fs::create_directories(tmp.path() / "topics" / "half" / "0");
  fs::create_directories(tmp.path() / "trash" / "123.1" / "0");
  Store store(tmp.path(), LogOptions{});
  CHECK(store.topics().empty());
  CHECK_FALSE(fs::exists(tmp.path() / "topics" / "half"));
  CHECK_FALSE(fs::exists(tmp.path() / "trash" / "123.1"));
}

TEST_CASE("committed offsets persist across a reopen with their metadata", "[broker][storage]") {
  TempDir tmp;
  std::string meta("binary\0meta\xff", 12);
  {
    Store store(tmp.path(), LogOptions{});
    store.commit_offset("g1", "orders", 0, {10, 3, meta, 111});
    store.commit_offset("g1", "orders", 0, {12, 3, "later", 222});
    store.commit_offset("g1", "orders", 1, {5, -1, "", 333});
    store.commit_offset("g2", "audit", 0, {7, -1, "", 444});
    store.commit_offset("g3", "audit", 0, {1, -1, meta, 555});
    store.delete_group_offsets("g3");
  }
  Store store(tmp.path(), LogOptions{});
  auto o = store.committed_offset("g1", "orders", 0);
  REQUIRE(o);
  CHECK(o->offset == 12);
  CHECK(o->leader_epoch == 3);
  CHECK(o->metadata == "later");
  CHECK(o->commit_time_ms == 222);
  CHECK(store.committed_offsets("g1").size() == 2);
  CHECK_FALSE(store.committed_offset("g1", "orders", 2));
  CHECK(store.groups_with_offsets() == std::vector<std::string>{"g1", "g2"});
  store.commit_offset("g2", "audit", 0, {8, -1, meta, 1});
  Store again(tmp.path() / "", LogOptions{});
  CHECK(again.committed_offset("g2", "audit", 0)->metadata == meta);
}

TEST_CASE("a torn offsets file keeps every whole record", "[broker][storage]") {
  TempDir tmp;
  fs::path file = tmp.path() / "groups" / "offsets.log";
  {
    Store store(tmp.path(), LogOptions{});
    store.commit_offset("g", "t", 0, {1, -1, "", 1});
    store.commit_offset("g", "t", 1, {2, -1, "", 1});
  }
  std::uintmax_t size = fs::file_size(file);
  fs::resize_file(file, size - 3);  // the second record is torn
  {
    Store store(tmp.path(), LogOptions{});
    CHECK(store.committed_offset("g", "t", 0)->offset == 1);
    CHECK_FALSE(store.committed_offset("g", "t", 1));
    store.commit_offset("g", "t", 2, {3, -1, "", 1});  // must not glue onto the torn bytes
  }
  Store store(tmp.path(), LogOptions{});
  CHECK(store.committed_offset("g", "t", 0)->offset == 1);
  CHECK(store.committed_offset("g", "t", 2)->offset == 3);
}

TEST_CASE("a large offsets file is compacted on open", "[broker][storage]") {
  TempDir tmp;
  fs::path file = tmp.path() / "groups" / "offsets.log";
  {
    Store store(tmp.path(), LogOptions{});
    for (int i = 0; i < 40000; ++i) store.commit_offset("group", "topic", i % 4, {i, -1, "", i});
  }
  REQUIRE(fs::file_size(file) > (1u << 20));
  Store store(tmp.path(), LogOptions{});
  CHECK(fs::file_size(file) < 1000);
  CHECK(store.committed_offset("group", "topic", 3)->offset == 39999);
}

TEST_CASE("deleting a topic forgets its committed offsets", "[broker][storage]") {
  TempDir tmp;
  {
    Store store(tmp.path(), LogOptions{});
    store.create_topic({"t", 1, {}});
    store.commit_offset("g", "t", 0, {5, -1, "", 1});
    store.commit_offset("g", "u", 0, {6, -1, "", 1});
    store.delete_topic("t");
    CHECK_FALSE(store.committed_offset("g", "t", 0));
  }
  Store store(tmp.path(), LogOptions{});
  CHECK_FALSE(store.committed_offset("g", "t", 0));
  CHECK(store.committed_offset("g", "u", 0)->offset == 6);
}

TEST_CASE("flush_all and retention reach every partition", "[broker][storage]") {
  TempDir tmp;
  LogOptions o = small_options();
  o.retention_ms = 10;
  Store store(tmp.path(), o);
  store.create_topic({"t", 2, {}});
  for (int i = 0; i < 20; ++i) append_copy(*store.partition("t", 1), make_batch(5, 100, 1000));
  store.flush_all();
  std::size_t before = store.partition("t", 1)->segment_count();
  REQUIRE(before > 1);
  store.enforce_retention(5000);
  CHECK(store.partition("t", 1)->segment_count() == 1);
}

TEST_CASE("an open partition holds one file descriptor", "[broker][storage]") {
  TempDir tmp;
  auto open_fds = [] {
    return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{});
  };
  auto before = open_fds();
  Store store(tmp.path(), LogOptions{});
  for (int i = 0; i < 20; ++i) store.create_topic({"t" + std::to_string(i), 3, {}});
  append_copy(*store.partition("t0", 0), make_batch(3, 10));
  store.flush_all();
  CHECK(open_fds() - before <= 60 + 2);  // 60 logs, the offsets file, slack
}
