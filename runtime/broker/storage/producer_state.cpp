#include "broker/storage/producer_state.hpp"

#include <climits>

namespace ftgo::broker::storage {

void ProducerEntry::push(const ProducerBatch& b) {
  batches[next] = b;
  next = (next + 1) % k_max_batches;
  if (count < k_max_batches) ++count;
}

// Kafka's rules (ProducerStateManager): an older epoch is fenced; a newer
// epoch must start at sequence 0; within an epoch a batch equal to one of the
// last five is a duplicate, otherwise it must follow the last one exactly.
// Example: last batches [0..4], [5..9]; a retry of [5..9] is a duplicate
// (offsets of the original returned), [10..14] is next, [12..14] is a gap.
SequenceCheck check_sequence(const ProducerEntry* e, const BatchHeader& h, ProducerBatch* dup) {
  if (!is_idempotent(h) || e == nullptr) return SequenceCheck::ok;
  if (h.producer_epoch < e->epoch) return SequenceCheck::fenced;
  if (h.producer_epoch > e->epoch) return h.base_sequence == 0 ? SequenceCheck::ok : SequenceCheck::out_of_order;
  if (e->count == 0) return SequenceCheck::ok;
  std::int32_t last_seq = h.last_sequence();
  for (std::size_t i = 0; i < e->count; ++i) {
    const ProducerBatch& b = e->batches[i];
    if (b.first_seq == h.base_sequence && b.last_seq == last_seq) {
      if (dup) *dup = b;
      return SequenceCheck::duplicate;
    }
  }
  std::int32_t prev = e->last().last_seq;
  std::int32_t expected = prev == INT32_MAX ? 0 : prev + 1;
  return h.base_sequence == expected ? SequenceCheck::ok : SequenceCheck::out_of_order;
}

void record_batch(ProducerEntry& e, bool is_new, const BatchHeader& h) {
  if (is_new || h.producer_epoch != e.epoch) {
    e = ProducerEntry{};
    e.epoch = h.producer_epoch;
  }
  e.push({h.base_sequence, h.last_sequence(), h.base_offset, h.last_offset()});
  e.last_timestamp = h.max_timestamp;
}

const ProducerEntry* ProducerState::find(std::int64_t producer_id) const {
  auto it = m_producers.find(producer_id);
  return it == m_producers.end() ? nullptr : &it->second;
}

void ProducerState::update(const BatchHeader& h) {
  if (!is_idempotent(h)) return;
  auto [it, inserted] = m_producers.try_emplace(h.producer_id);
  record_batch(it->second, inserted, h);
}

}  // namespace ftgo::broker::storage
