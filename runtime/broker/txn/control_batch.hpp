#pragma once
// The control batch that ends a transaction on a partition: a v2 record batch
// with the transactional and control attribute bits (0x30) holding one record,
// key = version 0 (int16) + type (int16: 0 ABORT, 1 COMMIT), value = version 0
// (int16) + coordinator epoch (int32), as Kafka's EndTransactionMarker writes
// it. Stateless.
#include <cstdint>
#include <vector>

namespace ftgo::broker::txn {

enum class ControlType : std::int16_t { abort = 0, commit = 1 };

// A whole batch (base offset 0: the log assigns it), CRC computed.
std::vector<std::uint8_t> make_control_batch(std::int64_t producer_id, std::int16_t producer_epoch, ControlType type,
                                             std::int32_t coordinator_epoch, std::int64_t timestamp_ms);

}  // namespace ftgo::broker::txn
