#pragma once
// Group and Member: the state of one consumer group under the classic
// protocol, as the Coordinator keeps it. Plain data; the Coordinator owns
// every Group and changes it on the broker's io thread.
//
// States (Kafka's GroupCoordinator):
//   Empty --join--> PreparingRebalance --all joined / rebalance timeout-->
//   CompletingRebalance --leader's SyncGroup--> Stable
//   Stable/CompletingRebalance --join with new metadata, leave, session
//   expiry--> PreparingRebalance; a rebalance that ends with no member -> Empty.
//
// Static members (KIP-345) carry a group.instance.id: a restarted instance
// rejoining with it takes over its old member (new member id, same
// assignment) without a rebalance, and a static member that misses a
// rebalance keeps its place until its session expires.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ftgo::broker::groups {

enum class GroupState { empty, preparing_rebalance, completing_rebalance, stable, dead };
std::string_view to_string(GroupState s);

struct Protocol {
  std::string name;
  std::string metadata;
};

struct JoinMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string metadata;
};

struct JoinResult {
  std::int16_t error = 0;
  std::int32_t generation_id = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<JoinMember> members;  // the leader's only
};
using JoinCallback = std::function<void(JoinResult)>;

struct SyncResult {
  std::int16_t error = 0;
  std::string assignment;
};
using SyncCallback = std::function<void(SyncResult)>;

struct Member {
  std::string id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::int32_t session_timeout_ms = 10000;
  std::int32_t rebalance_timeout_ms = 10000;
  std::string protocol_type;
  std::vector<Protocol> protocols;
  std::string assignment;
  std::int64_t last_heartbeat_ms = 0;
  JoinCallback awaiting_join;  // set while its JoinGroup waits
  SyncCallback awaiting_sync;  // set while its SyncGroup waits

  const std::string* metadata_for(std::string_view protocol) const;
};

struct PendingMember {
  std::string id;
  std::int64_t expires_ms = 0;
};

struct Group {
  std::string id;
  GroupState state = GroupState::empty;
  std::int32_t generation = 0;
  std::string protocol_type;
  std::string protocol_name;  // chosen at the end of each join phase
  std::string leader;
  std::vector<Member> members;  // in join order
  std::vector<PendingMember> pending;  // given an id by MEMBER_ID_REQUIRED, not joined yet
  std::map<std::string, std::string> static_members;  // group.instance.id -> member id
  std::int64_t rebalance_deadline_ms = 0;
  // Wall-clock time (ms since the epoch) the group last became Empty: the
  // start of its committed offsets' retention (Kafka's currentStateTimestamp).
  // Unset for a group restored from a members.json written before it was
  // kept: its offsets then expire by their commit time, as in Kafka.
  std::optional<std::int64_t> empty_since_ms;

  Member* member(std::string_view id);
  const Member* member(std::string_view id) const;
  bool all_joined() const;
  // Kafka's check of a request's member: with an instance id it must map to
  // this member id (else UNKNOWN_MEMBER_ID, or FENCED_INSTANCE_ID when it
  // maps to another); without one the member id must be known.
  std::int16_t validate_member(const std::string& member_id, const std::optional<std::string>& instance_id) const;
  // The protocol every member supports that most members prefer; empty when
  // there is none in common.
  std::string select_protocol() const;
  // Whether `protocols` has one in common with every current member but
  // `except_member` (the one joining).
  bool supports(const std::vector<Protocol>& protocols, std::string_view except_member) const;
  std::int32_t max_rebalance_timeout() const;
};

}  // namespace ftgo::broker::groups
