// Crashes inside a transaction, through Broker::dispatch: the broker is
// stopped at a named point (BrokerOptions::crash_point throws, so nothing
// after that point runs, as with kill -9), dropped, and opened again on the
// same data directory. After any of them a transactional batch is either in
// a transaction the coordinator knows, which then ends as Kafka would, or
// listed as aborted; never read as committed, never holding the last stable
// offset for good. Also: the aborted list follows the log start offset, and
// offsets a transaction holds do not expire.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "broker/protocol/api.hpp"
#include "broker/protocol/errors.hpp"
#include "txn_client.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::s16;
using namespace ftgo::test::txn;

namespace {

struct Crash {
  std::string point;
};

// Drops the broker (its in-memory state: a crash) and opens a new one on the
// same data directory, stopping at `crash_at` when not empty.
void reopen(BrokerFixture& f, const std::string& crash_at = "", std::int64_t offsets_retention_ms = -1) {
  f.broker.reset();
  ftgo::broker::BrokerOptions opt;
  opt.data_dir = f.dir.path / "kafka";
  if (offsets_retention_ms >= 0) opt.offsets_retention_ms = offsets_retention_ms;
  if (!crash_at.empty()) {
    opt.crash_point = [crash_at](std::string_view point) {
      if (point == crash_at) throw Crash{std::string(point)};
    };
  }
  f.broker = std::make_unique<ftgo::broker::Broker>(f.io, opt);
}

using Aborted = std::vector<std::pair<std::int64_t, std::int64_t>>;

std::string state_file(BrokerFixture& f) {
  std::ifstream in(f.dir.path / "kafka" / "transactions" / "state.json");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("a crash right after a transactional batch is appended leaves it held back, then aborted",
          "[broker][txn]") {
  BrokerFixture f;
  f.auto_create("t");
  reopen(f, "txn-produce-appended");
  Producer p = init(f, "tx", 1000);
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);
  REQUIRE_THROWS_AS(produce(f, "tx", p, "t", 2), Crash);  // offsets 0-1 are in the log
  reopen(f);

  // The restarted broker knows the batch: read_committed stops before it.
  Fetched held = fetch(f, "t", 1);
  CHECK(held.high_watermark == 2);
  CHECK(held.last_stable_offset == 0);
  CHECK(held.batch_offsets.empty());

  SECTION("the producer comes back: its new epoch aborts the transaction") {
    Producer q = init(f, "tx", 1000);
    CHECK(q.epoch == p.epoch + 1);
  }
  SECTION("the producer never comes back: the transaction times out") {
    CHECK(f.broker->txns().abort_expired(f.broker->now_ms() + 2000) == 1);
  }
  Fetched after = fetch(f, "t", 1);  // the ABORT marker at 2
  CHECK(after.last_stable_offset == 3);
  CHECK(after.aborted == Aborted{{p.id, 0}});
  CHECK(after.batch_offsets == std::vector<std::int64_t>{0, 2});
}

TEST_CASE("a crash after EndTxn's decision is saved, before any marker, ends the transaction at the restart",
          "[broker][txn]") {
  BrokerFixture f;
  f.auto_create("t");
  f.auto_create("in");
  const bool commit = GENERATE(true, false);
  reopen(f, "txn-prepared");
  Producer p = init(f, "tx");
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);
  REQUIRE(produce(f, "tx", p, "t", 2) == error::none);  // 0-1
  REQUIRE(add_offsets(f, "tx", p, "g") == error::none);
  REQUIRE(txn_commit_offset(f, "tx", "g", p, "in", 5) == error::none);
  REQUIRE_THROWS_AS(end_txn(f, "tx", p, commit), Crash);
  CHECK(state_file(f).find(commit ? "\"PrepareCommit\"" : "\"PrepareAbort\"") != std::string::npos);
  reopen(f);

  // The open load() finished it: the marker at 2, the offset applied at a commit.
  Fetched got = fetch(f, "t", 1);
  CHECK(got.high_watermark == 3);
  CHECK(got.last_stable_offset == 3);
  CHECK(got.aborted == (commit ? Aborted{} : Aborted{{p.id, 0}}));
  auto offset = f.broker->store().committed_offset("g", "in", 0);
  CHECK(offset.has_value() == commit);
  // The producer's retry of its EndTxn gets its answer.
  CHECK(end_txn(f, "tx", p, commit) == error::none);
  CHECK(end_txn(f, "tx", p, !commit) == error::invalid_txn_state);
  CHECK(fetch(f, "t", 1).high_watermark == 3);  // no second marker
}

TEST_CASE("a crash after the markers are written, before the end is saved, ends the transaction the same way",
          "[broker][txn]") {
  BrokerFixture f;
  f.auto_create("t");
  const bool commit = GENERATE(true, false);
  reopen(f, "txn-markers-written");
  Producer p = init(f, "tx");
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);
  REQUIRE(produce(f, "tx", p, "t", 2) == error::none);  // 0-1
  REQUIRE_THROWS_AS(end_txn(f, "tx", p, commit), Crash);  // marker at 2
  reopen(f);

  // The markers are written again (a second one at 3, as a retried
  // WriteTxnMarkers may in Kafka), and the transaction is over.
  Fetched got = fetch(f, "t", 1);
  CHECK(got.high_watermark == 4);
  CHECK(got.last_stable_offset == 4);
  CHECK(got.aborted == (commit ? Aborted{} : Aborted{{p.id, 0}}));
  CHECK(end_txn(f, "tx", p, commit) == error::none);
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);  // the next transaction
  REQUIRE(produce(f, "tx", p, "t", 1) == error::none);     // 4
  CHECK(fetch(f, "t", 1).last_stable_offset == 4);
}

TEST_CASE("aborted transactions below the log start offset are dropped, and stay dropped", "[broker][txn]") {
  BrokerFixture f;
  f.auto_create("t");
  Producer p = init(f, "tx");
  for (int i = 0; i < 2; ++i) {  // 0-1 ABORT 2; 3-4 ABORT 5
    REQUIRE(add_partition(f, "tx", p, "t") == error::none);
    REQUIRE(produce(f, "tx", p, "t", 2) == error::none);
    REQUIRE(end_txn(f, "tx", p, false) == error::none);
  }
  REQUIRE(fetch(f, "t", 1).aborted.size() == 2);
  const auto& parts = f.broker->txns().partitions();
  SECTION("DeleteRecords") {
    // Up to 3: the first transaction's marker (2) is below the log start.
    f.call(api_key::delete_records, 1, hex("00000001") + s16("t") + hex("00000001 00000000 0000000000000003 00007530"));
    REQUIRE(parts.size() == 1);
    CHECK(parts.begin()->second.aborted().size() == 1);
    reopen(f);
    REQUIRE(f.broker->txns().partitions().size() == 1);
    CHECK(f.broker->txns().partitions().begin()->second.aborted() ==
          std::vector<ftgo::broker::txn::AbortedTxn>{{p.id, 3, 5}});
    // Everything: the partition has no transaction state left.
    f.call(api_key::delete_records, 1, hex("00000001") + s16("t") + hex("00000001 00000000 ffffffffffffffff 00007530"));
    CHECK(f.broker->txns().partitions().empty());
  }
}

TEST_CASE("retention deleting the segments of aborted transactions drops them from the list", "[broker][txn]") {
  BrokerFixture f;
  f.broker.reset();
  ftgo::broker::BrokerOptions opt;
  opt.data_dir = f.dir.path / "kafka";
  opt.log.segment_bytes = 1024;  // the least: a segment per transaction below
  opt.log.retention_ms = 1;   // every segment but the active one expires
  f.broker = std::make_unique<ftgo::broker::Broker>(f.io, opt);
  f.auto_create("t");
  Producer p = init(f, "tx");
  for (bool commit : {false, false, true}) {  // 0-59 ABORT 60; 61-120 ABORT 121; 122-181 COMMIT 182
    REQUIRE(add_partition(f, "tx", p, "t") == error::none);
    REQUIRE(produce(f, "tx", p, "t", 60) == error::none);  // about 700 bytes
    REQUIRE(end_txn(f, "tx", p, commit) == error::none);
  }
  REQUIRE(f.broker->txns().partitions().at({"t", 0}).aborted().size() == 2);
  // The markers carry the wall-clock time: let 1 ms pass for them too.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  f.broker->enforce_retention();
  REQUIRE(f.broker->store().partition("t", 0)->log_start_offset() == 122);  // the active segment's
  CHECK(f.broker->txns().partitions().empty());
  reopen(f);
  CHECK(f.broker->txns().partitions().empty());
}

TEST_CASE("an offset a transaction holds does not expire, nor does its group go", "[broker][txn][retention]") {
  BrokerFixture f;
  f.auto_create("in");
  reopen(f, "", 0);  // offsets.retention: 0 ms, so every offset is past it
  f.call(api_key::offset_commit, 2, ftgo::test::simple_commit("g", "in", 3));
  Producer p = init(f, "tx");
  REQUIRE(add_offsets(f, "tx", p, "g") == error::none);
  REQUIRE(txn_commit_offset(f, "tx", "g", p, "in", 5) == error::none);
  f.broker->expire_offsets();
  auto kept = f.broker->store().committed_offset("g", "in", 0);
  REQUIRE(kept.has_value());
  CHECK(kept->offset == 3);
  REQUIRE(end_txn(f, "tx", p, true) == error::none);
  CHECK(f.broker->store().committed_offset("g", "in", 0)->offset == 5);
  f.broker->expire_offsets();  // nothing holds it now
  CHECK_FALSE(f.broker->store().committed_offset("g", "in", 0).has_value());
}

TEST_CASE("a crash between a topic's deletion and its forgetting does not hide a re-created topic's records",
          "[broker][txn]") {
  BrokerFixture f;
  f.auto_create("t");
  Producer p = init(f, "tx");
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);
  REQUIRE(produce(f, "tx", p, "t", 2) == error::none);  // 0-1 ABORT 2
  REQUIRE(end_txn(f, "tx", p, false) == error::none);
  reopen(f, "topic-deleted");
  REQUIRE_THROWS_AS(f.call(api_key::delete_topics, 1, hex("00000001") + s16("t") + hex("00007530")), Crash);
  reopen(f);

  // The same producer id commits a transaction on the topic made again: its
  // records are not read as those of the old topic's aborted transaction.
  f.auto_create("t");
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);
  REQUIRE(produce(f, "tx", p, "t", 2) == error::none);  // 0-1 COMMIT 2
  REQUIRE(end_txn(f, "tx", p, true) == error::none);
  Fetched got = fetch(f, "t", 1);
  CHECK(got.last_stable_offset == 3);
  CHECK(got.aborted.empty());
  CHECK(got.batch_offsets == std::vector<std::int64_t>{0, 2});
}

TEST_CASE("an ABORT marker lost with the log's tail is written again at the restart", "[broker][txn]") {
  BrokerFixture f;
  f.auto_create("t");
  Producer p = init(f, "tx");
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);
  REQUIRE(produce(f, "tx", p, "t", 2) == error::none);  // 0-1
  const auto segment = f.dir.path / "kafka" / "topics" / "t" / "0" / "00000000000000000000.log";
  const auto kept = std::filesystem::file_size(segment);
  REQUIRE(end_txn(f, "tx", p, false) == error::none);  // ABORT at 2
  // A power cut under --fsync interval: the state file kept the abort, the
  // log lost its marker.
  f.broker.reset();
  std::filesystem::resize_file(segment, kept);
  reopen(f);

  // The marker is at 2 again, so the producer's next, committed transaction
  // is not taken for part of the aborted one.
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);
  REQUIRE(produce(f, "tx", p, "t", 2) == error::none);  // 3-4
  REQUIRE(end_txn(f, "tx", p, true) == error::none);    // COMMIT at 5
  Fetched got = fetch(f, "t", 1);
  CHECK(got.last_stable_offset == 6);
  CHECK(got.aborted == Aborted{{p.id, 0}});
  CHECK(got.batch_offsets == std::vector<std::int64_t>{0, 2, 3, 5});
  CHECK(f.broker->txns().partitions().at({"t", 0}).aborted() ==
        std::vector<ftgo::broker::txn::AbortedTxn>{{p.id, 0, 2}});
}
