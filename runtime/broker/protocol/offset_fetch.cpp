#include "broker/protocol/offset_fetch.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

OffsetFetchRequest decode_offset_fetch_request(Reader& r, std::int16_t version) {
  OffsetFetchRequest req;
  req.group_id = r.string();
  auto n = r.array_length(6);
  if (!n) {
    if (version < 2) throw DecodeError("OffsetFetch v0-1 topics cannot be null");
    return req;
  }
  std::vector<OffsetFetchRequest::Topic> topics(*n);
  for (auto& t : topics) {
    t.name = r.string();
    std::int32_t np = r.array_length_not_null(4);
    t.partitions.resize(np);
    for (auto& p : t.partitions) p = r.i32();
  }
  req.topics = std::move(topics);
  return req;
}

void encode_offset_fetch_response(Writer& w, const OffsetFetchResponse& r, std::int16_t version) {
  if (version >= 3) w.i32(r.throttle_time_ms);
  w.array_length(r.topics.size());
  for (const auto& t : r.topics) {
    w.string(t.name);
    w.array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      w.i32(p.index);
      w.i64(p.offset);
      if (version >= 5) w.i32(p.leader_epoch);
      w.string(p.metadata);
      w.i16(p.error_code);
    }
  }
  if (version >= 2) w.i16(r.error_code);
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
        if (auto c = broker.store().committed_offset(req.group_id, t.name, index)) fill(p, *c);
      }
    }
  }
  Writer w = Writer::response();
  encode_offset_fetch_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
