#include "broker/groups/coordinator.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "broker/protocol/errors.hpp"

namespace ftgo::broker::groups {

namespace error = protocol::error;

namespace {
constexpr std::int32_t k_max_session_timeout_ms = 30 * 60 * 1000;
}

Coordinator::Coordinator(const Clock& clock, const Clock* wall_clock)
    : m_clock(clock), m_wall_clock(wall_clock ? *wall_clock : clock), m_rng(std::random_device{}()) {}

Group& Coordinator::group_for(const std::string& group_id) {
  auto [it, inserted] = m_groups.try_emplace(group_id);
  if (inserted) {
    it->second.id = group_id;
    become_empty(it->second);
  }
  return it->second;
}

void Coordinator::become_empty(Group& g) {
  g.state = GroupState::empty;
  g.empty_since_ms = m_wall_clock.now_ms();
}

const Group* Coordinator::group(const std::string& group_id) const {
  auto it = m_groups.find(group_id);
  return it == m_groups.end() ? nullptr : &it->second;
}

bool Coordinator::erase_if_empty(const std::string& group_id) {
  auto it = m_groups.find(group_id);
  if (it == m_groups.end()) return true;
  const Group& g = it->second;
  if ((g.state != GroupState::empty && g.state != GroupState::dead) || !g.members.empty()) return false;
  m_groups.erase(it);
  return true;
}

void Coordinator::restore(Group group) {
  std::int64_t now = m_clock.now_ms();
  for (auto& m : group.members) m.last_heartbeat_ms = now;
  std::string id = group.id;
  m_groups.insert_or_assign(std::move(id), std::move(group));
}

std::string Coordinator::new_member_id(const std::string& client_id) {
  return fmt::format("{}-{:016x}", client_id.empty() ? "member" : client_id, m_rng());
}

JoinResult Coordinator::join_result(const Group& g, const Member& m) const {
  JoinResult r;
  r.generation_id = g.generation;
  r.protocol_name = g.protocol_name;
  r.leader = g.leader;
  r.member_id = m.id;
  if (m.id == g.leader) {
    for (const auto& other : g.members) {
      const std::string* md = other.metadata_for(g.protocol_name);
      r.members.push_back({other.id, other.group_instance_id, md ? *md : std::string()});
    }
  }
  return r;
}

void Coordinator::join(JoinRequest req, JoinCallback callback) {
  auto fail = [&](std::int16_t code, std::string member_id = {}) {
    JoinResult r;
    r.error = code;
    r.member_id = std::move(member_id);
    callback(std::move(r));
  };
  if (req.group_id.empty()) return fail(error::invalid_group_id);
  if (req.session_timeout_ms <= 0 || req.session_timeout_ms > k_max_session_timeout_ms) {
    return fail(error::invalid_session_timeout);
  }
  if (req.rebalance_timeout_ms <= 0) req.rebalance_timeout_ms = req.session_timeout_ms;
  if (req.protocol_type.empty() || req.protocols.empty()) return fail(error::inconsistent_group_protocol);

  Group& g = group_for(req.group_id);
  std::int64_t now = m_clock.now_ms();
  if (!g.members.empty() && g.protocol_type != req.protocol_type) {
    return fail(error::inconsistent_group_protocol, req.member_id);
  }
  if (!g.supports(req.protocols, req.member_id)) {
    return fail(error::inconsistent_group_protocol, req.member_id);
  }

  Member* m = nullptr;
  if (req.member_id.empty() && req.group_instance_id) {
    // A static member needs no MEMBER_ID_REQUIRED round: its instance id names it.
    auto known = g.static_members.find(*req.group_instance_id);
    if (known != g.static_members.end()) {
      if (Member* old = g.member(known->second)) return rejoin_static(g, *old, std::move(req), std::move(callback));
      g.static_members.erase(known);
    }
    req.member_id = new_member_id(*req.group_instance_id);
    g.static_members[*req.group_instance_id] = req.member_id;
  } else if (req.member_id.empty()) {
    std::string id = new_member_id(req.client_id);
    if (req.require_known_member_id) {
      g.pending.push_back({id, now + req.session_timeout_ms});
      return fail(error::member_id_required, id);
    }
    req.member_id = id;
  } else if (req.group_instance_id) {
    std::int16_t code = g.validate_member(req.member_id, req.group_instance_id);
    if (code != error::none) return fail(code, req.member_id);
  } else if (!g.member(req.member_id)) {
    auto p = std::find_if(g.pending.begin(), g.pending.end(),
                          [&](const PendingMember& pm) { return pm.id == req.member_id; });
    if (p == g.pending.end()) return fail(error::unknown_member_id, req.member_id);
    g.pending.erase(p);
  }

  m = g.member(req.member_id);
  bool is_new = m == nullptr;
  bool changed = is_new;
  if (is_new) {
    g.members.push_back(Member{});
    m = &g.members.back();
    m->id = req.member_id;
  } else if (m->protocols.size() != req.protocols.size()) {
    changed = true;
  } else {
    for (std::size_t i = 0; i < req.protocols.size(); ++i) {
      if (m->protocols[i].name != req.protocols[i].name ||
          m->protocols[i].metadata != req.protocols[i].metadata) {
        changed = true;
      }
    }
  }
  // A member's instance id is fixed when it joins (Kafka accepts a known
  // static member's JoinGroup without one and keeps it static).
  if (is_new) m->group_instance_id = req.group_instance_id;
  m->client_id = req.client_id;
  m->client_host = req.client_host;
  m->session_timeout_ms = req.session_timeout_ms;
  m->rebalance_timeout_ms = req.rebalance_timeout_ms;
  m->protocol_type = req.protocol_type;
  m->protocols = std::move(req.protocols);
  m->last_heartbeat_ms = now;
  if (g.members.size() == 1) g.protocol_type = req.protocol_type;

  // A follower rejoining with the same metadata while nothing changed gets
  // the current generation back without a rebalance.
  if (!changed && m->id != g.leader &&
      (g.state == GroupState::stable || g.state == GroupState::completing_rebalance)) {
    callback(join_result(g, *m));
    return;
  }

  if (m->awaiting_join) {
    JoinResult old;
    old.error = error::rebalance_in_progress;
    old.member_id = m->id;
    auto cb = std::move(m->awaiting_join);
    m->awaiting_join = nullptr;
    cb(std::move(old));
    m = g.member(req.member_id);
    if (!m) return fail(error::unknown_member_id, req.member_id);  // removed meanwhile
  }
  m->awaiting_join = std::move(callback);
  if (g.state != GroupState::preparing_rebalance) prepare_rebalance(g);
  maybe_complete_join(g);
}

void Coordinator::rejoin_static(Group& g, Member& old, JoinRequest req, JoinCallback callback) {
  // Requests the previous instance left parked are fenced off.
  JoinCallback fenced_join = std::move(old.awaiting_join);
  SyncCallback fenced_sync = std::move(old.awaiting_sync);
  old.awaiting_join = nullptr;
  old.awaiting_sync = nullptr;
  const std::string old_id = old.id;
  const std::string previous_leader = g.leader;
  const std::string new_id = new_member_id(*req.group_instance_id);
  old.id = new_id;
  g.static_members[*req.group_instance_id] = new_id;
  if (g.leader == old_id) g.leader = new_id;
  old.client_id = req.client_id;
  old.client_host = req.client_host;
  old.session_timeout_ms = req.session_timeout_ms;
  old.rebalance_timeout_ms = req.rebalance_timeout_ms;
  old.protocol_type = req.protocol_type;
  old.protocols = std::move(req.protocols);
  old.last_heartbeat_ms = m_clock.now_ms();

  std::optional<JoinResult> answer;
  if (g.state == GroupState::stable && g.select_protocol() == g.protocol_name) {
    // No rebalance. The leader id is the one before the swap, so a leader
    // rejoining this way acts as a follower (JoinGroup before v9 cannot say
    // "skip the assignment"), and its SyncGroup gets the assignment it had.
    answer = JoinResult{error::none, g.generation, g.protocol_name, previous_leader, new_id, {}};
  } else {
    old.awaiting_join = std::move(callback);
    // In CompletingRebalance the leader may be assigning to the old member
    // id: that assignment would miss the new one, so the join starts over.
    if (g.state != GroupState::preparing_rebalance) prepare_rebalance(g);
  }
  if (fenced_join) fenced_join(JoinResult{error::fenced_instance_id, -1, {}, {}, old_id, {}});
  if (fenced_sync) fenced_sync(SyncResult{error::fenced_instance_id, {}});
  if (answer) {
    callback(std::move(*answer));
  } else {
    maybe_complete_join(g);
  }
}

void Coordinator::prepare_rebalance(Group& g) {
  if (g.state == GroupState::completing_rebalance) {
    for (auto& m : g.members) {
      m.assignment.clear();
      if (m.awaiting_sync) {
        auto cb = std::move(m.awaiting_sync);
        m.awaiting_sync = nullptr;
        cb(SyncResult{error::rebalance_in_progress, {}});
      }
    }
  }
  g.state = GroupState::preparing_rebalance;
  g.rebalance_deadline_ms = m_clock.now_ms() + g.max_rebalance_timeout();
}

void Coordinator::maybe_complete_join(Group& g) {
  if (g.state == GroupState::preparing_rebalance && g.all_joined()) complete_join(g);
}

void Coordinator::complete_join(Group& g) {
  // Dynamic members that did not rejoin in time are out; a static member
  // keeps its place (and its share of the assignment) until its session ends.
  std::erase_if(g.members, [](const Member& m) { return !m.awaiting_join && !m.group_instance_id; });
  auto joined = [](const Member& m) { return bool(m.awaiting_join); };
  if (!g.members.empty() && std::none_of(g.members.begin(), g.members.end(), joined)) {
    // Only absent static members: wait another rebalance timeout (or for
    // their sessions to end).
    g.rebalance_deadline_ms = m_clock.now_ms() + g.max_rebalance_timeout();
    return;
  }
  ++g.generation;
  if (g.members.empty()) {
    become_empty(g);
    g.protocol_name.clear();
    g.leader.clear();
    return;
  }
  g.protocol_name = g.select_protocol();
  const Member* leader = g.member(g.leader);
  if (!leader || !leader->awaiting_join) g.leader = std::find_if(g.members.begin(), g.members.end(), joined)->id;
  g.state = GroupState::completing_rebalance;
  std::int64_t now = m_clock.now_ms();
  std::vector<std::pair<JoinCallback, JoinResult>> answers;
  for (auto& m : g.members) {
    m.last_heartbeat_ms = now;
    m.assignment.clear();
    if (!m.awaiting_join) continue;  // an absent static member
    answers.emplace_back(std::move(m.awaiting_join), join_result(g, m));
    m.awaiting_join = nullptr;
  }
  for (auto& [cb, result] : answers) cb(std::move(result));
}

void Coordinator::sync(SyncRequest req, SyncCallback callback) {
  auto it = m_groups.find(req.group_id);
  if (it == m_groups.end()) return callback({error::unknown_member_id, {}});
  Group& g = it->second;
  if (std::int16_t code = g.validate_member(req.member_id, req.group_instance_id); code != error::none) {
    return callback({code, {}});
  }
  Member* m = g.member(req.member_id);
  if (!m) return callback({error::unknown_member_id, {}});
  if (req.generation_id != g.generation) return callback({error::illegal_generation, {}});
  m->last_heartbeat_ms = m_clock.now_ms();
  switch (g.state) {
    case GroupState::empty:
    case GroupState::dead:
      return callback({error::unknown_member_id, {}});
    case GroupState::preparing_rebalance:
      return callback({error::rebalance_in_progress, {}});
    case GroupState::stable:
      return callback({error::none, m->assignment});
    case GroupState::completing_rebalance:
      break;
  }
  m->awaiting_sync = std::move(callback);
  if (m->id != g.leader) return;
  for (auto& member : g.members) member.assignment.clear();
  for (auto& [member_id, assignment] : req.assignments) {
    if (Member* target = g.member(member_id)) target->assignment = std::move(assignment);
  }
  g.state = GroupState::stable;
  std::vector<std::pair<SyncCallback, SyncResult>> answers;
  for (auto& member : g.members) {
    if (member.awaiting_sync) {
      answers.emplace_back(std::move(member.awaiting_sync), SyncResult{error::none, member.assignment});
      member.awaiting_sync = nullptr;
    }
  }
  for (auto& [cb, result] : answers) cb(std::move(result));
}

std::int16_t Coordinator::heartbeat(const std::string& group_id, std::int32_t generation_id,
                                    const std::string& member_id, const std::optional<std::string>& instance_id) {
  auto it = m_groups.find(group_id);
  if (it == m_groups.end()) return error::unknown_member_id;
  Group& g = it->second;
  if (std::int16_t code = g.validate_member(member_id, instance_id); code != error::none) return code;
  Member* m = g.member(member_id);
  if (!m) return error::unknown_member_id;
  m->last_heartbeat_ms = m_clock.now_ms();
  if (g.state == GroupState::preparing_rebalance) return error::rebalance_in_progress;
  if (generation_id != g.generation) return error::illegal_generation;
  return error::none;
}

std::int16_t Coordinator::leave(const std::string& group_id, const std::string& member_id,
                                const std::optional<std::string>& instance_id) {
  auto it = m_groups.find(group_id);
  if (it == m_groups.end()) return error::unknown_member_id;
  Group& g = it->second;
  if (instance_id) {
    auto known = g.static_members.find(*instance_id);
    if (known == g.static_members.end()) return error::unknown_member_id;
    if (!member_id.empty() && member_id != known->second) return error::fenced_instance_id;
    std::string id = known->second;
    if (!g.member(id)) {  // a stale entry: nobody to remove
      g.static_members.erase(known);
      return error::unknown_member_id;
    }
    remove_member(g, id);
    return error::none;
  }
  if (!g.member(member_id)) {
    auto p = std::find_if(g.pending.begin(), g.pending.end(),
                          [&](const PendingMember& pm) { return pm.id == member_id; });
    if (p == g.pending.end()) return error::unknown_member_id;
    g.pending.erase(p);
    maybe_complete_join(g);
    return error::none;
  }
  remove_member(g, member_id);
  return error::none;
}

void Coordinator::remove_member(Group& g, const std::string& member_id) {
  auto it = std::find_if(g.members.begin(), g.members.end(), [&](const Member& m) { return m.id == member_id; });
  if (it == g.members.end()) return;
  JoinCallback join_cb = std::move(it->awaiting_join);
  SyncCallback sync_cb = std::move(it->awaiting_sync);
  if (it->group_instance_id) {
    auto known = g.static_members.find(*it->group_instance_id);
    if (known != g.static_members.end() && known->second == member_id) g.static_members.erase(known);
  }
  g.members.erase(it);
  if (g.leader == member_id) g.leader.clear();
  if (join_cb) join_cb(JoinResult{error::unknown_member_id, -1, {}, {}, member_id, {}});
  if (sync_cb) sync_cb(SyncResult{error::unknown_member_id, {}});
  if (g.state == GroupState::stable || g.state == GroupState::completing_rebalance) prepare_rebalance(g);
  maybe_complete_join(g);
}

std::int16_t Coordinator::validate_commit(const std::string& group_id, std::int32_t generation_id,
                                          const std::string& member_id,
                                          const std::optional<std::string>& instance_id) const {
  const Group* g = group(group_id);
  bool empty = !g || g->state == GroupState::empty;
  if (generation_id < 0 && member_id.empty() && empty) return error::none;
  if (!g) return error::unknown_member_id;
  // Kafka's order: the member, its generation, then the state.
  if (std::int16_t code = g->validate_member(member_id, instance_id); code != error::none) return code;
  if (generation_id != g->generation) return error::illegal_generation;
  if (g->state == GroupState::completing_rebalance) return error::rebalance_in_progress;
  return error::none;
}

GroupDescription Coordinator::describe(const std::string& group_id) const {
  GroupDescription d;
  d.group_id = group_id;
  const Group* g = group(group_id);
  if (!g) {
    d.state = "Dead";
    return d;
  }
  d.state = std::string(to_string(g->state));
  d.protocol_type = g->protocol_type;
  bool stable = g->state == GroupState::stable;
  if (stable) d.protocol_data = g->protocol_name;
  for (const auto& m : g->members) {
    MemberDescription md{m.id, m.group_instance_id, m.client_id, m.client_host, {}, {}};
    if (stable) {
      if (const std::string* meta = m.metadata_for(g->protocol_name)) md.metadata = *meta;
      md.assignment = m.assignment;
    }
    d.members.push_back(std::move(md));
  }
  return d;
}

std::vector<GroupListing> Coordinator::list() const {
  std::vector<GroupListing> out;
  for (const auto& [id, g] : m_groups) {
    out.push_back({id, g.protocol_type, std::string(to_string(g.state))});
  }
  return out;
}

std::optional<std::int64_t> Coordinator::next_deadline() const {
  std::optional<std::int64_t> next;
  auto consider = [&](std::int64_t t) {
    if (!next || t < *next) next = t;
  };
  for (const auto& [id, g] : m_groups) {
    for (const auto& p : g.pending) consider(p.expires_ms);
    if (g.state == GroupState::preparing_rebalance) consider(g.rebalance_deadline_ms);
    for (const auto& m : g.members) {
      if (!m.awaiting_join && !m.awaiting_sync) consider(m.last_heartbeat_ms + m.session_timeout_ms);
    }
  }
  return next;
}

void Coordinator::tick() {
  std::int64_t now = m_clock.now_ms();
  for (auto& [id, g] : m_groups) {
    std::erase_if(g.pending, [&](const PendingMember& p) { return p.expires_ms <= now; });
    std::vector<std::string> expired;
    for (const auto& m : g.members) {
      if (!m.awaiting_join && !m.awaiting_sync && m.last_heartbeat_ms + m.session_timeout_ms <= now) {
        expired.push_back(m.id);
      }
    }
    for (const auto& member_id : expired) remove_member(g, member_id);
    if (g.state == GroupState::preparing_rebalance && g.rebalance_deadline_ms <= now) complete_join(g);
    maybe_complete_join(g);
  }
}

}  // namespace ftgo::broker::groups
