#pragma once
// answer_per_partition: the loop the partition-oriented handlers (Produce,
// Fetch, ListOffsets, OffsetCommit) share. A response answers the request's
// topics and partitions in the request's order: for each requested topic one
// response topic of the same name, for each requested partition one response
// partition with its index, which `fill(topic, partition, answer)` completes.
// Header only (templates); no state.
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

}  // namespace ftgo::broker::protocol
