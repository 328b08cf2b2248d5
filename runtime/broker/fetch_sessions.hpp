#pragma once
// Incremental fetch sessions (KIP-227): the broker remembers, per session,
// which partitions a consumer fetches and what it last told it about each, so
// the consumer's next Fetch names only the partitions that changed and the
// answer carries only the partitions with news (protocol/fetch_context.hpp
// applies the rules; this file keeps the state).
//
// FetchSession: one consumer's partitions, in iteration order (partitions
// that were answered move to the back, so a response's byte budget goes
// round-robin), and the epoch its next incremental request must carry.
//
// FetchSessionCache: every session by id, bounded to `max_slots` (Kafka's
// max.incremental.fetch.session.cache.slots, 1000). Sessions outlive the
// connection that created them, as in Kafka; a full request or epoch -1
// closes one, eviction makes room for another. The eviction policy is
// Kafka's (FetchSessionCache.tryEvict): when the cache is full, a new session
// evicts (1) the least recently used session if it has been idle longer than
// `eviction_ms` (Kafka's min.incremental.fetch.session.eviction.ms, 120 s),
// else (2) the session with the fewest partitions (ties: the lowest id)
// among those older than `eviction_ms`, when the new one has more
// partitions; else no session is created and the client goes on with full
// fetches (session id 0 in the answer). A session created less than
// `eviction_ms` ago and in use is never evicted, so clients cannot push each
// other out in a loop.
//
// Ownership and threads: one cache per Broker, touched from the broker's io
// thread only. Sessions are shared_ptr: a parked Fetch keeps its session
// alive even if the cache drops it meanwhile (its answer then goes out and
// the client's next request gets FETCH_SESSION_ID_NOT_FOUND).
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace ftgo::broker {

// One partition of a session: what the client asked for when it last named
// the partition, and what the broker last answered about it.
struct SessionPartition {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t fetch_offset = 0;
  std::int64_t client_log_start_offset = -1;
  std::int32_t max_bytes = 0;
  std::int32_t leader_epoch = -1;
  // Last answered; -1: never answered, or answered with an error since
  // (so the partition is answered again once the error is gone).
  std::int64_t high_watermark = -1;
  std::int64_t last_stable_offset = -1;
  std::int64_t log_start_offset = -1;
  // The topic was deleted since the client was last told about this
  // partition: its next answer reports UNKNOWN_TOPIC_OR_PARTITION once,
  // even if the topic was created again meanwhile.
  bool topic_deleted = false;
};

// KIP-227's epochs: 0 starts a session (full fetch), -1 ends one.
inline constexpr std::int32_t k_initial_epoch = 0;
inline constexpr std::int32_t k_final_epoch = -1;
std::int32_t next_epoch(std::int32_t epoch);

class FetchSession {
 public:
  FetchSession(std::int32_t id, std::int64_t now_ms);

  std::int32_t id() const { return m_id; }
  // The epoch the next incremental request must carry (1 after creation).
  std::int32_t epoch() const { return m_epoch; }
  void advance_epoch() { m_epoch = next_epoch(m_epoch); }
  std::int64_t created_ms() const { return m_created_ms; }
  std::int64_t last_used_ms() const { return m_last_used_ms; }
  void set_last_used(std::int64_t now_ms) { m_last_used_ms = now_ms; }

  std::size_t size() const { return m_order.size(); }
  bool empty() const { return m_order.empty(); }
  // In iteration order.
  const std::list<SessionPartition>& partitions() const { return m_order; }
  SessionPartition* find(const std::string& topic, std::int32_t partition);
  // Adds `p` at the back, or updates the request fields of the partition
  // already there (keeping what was last answered and its place).
  void add_or_update(const SessionPartition& p);
  // False when the session does not have it.
  bool remove(const std::string& topic, std::int32_t partition);
  void move_to_back(const std::string& topic, std::int32_t partition);
  // Calls `answered(partition)` on each partition in order; those it returns
  // true for move to the back, in their order. No lookups: O(size).
  template <class F>
  void sweep(F&& answered) {
    auto it = m_order.begin();
    for (std::size_t n = m_order.size(); n > 0; --n) {
      auto next = std::next(it);
      if (answered(*it)) m_order.splice(m_order.end(), m_order, it);
      it = next;
    }
  }
  // How many partitions have topic_deleted set; clear_deleted unsets it.
  std::size_t deleted_marks() const { return m_deleted_marks; }
  void clear_deleted(SessionPartition& p);
  // Marks the topic's partitions (SessionPartition::topic_deleted);
  // returns how many there were.
  std::size_t mark_topic_deleted(const std::string& topic);

 private:
  using Key = std::pair<std::string, std::int32_t>;
  std::int32_t m_id;
  std::int32_t m_epoch;
  std::int64_t m_created_ms;
  std::int64_t m_last_used_ms;
  std::size_t m_deleted_marks = 0;
  std::list<SessionPartition> m_order;
  std::map<Key, std::list<SessionPartition>::iterator> m_index;
};

struct FetchSessionOptions {
  std::size_t max_slots = 1000;    // 0: no sessions, every client fetches in full
  std::int64_t eviction_ms = 120000;
};

// Counters for the broker's log and the tests.
struct FetchSessionStats {
  std::uint64_t created = 0;
  std::uint64_t not_created = 0;  // the cache was full and nothing could be evicted
  std::uint64_t evicted = 0;
  std::uint64_t closed = 0;        // by a full request, epoch -1 or forgetting every partition
  std::uint64_t incremental = 0;   // incremental requests served
  std::uint64_t session_errors = 0;  // FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH
};

class FetchSessionCache {
 public:
  explicit FetchSessionCache(FetchSessionOptions options = {});

  // nullptr when there is no such session.
  std::shared_ptr<FetchSession> get(std::int32_t id) const;
  // A new session holding `partitions` (epoch 1), when there is room or
  // room can be made by the eviction policy above; nullptr otherwise.
  std::shared_ptr<FetchSession> create(const std::vector<SessionPartition>& partitions, std::int64_t now_ms);
  // Closes the session; false when there is none.
  bool remove(std::int32_t id);
  // Marks the session as used now (for eviction).
  void touch(FetchSession& session, std::int64_t now_ms) { session.set_last_used(now_ms); }
  // Marks the topic's partitions in every session; returns how many were marked.
  std::size_t topic_deleted(const std::string& topic);

  std::size_t size() const { return m_sessions.size(); }
  const FetchSessionOptions& options() const { return m_options; }
  FetchSessionStats& stats() { return m_stats; }
  const FetchSessionStats& stats() const { return m_stats; }

 private:
  bool try_evict(std::size_t new_size, std::int64_t now_ms);
  std::int32_t new_id();

  FetchSessionOptions m_options;
  std::unordered_map<std::int32_t, std::shared_ptr<FetchSession>> m_sessions;
  std::mt19937 m_random;
  FetchSessionStats m_stats;
};

}  // namespace ftgo::broker
