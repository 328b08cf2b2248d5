#include "broker/protocol/produce.hpp"

#include <fmt/format.h>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/protocol/per_partition.hpp"
#include "broker/record_batch.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int16_t k_first_supported_version = 3;  // record batch v2

std::uint32_t load_u32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

// Checks the framing of the concatenated batches (each within `max_batch`)
// before storage checks CRCs: MESSAGE_TOO_LARGE or CORRUPT_MESSAGE.
std::int16_t check_batches(std::span<const std::uint8_t> records, std::size_t max_batch) {
  if (records.empty()) return error::corrupt_message;
  std::size_t pos = 0;
  while (pos < records.size()) {
    if (records.size() - pos < 17) return error::corrupt_message;
    std::size_t size = 12 + std::size_t(load_u32(records.data() + pos + 8));
    if (size > max_batch) return error::message_too_large;
    if (size > records.size() - pos) return error::corrupt_message;
    pos += size;
  }
  return error::none;
}

// Attribute bit 4 (transactional) of the first batch: the low byte of the
// big-endian attributes at 21.
bool is_transactional(std::span<const std::uint8_t> records) { return records.size() > 22 && (records[22] & 0x10); }

// The producer id of the first batch (at 43; the caller checked the size).
std::int64_t producer_id_of(std::span<const std::uint8_t> records) { return load_be64(records.data() + 43); }

// A transactional batch is taken only for a partition of its producer's
// ongoing transaction (Kafka's transaction verification).
std::int16_t check_transactional(Broker& broker, const std::string& topic, std::int32_t partition,
                                 std::span<const std::uint8_t> records) {
  if (records.size() < k_batch_header_size) return error::corrupt_message;
  return broker.txns().check_produce({topic, partition}, producer_id_of(records), load_be16(records.data() + 51));
}

std::int16_t append_error(storage::AppendError e) {
  switch (e) {
    case storage::AppendError::none:
    case storage::AppendError::duplicate_sequence: return error::none;
    case storage::AppendError::corrupt_message: return error::corrupt_message;
    case storage::AppendError::unsupported_magic: return error::corrupt_message;
    case storage::AppendError::out_of_order_sequence: return error::out_of_order_sequence_number;
    case storage::AppendError::invalid_producer_epoch: return error::invalid_producer_epoch;
    case storage::AppendError::missing_key: return error::invalid_record;
  }
  return error::unknown_server_error;
}
}  // namespace

ProduceRequest decode_produce_request(Reader& r, std::int16_t version) {
  ProduceRequest req;
  if (version >= 3) req.transactional_id = r.nullable_string();
  req.acks = r.i16();
  req.timeout_ms = r.i32();
  std::int32_t n = r.array_length_not_null(6);
  req.topics.resize(n);
  for (auto& t : req.topics) {
    t.name = r.string();
    std::int32_t np = r.array_length_not_null(8);
    t.partitions.resize(np);
    for (auto& p : t.partitions) {
      p.index = r.i32();
      p.records = r.nullable_bytes_view();
    }
  }
  return req;
}

void encode_produce_response(Writer& w, const ProduceResponse& r, std::int16_t version) {
  w.array_length(r.topics.size());
  for (const auto& t : r.topics) {
    w.string(t.name);
    w.array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      w.i32(p.index);
      w.i16(p.error_code);
      w.i64(p.base_offset);
      if (version >= 2) w.i64(p.log_append_time_ms);
      if (version >= 5) w.i64(p.log_start_offset);
      if (version >= 8) {
        w.array_length(p.record_errors.size());
        for (const auto& e : p.record_errors) {
          w.i32(e.batch_index);
          w.nullable_string(e.message);
        }
        w.nullable_string(p.error_message);
      }
    }
  }
  if (version >= 1) w.i32(r.throttle_time_ms);
}

void handle_produce(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  ProduceRequest req = decode_produce_request(body, version);
  bool acks_valid = req.acks == 0 || req.acks == 1 || req.acks == -1;
  ProduceResponse resp;
  answer_per_partition(req.topics, resp.topics, [&](const auto& t, auto& p, auto& rp) {
    storage::PartitionLog* log = broker.store().partition(t.name, p.index);
    if (version < k_first_supported_version) {
      rp.error_code = error::unsupported_version;
    } else if (!acks_valid) {
      rp.error_code = error::invalid_required_acks;
    } else if (!log) {
      rp.error_code = error::unknown_topic_or_partition;
    } else if (!p.records) {
      rp.error_code = error::corrupt_message;
    } else {
      std::int64_t limit = log->max_message_bytes() >= 0 ? log->max_message_bytes() : broker.options().max_message_bytes;
      rp.error_code = check_batches(*p.records, static_cast<std::size_t>(limit));
    }
    if (rp.error_code != error::none) return;
    const bool transactional = is_transactional(*p.records);
    bool opened = false;  // this batch opens its transaction on the partition
    if (transactional) {
      rp.error_code = check_transactional(broker, t.name, p.index, *p.records);
      if (rp.error_code != error::none) return;
      // Saved before the append: a crash after it leaves a batch the
      // transaction state knows (txn_coordinator.hpp).
      opened = broker.txns().before_produce({t.name, p.index}, producer_id_of(*p.records), log->high_watermark());
    }
    try {
      storage::AppendResult res = log->append(*p.records);
      if (transactional) broker.crash_point("txn-produce-appended");
      if (opened && res.error != storage::AppendError::none && res.error != storage::AppendError::duplicate_sequence)
        broker.txns().produce_failed({t.name, p.index}, producer_id_of(*p.records));
      rp.error_code = append_error(res.error);
      rp.log_start_offset = res.log_start_offset;
      if (rp.error_code == error::none) rp.base_offset = res.base_offset;
      if (res.error == storage::AppendError::missing_key) {
        // Kafka's LogValidator.validateKey and processRecordErrors, word for word.
        std::string why = fmt::format("Compacted topic cannot accept message without key in topic partition {}-{}",
                                      t.name, p.index);
        std::vector<std::string> shown;
        for (std::int32_t index : res.missing_keys) {
          rp.record_errors.push_back({index, why});
          if (shown.size() < 3) shown.push_back(fmt::format("RecordError(batchIndex={}, message='{}')", index, why));
        }
        rp.error_message = fmt::format(
            "One or more records have been rejected due to {} record errors in total, and only showing the first "
            "three errors at most: [{}]",
            res.missing_keys.size(), fmt::join(shown, ", "));
      }
      if (res.error == storage::AppendError::none) broker.notify_append(t.name, p.index);
    } catch (const std::exception& e) {
      fmt::print(stderr, "ftgo broker: append to {}-{} failed: {}\n", t.name, p.index, e.what());
      rp.error_code = error::unknown_server_error;
      // The batch may be in the log (a failed index write after it): the
      // transaction stays open there, so it is aborted or committed with the
      // rest rather than read as committed.
    }
  });
  if (req.acks == 0) return reply(std::nullopt);
  Writer w = Writer::response();
  encode_produce_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
