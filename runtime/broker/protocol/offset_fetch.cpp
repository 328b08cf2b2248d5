#include "broker/protocol/offset_fetch.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int16_t k_first_flexible = 6;
}

OffsetFetchRequest decode_offset_fetch_request(Reader& r, std::int16_t version) {
  const bool flexible = version >= k_first_flexible;
  OffsetFetchRequest req;
  req.group_id = r.string(flexible);
  auto n = flexible ? r.compact_array_length(2) : r.array_length(6);
  if (!n) {
    if (version < 2) throw DecodeError("OffsetFetch v0-1 topics cannot be null");
  } else {
    std::vector<OffsetFetchRequest::Topic> topics(*n);
    for (auto& t : topics) {
      t.name = r.string(flexible);
      std::int32_t np = r.array_length_not_null(4, flexible);
      t.partitions.resize(np);
      for (auto& p : t.partitions) p = r.i32();
      r.skip_tagged_fields(flexible);
    }
    req.topics = std::move(topics);
  }
  if (version >= 7) req.require_stable = r.boolean();
  r.skip_tagged_fields(flexible);
  return req;
}

void encode_offset_fetch_response(Writer& w, const OffsetFetchResponse& r, std::int16_t version) {
  const bool flexible = version >= k_first_flexible;
  w.empty_tagged_fields(flexible);  // response header v1
  if (version >= 3) w.i32(r.throttle_time_ms);
  w.array_length(r.topics.size(), flexible);
  for (const auto& t : r.topics) {
    w.string(t.name, flexible);
    w.array_length(t.partitions.size(), flexible);
    for (const auto& p : t.partitions) {
      w.i32(p.index);
      w.i64(p.offset);
      if (version >= 5) w.i32(p.leader_epoch);
      w.string(p.metadata, flexible);
      w.i16(p.error_code);
      w.empty_tagged_fields(flexible);
    }
    w.empty_tagged_fields(flexible);
  }
  if (version >= 2) w.i16(r.error_code);
  w.empty_tagged_fields(flexible);
}

void handle_offset_fetch(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  OffsetFetchRequest req = decode_offset_fetch_request(body, version);
  OffsetFetchResponse resp;
  auto fill = [](OffsetFetchResponse::Partition& p, const storage::CommittedOffset& c) {
    p.offset = c.offset;
    p.leader_epoch = c.leader_epoch;
    p.metadata = c.metadata;
  };
  if (!req.topics) {
    for (const auto& [key, committed] : broker.store().committed_offsets(req.group_id)) {
      if (resp.topics.empty() || resp.topics.back().name != key.first) resp.topics.push_back({key.first, {}});
      auto& p = resp.topics.back().partitions.emplace_back();
      p.index = key.second;
      fill(p, committed);
    }
  } else {
    for (const auto& t : *req.topics) {
      auto& rt = resp.topics.emplace_back();
      rt.name = t.name;
      for (std::int32_t index : t.partitions) {
        auto& p = rt.partitions.emplace_back();
        p.index = index;
        // v7 require_stable: an offset a transaction has yet to commit or abort is not
        // answered (Kafka's UNSTABLE_OFFSET_COMMIT; the client asks again).
        if (req.require_stable && broker.txns().has_pending_offset(req.group_id, {t.name, index})) {
          p.error_code = error::unstable_offset_commit;
        } else if (auto c = broker.store().committed_offset(req.group_id, t.name, index)) {
          fill(p, *c);
        }
      }
    }
  }
  Writer w = Writer::response();
  encode_offset_fetch_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
