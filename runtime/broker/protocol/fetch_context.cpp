#include "broker/protocol/fetch_context.hpp"

#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int16_t k_first_session_version = 7;

SessionPartition from_request(const std::string& topic, const FetchRequest::Partition& p) {
  SessionPartition s;
  s.topic = topic;
  s.partition = p.index;
  s.fetch_offset = p.fetch_offset;
  s.client_log_start_offset = p.log_start_offset;
  s.max_bytes = p.max_bytes;
  s.leader_epoch = p.current_leader_epoch;
  return s;
}

// The session's partitions as request topics, in the session's order; a
// topic appears once per run of consecutive partitions (as Kafka answers).
void session_topics(const FetchSession& session, std::vector<FetchRequest::Topic>& out) {
  out.clear();
  for (const auto& s : session.partitions()) {
    if (out.empty() || out.back().name != s.topic) out.push_back({s.topic, {}});
    FetchRequest::Partition p;
    p.index = s.partition;
    p.current_leader_epoch = s.leader_epoch;
    p.fetch_offset = s.fetch_offset;
    p.log_start_offset = s.client_log_start_offset;
    p.max_bytes = s.max_bytes;
    out.back().partitions.push_back(p);
  }
}
}  // namespace

FetchContext FetchContext::open(FetchSessionCache& cache, FetchRequest req, std::int16_t version,
                                std::int64_t now_ms) {
  FetchContext ctx(cache, std::move(req));
  FetchRequest& r = ctx.m_req;
  if (version < k_first_session_version) return ctx;
  if (r.session_epoch == k_initial_epoch || r.session_epoch == k_final_epoch) {
    if (r.session_id != 0) cache.remove(r.session_id);
    ctx.m_kind = r.session_epoch == k_initial_epoch ? Kind::full : Kind::sessionless;
    return ctx;
  }
  auto session = cache.get(r.session_id);
  if (!session || session->epoch() != r.session_epoch) {
    ctx.m_kind = Kind::error;
    ctx.m_error = session ? error::invalid_fetch_session_epoch : error::fetch_session_id_not_found;
    ++cache.stats().session_errors;
    r.topics.clear();
    return ctx;
  }
  for (const auto& t : r.topics) {
    for (const auto& p : t.partitions) session->add_or_update(from_request(t.name, p));
  }
  for (const auto& f : r.forgotten) {
    for (std::int32_t index : f.partitions) session->remove(f.name, index);
  }
  if (session->empty()) {
    cache.remove(session->id());
    return ctx;  // sessionless: the request's partitions (none left in the session)
  }
  cache.touch(*session, now_ms);
  session->advance_epoch();
  ++cache.stats().incremental;
  ctx.m_kind = Kind::incremental;
  ctx.m_expected_epoch = session->epoch();
  ctx.m_session = std::move(session);
  session_topics(*ctx.m_session, r.topics);
  return ctx;
}

bool FetchContext::answer_now() const {
  if (m_kind == Kind::error) return true;
  return m_kind == Kind::incremental && m_session->deleted_marks() > 0;
}

void FetchContext::finish(FetchResponse& resp, std::int64_t now_ms) {
  resp.error_code = 0;
  resp.session_id = 0;
  switch (m_kind) {
    case Kind::sessionless:
      return;
    case Kind::error:
      resp.error_code = m_error;
      resp.topics.clear();
      return;
    case Kind::full:
      return finish_full(resp, now_ms);
    case Kind::incremental:
      return finish_incremental(resp);
  }
}

void FetchContext::finish_full(FetchResponse& resp, std::int64_t now_ms) {
  // The answer has the request's topics and partitions, in order.
  std::vector<SessionPartition> parts;
  for (std::size_t t = 0; t < m_req.topics.size() && t < resp.topics.size(); ++t) {
    const auto& rt = resp.topics[t];
    for (std::size_t i = 0; i < m_req.topics[t].partitions.size() && i < rt.partitions.size(); ++i) {
      SessionPartition s = from_request(m_req.topics[t].name, m_req.topics[t].partitions[i]);
      const auto& rp = rt.partitions[i];
      if (rp.error_code == error::none) {
        s.high_watermark = rp.high_watermark;
        s.last_stable_offset = rp.last_stable_offset;
        s.log_start_offset = rp.log_start_offset;
      }
      parts.push_back(std::move(s));
    }
  }
  if (auto session = m_cache->create(parts, now_ms)) resp.session_id = session->id();
}

void FetchContext::finish_incremental(FetchResponse& resp) {
  FetchSession& session = *m_session;
  if (session.epoch() != m_expected_epoch) {
    // Another request of this session came in while this one was parked.
    resp.error_code = error::invalid_fetch_session_epoch;
    resp.session_id = session.id();
    resp.topics.clear();
    return;
  }
  resp.session_id = session.id();
  // The answer lists the session's partitions in the session's order:
  // request() was made from it, and no other request changed it since (that
  // would have moved its epoch on). So walk both in step, without lookups.
  std::vector<FetchResponse::Topic> kept;
  std::size_t t = 0, i = 0;
  session.sweep([&](SessionPartition& s) {
    while (t < resp.topics.size() && i >= resp.topics[t].partitions.size()) {
      ++t;
      i = 0;
    }
    if (t == resp.topics.size() || resp.topics[t].name != s.topic || resp.topics[t].partitions[i].index != s.partition)
      return false;  // cannot happen (see above); answer nothing rather than a wrong partition
    auto& rt = resp.topics[t];
    auto& rp = rt.partitions[i++];
    bool news = !rp.records.empty();
    if (s.topic_deleted) {
      session.clear_deleted(s);
      rp = FetchResponse::Partition{};
      rp.index = s.partition;
      rp.error_code = error::unknown_topic_or_partition;
    }
    if (rp.error_code != error::none) {
      news = true;
      s.high_watermark = s.last_stable_offset = s.log_start_offset = -1;
    } else {
      news = news || s.high_watermark != rp.high_watermark || s.last_stable_offset != rp.last_stable_offset ||
             s.log_start_offset != rp.log_start_offset;
      s.high_watermark = rp.high_watermark;
      s.last_stable_offset = rp.last_stable_offset;
      s.log_start_offset = rp.log_start_offset;
    }
    if (!news) return false;
    if (kept.empty() || kept.back().name != rt.name) kept.push_back({rt.name, {}});
    kept.back().partitions.push_back(std::move(rp));
    return true;
  });
  resp.topics = std::move(kept);
}

}  // namespace ftgo::broker::protocol
