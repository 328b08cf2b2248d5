#include "broker/protocol/offset_delete.hpp"

#include <fmt/format.h>

#include <set>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

OffsetDeleteRequest decode_offset_delete_request(Reader& r, std::int16_t) {
  OffsetDeleteRequest req;
  req.group_id = r.string();
  req.topics.resize(r.array_length_not_null(6));
  for (auto& t : req.topics) {
    t.name = r.string();
    t.partitions.resize(r.array_length_not_null(4));
    for (auto& p : t.partitions) p = r.i32();
  }
  return req;
}

void encode_offset_delete_response(Writer& w, const OffsetDeleteResponse& r, std::int16_t) {
  w.i16(r.error_code);
  w.i32(r.throttle_time_ms);
  encode_partition_errors(w, r.topics);
}

std::vector<std::string> subscribed_topics(const std::string& metadata) {
  std::string copy = metadata;
  Reader r(reinterpret_cast<std::uint8_t*>(copy.data()), copy.size());
  std::vector<std::string> topics;
  try {
    r.i16();  // ConsumerProtocolSubscription version; the topics come first in every version
    std::int32_t n = r.array_length_not_null(2);
    for (std::int32_t i = 0; i < n; ++i) topics.push_back(r.string());
  } catch (const DecodeError&) {
    return {};
  }
  return topics;
}

namespace {
// The topics any member of a group with members subscribes to; nullopt when
// the group has members but is not a consumer group.
std::optional<std::set<std::string>> in_use(const groups::Group* g) {
  std::set<std::string> topics;
  if (!g || g->members.empty()) return topics;
  if (g->protocol_type != "consumer") return std::nullopt;
  for (const auto& m : g->members) {
    for (const auto& p : m.protocols)
      for (auto& t : subscribed_topics(p.metadata)) topics.insert(std::move(t));
  }
  return topics;
}
}  // namespace

void handle_offset_delete(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  auto req = decode_offset_delete_request(body, version);
  OffsetDeleteResponse resp;
  const groups::Group* g = broker.groups().group(req.group_id);
  auto subscribed = in_use(g);
  if (req.group_id.empty()) {
    resp.error_code = error::invalid_group_id;
  } else if (!g && broker.store().committed_offsets(req.group_id).empty()) {
    resp.error_code = error::group_id_not_found;
  } else if (!subscribed) {
    resp.error_code = error::non_empty_group;
  } else {
    // A group known only by its offsets stays once they are gone (Kafka keeps
    // the simple group it made on the first commit): DeleteGroups still finds it.
    broker.groups().ensure_group(req.group_id);
    for (const auto& t : req.topics) {
      auto& out = resp.topics.emplace_back();
      out.name = t.name;
      bool keep = subscribed->count(t.name) > 0;
      for (std::int32_t p : t.partitions) {
        std::int16_t code = keep ? error::group_subscribed_to_topic : error::none;
        if (!keep) {
          try {
            broker.store().delete_offset(req.group_id, t.name, p);
          } catch (const std::exception& e) {  // the offsets log could not be written: that partition only
            fmt::print(stderr, "ftgo broker: OffsetDelete of {} {}-{} failed: {}\n", req.group_id, t.name, p, e.what());
            code = error::unknown_server_error;
          }
        }
        out.partitions.push_back({p, code});
      }
    }
  }
  Writer w = Writer::response();
  encode_offset_delete_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
