#include "broker/protocol/add_partitions_to_txn.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/protocol/per_partition.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int16_t k_first_flexible = 3;
}

AddPartitionsToTxnRequest decode_add_partitions_to_txn_request(Reader& r, std::int16_t version) {
  const bool flexible = version >= k_first_flexible;
  AddPartitionsToTxnRequest req;
  req.transactional_id = r.string(flexible);
  req.producer_id = r.i64();
  req.producer_epoch = r.i16();
  req.topics = decode_topic_indexes(r, flexible);
  r.skip_tagged_fields(flexible);
  return req;
}

void encode_add_partitions_to_txn_response(Writer& w, const AddPartitionsToTxnResponse& r, std::int16_t version) {
  const bool flexible = version >= k_first_flexible;
  w.empty_tagged_fields(flexible);  // response header v1
  w.i32(r.throttle_time_ms);
  encode_per_partition(
      w, r.topics,
      [&](const AddPartitionsToTxnResponse::Partition& p) {
        w.i32(p.index);
        w.i16(p.error_code);
      },
      flexible);
  w.empty_tagged_fields(flexible);
}

void handle_add_partitions_to_txn(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  AddPartitionsToTxnRequest req = decode_add_partitions_to_txn_request(body, version);
  std::vector<txn::TopicPartition> partitions;
  bool unknown = false;
  for (const auto& t : req.topics) {
    for (std::int32_t p : t.partitions) {
      partitions.push_back({t.name, p});
      if (!broker.store().partition(t.name, p)) unknown = true;
    }
  }
  std::int16_t code = error::none;
  if (!unknown) {
    code = broker.txns().add_partitions(req.transactional_id, req.producer_id, req.producer_epoch, partitions,
                                        broker.now_ms());
    if (code == error::producer_fenced && version < 2) code = error::invalid_producer_epoch;
  }
  AddPartitionsToTxnResponse resp;
  for (const auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    for (std::int32_t p : t.partitions) {
      std::int16_t c = code;
      if (unknown)
        c = broker.store().partition(t.name, p) ? error::operation_not_attempted : error::unknown_topic_or_partition;
      rt.partitions.push_back({p, c});
    }
  }
  Writer w = Writer::response();
  encode_add_partitions_to_txn_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
