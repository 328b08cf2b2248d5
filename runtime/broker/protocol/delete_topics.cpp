#include "broker/protocol/delete_topics.hpp"

#include <fmt/format.h>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

DeleteTopicsRequest decode_delete_topics_request(Reader& r, std::int16_t) {
  DeleteTopicsRequest req;
  std::int32_t n = r.array_length_not_null(2);
  for (std::int32_t i = 0; i < n; ++i) req.topics.push_back(r.string());
  req.timeout_ms = r.i32();
  return req;
}

void encode_delete_topics_response(Writer& w, const DeleteTopicsResponse& r, std::int16_t version) {
  if (version >= 1) w.i32(r.throttle_time_ms);
  w.array_length(r.topics.size());
  for (const auto& t : r.topics) {
    w.string(t.name);
    w.i16(t.error_code);
  }
}

void handle_delete_topics(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  DeleteTopicsRequest req = decode_delete_topics_request(body, version);
  DeleteTopicsResponse resp;
  for (const auto& name : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = name;
    if (!broker.store().topic(name)) {
      rt.error_code = error::unknown_topic_or_partition;
      continue;
    }
    try {
      const int partitions = broker.store().topic(name)->partitions;
      broker.store().delete_topic(name);
      broker.crash_point("topic-deleted");
      broker.txns().forget_topic(name);
      broker.topic_deleted(name, partitions);
    } catch (const std::exception& e) {
      fmt::print(stderr, "ftgo broker: cannot delete topic {}: {}\n", name, e.what());
      rt.error_code = error::unknown_server_error;
    }
  }
  Writer w = Writer::response();
  encode_delete_topics_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
