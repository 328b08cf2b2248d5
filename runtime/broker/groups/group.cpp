#include "broker/groups/group.hpp"

#include <algorithm>
#include <map>

#include "broker/protocol/errors.hpp"

namespace ftgo::broker::groups {

std::string_view to_string(GroupState s) {
  switch (s) {
    case GroupState::empty: return "Empty";
    case GroupState::preparing_rebalance: return "PreparingRebalance";
    case GroupState::completing_rebalance: return "CompletingRebalance";
    case GroupState::stable: return "Stable";
    case GroupState::dead: return "Dead";
  }
  return "Dead";
}

const std::string* Member::metadata_for(std::string_view protocol) const {
  for (const auto& p : protocols) {
    if (p.name == protocol) return &p.metadata;
  }
  return nullptr;
}

Member* Group::member(std::string_view id) {
  for (auto& m : members) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

const Member* Group::member(std::string_view id) const {
  return const_cast<Group*>(this)->member(id);
}

bool Group::all_joined() const {
  return pending.empty() &&
         std::all_of(members.begin(), members.end(), [](const Member& m) { return bool(m.awaiting_join); });
}

std::int16_t Group::validate_member(const std::string& member_id,
                                    const std::optional<std::string>& instance_id) const {
  namespace error = protocol::error;
  if (instance_id) {
    auto it = static_members.find(*instance_id);
    if (it == static_members.end()) return error::unknown_member_id;
    if (it->second != member_id) return error::fenced_instance_id;
  }
  return member(member_id) ? error::none : error::unknown_member_id;
}

std::string Group::select_protocol() const {
  if (members.empty()) return {};
  // Candidates: supported by every member.
  std::vector<std::string> candidates;
  for (const auto& p : members.front().protocols) {
    bool everyone = std::all_of(members.begin(), members.end(),
                                [&](const Member& m) { return m.metadata_for(p.name) != nullptr; });
    if (everyone) candidates.push_back(p.name);
  }
  if (candidates.empty()) return {};
  // Each member votes for the candidate it lists first; most votes wins,
  // ties go to the first member's preference.
  std::map<std::string, int> votes;
  for (const auto& m : members) {
    for (const auto& p : m.protocols) {
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        ++votes[p.name];
        break;
      }
    }
  }
  std::string best = candidates.front();
  for (const auto& c : candidates) {
    if (votes[c] > votes[best]) best = c;
  }
  return best;
}

bool Group::supports(const std::vector<Protocol>& protocols, std::string_view except_member) const {
  for (const auto& p : protocols) {
    bool everyone = std::all_of(members.begin(), members.end(), [&](const Member& m) {
      return m.id == except_member || m.metadata_for(p.name) != nullptr;
    });
    if (everyone) return true;
  }
  return false;
}

std::int32_t Group::max_rebalance_timeout() const {
  std::int32_t t = 0;
  for (const auto& m : members) t = std::max(t, m.rebalance_timeout_ms);
  return t;
}

}  // namespace ftgo::broker::groups
