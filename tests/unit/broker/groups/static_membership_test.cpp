// Static membership (KIP-345, group.instance.id) as Kafka's classic group
// coordinator does it: a restarted instance takes over its member without a
// rebalance; an absent static member keeps its place until its session ends.
#include <catch2/catch.hpp>

#include "harness.hpp"

namespace {

// Static member "i-a" leads; dynamic member b follows. Stable at generation 2
// with assignments "A" and "B". Returns {a, b}. `session_ms` for both.
std::pair<std::string, std::string> stable_pair(Harness& h, std::int32_t session_ms = 10000) {
  auto static_join = [&](const std::string& member_id) {
    JoinRequest r = h.static_request("i-a", member_id);
    r.session_timeout_ms = session_ms;
    return h.join(r);
  };
  auto a_first = static_join("");
  REQUIRE(a_first);
  REQUIRE(a_first->error == error::none);  // no MEMBER_ID_REQUIRED round for a static member
  std::string a = a_first->member_id;
  REQUIRE(h.sync(a, 1, {{a, "A"}}, "i-a"));
  std::string b = h.new_member();
  std::optional<JoinResult> b_join;
  JoinRequest br = h.request(b);
  br.session_timeout_ms = session_ms;
  h.c.join(br, [&](JoinResult r) { b_join = r; });
  REQUIRE_FALSE(b_join);  // waits for a to rejoin
  auto a_join = static_join(a);
  REQUIRE(a_join);
  REQUIRE(b_join);
  REQUIRE(a_join->generation_id == 2);
  REQUIRE(a_join->leader == a);
  std::optional<SyncResult> b_sync;
  h.c.sync({"g", 2, b, {}, {}}, [&](SyncResult r) { b_sync = r; });
  REQUIRE(h.sync(a, 2, {{a, "A"}, {b, "B"}}, "i-a"));
  REQUIRE(b_sync);
  REQUIRE(b_sync->assignment == "B");
  REQUIRE(h.state() == GroupState::stable);
  return {a, b};
}

// From stable_pair(h, 60000): c joins and b rejoins, a (static) does not; the
// rebalance timeout (30 s) passes and generation 3 completes without it.
struct MissedRebalance {
  std::string c;
  std::optional<JoinResult> c_join, b_join;
};
void miss_a_rebalance(Harness& h, const std::string& b, MissedRebalance& out) {
  out.c = h.new_member();
  for (const std::string* id : {static_cast<const std::string*>(&out.c), &b}) {
    JoinRequest r = h.request(*id);
    r.session_timeout_ms = 60000;
    auto& slot = id == &b ? out.b_join : out.c_join;
    h.c.join(r, [&slot](JoinResult res) { slot = res; });
  }
  REQUIRE_FALSE(out.c_join);
  h.clock.advance(30001);
  h.c.tick();
}

}  // namespace

TEST_CASE("a restarted static member takes over its place without a rebalance", "[broker][groups][static]") {
  Harness h;
  auto [a, b] = stable_pair(h);
  CHECK(a.rfind("i-a-", 0) == 0);

  auto again = h.join(h.static_request("i-a"));  // the restarted process: no member id yet
  REQUIRE(again);
  CHECK(again->error == error::none);
  CHECK(again->generation_id == 2);  // same generation: nobody rebalanced
  CHECK(again->member_id != a);
  CHECK(again->leader == a);  // the old id: the new instance follows, it does not reassign
  CHECK(again->members.empty());
  CHECK(h.state() == GroupState::stable);
  const std::string a2 = again->member_id;

  auto synced = h.sync(a2, 2, {}, "i-a");
  REQUIRE(synced);
  CHECK(synced->error == error::none);
  CHECK(synced->assignment == "A");  // what the previous instance had
  CHECK(h.c.heartbeat("g", 2, b) == error::none);  // b saw nothing
  CHECK(h.c.heartbeat("g", 2, a2, std::string("i-a")) == error::none);
  CHECK(h.c.group("g")->leader == a2);
}

TEST_CASE("the previous instance of a static member is fenced", "[broker][groups][static]") {
  Harness h;
  auto [a, b] = stable_pair(h);
  auto again = h.join(h.static_request("i-a"));
  REQUIRE(again);
  const std::string a2 = again->member_id;

  CHECK(h.c.heartbeat("g", 2, a, std::string("i-a")) == error::fenced_instance_id);
  CHECK(h.c.heartbeat("g", 2, a) == error::unknown_member_id);  // without the instance id: just gone
  auto old_sync = h.sync(a, 2, {}, "i-a");
  REQUIRE(old_sync);
  CHECK(old_sync->error == error::fenced_instance_id);
  CHECK(h.c.validate_commit("g", 2, a, std::string("i-a")) == error::fenced_instance_id);
  CHECK(h.c.validate_commit("g", 2, a2, std::string("i-a")) == error::none);
  auto old_join = h.join(h.static_request("i-a", a));
  REQUIRE(old_join);
  CHECK(old_join->error == error::fenced_instance_id);
  CHECK(h.c.heartbeat("g", 2, b, std::string("i-nobody")) == error::unknown_member_id);
}

TEST_CASE("a static member's restart during CompletingRebalance fences its parked sync and rejoins",
          "[broker][groups][static]") {
  Harness h;
  // b (dynamic) leads; a (static) joins and follows.
  std::string b = h.new_member();
  REQUIRE(h.join(h.request(b)));
  REQUIRE(h.sync(b, 1, {{b, "B"}}));
  std::optional<JoinResult> a_join;
  h.c.join(h.static_request("i-a"), [&](JoinResult r) { a_join = r; });
  REQUIRE_FALSE(a_join);
  REQUIRE(h.join(h.request(b)));
  REQUIRE(a_join);
  REQUIRE(a_join->leader == b);
  std::string a = a_join->member_id;
  std::optional<SyncResult> a_sync;
  h.c.sync({"g", 2, a, {}, std::string("i-a")}, [&](SyncResult r) { a_sync = r; });
  REQUIRE_FALSE(a_sync);  // waits for the leader's assignment
  REQUIRE(h.state() == GroupState::completing_rebalance);

  std::optional<JoinResult> a2_join;
  h.c.join(h.static_request("i-a"), [&](JoinResult r) { a2_join = r; });
  REQUIRE(a_sync);
  CHECK(a_sync->error == error::fenced_instance_id);
  CHECK_FALSE(a2_join);  // the join starts over: b must rejoin
  CHECK(h.state() == GroupState::preparing_rebalance);
  auto b_again = h.join(h.request(b));
  REQUIRE(b_again);
  REQUIRE(a2_join);
  CHECK(a2_join->error == error::none);
  CHECK(a2_join->generation_id == 3);
  CHECK(a2_join->member_id != a);
  REQUIRE(b_again->members.size() == 2);  // the leader assigns to the new id
  bool has_new_id = false;
  for (const auto& m : b_again->members) has_new_id |= m.member_id == a2_join->member_id;
  CHECK(has_new_id);
}

TEST_CASE("a static member that misses a rebalance keeps its place until its session ends",
          "[broker][groups][static]") {
  Harness h;
  auto [a, b] = stable_pair(h, 60000);  // sessions longer than the 30 s rebalance timeout
  MissedRebalance m;
  miss_a_rebalance(h, b, m);
  const std::string& c = m.c;
  auto& c_join = m.c_join;
  auto& b_join = m.b_join;
  REQUIRE(c_join);
  REQUIRE(b_join);
  CHECK(b_join->generation_id == 3);
  REQUIRE(h.c.group("g")->member(a) != nullptr);  // still there, for its partitions to wait for it
  // The leader (a did not rejoin, so b or c leads) sees a among the members.
  const JoinResult& leader = b_join->leader == b ? *b_join : *c_join;
  CHECK(leader.members.size() == 3);
  CHECK(leader.leader != a);

  // Its session (60 s, counted from the new generation) ends: out, and a rebalance.
  for (int i = 0; i < 6; ++i) {
    CHECK(h.c.group("g")->member(a) != nullptr);
    h.c.heartbeat("g", 3, b);
    h.c.heartbeat("g", 3, c);
    h.clock.advance(i < 5 ? 10000 : 10001);
    h.c.tick();
  }
  CHECK(h.c.group("g")->member(a) == nullptr);
  CHECK(h.c.group("g")->static_members.count("i-a") == 0);
  CHECK(h.state() == GroupState::preparing_rebalance);
}

TEST_CASE("LeaveGroup by instance id removes the static member; a mismatched member id is fenced",
          "[broker][groups][static]") {
  Harness h;
  h.lone_static("i-a");
  CHECK(h.c.leave("g", "someone-else", std::string("i-a")) == error::fenced_instance_id);
  CHECK(h.c.leave("g", "", std::string("i-nobody")) == error::unknown_member_id);
  CHECK(h.state() == GroupState::stable);
  CHECK(h.c.leave("g", "", std::string("i-a")) == error::none);  // as the admin client sends it
  CHECK(h.state() == GroupState::empty);
  CHECK(h.c.group("g")->static_members.empty());
  // Back later: a new member, a new generation.
  auto back = h.join(h.static_request("i-a"));
  REQUIRE(back);
  CHECK(back->error == error::none);
  CHECK(back->generation_id == 3);
}

TEST_CASE("a static member's JoinGroup without its instance id keeps it static", "[broker][groups][static]") {
  Harness h;
  auto [a, b] = stable_pair(h);
  std::optional<JoinResult> plain;
  h.c.join(h.request(a), [&](JoinResult r) { plain = r; });  // the leader rejoins: a rebalance
  REQUIRE(h.c.group("g")->member(a) != nullptr);
  CHECK(h.c.group("g")->member(a)->group_instance_id == std::optional<std::string>("i-a"));
  CHECK(h.c.group("g")->static_members.at("i-a") == a);
  REQUIRE(h.join(h.request(b)));
  REQUIRE(plain);
  CHECK(plain->error == error::none);
  CHECK(h.c.heartbeat("g", plain->generation_id, a, std::string("i-a")) == error::none);
}

TEST_CASE("a static restart while the group prepares a rebalance fences the old instance's parked join",
          "[broker][groups][static]") {
  Harness h;
  auto [a, b] = stable_pair(h);
  std::string c = h.new_member();
  std::optional<JoinResult> c_join, a_join;
  h.c.join(h.request(c), [&](JoinResult r) { c_join = r; });
  h.c.join(h.static_request("i-a", a), [&](JoinResult r) { a_join = r; });  // the old instance rejoins
  REQUIRE_FALSE(a_join);  // parked: b has not rejoined
  REQUIRE(h.state() == GroupState::preparing_rebalance);
  std::optional<JoinResult> a2_join;
  h.c.join(h.static_request("i-a"), [&](JoinResult r) { a2_join = r; });  // the new instance
  REQUIRE(a_join);
  CHECK(a_join->error == error::fenced_instance_id);
  CHECK_FALSE(a2_join);  // parked in its place
  auto b_join = h.join(h.request(b));
  REQUIRE(b_join);
  REQUIRE(a2_join);
  CHECK(a2_join->error == error::none);
  CHECK(a2_join->generation_id == 3);
  CHECK(h.c.group("g")->members.size() == 3);
}

TEST_CASE("offset commits: member, then generation, then state, as Kafka checks them", "[broker][groups][static]") {
  Harness h;
  auto [a, b] = stable_pair(h, 60000);
  MissedRebalance m;
  miss_a_rebalance(h, b, m);  // generation 3 without a, which stays (static)
  REQUIRE(h.state() == GroupState::completing_rebalance);
  CHECK(h.c.validate_commit("g", 2, a, std::string("i-a")) == error::illegal_generation);
  CHECK(h.c.validate_commit("g", 3, b) == error::rebalance_in_progress);
  CHECK(h.c.validate_commit("g", 3, "ghost") == error::unknown_member_id);
}

TEST_CASE("a rebalance left with only absent static members waits instead of completing",
          "[broker][groups][static]") {
  Harness h;
  const std::string a = h.lone_static("i-a");
  std::string b = h.new_member();
  std::optional<JoinResult> b_join;
  auto br = h.request(b);
  br.session_timeout_ms = 60000;
  h.c.join(br, [&](JoinResult r) { b_join = r; });  // a must rejoin; it does not
  REQUIRE(h.c.leave("g", b) == error::none);  // and b goes away again
  REQUIRE(b_join);
  CHECK(h.state() == GroupState::preparing_rebalance);
  h.clock.advance(9000);  // past nothing yet: a's session is 10 s
  h.c.tick();
  CHECK(h.state() == GroupState::preparing_rebalance);
  CHECK(h.c.group("g")->generation == 1);  // not completed with nobody joined
  REQUIRE(h.c.group("g")->member(a) != nullptr);
  h.clock.advance(1001);  // a's session ends
  h.c.tick();
  CHECK(h.c.group("g")->member(a) == nullptr);
  CHECK(h.state() == GroupState::empty);
}
