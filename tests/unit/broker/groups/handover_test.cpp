// The coordinator behaviours a blue-green swap relies on (docs/benchmarks/
// deploy.md, "Blue-green swap gap"): the new instance joins beside the old
// one, then the old one leaves. None of these may wait for a session timeout.
#include <catch2/catch.hpp>

#include <deque>

#include "broker/groups/coordinator.hpp"
#include "broker/protocol/errors.hpp"

using namespace ftgo::broker::groups;
namespace error = ftgo::broker::protocol::error;

namespace {

struct Swap {
  ManualClock clock;
  Coordinator c{clock};

  JoinRequest request(const std::string& member_id = "") {
    JoinRequest r;
    r.group_id = "g";
    r.session_timeout_ms = 6000;
    r.rebalance_timeout_ms = 300000;  // librdkafka: max.poll.interval.ms
    r.member_id = member_id;
    r.protocol_type = "consumer";
    r.protocols = {{"range", "m"}};
    r.client_id = "c";
    return r;
  }

  // Joins (v4+: MEMBER_ID_REQUIRED first); the result slot fills when the join completes.
  std::string join_new(std::optional<JoinResult>& out) {
    auto first = request();
    first.require_known_member_id = true;
    std::string id;
    c.join(first, [&](JoinResult r) { id = r.member_id; });
    c.join(request(id), [&out](JoinResult r) { out = std::move(r); });
    return id;
  }

  // The result when the rejoin completes at once; one that waits completes
  // later into a slot the harness owns (the callback outlives this call).
  std::optional<JoinResult> rejoin(const std::string& id) {
    auto& out = join_slots.emplace_back();
    c.join(request(id), [&out](JoinResult r) { out = std::move(r); });
    return out;
  }

  std::optional<SyncResult> sync(const std::string& id, std::int32_t generation,
                                 std::vector<std::pair<std::string, std::string>> assignments = {}) {
    auto& out = sync_slots.emplace_back();
    c.sync({"g", generation, id, std::move(assignments), {}}, [&out](SyncResult r) { out = std::move(r); });
    return out;
  }

  std::deque<std::optional<JoinResult>> join_slots;  // a deque: references stay valid
  std::deque<std::optional<SyncResult>> sync_slots;

  GroupState state() const { return c.group("g")->state; }

  // A stable group with the old instance alone in generation 1.
  std::string old_instance() {
    std::optional<JoinResult> joined;
    std::string a = join_new(joined);
    REQUIRE(joined);
    REQUIRE(sync(a, 1, {{a, "p0,p1,p2"}}));
    REQUIRE(state() == GroupState::stable);
    return a;
  }
};

}  // namespace

TEST_CASE("a swap hands the partitions over without waiting for any timeout", "[broker][groups][swap]") {
  Swap s;
  std::string a = s.old_instance();

  // The new instance joins: the old one hears of it from its next heartbeat.
  std::optional<JoinResult> b_join;
  std::string b = s.join_new(b_join);
  CHECK_FALSE(b_join);
  CHECK(s.state() == GroupState::preparing_rebalance);
  CHECK(s.c.heartbeat("g", 1, a) == error::rebalance_in_progress);
  auto a_join = s.rejoin(a);
  REQUIRE(a_join);
  REQUIRE(b_join);
  CHECK(a_join->generation_id == 2);
  std::optional<SyncResult> b_sync;
  s.c.sync({"g", 2, b, {}, {}}, [&](SyncResult r) { b_sync = r; });
  s.sync(a, 2, {{a, "p0,p1"}, {b, "p2"}});
  REQUIRE(b_sync);
  CHECK(b_sync->assignment == "p2");

  // The old instance leaves: the group rebalances at once, the new one hears
  // of it from its next heartbeat and its rejoin completes immediately.
  CHECK(s.c.leave("g", a) == error::none);
  CHECK(s.state() == GroupState::preparing_rebalance);
  CHECK(s.c.group("g")->member(a) == nullptr);
  CHECK(s.c.heartbeat("g", 2, b) == error::rebalance_in_progress);
  auto b_rejoin = s.rejoin(b);
  REQUIRE(b_rejoin);
  CHECK(b_rejoin->generation_id == 3);
  CHECK(b_rejoin->leader == b);
  REQUIRE(b_rejoin->members.size() == 1);
  CHECK(s.sync(b, 3, {{b, "p0,p1,p2"}})->assignment == "p0,p1,p2");
  CHECK(s.state() == GroupState::stable);
}

TEST_CASE("a member leaving mid-rebalance completes the join of those who rejoined", "[broker][groups][swap]") {
  Swap s;
  std::string a = s.old_instance();
  std::optional<JoinResult> b_join;
  std::string b = s.join_new(b_join);
  REQUIRE(s.state() == GroupState::preparing_rebalance);
  // The old instance is stopped before it heard of the rebalance: its
  // LeaveGroup alone completes the join, no session timeout involved.
  CHECK(s.c.leave("g", a) == error::none);
  REQUIRE(b_join);
  CHECK(b_join->error == error::none);
  CHECK(b_join->generation_id == 2);
  CHECK(b_join->leader == b);
}

TEST_CASE("a member leaving while the others wait in SyncGroup restarts the join at once", "[broker][groups][swap]") {
  Swap s;
  std::string a = s.old_instance();
  std::optional<JoinResult> b_join;
  std::string b = s.join_new(b_join);
  s.rejoin(a);
  REQUIRE(b_join);
  REQUIRE(s.state() == GroupState::completing_rebalance);
  std::optional<SyncResult> b_sync;
  s.c.sync({"g", 2, b, {}, {}}, [&](SyncResult r) { b_sync = r; });
  CHECK_FALSE(b_sync);
  CHECK(s.c.leave("g", a) == error::none);  // the leader leaves before its SyncGroup
  REQUIRE(b_sync);
  CHECK(b_sync->error == error::rebalance_in_progress);
  auto again = s.rejoin(b);
  REQUIRE(again);
  CHECK(again->generation_id == 3);
  CHECK(again->leader == b);
}

TEST_CASE("a live member that never rejoins is dropped at the rebalance timeout, not before", "[broker][groups][swap]") {
  Swap s;
  std::string a = s.old_instance();
  std::optional<JoinResult> b_join;
  s.join_new(b_join);
  // a keeps heartbeating (so its session never expires) but never rejoins.
  for (int elapsed = 0; elapsed < 299000; elapsed += 1000) {
    s.clock.advance(1000);
    CHECK(s.c.heartbeat("g", 1, a) == error::rebalance_in_progress);
    s.c.tick();
  }
  CHECK_FALSE(b_join);
  REQUIRE(s.c.next_deadline());
  s.clock.advance(1000);
  s.c.tick();
  REQUIRE(b_join);
  CHECK(b_join->generation_id == 2);
  CHECK(s.c.group("g")->member(a) == nullptr);
}

TEST_CASE("a pending member leaving unblocks the rebalance it was holding", "[broker][groups][swap]") {
  Swap s;
  std::string a = s.old_instance();
  std::optional<JoinResult> b_join;
  s.join_new(b_join);
  // c got its id (MEMBER_ID_REQUIRED) but has not joined with it yet.
  auto first = s.request();
  first.require_known_member_id = true;
  std::string c;
  s.c.join(first, [&](JoinResult r) { c = r.member_id; });
  REQUIRE_FALSE(c.empty());
  s.rejoin(a);
  CHECK_FALSE(b_join);  // waits for c
  CHECK(s.c.leave("g", c) == error::none);
  REQUIRE(b_join);
  CHECK(b_join->generation_id == 2);
}
