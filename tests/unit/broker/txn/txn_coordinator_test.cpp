// The transaction coordinator's state machine, with fake hooks: markers go
// to a list (offsets counted per partition), offset commits to a map.
#include <catch2/catch.hpp>

#include <climits>

#include "broker/protocol/errors.hpp"
#include "broker/txn/txn_coordinator.hpp"
#include "../storage/temp_dir.hpp"

using namespace ftgo::broker::txn;
namespace error = ftgo::broker::protocol::error;

namespace {
struct Marker {
  TopicPartition tp;
  std::int64_t producer_id;
  std::int16_t epoch;
  bool commit;
};

struct Fake {
  std::int64_t next_id = 1000;
  std::map<TopicPartition, std::int64_t> end;  // next offset per partition
  std::vector<Marker> markers;
  std::map<std::pair<std::string, TopicPartition>, std::int64_t> committed;
  std::set<TopicPartition> failing;  // their markers cannot be written

  TxnHooks hooks() {
    TxnHooks h;
    h.allocate_producer_id = [this] { return next_id++; };
    h.write_marker = [this](const TopicPartition& tp, std::int64_t pid, std::int16_t epoch, bool commit) {
      if (failing.contains(tp)) return k_marker_failed;
      markers.push_back({tp, pid, epoch, commit});
      return end[tp]++;
    };
    h.commit_offset = [this](const std::string& g, const TopicPartition& tp, const PendingOffset& o) {
      committed[{g, tp}] = o.offset;
    };
    return h;
  }
  // A transactional write of `n` records to `tp`, as Produce reports it.
  void produce(TxnCoordinator& c, const TopicPartition& tp, std::int64_t pid, std::int64_t n) {
    c.before_produce(tp, pid, end[tp]);
    end[tp] += n;
  }
};

const TopicPartition a{"a", 0};
const TopicPartition b{"b", 1};
}  // namespace

TEST_CASE("a transactional id keeps its producer id and each init bumps the epoch", "[broker][txn]") {
  Fake f;
  TxnCoordinator c(f.hooks(), {});
  InitResult first = c.init_producer_id("t1", 60000, -1, -1, 0);
  CHECK(first.error == error::none);
  CHECK(first.epoch == 0);
  InitResult second = c.init_producer_id("t1", 60000, -1, -1, 0);
  CHECK(second.producer_id == first.producer_id);
  CHECK(second.epoch == 1);
  CHECK(c.init_producer_id("t2", 60000, -1, -1, 0).producer_id != first.producer_id);
  // The older epoch is fenced.
  CHECK(c.add_partitions("t1", first.producer_id, 0, {a}, 0) == error::producer_fenced);
  CHECK(c.add_partitions("t1", first.producer_id + 99, 1, {a}, 0) == error::invalid_producer_id_mapping);
  CHECK(c.add_partitions("nobody", first.producer_id, 1, {a}, 0) == error::invalid_producer_id_mapping);
  CHECK(c.add_partitions("t1", first.producer_id, 1, {a}, 0) == error::none);
}

TEST_CASE("the transaction timeout must be within 15 minutes", "[broker][txn]") {
  Fake f;
  TxnCoordinator c(f.hooks(), {});
  CHECK(c.init_producer_id("t", 0, -1, -1, 0).error == error::invalid_transaction_timeout);
  CHECK(c.init_producer_id("t", 15 * 60 * 1000 + 1, -1, -1, 0).error == error::invalid_transaction_timeout);
  CHECK(c.init_producer_id("t", 15 * 60 * 1000, -1, -1, 0).error == error::none);
  CHECK(c.init_producer_id("", 1000, -1, -1, 0).error == error::invalid_request);
}

TEST_CASE("an idempotent producer gets a new id, or its own with the next epoch", "[broker][txn]") {
  Fake f;
  TxnCoordinator c(f.hooks(), {});
  InitResult r = c.init_producer_id(std::nullopt, 0, -1, -1, 0);
  CHECK(r.error == error::none);
  CHECK(r.epoch == 0);
  InitResult bumped = c.init_producer_id(std::nullopt, 0, r.producer_id, 0, 0);
  CHECK(bumped.producer_id == r.producer_id);
  CHECK(bumped.epoch == 1);
}

TEST_CASE("commit writes COMMIT markers to every partition and applies the offsets", "[broker][txn]") {
  Fake f;
  TxnCoordinator c(f.hooks(), {});
  InitResult p = c.init_producer_id("t", 60000, -1, -1, 0);
  CHECK(c.check_produce(a, p.producer_id, p.epoch) == error::invalid_txn_state);  // not added yet
  REQUIRE(c.add_partitions("t", p.producer_id, p.epoch, {a, b}, 5) == error::none);
  CHECK(c.find("t")->status == TxnStatus::ongoing);
  CHECK(c.check_produce(a, p.producer_id, p.epoch) == error::none);
  CHECK(c.check_produce({"c", 0}, p.producer_id, p.epoch) == error::invalid_txn_state);
  f.produce(c, a, p.producer_id, 3);
  CHECK(c.last_stable_offset(a, 3) == 0);
  CHECK(c.last_stable_offset(b, 0) == 0);

  CHECK(c.check_offset_commit("t", "g", p.producer_id, p.epoch) == error::invalid_txn_state);  // no AddOffsets
  REQUIRE(c.add_offsets("t", p.producer_id, p.epoch, "g", 5) == error::none);
  REQUIRE(c.check_offset_commit("t", "g", p.producer_id, p.epoch) == error::none);
  c.stage_offsets("t", "g", {{{"in", 0}, {42, -1, ""}}});
  CHECK(f.committed.empty());

  REQUIRE(c.end_txn("t", p.producer_id, p.epoch, true) == error::none);
  REQUIRE(f.markers.size() == 2);
  CHECK(f.markers[0].commit);
  CHECK(f.markers[1].commit);
  CHECK(f.committed[{"g", {"in", 0}}] == 42);
  CHECK(c.last_stable_offset(a, 4) == 4);
  CHECK(c.aborted_in(a, 0, 4).empty());
  CHECK(c.find("t")->status == TxnStatus::complete_commit);
  // A retried commit succeeds; an abort of a committed transaction is refused.
  CHECK(c.end_txn("t", p.producer_id, p.epoch, true) == error::none);
  CHECK(c.end_txn("t", p.producer_id, p.epoch, false) == error::invalid_txn_state);
  CHECK(f.markers.size() == 2);
  CHECK(c.check_produce(a, p.producer_id, p.epoch) == error::invalid_txn_state);  // no transaction now
}

TEST_CASE("abort writes ABORT markers, drops the offsets and lists the aborted range", "[broker][txn]") {
  Fake f;
  TxnCoordinator c(f.hooks(), {});
  InitResult p = c.init_producer_id("t", 60000, -1, -1, 0);
  f.end[a] = 10;
  REQUIRE(c.add_partitions("t", p.producer_id, p.epoch, {a}, 0) == error::none);
  REQUIRE(c.add_offsets("t", p.producer_id, p.epoch, "g", 0) == error::none);
  c.stage_offsets("t", "g", {{a, {7, -1, ""}}});
  f.produce(c, a, p.producer_id, 3);  // 10-12
  f.produce(c, a, p.producer_id, 2);  // 13-14: the first offset stays 10
  CHECK(c.last_stable_offset(a, 15) == 10);
  REQUIRE(c.end_txn("t", p.producer_id, p.epoch, false) == error::none);
  CHECK_FALSE(f.markers.at(0).commit);
  CHECK(f.committed.empty());
  CHECK(c.last_stable_offset(a, 16) == 16);
  auto aborted = c.aborted_in(a, 0, 16);
  REQUIRE(aborted.size() == 1);
  CHECK(aborted[0] == AbortedTxn{p.producer_id, 10, 15});
  CHECK(c.aborted_in(a, 16, 20).empty());   // ended before the fetch
  CHECK(c.aborted_in(a, 0, 10).empty());    // starts after what was read
  CHECK(c.aborted_in(a, 12, 13).size() == 1);
  CHECK(c.end_txn("t", p.producer_id, p.epoch, true) == error::invalid_txn_state);
  // The next transaction of the same producer starts from Complete*.
  CHECK(c.add_partitions("t", p.producer_id, p.epoch, {a}, 0) == error::none);
}

TEST_CASE("the earliest open transaction holds the last stable offset", "[broker][txn]") {
  PartitionTxns p;
  p.begin(7, 10);
  p.begin(9, 12);
  CHECK(p.last_stable_offset(20) == 10);
  p.end(7, 14, true);
  CHECK(p.last_stable_offset(20) == 12);
  p.end(9, 15, false);
  CHECK(p.last_stable_offset(20) == 20);
  CHECK(p.aborted() == std::vector<AbortedTxn>{{9, 12, 15}});
  p.trim_below(16);
  CHECK(p.empty());
}

TEST_CASE("a new epoch aborts the transaction the previous one left open", "[broker][txn]") {
  Fake f;
  TxnCoordinator c(f.hooks(), {});
  InitResult old = c.init_producer_id("t", 60000, -1, -1, 0);
  REQUIRE(c.add_partitions("t", old.producer_id, old.epoch, {a}, 0) == error::none);
  f.produce(c, a, old.producer_id, 2);
  InitResult fresh = c.init_producer_id("t", 60000, -1, -1, 0);
  CHECK(fresh.epoch == old.epoch + 1);
  REQUIRE(f.markers.size() == 1);
  CHECK_FALSE(f.markers[0].commit);
  CHECK(f.markers[0].epoch == fresh.epoch);
  CHECK(c.last_stable_offset(a, 3) == 3);
  CHECK(c.find("t")->status == TxnStatus::empty);
  // The zombie cannot produce, add partitions or commit.
  CHECK(c.check_produce(a, old.producer_id, old.epoch) == error::invalid_producer_epoch);
  CHECK(c.end_txn("t", old.producer_id, old.epoch, true) == error::producer_fenced);
  CHECK(c.end_txn("t", fresh.producer_id, fresh.epoch, true) == error::invalid_txn_state);  // nothing begun
  // v3+: a producer naming a stale epoch is fenced.
  CHECK(c.init_producer_id("t", 60000, old.producer_id, old.epoch, 0).error == error::producer_fenced);
}

TEST_CASE("a transaction past its timeout is aborted and its producer fenced", "[broker][txn]") {
  Fake f;
  TxnCoordinator c(f.hooks(), {});
  InitResult p = c.init_producer_id("t", 1000, -1, -1, 0);
  CHECK_FALSE(c.next_deadline());
  REQUIRE(c.add_partitions("t", p.producer_id, p.epoch, {a}, 5000) == error::none);
  f.produce(c, a, p.producer_id, 1);
  CHECK(c.next_deadline() == 6000);
  CHECK(c.abort_expired(5999) == 0);
  CHECK(c.abort_expired(6000) == 1);
  CHECK(c.last_stable_offset(a, 2) == 2);
  CHECK(c.aborted_in(a, 0, 2).size() == 1);
  CHECK_FALSE(c.next_deadline());
  CHECK(c.end_txn("t", p.producer_id, p.epoch, true) == error::producer_fenced);
}

TEST_CASE("the transaction state survives a restart", "[broker][txn]") {
  ftgo::test::TempDir dir;
  auto file = dir.path() / "transactions" / "state.json";
  Fake f;
  InitResult p, q;
  {
    TxnCoordinator c(f.hooks(), file);
    p = c.init_producer_id("open", 60000, -1, -1, 0);
    q = c.init_producer_id("aborted", 60000, -1, -1, 0);
    REQUIRE(c.add_partitions("open", p.producer_id, p.epoch, {a}, 0) == error::none);
    REQUIRE(c.add_offsets("open", p.producer_id, p.epoch, "g", 0) == error::none);
    c.stage_offsets("open", "g", {{b, {5, 3, "meta"}}});
    f.produce(c, a, p.producer_id, 2);  // 0-1
    REQUIRE(c.add_partitions("aborted", q.producer_id, q.epoch, {a}, 0) == error::none);
    f.produce(c, a, q.producer_id, 1);  // 2
    REQUIRE(c.end_txn("aborted", q.producer_id, q.epoch, false) == error::none);  // marker at 3
  }
  TxnCoordinator c(f.hooks(), file);
  c.load();
  CHECK(c.last_stable_offset(a, 4) == 0);
  CHECK(c.aborted_in(a, 0, 4) == std::vector<AbortedTxn>{{q.producer_id, 2, 3}});
  CHECK(c.check_produce(a, p.producer_id, p.epoch) == error::none);
  CHECK(c.init_producer_id("aborted", 60000, -1, -1, 0).epoch == q.epoch + 1);
  REQUIRE(c.end_txn("open", p.producer_id, p.epoch, true) == error::none);
  CHECK(f.committed[{"g", b}] == 5);
  CHECK(c.last_stable_offset(a, 5) == 5);
}

TEST_CASE("a damaged transaction state file is an error naming it", "[broker][txn]") {
  ftgo::test::TempDir dir;
  auto file = dir.path() / "state.json";
  {
    std::FILE* fp = std::fopen(file.c_str(), "w");
    std::fputs("{\"version\": 1, \"transactions\": [", fp);
    std::fclose(fp);
  }
  Fake f;
  TxnCoordinator c(f.hooks(), file);
  CHECK_THROWS_WITH(c.load(), Catch::Contains("transaction state") && Catch::Contains(file.string()));
}

TEST_CASE("the aborted list follows the log start offset, and the trimmed list is saved", "[broker][txn]") {
  ftgo::test::TempDir dir;
  auto file = dir.path() / "transactions" / "state.json";
  Fake f;
  InitResult p;
  {
    TxnCoordinator c(f.hooks(), file);
    p = c.init_producer_id("t", 60000, -1, -1, 0);
    for (const TopicPartition& tp : {a, a, b}) {  // a: 0 ABORT 1, 2 ABORT 3; b: 0 ABORT 1
      REQUIRE(c.add_partitions("t", p.producer_id, p.epoch, {tp}, 0) == error::none);
      f.produce(c, tp, p.producer_id, 1);
      REQUIRE(c.end_txn("t", p.producer_id, p.epoch, false) == error::none);
    }
    std::map<TopicPartition, std::int64_t> start{{a, 2}, {b, 1}};
    auto log_start = [&](const TopicPartition& tp) { return start.at(tp); };
    CHECK(c.trim_aborted(log_start) == 1);  // a's first: its marker (1) is below 2; b's marker is at 1
    CHECK(c.trim_aborted(log_start) == 0);
    start[b] = 2;
    CHECK(c.trim_aborted(log_start) == 1);
    CHECK_FALSE(c.partitions().contains(b));  // nothing left of b
  }
  TxnCoordinator c(f.hooks(), file);
  c.load();
  CHECK(c.aborted_in(a, 0, 4) == std::vector<AbortedTxn>{{p.producer_id, 2, 3}});
  CHECK_FALSE(c.partitions().contains(b));
  // A partition that is gone (-1) loses its entries (forget_topic drops them
  // too, unless a crash came between the topic's deletion and its save).
  CHECK(c.trim_aborted([](const TopicPartition&) { return std::int64_t{-1}; }) == 1);
  CHECK(c.partitions().empty());
}

TEST_CASE("an abort whose marker is not after the transaction's first offset is not listed", "[broker][txn]") {
  // A log that lost its tail in a power cut (fsync interval) can put the
  // marker below the first offset the state saved: nothing of the producer
  // lies between the two, and an entry would hide its later transactions.
  PartitionTxns p;
  p.begin(7, 10);
  p.end(7, 8, false);
  CHECK(p.empty());
  CHECK(p.last_stable_offset(9) == 9);
}

TEST_CASE("offsets staged by an ongoing transaction are pending for their group", "[broker][txn]") {
  Fake f;
  TxnCoordinator c(f.hooks(), {});
  InitResult p = c.init_producer_id("t", 60000, -1, -1, 0);
  REQUIRE(c.add_offsets("t", p.producer_id, p.epoch, "g", 0) == error::none);
  CHECK_FALSE(c.has_pending_offsets("g"));  // AddOffsetsToTxn alone stages nothing
  c.stage_offsets("t", "g", {{a, {7, -1, ""}}});
  CHECK(c.has_pending_offsets("g"));
  CHECK(c.has_pending_offset("g", a));
  CHECK_FALSE(c.has_pending_offsets("other"));
  REQUIRE(c.end_txn("t", p.producer_id, p.epoch, false) == error::none);
  CHECK_FALSE(c.has_pending_offsets("g"));
}

TEST_CASE("an exhausted epoch aborts the open transaction under its own producer id, then changes id",
          "[broker][txn]") {
  Fake f;
  TxnCoordinator c(f.hooks(), {});
  InitResult p = c.init_producer_id("t", 1000, -1, -1, 0);
  while (p.epoch < INT16_MAX - 1) p = c.init_producer_id("t", 1000, -1, -1, 0);
  REQUIRE(p.epoch == INT16_MAX - 1);
  REQUIRE(c.add_partitions("t", p.producer_id, p.epoch, {a}, 0) == error::none);
  f.produce(c, a, p.producer_id, 2);  // 0-1
  InitResult q;
  SECTION("by a new producer") { q = c.init_producer_id("t", 1000, -1, -1, 0); }
  SECTION("by the timeout") {
    REQUIRE(c.abort_expired(1000) == 1);
    q = {error::none, c.find("t")->producer_id, c.find("t")->epoch};
  }
  CHECK(q.producer_id != p.producer_id);
  CHECK(q.epoch == 0);
  // ABORT at 2 under the old id, a fencing epoch: the partition is settled.
  REQUIRE(f.markers.size() == 1);
  CHECK(f.markers[0].producer_id == p.producer_id);
  CHECK(f.markers[0].epoch == INT16_MAX);
  CHECK_FALSE(f.markers[0].commit);
  CHECK(c.last_stable_offset(a, 3) == 3);
  CHECK(c.aborted_in(a, 0, 3) == std::vector<AbortedTxn>{{p.producer_id, 0, 2}});
  CHECK(c.end_txn("t", p.producer_id, p.epoch, false) == error::invalid_producer_id_mapping);
}

TEST_CASE("a partition that is gone loses its transaction state at the next trim", "[broker][txn]") {
  Fake f;
  TxnCoordinator c(f.hooks(), {});
  InitResult p = c.init_producer_id("t", 1000, -1, -1, 0);
  REQUIRE(c.add_partitions("t", p.producer_id, p.epoch, {a, b}, 0) == error::none);
  f.produce(c, a, p.producer_id, 2);
  f.produce(c, b, p.producer_id, 2);
  REQUIRE(c.end_txn("t", p.producer_id, p.epoch, false) == error::none);
  REQUIRE(c.partitions().size() == 2);
  CHECK(c.trim_aborted([](const TopicPartition& tp) -> std::int64_t { return tp == a ? -1 : 0; }) == 1);
  CHECK(c.aborted_in(a, 0, 10).empty());
  CHECK(c.aborted_in(b, 0, 10).size() == 1);
}

TEST_CASE("a marker that cannot be written keeps its records held back until it is written again",
          "[broker][txn]") {
  Fake f;
  TxnCoordinator c(f.hooks(), {});
  const bool commit = GENERATE(true, false);
  InitResult p = c.init_producer_id("t", 1000, -1, -1, 0);
  REQUIRE(c.add_partitions("t", p.producer_id, p.epoch, {a, b}, 0) == error::none);
  REQUIRE(c.add_offsets("t", p.producer_id, p.epoch, "g", 0) == error::none);
  c.stage_offsets("t", "g", {{a, PendingOffset{7, -1, ""}}});
  f.produce(c, a, p.producer_id, 2);  // 0-1
  f.produce(c, b, p.producer_id, 2);  // 0-1
  f.failing.insert(a);
  REQUIRE(c.end_txn("t", p.producer_id, p.epoch, commit) == error::none);  // the decision is made

  // b has its marker; a's records stay behind the last stable offset, neither
  // read as committed before the commit is complete nor after an abort.
  CHECK(c.last_stable_offset(b, 3) == 3);
  CHECK(c.last_stable_offset(a, 2) == 0);
  CHECK(c.find("t")->status == (commit ? TxnStatus::prepare_commit : TxnStatus::prepare_abort));
  CHECK(f.committed.empty());
  CHECK(c.next_deadline() == 0);
  CHECK(c.add_partitions("t", p.producer_id, p.epoch, {a}, 0) == error::concurrent_transactions);
  CHECK(c.init_producer_id("t", 1000, -1, -1, 0).error == error::concurrent_transactions);
  CHECK(c.end_txn("t", p.producer_id, p.epoch, commit) == error::concurrent_transactions);
  CHECK(c.retry_markers() == 0);

  f.failing.clear();
  CHECK(c.retry_markers() == 1);
  CHECK(c.last_stable_offset(a, 3) == 3);
  CHECK(c.aborted_in(a, 0, 3) == (commit ? std::vector<AbortedTxn>{} : std::vector<AbortedTxn>{{p.producer_id, 0, 2}}));
  CHECK(f.committed.size() == (commit ? 1u : 0u));
  CHECK(f.markers.size() == 2);  // b once, a once
  CHECK(c.end_txn("t", p.producer_id, p.epoch, commit) == error::none);
  CHECK(c.add_partitions("t", p.producer_id, p.epoch, {a}, 0) == error::none);
}

TEST_CASE("a log that lost its tail: open entries move to its end, the aborts it lost are returned",
          "[broker][txn]") {
  PartitionTxns p;
  p.begin(8, 3);
  p.end(8, 5, false);  // {8, 3, 5}
  p.begin(7, 10);
  p.end(7, 12, false);  // {7, 10, 12}
  p.begin(6, 13);
  p.end(6, 14, false);  // {6, 13, 14}: nothing of it left
  p.begin(9, 15);
  CHECK(p.lost_tail(11) == std::vector<AbortedTxn>{{7, 10, 12}});
  CHECK(p.aborted() == std::vector<AbortedTxn>{{8, 3, 5}});
  CHECK(p.open().at(9) == 11);
}
