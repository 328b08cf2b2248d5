#include "broker/protocol/list_offsets.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int64_t k_latest = -1;
constexpr std::int64_t k_earliest = -2;
}  // namespace

ListOffsetsRequest decode_list_offsets_request(Reader& r, std::int16_t version) {
  ListOffsetsRequest req;
  req.replica_id = r.i32();
  if (version >= 2) req.isolation_level = r.i8();
  std::int32_t n = r.array_length_not_null(6);
  req.topics.resize(n);
  for (auto& t : req.topics) {
    t.name = r.string();
    std::int32_t np = r.array_length_not_null(12);
    t.partitions.resize(np);
    for (auto& p : t.partitions) {
      p.index = r.i32();
      if (version >= 4) p.current_leader_epoch = r.i32();
      p.timestamp = r.i64();
    }
  }
  return req;
}

void encode_list_offsets_response(Writer& w, const ListOffsetsResponse& r, std::int16_t version) {
  if (version >= 2) w.i32(r.throttle_time_ms);
  w.array_length(r.topics.size());
  for (const auto& t : r.topics) {
    w.string(t.name);
    w.array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      w.i32(p.index);
      w.i16(p.error_code);
      w.i64(p.timestamp);
      w.i64(p.offset);
      if (version >= 4) w.i32(p.leader_epoch);
    }
  }
}

void handle_list_offsets(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  ListOffsetsRequest req = decode_list_offsets_request(body, version);
  ListOffsetsResponse resp;
  for (const auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    for (const auto& p : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.index = p.index;
      storage::PartitionLog* log = broker.store().partition(t.name, p.index);
      if (!log) {
        rp.error_code = error::unknown_topic_or_partition;
        continue;
      }
      if (p.timestamp == k_latest) {
        rp.offset = log->high_watermark();
      } else if (p.timestamp == k_earliest) {
        rp.offset = log->log_start_offset();
      } else {
        std::int64_t offset = log->offset_for_timestamp(p.timestamp);
        if (offset < log->high_watermark()) {
          rp.offset = offset;
          rp.timestamp = p.timestamp;
        }
      }
    }
  }
  Writer w = Writer::response();
  encode_list_offsets_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
