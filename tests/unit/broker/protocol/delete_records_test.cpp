// DeleteRecords (key 21): the v0/v1 codec against hand-written bytes and the
// handler's answers through Broker::dispatch (-1 = the high watermark, beyond
// it OFFSET_OUT_OF_RANGE, unknown partitions).
#include <catch2/catch.hpp>

#include "broker/protocol/delete_records.hpp"
#include "broker/protocol/errors.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::make_batch;
using ftgo::test::reader_of;
using ftgo::test::s16;
using ftgo::test::to_hex;

TEST_CASE("DeleteRecords: v0 request and response", "[broker][codec]") {
  std::string bytes = hex("00000001") + s16("t") + hex("00000002 00000000 0000000000000005 00000001 ffffffffffffffff") +
                      hex("00007530");
  auto r = reader_of(bytes);
  auto req = decode_delete_records_request(r, 0);
  REQUIRE(req.topics.size() == 1);
  REQUIRE(req.topics[0].partitions.size() == 2);
  CHECK(req.topics[0].partitions[0].offset == 5);
  CHECK(req.topics[0].partitions[1].index == 1);
  CHECK(req.topics[0].partitions[1].offset == -1);
  CHECK(req.timeout_ms == 30000);
  CHECK(r.empty());
  DeleteRecordsResponse resp;
  resp.topics.push_back({"t", {{0, 5, 0}, {1, -1, 1}}});
  Writer w;
  encode_delete_records_response(w, resp, 1);
  CHECK(to_hex(w.take()) == to_hex(hex("00000000 00000001") + s16("t") +
                                   hex("00000002 00000000 0000000000000005 0000 00000001 ffffffffffffffff 0001")));
}

TEST_CASE("DeleteRecords moves the log start offset; -1 is the end, beyond it is out of range", "[broker][protocol]") {
  BrokerFixture f(2);
  f.call(api_key::metadata, 4, hex("00000001") + s16("t") + hex("01"));
  std::string records = make_batch("k", "v");
  for (int i = 0; i < 3; ++i) {
    f.call(api_key::produce, 3, hex("ffff ffff 00001388 00000001") + s16("t") + hex("00000001 00000000") +
                                    ftgo::test::be32(static_cast<std::uint32_t>(records.size())) + records);
  }
  // p0 to 2, p1 (empty) to -1, p1 to 1 (beyond its end), p7 (none).
  std::string body = hex("00000001") + s16("t") +
                     hex("00000004 00000000 0000000000000002 00000001 ffffffffffffffff") +
                     hex("00000001 0000000000000001 00000007 0000000000000000 00007530");
  std::string data = f.call(api_key::delete_records, 1, body).value();
  std::string expected = hex("00000000 00000001") + s16("t") +
                         hex("00000004 00000000 0000000000000002 0000 00000001 0000000000000000 0000") +
                         hex("00000001 ffffffffffffffff 0001 00000007 ffffffffffffffff 0003");
  CHECK(to_hex(data) == to_hex(expected));
  CHECK(f.broker->store().partition("t", 0)->log_start_offset() == 2);
}
