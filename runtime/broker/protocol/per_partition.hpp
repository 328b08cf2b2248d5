#pragma once
// answer_per_partition: the loop the partition-oriented handlers (Produce,
// Fetch, ListOffsets, OffsetCommit) share. A response answers the request's
// topics and partitions in the request's order: for each requested topic one
// response topic of the same name, for each requested partition one response
// partition with its index, which `fill(topic, partition, answer)` completes.
// encode_per_partition writes such topics: name, then each partition by
// `encode(partition)`, in the classic encoding or, when `flexible`, the
// compact one with (empty) tagged fields after each partition and topic;
// decode_per_partition reads them.
// TopicIndexes: topics given as a name and an array of partition indexes
// (the AddPartitionsToTxn, DescribeProducers and WriteTxnMarkers requests, DescribeTransactions'
// reply), with their decoder and encoder.
// Header only (templates and inline functions); no state.
#include <string>
#include <vector>

#include "broker/protocol/codec.hpp"

namespace ftgo::broker::protocol {

template <class RequestTopics, class ResponseTopics, class Fill>
void answer_per_partition(RequestTopics& topics, ResponseTopics& out, Fill&& fill) {
  out.reserve(out.size() + topics.size());
  for (auto& t : topics) {
    auto& rt = out.emplace_back();
    rt.name = t.name;
    rt.partitions.reserve(t.partitions.size());
    for (auto& p : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.index = p.index;
      fill(t, p, rp);
    }
  }
}

template <class Topics, class Encode>
void encode_per_partition(Writer& w, const Topics& topics, Encode&& encode, bool flexible = false) {
  w.array_length(topics.size(), flexible);
  for (const auto& t : topics) {
    w.string(t.name, flexible);
    w.array_length(t.partitions.size(), flexible);
    for (const auto& p : t.partitions) {
      encode(p);
      w.empty_tagged_fields(flexible);
    }
    w.empty_tagged_fields(flexible);
  }
}

// The request side: reads topics (name, partitions) into `topics`, each
// partition by `decode(reader, partition)`. Each topic takes at least
// `min_topic_bytes`, each partition `min_partition_bytes` (array checks).
template <class Topics, class Decode>
void decode_per_partition(Reader& r, Topics& topics, Decode&& decode, bool flexible, std::size_t min_topic_bytes,
                          std::size_t min_partition_bytes) {
  topics.resize(r.array_length_not_null(min_topic_bytes, flexible));
  for (auto& t : topics) {
    t.name = r.string(flexible);
    t.partitions.resize(r.array_length_not_null(min_partition_bytes, flexible));
    for (auto& p : t.partitions) {
      decode(r, p);
      r.skip_tagged_fields(flexible);
    }
    r.skip_tagged_fields(flexible);
  }
}

struct TopicIndexes {
  std::string name;
  std::vector<std::int32_t> partitions;
  bool operator==(const TopicIndexes&) const = default;
};

inline std::vector<TopicIndexes> decode_topic_indexes(Reader& r, bool flexible) {
  std::vector<TopicIndexes> topics(r.array_length_not_null(flexible ? 2 : 6, flexible));
  for (auto& t : topics) {
    t.name = r.string(flexible);
    t.partitions.resize(r.array_length_not_null(4, flexible));
    for (auto& p : t.partitions) p = r.i32();
    r.skip_tagged_fields(flexible);
  }
  return topics;
}

inline void encode_topic_indexes(Writer& w, const std::vector<TopicIndexes>& topics, bool flexible) {
  w.array_length(topics.size(), flexible);
  for (const auto& t : topics) {
    w.string(t.name, flexible);
    w.array_length(t.partitions.size(), flexible);
    for (std::int32_t p : t.partitions) w.i32(p);
    w.empty_tagged_fields(flexible);
  }
}

}  // namespace ftgo::broker::protocol
