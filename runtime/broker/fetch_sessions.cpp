#include "broker/fetch_sessions.hpp"

#include <limits>

namespace ftgo::broker {

std::int32_t next_epoch(std::int32_t epoch) {
  if (epoch < 0) return k_final_epoch;
  if (epoch == std::numeric_limits<std::int32_t>::max()) return 1;  // 0 would mean "new session"
  return epoch + 1;
}

FetchSession::FetchSession(std::int32_t id, std::int64_t now_ms)
    : m_id(id), m_epoch(next_epoch(k_initial_epoch)), m_created_ms(now_ms), m_last_used_ms(now_ms) {}

SessionPartition* FetchSession::find(const std::string& topic, std::int32_t partition) {
  auto it = m_index.find({topic, partition});
  return it == m_index.end() ? nullptr : &*it->second;
}

void FetchSession::add_or_update(const SessionPartition& p) {
  auto it = m_index.find({p.topic, p.partition});
  if (it == m_index.end()) {
    m_order.push_back(p);
    m_index.emplace(Key{p.topic, p.partition}, std::prev(m_order.end()));
    return;
  }
  SessionPartition& cached = *it->second;
  cached.fetch_offset = p.fetch_offset;
  cached.client_log_start_offset = p.client_log_start_offset;
  cached.max_bytes = p.max_bytes;
  cached.leader_epoch = p.leader_epoch;
}

bool FetchSession::remove(const std::string& topic, std::int32_t partition) {
  auto it = m_index.find({topic, partition});
  if (it == m_index.end()) return false;
  if (it->second->topic_deleted) --m_deleted_marks;
  m_order.erase(it->second);
  m_index.erase(it);
  return true;
}

void FetchSession::move_to_back(const std::string& topic, std::int32_t partition) {
  auto it = m_index.find({topic, partition});
  if (it == m_index.end()) return;
  m_order.splice(m_order.end(), m_order, it->second);  // iterators stay valid
}

std::size_t FetchSession::mark_topic_deleted(const std::string& topic) {
  std::size_t n = 0;
  for (auto it = m_index.lower_bound({topic, std::numeric_limits<std::int32_t>::min()});
       it != m_index.end() && it->first.first == topic; ++it) {
    if (!it->second->topic_deleted) ++m_deleted_marks;
    it->second->topic_deleted = true;
    it->second->high_watermark = -1;
    it->second->last_stable_offset = -1;
    it->second->log_start_offset = -1;
    ++n;
  }
  return n;
}

void FetchSession::clear_deleted(SessionPartition& p) {
  if (!p.topic_deleted) return;
  p.topic_deleted = false;
  --m_deleted_marks;
}

FetchSessionCache::FetchSessionCache(FetchSessionOptions options)
    : m_options(options), m_random(std::random_device{}()) {}

std::shared_ptr<FetchSession> FetchSessionCache::get(std::int32_t id) const {
  auto it = m_sessions.find(id);
  return it == m_sessions.end() ? nullptr : it->second;
}

std::int32_t FetchSessionCache::new_id() {
  std::uniform_int_distribution<std::int32_t> pick(1, std::numeric_limits<std::int32_t>::max());
  std::int32_t id = 0;
  do {
    id = pick(m_random);
  } while (m_sessions.contains(id));
  return id;
}

bool FetchSessionCache::try_evict(std::size_t new_size, std::int64_t now_ms) {
  if (m_sessions.empty()) return false;
  const FetchSession* lru = nullptr;
  const FetchSession* smallest = nullptr;
  for (const auto& [id, s] : m_sessions) {
    if (!lru || std::pair(s->last_used_ms(), s->id()) < std::pair(lru->last_used_ms(), lru->id())) lru = s.get();
    if (now_ms - s->created_ms() <= m_options.eviction_ms) continue;  // young: only evicted when stale
    if (!smallest || std::pair(s->size(), s->id()) < std::pair(smallest->size(), smallest->id())) smallest = s.get();
  }
  const FetchSession* victim = nullptr;
  if (now_ms - lru->last_used_ms() > m_options.eviction_ms)
    victim = lru;
  else if (smallest && new_size > smallest->size())
    victim = smallest;
  if (!victim) return false;
  m_sessions.erase(victim->id());
  ++m_stats.evicted;
  return true;
}

std::shared_ptr<FetchSession> FetchSessionCache::create(const std::vector<SessionPartition>& partitions,
                                                        std::int64_t now_ms) {
  if (m_options.max_slots == 0 ||
      (m_sessions.size() >= m_options.max_slots && !try_evict(partitions.size(), now_ms))) {
    ++m_stats.not_created;
    return nullptr;
  }
  auto session = std::make_shared<FetchSession>(new_id(), now_ms);
  for (const auto& p : partitions) session->add_or_update(p);
  m_sessions.emplace(session->id(), session);
  ++m_stats.created;
  return session;
}

bool FetchSessionCache::remove(std::int32_t id) {
  if (m_sessions.erase(id) == 0) return false;
  ++m_stats.closed;
  return true;
}

std::size_t FetchSessionCache::topic_deleted(const std::string& topic) {
  std::size_t n = 0;
  for (auto& [id, s] : m_sessions) n += s->mark_topic_deleted(topic);
  return n;
}

}  // namespace ftgo::broker
