#include "broker/protocol/metadata.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int32_t k_no_authorized_operations = INT32_MIN;
}

MetadataRequest decode_metadata_request(Reader& r, std::int16_t version) {
  MetadataRequest req;
  auto n = r.array_length(2);
  if (n) {
    std::vector<std::string> topics;
    for (std::int32_t i = 0; i < *n; ++i) topics.push_back(r.string());
    // v0: an empty array means all topics.
    if (!(version == 0 && topics.empty())) req.topics = std::move(topics);
  } else if (version == 0) {
    throw DecodeError("Metadata v0 topics cannot be null");
  }
  if (version >= 4) req.allow_auto_topic_creation = r.boolean();
  if (version >= 8) {
    req.include_cluster_authorized_operations = r.boolean();
    req.include_topic_authorized_operations = r.boolean();
  }
  return req;
}

void encode_metadata_response(Writer& w, const MetadataResponse& r, std::int16_t version) {
  if (version >= 3) w.i32(r.throttle_time_ms);
  w.array_length(r.brokers.size());
  for (const auto& b : r.brokers) {
    w.i32(b.node_id);
    w.string(b.host);
    w.i32(b.port);
    if (version >= 1) w.null_string();  // rack
  }
  if (version >= 2) w.string(r.cluster_id);
  if (version >= 1) w.i32(r.controller_id);
  w.array_length(r.topics.size());
  for (const auto& t : r.topics) {
    w.i16(t.error_code);
    w.string(t.name);
    if (version >= 1) w.boolean(false);  // is_internal
    w.array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      w.i16(p.error_code);
      w.i32(p.index);
      w.i32(p.leader);
      if (version >= 7) w.i32(p.leader_epoch);
      w.array_length(1);  // replicas
      w.i32(p.leader);
      w.array_length(1);  // isr
      w.i32(p.leader);
      if (version >= 5) w.array_length(0);  // offline replicas
    }
    if (version >= 8) w.i32(k_no_authorized_operations);
  }
  if (version >= 8) w.i32(k_no_authorized_operations);
}

void handle_metadata(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  MetadataRequest req = decode_metadata_request(body, version);
  const auto& opt = broker.options();
  MetadataResponse resp;
  resp.brokers.push_back({opt.node_id, opt.host, opt.port});
  resp.cluster_id = "ftgo";
  resp.controller_id = opt.node_id;

  auto describe = [&](const std::string& name, std::int16_t code) {
    MetadataResponse::Topic t;
    t.name = name;
    t.error_code = code;
    if (code == error::none) {
      const auto* info = broker.store().topic(name);
      for (int i = 0; info && i < info->partitions; ++i) {
        t.partitions.push_back({error::none, i, opt.node_id, 0});
      }
    }
    resp.topics.push_back(std::move(t));
  };
  if (!req.topics) {
    for (const auto& info : broker.store().topics()) describe(info.name, error::none);
  } else {
    bool auto_create = version < 4 || req.allow_auto_topic_creation;
    for (const auto& name : *req.topics) describe(name, broker.ensure_topic(name, auto_create));
  }
  Writer w = Writer::response();
  encode_metadata_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
