#include "broker/protocol/delete_records.hpp"

#include <fmt/format.h>

#include <map>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/protocol/per_partition.hpp"

namespace ftgo::broker::protocol {

DeleteRecordsRequest decode_delete_records_request(Reader& r, std::int16_t) {
  DeleteRecordsRequest req;
  req.topics.resize(r.array_length_not_null(6));
  for (auto& t : req.topics) {
    t.name = r.string();
    t.partitions.resize(r.array_length_not_null(12));
    for (auto& p : t.partitions) {
      p.index = r.i32();
      p.offset = r.i64();
    }
  }
  req.timeout_ms = r.i32();
  return req;
}

void encode_delete_records_response(Writer& w, const DeleteRecordsResponse& r, std::int16_t) {
  w.i32(r.throttle_time_ms);
  encode_per_partition(w, r.topics, [&](const auto& p) {
    w.i32(p.index);
    w.i64(p.low_watermark);
    w.i16(p.error_code);
  });
}

namespace {
// Kafka keys a DeleteRecords request by partition (KafkaApis builds a map of
// partition -> offset): a partition named twice is deleted once, to the
// offset named last, and answered once; a topic named twice is one topic in
// the answer. In order of first appearance (Kafka's is a hash map's).
std::vector<DeleteRecordsRequest::Topic> by_partition(const std::vector<DeleteRecordsRequest::Topic>& topics) {
  std::vector<DeleteRecordsRequest::Topic> out;
  std::map<std::string, std::size_t> topic_at;
  std::map<std::pair<std::size_t, std::int32_t>, std::size_t> partition_at;
  for (const auto& t : topics) {
    auto [ti, new_topic] = topic_at.try_emplace(t.name, out.size());
    if (new_topic) out.push_back({t.name, {}});
    auto& partitions = out[ti->second].partitions;
    for (const auto& p : t.partitions) {
      auto [pi, new_partition] = partition_at.try_emplace({ti->second, p.index}, partitions.size());
      if (new_partition)
        partitions.push_back(p);
      else
        partitions[pi->second].offset = p.offset;
    }
  }
  return out;
}
}  // namespace

void handle_delete_records(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  auto req = decode_delete_records_request(body, version);
  req.topics = by_partition(req.topics);
  DeleteRecordsResponse resp;
  answer_per_partition(req.topics, resp.topics, [&](const auto& t, const auto& p, auto& out) {
    storage::PartitionLog* log = broker.store().partition(t.name, p.index);
    if (!log) {
      out.error_code = error::unknown_topic_or_partition;
      return;
    }
    if (!log->options().cleanup_delete) {  // compact only: Kafka's Partition.deleteRecordsOnLeader
      out.error_code = error::policy_violation;
      return;
    }
    std::int64_t to = p.offset == -1 ? log->high_watermark() : p.offset;
    if (to < 0 || to > log->high_watermark()) {
      out.error_code = error::offset_out_of_range;
      return;
    }
    try {
      out.low_watermark = log->delete_records_before(to);
    } catch (const std::exception& e) {
      fmt::print(stderr, "ftgo broker: cannot delete records of {}-{}: {}\n", t.name, p.index, e.what());
      out.error_code = error::unknown_server_error;
    }
  });
  broker.trim_aborted_txns();  // the aborted transactions now below the log start
  Writer w = Writer::response();
  encode_delete_records_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
