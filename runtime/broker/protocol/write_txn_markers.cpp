#include "broker/protocol/write_txn_markers.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

namespace {

// Writes one marker on one partition; returns the partition's error code.
std::int16_t write_marker(Broker& broker, const WriteTxnMarkersRequest::Marker& m, const std::string& topic,
                          std::int32_t index) {
  const storage::PartitionLog* log = broker.store().partition(topic, index);
  if (!log) return error::unknown_topic_or_partition;
  const auto& producers = log->producers();
  if (auto it = producers.find(m.producer_id); it != producers.end() && it->second.epoch > m.producer_epoch)
    return error::invalid_producer_epoch;
  if (broker.txns().write_marker({topic, index}, m.producer_id, m.producer_epoch, m.commit) < 0)
    return error::unknown_server_error;  // the broker logged why
  return error::none;
}

}  // namespace

WriteTxnMarkersRequest decode_write_txn_markers_request(Reader& r, std::int16_t version) {
  WriteTxnMarkersRequest req;
  req.markers.resize(r.array_length_not_null(16, true));
  for (auto& m : req.markers) {
    m.producer_id = r.i64();
    m.producer_epoch = r.i16();
    m.commit = r.boolean();
    m.topics = decode_topic_indexes(r, true);
    m.coordinator_epoch = r.i32();
    if (version >= 2) r.i8();  // transaction version: markers are written the same way
    r.skip_tagged_fields(true);
  }
  r.skip_tagged_fields(true);
  return req;
}

void encode_write_txn_markers_response(Writer& w, const WriteTxnMarkersResponse& r, std::int16_t) {
  w.empty_tagged_fields();  // response header v1
  w.compact_array_length(r.markers.size());
  for (const auto& m : r.markers) {
    w.i64(m.producer_id);
    encode_per_partition(
        w, m.topics,
        [&](const WriteTxnMarkersResponse::Partition& p) {
          w.i32(p.index);
          w.i16(p.error_code);
        },
        true);
    w.empty_tagged_fields();
  }
  w.empty_tagged_fields();
}

void handle_write_txn_markers(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  WriteTxnMarkersRequest req = decode_write_txn_markers_request(body, version);
  WriteTxnMarkersResponse resp;
  for (const auto& m : req.markers) {
    auto& rm = resp.markers.emplace_back();
    rm.producer_id = m.producer_id;
    for (const auto& t : m.topics) {
      auto& rt = rm.topics.emplace_back();
      rt.name = t.name;
      for (std::int32_t index : t.partitions) rt.partitions.push_back({index, write_marker(broker, m, t.name, index)});
    }
  }
  Writer w = Writer::response();
  encode_write_txn_markers_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
