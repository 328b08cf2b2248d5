#pragma once
// Coordinator: the classic consumer-group protocol for every group of this
// broker — JoinGroup, SyncGroup, Heartbeat, LeaveGroup, the validation of
// OffsetCommit, DescribeGroups and ListGroups. Time comes from a Clock; the
// owner calls tick() at next_deadline() (the Broker arms one timer), so unit
// tests drive timeouts without sleeping.
//
// JoinGroup and SyncGroup answer through callbacks, possibly later: a join
// waits until every known member has rejoined (or the rebalance timeout
// passes); a follower's sync waits for the leader's assignment. Initial
// rebalance delay is 0: a lone first member completes its join at once.
//
// Ownership and threads: owned by the Broker, io thread only. Groups live as
// long as the broker (an Empty group keeps its generation).
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "broker/groups/clock.hpp"
#include "broker/groups/group.hpp"

namespace ftgo::broker::groups {

struct JoinRequest {
  std::string group_id;
  std::int32_t session_timeout_ms = 10000;
  std::int32_t rebalance_timeout_ms = -1;  // -1: the session timeout (v0)
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string protocol_type;
  std::vector<Protocol> protocols;
  std::string client_id;
  std::string client_host;
  bool require_known_member_id = false;  // JoinGroup v4+: MEMBER_ID_REQUIRED first
};

struct SyncRequest {
  std::string group_id;
  std::int32_t generation_id = -1;
  std::string member_id;
  std::vector<std::pair<std::string, std::string>> assignments;  // member id, assignment
  std::optional<std::string> group_instance_id;
};

struct MemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::string metadata;
  std::string assignment;
};

struct GroupDescription {
  std::string group_id;
  std::string state;  // "Dead" for an unknown group
  std::string protocol_type;
  std::string protocol_data;  // the chosen protocol, when Stable
  std::vector<MemberDescription> members;
};

struct GroupListing {
  std::string group_id;
  std::string protocol_type;
  std::string state;
};

class Coordinator {
 public:
  // `clock` times sessions and rebalances (monotonic); `wall_clock` stamps
  // when a group becomes Empty (Group::empty_since_ms, kept across restarts).
  // Without one, `clock` serves for both (unit tests).
  explicit Coordinator(const Clock& clock, const Clock* wall_clock = nullptr);

  void join(JoinRequest request, JoinCallback callback);
  void sync(SyncRequest request, SyncCallback callback);
  std::int16_t heartbeat(const std::string& group_id, std::int32_t generation_id,
                         const std::string& member_id, const std::optional<std::string>& instance_id = {});
  // A member leaves; with an instance id (LeaveGroup v3+) the member id may
  // be empty and the static member of that instance leaves.
  std::int16_t leave(const std::string& group_id, const std::string& member_id,
                     const std::optional<std::string>& instance_id = {});
  // Whether an OffsetCommit from this member may commit (Kafka's rules: a
  // generation of -1 with no member commits to an Empty/unknown group).
  std::int16_t validate_commit(const std::string& group_id, std::int32_t generation_id,
                               const std::string& member_id,
                               const std::optional<std::string>& instance_id = {}) const;

  GroupDescription describe(const std::string& group_id) const;
  std::vector<GroupListing> list() const;
  const Group* group(const std::string& group_id) const;
  // Makes an Empty group of `group_id` when there is none: Kafka's "simple"
  // group, of a consumer that commits offsets without joining. It stays,
  // Empty, when OffsetDelete removes its last offset, until DeleteGroups.
  void ensure_group(const std::string& group_id) { group_for(group_id); }
  // Forgets a group with no members (DeleteGroups, offsets expiry); false,
  // and nothing changes, while it has members or a rebalance is under way.
  bool erase_if_empty(const std::string& group_id);
  // Every group, for GroupStore::save.
  const std::map<std::string, Group>& all_groups() const { return m_groups; }
  // Puts back a group GroupStore saved before a restart, replacing any of
  // that id; its members' sessions start now.
  void restore(Group group);

  // The earliest time tick() has work (a session expiry, a rebalance timeout).
  std::optional<std::int64_t> next_deadline() const;
  void tick();

 private:
  Group& group_for(const std::string& group_id);
  // A static member rejoining with an unknown member id: it takes over the
  // member its instance id maps to (see group.hpp).
  void rejoin_static(Group& g, Member& old, JoinRequest req, JoinCallback callback);
  void prepare_rebalance(Group& g);
  void maybe_complete_join(Group& g);
  void complete_join(Group& g);
  void remove_member(Group& g, const std::string& member_id);
  void become_empty(Group& g);
  JoinResult join_result(const Group& g, const Member& m) const;
  std::string new_member_id(const std::string& client_id);

  const Clock& m_clock;
  const Clock& m_wall_clock;
  std::map<std::string, Group> m_groups;
  std::mt19937_64 m_rng;
};

}  // namespace ftgo::broker::groups
