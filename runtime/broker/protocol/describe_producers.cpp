#include "broker/protocol/describe_producers.hpp"

#include <algorithm>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

namespace {

// The producers of one partition, by producer id: those its log knows, and
// those with a transaction open on it that the log's producer state no longer
// has (it is rebuilt from the last segment only).
std::vector<DescribeProducersResponse::Producer> producers_of(Broker& broker, const storage::PartitionLog& log,
                                                              const txn::TopicPartition& tp) {
  std::vector<DescribeProducersResponse::Producer> out;
  for (const auto& [id, entry] : log.producers()) {
    auto& p = out.emplace_back();
    p.producer_id = id;
    p.epoch = entry.epoch;
    if (entry.count > 0) p.last_sequence = entry.last().last_seq;
    p.last_timestamp = entry.last_timestamp;
  }
  const auto& partitions = broker.txns().partitions();
  if (auto it = partitions.find(tp); it != partitions.end()) {
    for (const auto& [producer_id, first] : it->second.open()) {
      const std::int64_t id = producer_id;  // a copy: clang cannot capture a structured binding
      auto p = std::find_if(out.begin(), out.end(), [id](const auto& q) { return q.producer_id == id; });
      if (p == out.end()) {
        p = out.insert(out.end(), DescribeProducersResponse::Producer{});
        p->producer_id = id;
      }
      p->current_txn_start_offset = first;
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.producer_id < b.producer_id; });
  return out;
}

}  // namespace

DescribeProducersRequest decode_describe_producers_request(Reader& r, std::int16_t) {
  DescribeProducersRequest req;
  req.topics = decode_topic_indexes(r, true);
  r.skip_tagged_fields(true);
  return req;
}

void encode_describe_producers_response(Writer& w, const DescribeProducersResponse& r, std::int16_t) {
  w.empty_tagged_fields();  // response header v1
  w.i32(r.throttle_time_ms);
  encode_per_partition(
      w, r.topics,
      [&](const DescribeProducersResponse::Partition& p) {
        w.i32(p.index);
        w.i16(p.error_code);
        w.uvarint(0);  // error_message: null
        w.compact_array_length(p.producers.size());
        for (const auto& q : p.producers) {
          w.i64(q.producer_id);
          w.i32(q.epoch);
          w.i32(q.last_sequence);
          w.i64(q.last_timestamp);
          w.i32(q.coordinator_epoch);
          w.i64(q.current_txn_start_offset);
          w.empty_tagged_fields();
        }
      },
      true);
  w.empty_tagged_fields();
}

void handle_describe_producers(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  DescribeProducersRequest req = decode_describe_producers_request(body, version);
  DescribeProducersResponse resp;
  for (const auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    for (std::int32_t index : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.index = index;
      const storage::PartitionLog* log = broker.store().partition(t.name, index);
      if (!log) rp.error_code = error::unknown_topic_or_partition;
      else rp.producers = producers_of(broker, *log, {t.name, index});
    }
  }
  Writer w = Writer::response();
  encode_describe_producers_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
