#pragma once
// A Coordinator on a ManualClock with one group "g", and short-hands for the
// requests the group tests send. Shared by the coordinator and static
// membership tests.
#include <catch2/catch.hpp>

#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "broker/groups/coordinator.hpp"
#include "broker/protocol/errors.hpp"

using namespace ftgo::broker::groups;
namespace error = ftgo::broker::protocol::error;

struct Harness {
  ManualClock clock;
  Coordinator c{clock};

  JoinRequest request(const std::string& member_id = "", std::vector<Protocol> protocols = {{"range", "m"}}) {
    JoinRequest r;
    r.group_id = "g";
    r.session_timeout_ms = 10000;
    r.rebalance_timeout_ms = 30000;
    r.member_id = member_id;
    r.protocol_type = "consumer";
    r.protocols = std::move(protocols);
    r.client_id = "c";
    return r;
  }

  // Joins and returns the result when it completes at once. A join that
  // waits completes later into a slot the harness owns (the callback outlives
  // this call).
  std::optional<JoinResult> join(JoinRequest r) {
    auto& out = m_join_slots.emplace_back();
    c.join(std::move(r), [&out](JoinResult res) { out = std::move(res); });
    return out;
  }

  // v4 style: MEMBER_ID_REQUIRED first, then join with the id.
  std::string new_member() {
    auto r = request();
    r.require_known_member_id = true;
    auto first = join(r);
    REQUIRE(first);
    REQUIRE(first->error == error::member_id_required);
    return first->member_id;
  }

  // A static member's join: group.instance.id set, as JoinGroup v5 sends it.
  JoinRequest static_request(const std::string& instance, const std::string& member_id = "") {
    JoinRequest r = request(member_id);
    r.group_instance_id = instance;
    r.require_known_member_id = true;
    return r;
  }

  // A static member alone in the group, Stable in generation 1 with assignment "A"; its member id.
  std::string lone_static(const std::string& instance) {
    auto joined = join(static_request(instance));
    REQUIRE(joined);
    REQUIRE(sync(joined->member_id, 1, {{joined->member_id, "A"}}, instance));
    return joined->member_id;
  }

  std::optional<SyncResult> sync(const std::string& member, std::int32_t generation,
                                 std::vector<std::pair<std::string, std::string>> assignments = {},
                                 std::optional<std::string> instance = {}) {
    auto& out = m_sync_slots.emplace_back();
    c.sync({"g", generation, member, std::move(assignments), std::move(instance)},
           [&out](SyncResult res) { out = std::move(res); });
    return out;
  }

  GroupState state() const { return c.group("g")->state; }

 private:
  std::deque<std::optional<JoinResult>> m_join_slots;  // a deque: references stay valid
  std::deque<std::optional<SyncResult>> m_sync_slots;
};
