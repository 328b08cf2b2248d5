#include "broker/txn/txn_coordinator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>

#include "broker/protocol/errors.hpp"
#include "broker/txn/txn_store.hpp"

namespace ftgo::broker::txn {

namespace error = protocol::error;

const char* to_string(TxnStatus s) {
  switch (s) {
    case TxnStatus::empty: return "Empty";
    case TxnStatus::ongoing: return "Ongoing";
    case TxnStatus::prepare_commit: return "PrepareCommit";
    case TxnStatus::prepare_abort: return "PrepareAbort";
    case TxnStatus::complete_commit: return "CompleteCommit";
    case TxnStatus::complete_abort: return "CompleteAbort";
  }
  return "?";
}

std::optional<TxnStatus> txn_status_from(const std::string& s) {
  for (TxnStatus t : {TxnStatus::empty, TxnStatus::ongoing, TxnStatus::prepare_commit, TxnStatus::prepare_abort,
                      TxnStatus::complete_commit, TxnStatus::complete_abort})
    if (s == to_string(t)) return t;
  return std::nullopt;
}

TxnCoordinator::TxnCoordinator(TxnHooks hooks, std::filesystem::path state_file)
    : m_hooks(std::move(hooks)), m_state_file(std::move(state_file)) {}

void TxnCoordinator::load() {
  if (m_state_file.empty()) return;
  SavedTxnState state = load_txn_state(m_state_file);
  m_txns.clear();
  m_by_producer.clear();
  for (auto& t : state.transactions) {
    m_by_producer[t.producer_id] = t.id;
    std::string id = t.id;
    m_txns.emplace(std::move(id), std::move(t));
  }
  m_partitions = std::move(state.partitions);
  bool repaired = repair_lost_tails();
  // A crash after the decision to commit or abort was saved and before the
  // end of its markers: what EndTxn began is finished, as Kafka's coordinator
  // does with a transaction it loads in PrepareCommit/PrepareAbort.
  bool finished = false;
  for (auto& [id, t] : m_txns) {
    if (t.status != TxnStatus::prepare_commit && t.status != TxnStatus::prepare_abort) continue;
    finish(t, t.status == TxnStatus::prepare_commit);  // what fails is retried by retry_markers()
    finished = true;
  }
  if (finished || repaired) save();
}

// Under --fsync interval a power cut can take a log's tail but not the
// state file (fsync'd at every save). An ABORT marker listed past the log
// end is gone: a client told of the aborted transaction would drop every
// later record of its producer, committed ones too, waiting for it. Example:
// producer 7 aborted 0-1 with the marker at 2, the log kept only 0-1: a new
// ABORT of 7 at 2 replaces the entry {7, 0, 2}.
bool TxnCoordinator::repair_lost_tails() {
  if (!m_hooks.log_end) return false;
  bool changed = false;
  for (auto& [tp, p] : m_partitions) {
    std::int64_t end = m_hooks.log_end(tp);
    if (end < 0) continue;  // gone: trim_aborted drops it
    std::size_t before = p.aborted().size();
    std::vector<AbortedTxn> lost = p.lost_tail(end);
    changed = changed || p.aborted().size() != before || !p.open().empty();
    for (const AbortedTxn& a : lost) {
      auto owner = m_by_producer.find(a.producer_id);
      std::int16_t epoch = owner == m_by_producer.end() ? INT16_MAX : m_txns.at(owner->second).epoch;
      std::int64_t offset = m_hooks.write_marker(tp, a.producer_id, epoch, false);
      if (offset >= 0) {
        p.add_aborted({a.producer_id, a.first_offset, offset});
      } else {  // held back for good rather than read as committed
        fmt::print(stderr, "ftgo broker: cannot write again the lost ABORT marker of producer {} on {}-{}\n",
                   a.producer_id, tp.topic, tp.partition);
        p.begin(a.producer_id, a.first_offset);
      }
    }
  }
  return changed;
}

void TxnCoordinator::crash_point(const char* point) const {
  if (m_hooks.crash_point) m_hooks.crash_point(point);
}

// A failed save costs durability, not the request: logged, and the next
// change writes the whole state again.
void TxnCoordinator::save() const {
  if (m_state_file.empty()) return;
  try {
    save_txn_state(m_state_file, m_txns, m_partitions);
  } catch (const std::exception& e) {
    fmt::print(stderr, "ftgo broker: cannot save the transaction state: {}\n", e.what());
  }
}

// Kafka's checks, in its order: an unknown id or another producer id is
// INVALID_PRODUCER_ID_MAPPING, another epoch PRODUCER_FENCED.
std::int16_t TxnCoordinator::check_producer(const Transaction* t, std::int64_t producer_id,
                                            std::int16_t epoch) const {
  if (!t || t->producer_id != producer_id) return error::invalid_producer_id_mapping;
  if (t->epoch != epoch) return error::producer_fenced;
  return error::none;
}

// The epoch + 1, so that every producer of the older one is fenced; an
// ongoing transaction is aborted with markers of that epoch under the
// producer id its batches carry. When the epoch is exhausted the id changes
// (as Kafka does) only after those markers: markers under the new id would
// leave the old id's transaction open on its partitions, holding their last
// stable offset for good. Example: id 7 at epoch 32766 with records at 0-1
// of partition a: ABORT (7, 32767) at 2, then a new id at epoch 0.
void TxnCoordinator::fence(Transaction& t) {
  const bool exhausted = t.epoch >= INT16_MAX - 1;
  if (t.epoch < INT16_MAX) ++t.epoch;
  if (t.status == TxnStatus::ongoing) complete(t, false);
  if (exhausted && !preparing(t)) {  // else at the next fence, once the markers are written
    m_by_producer.erase(t.producer_id);
    t.producer_id = m_hooks.allocate_producer_id();
    t.epoch = 0;
    m_by_producer[t.producer_id] = t.id;
  }
}

InitResult TxnCoordinator::init_producer_id(const std::optional<std::string>& transactional_id,
                                            std::int32_t timeout_ms, std::int64_t producer_id,
                                            std::int16_t epoch, std::int64_t now_ms) {
  (void)now_ms;
  if (!transactional_id) {
    // An idempotent producer bumping its own epoch (KIP-360) keeps its id.
    if (producer_id >= 0 && epoch >= 0 && epoch < INT16_MAX - 1) return {error::none, producer_id, ++epoch};
    return {error::none, m_hooks.allocate_producer_id(), 0};
  }
  if (transactional_id->empty()) return {error::invalid_request, -1, -1};
  if (timeout_ms <= 0 || timeout_ms > k_max_timeout_ms) return {error::invalid_transaction_timeout, -1, -1};
  auto it = m_txns.find(*transactional_id);
  if (it == m_txns.end()) {
    Transaction t;
    t.id = *transactional_id;
    t.producer_id = m_hooks.allocate_producer_id();
    t.epoch = 0;
    t.timeout_ms = timeout_ms;
    m_by_producer[t.producer_id] = t.id;
    it = m_txns.emplace(t.id, std::move(t)).first;
    save();
    return {error::none, it->second.producer_id, it->second.epoch};
  }
  Transaction& t = it->second;
  // A producer that knows its id and epoch (v3+) must be the current one.
  if (producer_id >= 0 && (producer_id != t.producer_id || epoch != t.epoch)) return {error::producer_fenced, -1, -1};
  if (preparing(t)) return {error::concurrent_transactions, -1, -1};  // markers still to write: retried
  fence(t);
  if (preparing(t)) {  // the abort's markers could not all be written
    save();
    return {error::concurrent_transactions, -1, -1};
  }
  t.status = TxnStatus::empty;
  t.timeout_ms = timeout_ms;
  save();
  return {error::none, t.producer_id, t.epoch};
}

void TxnCoordinator::begin(Transaction& t, std::int64_t now_ms) {
  if (t.status != TxnStatus::ongoing) {
    t.status = TxnStatus::ongoing;
    t.started_ms = now_ms;
    t.partitions.clear();
    t.groups.clear();
    t.offsets.clear();
  }
}

std::int16_t TxnCoordinator::add_partitions(const std::string& id, std::int64_t producer_id, std::int16_t epoch,
                                            const std::vector<TopicPartition>& partitions, std::int64_t now_ms) {
  auto it = m_txns.find(id);
  Transaction* t = it == m_txns.end() ? nullptr : &it->second;
  if (std::int16_t e = check_producer(t, producer_id, epoch); e != error::none) return e;
  if (preparing(*t)) return error::concurrent_transactions;
  bool changed = t->status != TxnStatus::ongoing;
  begin(*t, now_ms);
  std::size_t before = t->partitions.size();
  t->partitions.insert(partitions.begin(), partitions.end());
  if (changed || t->partitions.size() != before) save();
  return error::none;
}

std::int16_t TxnCoordinator::add_offsets(const std::string& id, std::int64_t producer_id, std::int16_t epoch,
                                         const std::string& group, std::int64_t now_ms) {
  auto it = m_txns.find(id);
  Transaction* t = it == m_txns.end() ? nullptr : &it->second;
  if (std::int16_t e = check_producer(t, producer_id, epoch); e != error::none) return e;
  if (preparing(*t)) return error::concurrent_transactions;
  begin(*t, now_ms);
  t->groups.insert(group);
  save();
  return error::none;
}

std::int16_t TxnCoordinator::check_offset_commit(const std::string& id, const std::string& group,
                                                 std::int64_t producer_id, std::int16_t epoch) const {
  const Transaction* t = find(id);
  if (!t || t->producer_id != producer_id) return error::invalid_producer_id_mapping;
  if (epoch < t->epoch) return error::invalid_producer_epoch;
  if (epoch != t->epoch || t->status != TxnStatus::ongoing || !t->groups.contains(group))
    return error::invalid_txn_state;
  return error::none;
}

void TxnCoordinator::stage_offsets(const std::string& id, const std::string& group,
                                   const std::vector<std::pair<TopicPartition, PendingOffset>>& offsets) {
  auto it = m_txns.find(id);
  if (it == m_txns.end() || offsets.empty()) return;
  auto& staged = it->second.offsets[group];
  for (const auto& [tp, o] : offsets) staged[tp] = o;
  save();
}

bool TxnCoordinator::has_pending_offset(const std::string& group, const TopicPartition& tp) const {
  for (const auto& [id, t] : m_txns) {
    if (t.status != TxnStatus::ongoing && t.status != TxnStatus::prepare_commit) continue;
    auto it = t.offsets.find(group);
    if (it != t.offsets.end() && it->second.contains(tp)) return true;
  }
  return false;
}

std::int16_t TxnCoordinator::end_txn(const std::string& id, std::int64_t producer_id, std::int16_t epoch,
                                     bool commit) {
  auto it = m_txns.find(id);
  Transaction* t = it == m_txns.end() ? nullptr : &it->second;
  if (std::int16_t e = check_producer(t, producer_id, epoch); e != error::none) return e;
  switch (t->status) {
    case TxnStatus::ongoing:
      complete(*t, commit);
      save();
      return error::none;
    case TxnStatus::complete_commit:  // a retry of the same EndTxn succeeds
      return commit ? error::none : error::invalid_txn_state;
    case TxnStatus::complete_abort:
      return commit ? error::invalid_txn_state : error::none;
    case TxnStatus::prepare_commit:  // a marker could not be written: retry_markers() writes it
    case TxnStatus::prepare_abort:
      return error::concurrent_transactions;
    case TxnStatus::empty:
      return error::invalid_txn_state;
  }
  return error::invalid_txn_state;
}

// Kafka's order: PrepareCommit (saved) -> markers -> offsets -> CompleteCommit.
// The decision is durable before the first marker, so a crash among the
// markers ends, at the next start, the way the producer was told.
void TxnCoordinator::complete(Transaction& t, bool commit) {
  t.status = commit ? TxnStatus::prepare_commit : TxnStatus::prepare_abort;
  if (!t.partitions.empty() || !t.offsets.empty()) {
    save();
    crash_point("txn-prepared");
  }
  finish(t, commit);
}

bool TxnCoordinator::finish(Transaction& t, bool commit) {
  std::set<TopicPartition> failed;
  for (const TopicPartition& tp : t.partitions) {
    std::int64_t offset = m_hooks.write_marker(tp, t.producer_id, t.epoch, commit);
    if (offset == k_marker_failed) {  // the partition keeps its open entry: held back, never read as committed
      failed.insert(tp);
      continue;
    }
    auto pit = m_partitions.find(tp);
    if (pit == m_partitions.end()) continue;
    if (offset >= 0) {
      pit->second.end(t.producer_id, offset, commit);
    } else {
      pit->second.end(t.producer_id, -1, true);  // the partition is gone: nothing to hide
    }
    if (pit->second.empty()) m_partitions.erase(pit);
  }
  if (!failed.empty()) {  // stays Prepare*, with the partitions still to mark
    t.partitions = std::move(failed);
    return false;
  }
  if (commit) {
    for (const auto& [group, offsets] : t.offsets)
      for (const auto& [tp, o] : offsets) m_hooks.commit_offset(group, tp, o);
  }
  if (!t.partitions.empty() || !t.offsets.empty()) crash_point("txn-markers-written");
  t.status = commit ? TxnStatus::complete_commit : TxnStatus::complete_abort;
  t.started_ms = -1;
  t.partitions.clear();
  t.groups.clear();
  t.offsets.clear();
  return true;
}

std::size_t TxnCoordinator::retry_markers() {
  std::size_t n = 0;
  for (auto& [id, t] : m_txns)
    if (preparing(t) && finish(t, t.status == TxnStatus::prepare_commit)) ++n;
  if (n > 0) save();
  return n;
}

std::int16_t TxnCoordinator::check_produce(const TopicPartition& tp, std::int64_t producer_id,
                                           std::int16_t epoch) const {
  auto pit = m_by_producer.find(producer_id);
  if (pit == m_by_producer.end()) return error::invalid_txn_state;
  const Transaction& t = m_txns.at(pit->second);
  if (epoch < t.epoch) return error::invalid_producer_epoch;
  if (epoch != t.epoch || t.status != TxnStatus::ongoing || !t.partitions.contains(tp))
    return error::invalid_txn_state;
  return error::none;
}

bool TxnCoordinator::before_produce(const TopicPartition& tp, std::int64_t producer_id, std::int64_t next_offset) {
  if (!m_partitions[tp].begin(producer_id, next_offset)) return false;
  save();
  return true;
}

void TxnCoordinator::produce_failed(const TopicPartition& tp, std::int64_t producer_id) {
  auto it = m_partitions.find(tp);
  if (it == m_partitions.end()) return;
  it->second.forget_open(producer_id);
  if (it->second.empty()) m_partitions.erase(it);
  save();
}

std::int64_t TxnCoordinator::last_stable_offset(const TopicPartition& tp, std::int64_t high_watermark) const {
  auto it = m_partitions.find(tp);
  return it == m_partitions.end() ? high_watermark : it->second.last_stable_offset(high_watermark);
}

std::vector<AbortedTxn> TxnCoordinator::aborted_in(const TopicPartition& tp, std::int64_t from,
                                                   std::int64_t to) const {
  auto it = m_partitions.find(tp);
  return it == m_partitions.end() ? std::vector<AbortedTxn>{} : it->second.aborted_in(from, to);
}

std::int64_t TxnCoordinator::write_marker(const TopicPartition& tp, std::int64_t producer_id, std::int16_t epoch,
                                          bool commit) {
  std::int64_t offset = m_hooks.write_marker(tp, producer_id, epoch, commit);
  if (offset < 0) return -1;
  auto pit = m_partitions.find(tp);
  if (pit != m_partitions.end()) {
    pit->second.end(producer_id, offset, commit);
    if (pit->second.empty()) m_partitions.erase(pit);
  }
  save();
  return offset;
}

void TxnCoordinator::forget_topic(const std::string& topic) {
  std::size_t n = std::erase_if(m_partitions, [&](const auto& e) { return e.first.topic == topic; });
  if (n > 0) save();
}

std::size_t TxnCoordinator::trim_aborted(const std::function<std::int64_t(const TopicPartition&)>& log_start) {
  std::size_t n = 0;
  for (auto it = m_partitions.begin(); it != m_partitions.end();) {
    std::int64_t start = log_start(it->first);
    if (start < 0) {  // the partition is gone (a crash before forget_topic saved): so is what it knew
      n += it->second.aborted().size() + it->second.open().size();
      it = m_partitions.erase(it);
      continue;
    }
    if (start > 0) n += it->second.trim_below(start);
    it = it->second.empty() ? m_partitions.erase(it) : std::next(it);
  }
  if (n > 0) save();
  return n;
}

bool TxnCoordinator::has_pending_offsets(const std::string& group) const {
  for (const auto& [id, t] : m_txns) {
    if (t.status != TxnStatus::ongoing && t.status != TxnStatus::prepare_commit) continue;
    auto it = t.offsets.find(group);
    if (it != t.offsets.end() && !it->second.empty()) return true;
  }
  return false;
}

std::size_t TxnCoordinator::abort_expired(std::int64_t now_ms) {
  std::size_t n = 0;
  for (auto& [id, t] : m_txns) {
    if (t.status != TxnStatus::ongoing || t.started_ms + t.timeout_ms > now_ms) continue;
    fence(t);  // the timed-out producer is fenced, as Kafka's coordinator does
    ++n;
  }
  if (n > 0) save();
  return n;
}

std::optional<std::int64_t> TxnCoordinator::next_deadline() const {
  std::optional<std::int64_t> next;
  for (const auto& [id, t] : m_txns)
    if (preparing(t)) return 0;  // markers to write again at the next check
  for (const auto& [id, t] : m_txns)
    if (t.status == TxnStatus::ongoing && (!next || t.started_ms + t.timeout_ms < *next))
      next = t.started_ms + t.timeout_ms;
  return next;
}

const Transaction* TxnCoordinator::find(const std::string& id) const {
  auto it = m_txns.find(id);
  return it == m_txns.end() ? nullptr : &it->second;
}

}  // namespace ftgo::broker::txn
