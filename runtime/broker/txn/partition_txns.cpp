#include "broker/txn/partition_txns.hpp"

#include <algorithm>

namespace ftgo::broker::txn {

bool PartitionTxns::begin(std::int64_t producer_id, std::int64_t offset) {
  return m_open.try_emplace(producer_id, offset).second;
}

void PartitionTxns::end(std::int64_t producer_id, std::int64_t marker_offset, bool commit) {
  auto it = m_open.find(producer_id);
  if (it == m_open.end()) return;  // added to the transaction but nothing written
  if (!commit && marker_offset > it->second) m_aborted.push_back({producer_id, it->second, marker_offset});
  m_open.erase(it);
}

std::int64_t PartitionTxns::last_stable_offset(std::int64_t high_watermark) const {
  std::int64_t lso = high_watermark;
  for (const auto& [pid, first] : m_open) lso = std::min(lso, first);
  return lso;
}

std::vector<AbortedTxn> PartitionTxns::aborted_in(std::int64_t from, std::int64_t to) const {
  std::vector<AbortedTxn> out;
  // Sorted by marker offset: skip those that ended before `from`.
  auto it = std::lower_bound(m_aborted.begin(), m_aborted.end(), from,
                             [](const AbortedTxn& a, std::int64_t v) { return a.last_offset < v; });
  for (; it != m_aborted.end(); ++it)
    if (it->first_offset < to) out.push_back(*it);
  return out;
}

std::size_t PartitionTxns::trim_below(std::int64_t offset) {
  return std::erase_if(m_aborted, [offset](const AbortedTxn& a) { return a.last_offset < offset; });
}

std::vector<AbortedTxn> PartitionTxns::lost_tail(std::int64_t log_end) {
  for (auto& [pid, first] : m_open) first = std::min(first, log_end);
  std::vector<AbortedTxn> lost;
  std::erase_if(m_aborted, [&](const AbortedTxn& a) {
    if (a.last_offset < log_end) return false;
    if (a.first_offset < log_end) lost.push_back(a);
    return true;
  });
  return lost;
}

void PartitionTxns::restore(std::map<std::int64_t, std::int64_t> open, std::vector<AbortedTxn> aborted) {
  m_open = std::move(open);
  m_aborted = std::move(aborted);
  std::sort(m_aborted.begin(), m_aborted.end(),
            [](const AbortedTxn& a, const AbortedTxn& b) { return a.last_offset < b.last_offset; });
}

}  // namespace ftgo::broker::txn
