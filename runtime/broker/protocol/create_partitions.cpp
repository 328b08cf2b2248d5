#include "broker/protocol/create_partitions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

CreatePartitionsRequest decode_create_partitions_request(Reader& r, std::int16_t) {
  CreatePartitionsRequest req;
  req.topics.resize(r.array_length_not_null(10));
  for (auto& t : req.topics) {
    t.name = r.string();
    t.count = r.i32();
    if (auto n = r.array_length(4)) {
      t.assignments.emplace(*n);
      for (auto& ids : *t.assignments) {
        ids.resize(r.array_length_not_null(4));
        for (auto& id : ids) id = r.i32();
      }
    }
  }
  req.timeout_ms = r.i32();
  req.validate_only = r.boolean();
  return req;
}

void encode_create_partitions_response(Writer& w, const CreatePartitionsResponse& r, std::int16_t) {
  w.i32(r.throttle_time_ms);
  w.array_length(r.results.size());
  for (const auto& res : r.results) {
    w.string(res.name);
    w.i16(res.error_code);
    w.nullable_string(res.error_message);
  }
}

namespace {
// Kafka's checks and messages (KRaft's), in Kafka's order; none when the topic may grow.
std::optional<std::pair<std::int16_t, std::string>> check(Broker& broker, const CreatePartitionsRequest::Topic& t) {
  const auto* info = broker.store().topic(t.name);
  if (!info) return std::pair{error::unknown_topic_or_partition, fmt::format("topic '{}' does not exist", t.name)};
  if (t.count == info->partitions)
    return std::pair{error::invalid_partitions, fmt::format("Topic already has {} partition(s).", info->partitions)};
  if (t.count < info->partitions)
    return std::pair{error::invalid_partitions,
                     fmt::format("The topic {} currently has {} partition(s); {} would not be an increase.", t.name,
                                 info->partitions, t.count)};
  if (t.count > broker.options().max_partitions)
    return std::pair{error::invalid_partitions,
                     fmt::format("number of partitions must be at most {}", broker.options().max_partitions)};
  if (t.assignments) {
    if (static_cast<std::int32_t>(t.assignments->size()) != t.count - info->partitions)
      return std::pair{error::invalid_replica_assignment,
                       fmt::format("{} assignments for {} new partitions", t.assignments->size(),
                                   t.count - info->partitions)};
    for (const auto& ids : *t.assignments) {
      if (ids != std::vector<std::int32_t>{broker.options().node_id})
        return std::pair{error::invalid_replica_assignment,
                         fmt::format("each new partition must be on broker {} alone", broker.options().node_id)};
    }
  }
  return std::nullopt;
}
}  // namespace

void handle_create_partitions(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  auto req = decode_create_partitions_request(body, version);
  std::multiset<std::string> names;
  for (const auto& t : req.topics) names.insert(t.name);
  CreatePartitionsResponse resp;
  for (const auto& t : req.topics) {
    auto& out = resp.results.emplace_back();
    out.name = t.name;
    auto problem = names.count(t.name) > 1
                       ? std::pair{error::invalid_request, std::string("topic named more than once in the request")}
                       : check(broker, t).value_or(std::pair{error::none, std::string()});
    if (problem.first == error::none && !req.validate_only) {
      try {
        broker.store().add_partitions(t.name, t.count);
      } catch (const std::exception& e) {
        problem = {error::unknown_server_error, e.what()};
      }
    }
    out.error_code = problem.first;
    if (problem.first != error::none) out.error_message = problem.second;
  }
  Writer w = Writer::response();
  encode_create_partitions_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
