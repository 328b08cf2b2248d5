#include <catch2/catch.hpp>

#include "broker/record_batch.hpp"
#include "broker/txn/control_batch.hpp"

using namespace ftgo::broker;

TEST_CASE("a control batch is a valid transactional control batch with Kafka's marker", "[broker][txn]") {
  auto b = txn::make_control_batch(77, 3, txn::ControlType::commit, 0, 1234);
  BatchHeader h;
  REQUIRE(validate_batch(b, h) == BatchError::none);
  CHECK(h.total_size() == b.size());
  CHECK(h.control());
  CHECK(h.transactional());
  CHECK(h.producer_id == 77);
  CHECK(h.producer_epoch == 3);
  CHECK(h.base_sequence == -1);
  CHECK(h.record_count == 1);
  CHECK(h.max_timestamp == 1234);
  // The record: length 16, attributes, ts delta, offset delta, key (4 bytes:
  // version 0, type 1), value (6 bytes: version 0, coordinator epoch 0), no headers.
  std::vector<std::uint8_t> record(b.begin() + k_batch_header_size, b.end());
  CHECK(record == std::vector<std::uint8_t>{0x20, 0, 0, 0, 0x08, 0, 0, 0, 1, 0x0c, 0, 0, 0, 0, 0, 0, 0});
  auto abort = txn::make_control_batch(77, 3, txn::ControlType::abort, 0, 1234);
  CHECK(abort[k_batch_header_size + 8] == 0);
}
