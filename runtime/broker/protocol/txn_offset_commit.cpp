#include "broker/protocol/txn_offset_commit.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/protocol/per_partition.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int16_t k_first_flexible = 3;
constexpr std::size_t k_max_metadata_bytes = 4096;  // offset.metadata.max.bytes

std::optional<std::string> nullable_string(Reader& r, bool flexible) {
  return flexible ? r.compact_nullable_string() : r.nullable_string();
}
}  // namespace

TxnOffsetCommitRequest decode_txn_offset_commit_request(Reader& r, std::int16_t version) {
  const bool flexible = version >= k_first_flexible;
  TxnOffsetCommitRequest req;
  req.transactional_id = r.string(flexible);
  req.group_id = r.string(flexible);
  req.producer_id = r.i64();
  req.producer_epoch = r.i16();
  if (version >= 3) {
    req.generation_id = r.i32();
    req.member_id = r.compact_string();
    req.group_instance_id = r.compact_nullable_string();
  }
  decode_per_partition(
      r, req.topics,
      [&](Reader& in, TxnOffsetCommitRequest::Partition& p) {
        p.index = in.i32();
        p.offset = in.i64();
        if (version >= 2) p.leader_epoch = in.i32();
        p.metadata = nullable_string(in, flexible);
      },
      flexible, flexible ? 2 : 6, flexible ? 13 : 14);
  r.skip_tagged_fields(flexible);
  return req;
}

void encode_txn_offset_commit_response(Writer& w, const TxnOffsetCommitResponse& r, std::int16_t version) {
  const bool flexible = version >= k_first_flexible;
  w.empty_tagged_fields(flexible);  // response header v1
  w.i32(r.throttle_time_ms);
  encode_per_partition(
      w, r.topics,
      [&](const TxnOffsetCommitResponse::Partition& p) {
        w.i32(p.index);
        w.i16(p.error_code);
      },
      flexible);
  w.empty_tagged_fields(flexible);
}

void handle_txn_offset_commit(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  TxnOffsetCommitRequest req = decode_txn_offset_commit_request(body, version);
  std::int16_t code = req.group_id.empty() ? error::invalid_group_id
                                           : broker.txns().check_offset_commit(req.transactional_id, req.group_id,
                                                                               req.producer_id, req.producer_epoch);
  // From v3 the consumer's membership, when given, is checked as OffsetCommit's.
  if (code == error::none && (req.generation_id >= 0 || !req.member_id.empty()))
    code = broker.groups().validate_commit(req.group_id, req.generation_id, req.member_id, req.group_instance_id);
  std::vector<std::pair<txn::TopicPartition, txn::PendingOffset>> staged;
  TxnOffsetCommitResponse resp;
  answer_per_partition(req.topics, resp.topics, [&](const auto& t, const auto& p, auto& rp) {
    rp.error_code = code;
    if (code != error::none) return;
    if (p.metadata && p.metadata->size() > k_max_metadata_bytes) {
      rp.error_code = error::offset_metadata_too_large;
    } else if (!broker.store().partition(t.name, p.index)) {
      rp.error_code = error::unknown_topic_or_partition;
    } else {
      staged.push_back({{t.name, p.index}, {p.offset, p.leader_epoch, p.metadata.value_or("")}});
    }
  });
  broker.txns().stage_offsets(req.transactional_id, req.group_id, staged);
  Writer w = Writer::response();
  encode_txn_offset_commit_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
