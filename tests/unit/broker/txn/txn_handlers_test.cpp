// A transaction through Broker::dispatch, as a client sends it: InitProducerId,
// AddPartitionsToTxn, a transactional Produce, Fetch at both isolation
// levels, EndTxn; and a restart in the middle.
#include <catch2/catch.hpp>

#include "txn_client.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::be32;
using ftgo::test::be64;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::s16;
using namespace ftgo::test::txn;

TEST_CASE("read_committed sees a transaction's records only once it commits", "[broker][txn]") {
  BrokerFixture f;
  f.auto_create("t");
  Producer p = init(f, "tx");
  CHECK(produce(f, "tx", p, "t", 2) == error::invalid_txn_state);  // not added to a transaction
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);
  REQUIRE(produce(f, "tx", p, "t", 2) == error::none);  // offsets 0-1
  Fetched open = fetch(f, "t", 1);
  CHECK(open.high_watermark == 2);
  CHECK(open.last_stable_offset == 0);
  CHECK(open.batch_offsets.empty());
  CHECK(fetch(f, "t", 0).batch_offsets == std::vector<std::int64_t>{0});  // read_uncommitted: all
  REQUIRE(end_txn(f, "tx", p, true) == error::none);  // COMMIT marker at 2
  Fetched done = fetch(f, "t", 1);
  CHECK(done.high_watermark == 3);
  CHECK(done.last_stable_offset == 3);
  CHECK(done.batch_offsets == std::vector<std::int64_t>{0, 2});
  CHECK(done.aborted.empty());
}

TEST_CASE("an aborted transaction is listed to read_committed fetches, also after a restart", "[broker][txn]") {
  BrokerFixture f;
  f.auto_create("t");
  Producer p = init(f, "tx");
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);
  REQUIRE(produce(f, "tx", p, "t", 3) == error::none);  // 0-2
  REQUIRE(end_txn(f, "tx", p, false) == error::none);   // ABORT at 3
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);
  REQUIRE(produce(f, "tx", p, "t", 1) == error::none);  // 4, left open
  auto check = [&] {
    Fetched got = fetch(f, "t", 1);
    CHECK(got.last_stable_offset == 4);
    CHECK(got.batch_offsets == std::vector<std::int64_t>{0, 3});
    CHECK(got.aborted == std::vector<std::pair<std::int64_t, std::int64_t>>{{p.id, 0}});
  };
  check();
  // A restart keeps the open transaction and the aborted list.
  f.broker.reset();
  ftgo::broker::BrokerOptions opt;
  opt.data_dir = f.dir.path / "kafka";
  f.broker = std::make_unique<ftgo::broker::Broker>(f.io, opt);
  check();
  // A new epoch aborts the open transaction: nothing is open any more.
  Producer q = init(f, "tx");
  CHECK(q.id == p.id);
  CHECK(q.epoch == p.epoch + 1);
  Fetched after = fetch(f, "t", 1);
  CHECK(after.last_stable_offset == 6);
  CHECK(after.aborted.size() == 2);
  CHECK(produce(f, "tx", p, "t", 1) == error::invalid_producer_epoch);  // the zombie
}

TEST_CASE("ListOffsets latest is the last stable offset for read_committed", "[broker][txn]") {
  BrokerFixture f;
  f.auto_create("t");
  Producer p = init(f, "tx");
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);
  REQUIRE(produce(f, "tx", p, "t", 2) == error::none);
  auto latest = [&](std::int8_t isolation) {
    Response resp(f.call(api_key::list_offsets, 2,
                         hex("ffffffff") + std::string(1, static_cast<char>(isolation)) + hex("00000001") + s16("t") +
                             hex("00000001 00000000 ffffffffffffffff")));
    auto& r = resp.r;
    REQUIRE(first_partition_error(r) == error::none);
    r.i64();
    return r.i64();
  };
  CHECK(latest(0) == 2);
  CHECK(latest(1) == 0);
}

namespace {
// OffsetFetch v7 (flexible, require_stable) of partition 0 of `topic`: (error, offset).
std::pair<std::int16_t, std::int64_t> fetch_offset_v7(BrokerFixture& f, const std::string& group,
                                                      const std::string& topic) {
  using ftgo::test::compact;
  Response resp(f.call(api_key::offset_fetch, 7,
                       hex("00") + compact(group) + hex("02") + compact(topic) + hex("02 00000000 00") + hex("01 00")));
  auto& r = resp.r;
  r.skip_tagged_fields();
  r.i32();
  REQUIRE(r.compact_array_length() == 1);
  CHECK(r.compact_string() == topic);
  REQUIRE(r.compact_array_length() == 1);
  CHECK(r.i32() == 0);
  std::int64_t offset = r.i64();
  r.i32();
  r.compact_string();
  std::int16_t error = r.i16();
  return {error, offset};
}
}  // namespace

TEST_CASE("TxnOffsetCommit offsets are committed with the transaction; require_stable waits for it",
          "[broker][txn]") {
  BrokerFixture f;
  f.auto_create("in");
  Producer p = init(f, "tx");
  auto add_offsets = [&](const Producer& who) {
    Response resp(f.call(api_key::add_offsets_to_txn, 1, s16("tx") + be64(who.id) + be16(who.epoch) + s16("g")));
    resp.r.i32();
    return resp.r.i16();
  };
  auto commit_offset = [&](std::int64_t offset) {
    Response resp(f.call(api_key::txn_offset_commit, 1,
                         s16("tx") + s16("g") + be64(p.id) + be16(p.epoch) + hex("00000001") + s16("in") +
                             hex("00000001 00000000") + be64(offset) + hex("ffff")));
    return first_partition_error(resp.r);
  };
  CHECK(commit_offset(5) == error::invalid_txn_state);  // before AddOffsetsToTxn
  REQUIRE(add_offsets(p) == error::none);
  REQUIRE(commit_offset(5) == error::none);
  CHECK(fetch_offset_v7(f, "g", "in") == std::pair<std::int16_t, std::int64_t>{error::unstable_offset_commit, -1});
  REQUIRE(end_txn(f, "tx", p, false) == error::none);
  CHECK(fetch_offset_v7(f, "g", "in") == std::pair<std::int16_t, std::int64_t>{error::none, -1});  // dropped
  REQUIRE(add_offsets(p) == error::none);
  REQUIRE(commit_offset(7) == error::none);
  REQUIRE(end_txn(f, "tx", p, true) == error::none);
  CHECK(fetch_offset_v7(f, "g", "in") == std::pair<std::int16_t, std::int64_t>{error::none, 7});
  Producer stale = p;
  init(f, "tx");
  CHECK(add_offsets(stale) == error::invalid_producer_epoch);  // v1: PRODUCER_FENCED is sent as this
}
