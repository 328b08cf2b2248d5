#include "broker/protocol/offset_commit.hpp"

#include <algorithm>
#include <limits>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/protocol/per_partition.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::size_t k_max_metadata_bytes = 4096;  // offset.metadata.max.bytes
}

OffsetCommitRequest decode_offset_commit_request(Reader& r, std::int16_t version) {
  OffsetCommitRequest req;
  req.group_id = r.string();
  req.generation_id = r.i32();
  req.member_id = r.string();
  if (version >= 7) req.group_instance_id = r.nullable_string();
  if (version >= 2 && version <= 4) req.retention_time_ms = r.i64();
  std::int32_t n = r.array_length_not_null(6);
  req.topics.resize(n);
  for (auto& t : req.topics) {
    t.name = r.string();
    std::int32_t np = r.array_length_not_null(14);
    t.partitions.resize(np);
    for (auto& p : t.partitions) {
      p.index = r.i32();
      p.offset = r.i64();
      if (version >= 6) p.leader_epoch = r.i32();
      p.metadata = r.nullable_string();
    }
  }
  return req;
}

void encode_partition_errors(Writer& w, const std::vector<OffsetCommitResponse::Topic>& topics) {
  encode_per_partition(w, topics, [&](const auto& p) {
    w.i32(p.index);
    w.i16(p.error_code);
  });
}

void encode_offset_commit_response(Writer& w, const OffsetCommitResponse& r, std::int16_t version) {
  if (version >= 3) w.i32(r.throttle_time_ms);
  encode_partition_errors(w, r.topics);
}

void handle_offset_commit(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  OffsetCommitRequest req = decode_offset_commit_request(body, version);
  std::int16_t group_error = req.group_id.empty()
                                 ? error::invalid_group_id
                                 : broker.groups().validate_commit(req.group_id, req.generation_id, req.member_id,
                                                                   req.group_instance_id);
  OffsetCommitResponse resp;
  std::int64_t now = broker.now_ms();
  // v2-v4's retention_time_ms, when not -1, fixes the offsets' expiry as in
  // Kafka 4.0 (groups/offset_expiry.hpp); -1 (what clients send) leaves it
  // to the broker's offsets retention.
  std::int64_t expire_at = -1;
  if (req.retention_time_ms != -1)
    expire_at = std::clamp(req.retention_time_ms, -now, std::numeric_limits<std::int64_t>::max() - now) + now;
  answer_per_partition(req.topics, resp.topics, [&](const auto& t, const auto& p, auto& rp) {
    rp.error_code = group_error;
    if (group_error != error::none) return;
    if (p.metadata && p.metadata->size() > k_max_metadata_bytes) {
      rp.error_code = error::offset_metadata_too_large;
    } else if (!broker.store().partition(t.name, p.index)) {
      rp.error_code = error::unknown_topic_or_partition;
    } else {
      try {
        broker.store().commit_offset(req.group_id, t.name, p.index,
                                     storage::CommittedOffset{p.offset, p.leader_epoch, p.metadata.value_or(""), now, expire_at});
      } catch (const std::exception&) {
        rp.error_code = error::unknown_server_error;
      }
    }
  });
  Writer w = Writer::response();
  encode_offset_commit_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
