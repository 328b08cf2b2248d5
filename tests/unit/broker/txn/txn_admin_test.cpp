// The transaction admin APIs through Broker::dispatch, with golden bytes:
// ListTransactions, DescribeTransactions, DescribeProducers (what
// kafka-transactions.sh list / describe / describe-producers send) and
// WriteTxnMarkers (its abort of a hanging transaction).
#include <catch2/catch.hpp>

#include "txn_client.hpp"

using namespace ftgo::broker::protocol;
using namespace ftgo::test::txn;
using ftgo::test::compact;
using ftgo::test::to_hex;

namespace {

std::string i16s(std::int16_t v) { return be16(v); }

// Producer "tx" with an open transaction on t-0 holding offsets 2-3, after a
// committed one at 0 (marker at 1).
Producer open_transaction(BrokerFixture& f) {
  f.auto_create("t");
  Producer p = init(f, "tx");
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);
  REQUIRE(produce(f, "tx", p, "t", 1) == error::none);  // 0
  REQUIRE(end_txn(f, "tx", p, true) == error::none);    // marker 1
  REQUIRE(add_partition(f, "tx", p, "t") == error::none);
  REQUIRE(produce(f, "tx", p, "t", 2) == error::none);  // 2-3
  return p;
}

std::string list_transactions(BrokerFixture& f, std::int16_t version, const std::string& filters) {
  return f.call(api_key::list_transactions, version, hex("00") + filters).value();
}

std::string describe_producers(BrokerFixture& f, const std::string& topic, std::int32_t partition) {
  return f.call(api_key::describe_producers, 0,
                hex("00 02") + compact(topic) + hex("02") + be32(static_cast<std::uint32_t>(partition)) + hex("00 00"))
      .value();
}

// WriteTxnMarkers v1 of one marker on t-0; returns the partition's error.
std::int16_t write_marker(BrokerFixture& f, const Producer& p, std::int16_t epoch, bool commit,
                          const std::string& topic = "t") {
  std::string body = hex("00 02") + be64(p.id) + i16s(epoch) + (commit ? hex("01") : hex("00")) + hex("02") +
                     compact(topic) + hex("02 00000000 00") + hex("00000000 00 00");
  std::string resp = f.call(api_key::write_txn_markers, 1, body).value();
  // header tags, markers [pid, topics [name, partitions [index, error]]]
  CHECK(to_hex(resp.substr(0, 10)) == to_hex(hex("00 02") + be64(p.id)));
  Reader r = ftgo::test::reader_of(resp);
  r.skip(10);
  REQUIRE(r.compact_array_length() == 1);
  CHECK(r.compact_string() == topic);
  REQUIRE(r.compact_array_length() == 1);
  CHECK(r.i32() == 0);
  return r.i16();
}

}  // namespace

TEST_CASE("ListTransactions lists by state, producer id and duration; unknown states are echoed", "[broker][txn]") {
  BrokerFixture f;
  Producer p = open_transaction(f);
  Producer idle = init(f, "idle");

  // v0, no filters: both, in transactional id order.
  CHECK(to_hex(list_transactions(f, 0, hex("01 01 00"))) ==
        to_hex(hex("00 00000000 0000 01 03") + compact("idle") + be64(idle.id) + compact("Empty") + hex("00") +
               compact("tx") + be64(p.id) + compact("Ongoing") + hex("00 00")));
  // States Ongoing and "Bogus": only tx; Bogus comes back as unknown.
  CHECK(to_hex(list_transactions(f, 0, hex("03") + compact("Ongoing") + compact("Bogus") + hex("01 00"))) ==
        to_hex(hex("00 00000000 0000 02") + compact("Bogus") + hex("02") + compact("tx") + be64(p.id) +
               compact("Ongoing") + hex("00 00")));
  // Producer id filter: only idle.
  std::string by_pid = list_transactions(f, 0, hex("01 02") + be64(idle.id) + hex("00"));
  CHECK(by_pid.find("idle") != std::string::npos);
  CHECK(by_pid.find(compact("tx")) == std::string::npos);
  // v1 duration filter: nothing has been ongoing for an hour; 0 keeps the ongoing one only.
  CHECK(to_hex(list_transactions(f, 1, hex("01 01") + be64(3600000) + hex("00"))) ==
        to_hex(hex("00 00000000 0000 01 01 00")));
  std::string ongoing = list_transactions(f, 1, hex("01 01") + be64(0) + hex("00"));
  CHECK(ongoing.find(compact("tx")) != std::string::npos);
  CHECK(ongoing.find("idle") == std::string::npos);
}

TEST_CASE("DescribeTransactions gives the state, epoch, timeout and partitions, or TRANSACTIONAL_ID_NOT_FOUND",
          "[broker][txn]") {
  BrokerFixture f;
  Producer p = open_transaction(f);
  std::string resp =
      f.call(api_key::describe_transactions, 0, hex("00 03") + compact("tx") + compact("nope") + hex("00")).value();
  Reader r = ftgo::test::reader_of(resp);
  r.skip_tagged_fields(true);
  CHECK(r.i32() == 0);
  REQUIRE(r.compact_array_length() == 2);
  CHECK(r.i16() == error::none);
  CHECK(r.compact_string() == "tx");
  CHECK(r.compact_string() == "Ongoing");
  CHECK(r.i32() == 60000);
  CHECK(r.i64() > 0);  // start time
  CHECK(r.i64() == p.id);
  CHECK(r.i16() == p.epoch);  // int16 on the wire
  REQUIRE(r.compact_array_length() == 1);
  CHECK(r.compact_string() == "t");
  REQUIRE(r.compact_array_length() == 1);
  CHECK(r.i32() == 0);
  r.skip_tagged_fields(true);
  r.skip_tagged_fields(true);
  // The unknown id: its error, empty fields.
  CHECK(to_hex(std::string(resp.substr(resp.size() - r.remaining()))) ==
        to_hex(hex("0069") + compact("nope") + compact("") + hex("00000000 ffffffffffffffff ffffffffffffffff ffff 01 00 00")));
}

TEST_CASE("DescribeProducers shows each producer's epoch, last sequence and open transaction", "[broker][txn]") {
  BrokerFixture f;
  Producer p = open_transaction(f);
  std::string resp = describe_producers(f, "t", 0);
  Reader r = ftgo::test::reader_of(resp);
  r.skip_tagged_fields(true);
  CHECK(r.i32() == 0);
  REQUIRE(r.compact_array_length() == 1);
  CHECK(r.compact_string() == "t");
  REQUIRE(r.compact_array_length() == 1);
  CHECK(r.i32() == 0);
  CHECK(r.i16() == error::none);
  CHECK(!r.compact_nullable_string());
  REQUIRE(r.compact_array_length() == 1);
  CHECK(r.i64() == p.id);
  CHECK(r.i32() == p.epoch);
  CHECK(r.i32() == 2);  // the last sequence: records 0, 1, 2
  CHECK(r.i64() > 0);   // the last batch's timestamp
  CHECK(r.i32() == 0);
  CHECK(r.i64() == 2);  // the open transaction's first offset

  CHECK(to_hex(describe_producers(f, "missing", 0)) ==
        to_hex(hex("00 00000000 02") + compact("missing") + hex("02 00000000 0003 00 01 00 00 00")));
}

TEST_CASE("WriteTxnMarkers aborts an open transaction on a partition: the LSO moves, the records are aborted",
          "[broker][txn]") {
  BrokerFixture f;
  Producer p = open_transaction(f);
  REQUIRE(fetch(f, "t", 1).last_stable_offset == 2);
  CHECK(write_marker(f, p, static_cast<std::int16_t>(p.epoch - 1), false) == error::invalid_producer_epoch);
  CHECK(write_marker(f, p, p.epoch, false, "missing") == error::unknown_topic_or_partition);
  CHECK(fetch(f, "t", 1).high_watermark == 4);  // nothing written by the refused ones

  REQUIRE(write_marker(f, p, p.epoch, false) == error::none);  // ABORT marker at 4
  Fetched after = fetch(f, "t", 1);
  CHECK(after.high_watermark == 5);
  CHECK(after.last_stable_offset == 5);
  CHECK(after.aborted == std::vector<std::pair<std::int64_t, std::int64_t>>{{p.id, 2}});

  // The producer's transaction is still Ongoing at the coordinator: its commit
  // writes a COMMIT marker, which revives nothing.
  REQUIRE(end_txn(f, "tx", p, true) == error::none);
  Fetched done = fetch(f, "t", 1);
  CHECK(done.high_watermark == 6);
  CHECK(done.aborted == std::vector<std::pair<std::int64_t, std::int64_t>>{{p.id, 2}});
}
