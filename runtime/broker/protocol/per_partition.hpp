#pragma once
// answer_per_partition: the loop the partition-oriented handlers (Produce,
// Fetch, ListOffsets, OffsetCommit) share. A response answers the request's
// topics and partitions in the request's order: for each requested topic one
// response topic of the same name, for each requested partition one response
// partition with its index, which `fill(topic, partition, answer)` completes.
// encode_per_partition writes such topics (non-flexible): name, then each
// partition by `encode(partition)`.
// Header only (templates); no state.
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
void encode_per_partition(Writer& w, const Topics& topics, Encode&& encode) {
  w.array_length(topics.size());
  for (const auto& t : topics) {
    w.string(t.name);
    w.array_length(t.partitions.size());
    for (const auto& p : t.partitions) encode(p);
  }
}

}  // namespace ftgo::broker::protocol
