#include "broker/groups/offset_expiry.hpp"

#include <fmt/format.h>

#include <optional>
#include <set>

#include "broker/protocol/offset_delete.hpp"

namespace ftgo::broker::groups {

namespace {

// How one group's offsets may expire (offset_expiry.hpp has the rules).
struct Condition {
  std::optional<std::int64_t> since;  // the base time of every offset; unset: its commit time
  std::set<std::string> kept_topics;  // a Stable consumer group's subscriptions
};

// The topics the members of a Stable consumer group subscribe to, with the
// protocol chosen; nullopt when one member's subscription does not decode
// (or is empty: subscribed_topics cannot tell the two apart).
std::optional<std::set<std::string>> subscriptions(const Group& g) {
  std::set<std::string> topics;
  for (const auto& m : g.members) {
    const std::string* md = m.metadata_for(g.protocol_name);
    auto mine = md ? protocol::subscribed_topics(*md) : std::vector<std::string>{};
    if (mine.empty()) return std::nullopt;
    topics.insert(mine.begin(), mine.end());
  }
  return topics;
}

std::optional<Condition> condition_for(const Group* g) {
  if (!g || g->protocol_type.empty()) return Condition{};
  if (g->state == GroupState::empty) return Condition{g->empty_since_ms, {}};
  if (g->state == GroupState::stable && g->protocol_type == "consumer") {
    if (auto topics = subscriptions(*g)) return Condition{std::nullopt, std::move(*topics)};
  }
  return std::nullopt;
}

bool removable(const Group* g) {
  return !g || (g->state == GroupState::empty && g->members.empty() && g->pending.empty());
}

}  // namespace

ExpiryResult expire_offsets(Coordinator& coordinator, storage::Store& store, std::int64_t now_ms,
                            std::int64_t retention_ms, const PendingTxnOffsets& pending) {
  std::set<std::string> ids;
  for (auto& id : store.groups_with_offsets()) ids.insert(std::move(id));
  for (const auto& [id, g] : coordinator.all_groups()) ids.insert(id);

  ExpiryResult result;
  for (const auto& id : ids) {
    const Group* g = coordinator.group(id);
    auto condition = condition_for(g);
    if (!condition) continue;
    auto offsets = store.committed_offsets(id);
    bool all_expired = true;
    try {
      for (const auto& [tp, o] : offsets) {
        bool expired = false;
        if (!condition->kept_topics.count(tp.first)) {
          std::int64_t since = condition->since.value_or(o.commit_time_ms);
          expired = o.expire_time_ms >= 0 ? now_ms >= o.expire_time_ms : now_ms - since >= retention_ms;
          if (expired && pending.offset && pending.offset(id, tp.first, tp.second)) expired = false;
        }
        if (!expired) {
          all_expired = false;
          continue;
        }
        store.delete_offset(id, tp.first, tp.second);
        ++result.offsets;
      }
    } catch (const std::exception& e) {
      fmt::print(stderr, "ftgo broker: cannot expire the offsets of group {}: {}\n", id, e.what());
      continue;
    }
    if (!all_expired || !removable(g)) continue;
    if (pending.group && pending.group(id)) continue;
    if (g && !coordinator.erase_if_empty(id)) continue;
    result.groups.push_back(id);
  }
  return result;
}

}  // namespace ftgo::broker::groups
