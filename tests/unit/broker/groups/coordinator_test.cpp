#include <catch2/catch.hpp>

#include "harness.hpp"

TEST_CASE("a lone member joins, leads and syncs without waiting", "[broker][groups]") {
  Harness h;
  std::string id = h.new_member();
  auto joined = h.join(h.request(id));
  REQUIRE(joined);
  CHECK(joined->error == error::none);
  CHECK(joined->generation_id == 1);
  CHECK(joined->leader == id);
  CHECK(joined->protocol_name == "range");
  REQUIRE(joined->members.size() == 1);
  CHECK(joined->members[0].metadata == "m");
  CHECK(h.state() == GroupState::completing_rebalance);
  auto synced = h.sync(id, 1, {{id, "assignment"}});
  REQUIRE(synced);
  CHECK(synced->assignment == "assignment");
  CHECK(h.state() == GroupState::stable);
}

TEST_CASE("a join of an unknown member id is UNKNOWN_MEMBER_ID", "[broker][groups]") {
  Harness h;
  auto r = h.join(h.request("ghost"));
  REQUIRE(r);
  CHECK(r->error == error::unknown_member_id);
}

TEST_CASE("a second member triggers a rebalance the first joins through its heartbeat", "[broker][groups]") {
  Harness h;
  auto a = h.join(h.request())->member_id;
  h.sync(a, 1, {{a, "all"}});
  REQUIRE(h.state() == GroupState::stable);

  std::optional<JoinResult> b_join;
  h.c.join(h.request(), [&](JoinResult r) { b_join = r; });
  CHECK_FALSE(b_join);  // waits for a to rejoin
  CHECK(h.state() == GroupState::preparing_rebalance);
  CHECK(h.c.heartbeat("g", 1, a) == error::rebalance_in_progress);

  std::optional<JoinResult> a_join;
  h.c.join(h.request(a), [&](JoinResult r) { a_join = r; });
  REQUIRE(a_join);
  REQUIRE(b_join);
  CHECK(a_join->generation_id == 2);
  CHECK(b_join->generation_id == 2);
  CHECK(a_join->leader == a);
  CHECK(a_join->members.size() == 2);
  CHECK(b_join->members.empty());

  // The follower's sync waits for the leader's.
  std::string b = b_join->member_id;
  auto b_sync = std::optional<SyncResult>();
  h.c.sync({"g", 2, b, {}, {}}, [&](SyncResult r) { b_sync = r; });
  CHECK_FALSE(b_sync);
  auto a_sync = h.sync(a, 2, {{a, "p0"}, {b, "p1"}});
  REQUIRE(b_sync);
  CHECK(b_sync->assignment == "p1");
  CHECK(a_sync->assignment == "p0");
  CHECK(h.c.heartbeat("g", 2, b) == error::none);
  CHECK(h.c.heartbeat("g", 1, b) == error::illegal_generation);
}

TEST_CASE("a member that does not rejoin within the rebalance timeout is dropped", "[broker][groups]") {
  Harness h;
  auto a = h.join(h.request())->member_id;
  h.sync(a, 1, {{a, "all"}});
  std::optional<JoinResult> b_join;
  h.c.join(h.request(), [&](JoinResult r) { b_join = r; });
  REQUIRE(h.c.next_deadline());
  h.clock.advance(30000);
  h.c.tick();
  REQUIRE(b_join);
  CHECK(b_join->error == error::none);
  CHECK(b_join->leader == b_join->member_id);
  CHECK(h.c.group("g")->members.size() == 1);
  CHECK(h.c.heartbeat("g", 2, a) == error::unknown_member_id);
}

TEST_CASE("session timeout evicts a silent member and rebalances the rest", "[broker][groups]") {
  Harness h;
  auto a = h.join(h.request())->member_id;
  h.sync(a, 1, {{a, "all"}});
  std::optional<JoinResult> b_join;
  h.c.join(h.request(), [&](JoinResult r) { b_join = r; });
  h.join(h.request(a));
  std::string b = b_join->member_id;
  h.sync(a, 2, {{a, "x"}, {b, "y"}});
  REQUIRE(h.state() == GroupState::stable);

  h.clock.advance(6000);
  CHECK(h.c.heartbeat("g", 2, a) == error::none);
  h.clock.advance(5000);  // b silent for 11 s > 10 s
  h.c.tick();
  CHECK(h.c.group("g")->member(b) == nullptr);
  CHECK(h.state() == GroupState::preparing_rebalance);
  auto rejoin = h.join(h.request(a));
  REQUIRE(rejoin);
  CHECK(rejoin->generation_id == 3);
}

TEST_CASE("leave rebalances; the last one out leaves the group Empty", "[broker][groups]") {
  Harness h;
  auto a = h.join(h.request())->member_id;
  h.sync(a, 1, {{a, "all"}});
  CHECK(h.c.leave("g", a) == error::none);
  CHECK(h.state() == GroupState::empty);
  CHECK(h.c.leave("g", a) == error::unknown_member_id);
  CHECK(h.c.describe("g").state == "Empty");
  CHECK(h.c.describe("nope").state == "Dead");
}

TEST_CASE("members without a common protocol are refused", "[broker][groups]") {
  Harness h;
  auto a = h.join(h.request())->member_id;
  auto r = h.join(h.request("", {{"roundrobin", "m"}}));
  REQUIRE(r);
  CHECK(r->error == error::inconsistent_group_protocol);
  (void)a;
}

TEST_CASE("the protocol most members prefer among the common ones is chosen", "[broker][groups]") {
  Group g;
  Member a, b;
  a.id = "a";
  a.protocols = {{"range", ""}, {"roundrobin", ""}};
  b.id = "b";
  b.protocols = {{"roundrobin", ""}, {"range", ""}, {"sticky", ""}};
  g.members = {a, b, b};
  g.members[2].id = "c";
  CHECK(g.select_protocol() == "roundrobin");
}

TEST_CASE("sync with a stale generation or during a rebalance is refused", "[broker][groups]") {
  Harness h;
  auto a = h.join(h.request())->member_id;
  CHECK(h.sync(a, 5)->error == error::illegal_generation);
  CHECK(h.sync("x", 1)->error == error::unknown_member_id);
  h.sync(a, 1, {{a, "all"}});
  std::optional<JoinResult> b_join;
  h.c.join(h.request(), [&](JoinResult r) { b_join = r; });
  CHECK(h.sync(a, 1)->error == error::rebalance_in_progress);
}

TEST_CASE("offset commits are checked against membership and generation", "[broker][groups]") {
  Harness h;
  CHECK(h.c.validate_commit("fresh", -1, "") == error::none);
  auto a = h.join(h.request())->member_id;
  CHECK(h.c.validate_commit("g", 1, a) == error::rebalance_in_progress);  // CompletingRebalance
  h.sync(a, 1, {{a, "all"}});
  CHECK(h.c.validate_commit("g", 1, a) == error::none);
  CHECK(h.c.validate_commit("g", 0, a) == error::illegal_generation);
  CHECK(h.c.validate_commit("g", 1, "x") == error::unknown_member_id);
  CHECK(h.c.validate_commit("g", -1, "") == error::unknown_member_id);
}

TEST_CASE("an unanswered MEMBER_ID_REQUIRED id expires after the session timeout", "[broker][groups]") {
  Harness h;
  std::string id = h.new_member();
  h.clock.advance(10001);
  h.c.tick();
  auto r = h.join(h.request(id));
  REQUIRE(r);
  CHECK(r->error == error::unknown_member_id);
}
