#pragma once
// ProducerState: per partition, what idempotent producers (producerId >= 0)
// last wrote — their epoch and their last five batches' sequence ranges and
// offsets — so a retried batch is recognised as a duplicate and a gap as out
// of order. Rebuilt on open from the last segment. Owned by a PartitionLog;
// not thread-safe.
#include <array>
#include <cstdint>
#include <unordered_map>

#include "broker/record_batch.hpp"

namespace ftgo::broker::storage {

struct ProducerBatch {
  std::int32_t first_seq = 0;
  std::int32_t last_seq = 0;
  std::int64_t first_offset = 0;
  std::int64_t last_offset = 0;
};

// One producer's epoch and last batches (a ring of at most five).
struct ProducerEntry {
  static constexpr std::size_t k_max_batches = 5;
  std::int16_t epoch = 0;
  std::array<ProducerBatch, k_max_batches> batches{};
  std::size_t count = 0;  // how many of `batches` are set
  std::size_t next = 0;   // where the next one goes
  std::int64_t last_timestamp = -1;  // the last batch's max timestamp (DescribeProducers)
  const ProducerBatch& last() const { return batches[(next + k_max_batches - 1) % k_max_batches]; }
  void push(const ProducerBatch& b);
};

enum class SequenceCheck { ok, duplicate, out_of_order, fenced };

// Checks a batch against an entry (nullptr: an unknown producer, accepted
// with any sequence). On duplicate, `*dup` is the original batch.
SequenceCheck check_sequence(const ProducerEntry* entry, const BatchHeader& h, ProducerBatch* dup);
// Records a written batch (offsets assigned) in an entry.
void record_batch(ProducerEntry& entry, bool is_new, const BatchHeader& h);

class ProducerState {
 public:
  const ProducerEntry* find(std::int64_t producer_id) const;
  // Records a written batch; a no-op for a non-idempotent one.
  void update(const BatchHeader& h);
  void clear() { m_producers.clear(); }
  std::size_t size() const { return m_producers.size(); }
  // Every producer with state, by producer id (DescribeProducers).
  const std::unordered_map<std::int64_t, ProducerEntry>& entries() const { return m_producers; }

 private:
  std::unordered_map<std::int64_t, ProducerEntry> m_producers;
};

inline bool is_idempotent(const BatchHeader& h) { return h.producer_id >= 0 && h.base_sequence >= 0; }

}  // namespace ftgo::broker::storage
