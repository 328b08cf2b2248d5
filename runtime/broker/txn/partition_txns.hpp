#pragma once
// PartitionTxns: what one partition knows of transactions — the first offset
// of each transaction still open on it (by producer id) and the aborted ones
// (producer id, first offset, offset of the ABORT marker) — from which the
// last stable offset (LSO) and a READ_COMMITTED fetch's aborted list come.
//
// Worked example: producer 7 writes offsets 10-12 in a transaction, producer
// 9 writes 13 outside any; the LSO is 10 (a read_committed consumer stops
// there) while the high watermark is 14. Producer 7 aborts: the marker lands
// at 14, the LSO moves to the high watermark (15) and {7, 10, 14} joins the
// aborted list, so a fetch from 0 gets "producer 7 aborted from 10" and the
// client drops 7's records from 10 up to the marker.
//
// Owned by the TxnCoordinator, one per partition that saw a transaction;
// io thread only.
#include <cstdint>
#include <map>
#include <vector>

namespace ftgo::broker::txn {

struct AbortedTxn {
  std::int64_t producer_id = -1;
  std::int64_t first_offset = -1;
  std::int64_t last_offset = -1;  // the ABORT marker's offset
  bool operator==(const AbortedTxn&) const = default;
};

class PartitionTxns {
 public:
  // A transactional batch of `producer_id` was written at `offset`: the
  // transaction's first offset on this partition, unless it has one already
  // (returns whether it is new).
  bool begin(std::int64_t producer_id, std::int64_t offset);
  // Undoes a begin() whose batch was not written.
  void forget_open(std::int64_t producer_id) { m_open.erase(producer_id); }
  // The transaction of `producer_id` ended with a marker at `marker_offset`
  // (an abort with nothing of the producer's before the marker, which a log
  // that lost its tail in a power cut can give, is not listed).
  void end(std::int64_t producer_id, std::int64_t marker_offset, bool commit);
  // The first offset of the earliest open transaction, else `high_watermark`.
  std::int64_t last_stable_offset(std::int64_t high_watermark) const;
  // The aborted transactions that overlap offsets [from, to).
  std::vector<AbortedTxn> aborted_in(std::int64_t from, std::int64_t to) const;
  // Forgets aborted transactions that end below `offset` (the log start);
  // returns how many.
  std::size_t trim_below(std::int64_t offset);
  // After a log lost its tail from `log_end` (a power cut under --fsync
  // interval; this state survives it): open entries past it move to it, and
  // aborted entries whose marker was past it are removed; those with records
  // left before it are returned, to be aborted again by a new marker.
  std::vector<AbortedTxn> lost_tail(std::int64_t log_end);
  // An aborted transaction whose marker is past every listed one.
  void add_aborted(const AbortedTxn& a) { m_aborted.push_back(a); }

  bool empty() const { return m_open.empty() && m_aborted.empty(); }
  const std::map<std::int64_t, std::int64_t>& open() const { return m_open; }  // producer id -> first offset
  const std::vector<AbortedTxn>& aborted() const { return m_aborted; }        // by marker offset
  void restore(std::map<std::int64_t, std::int64_t> open, std::vector<AbortedTxn> aborted);

 private:
  std::map<std::int64_t, std::int64_t> m_open;
  std::vector<AbortedTxn> m_aborted;
};

}  // namespace ftgo::broker::txn
