// Committed offsets retention (offsets.retention.minutes, KIP-211): the
// rules of groups/offset_expiry.hpp on a Coordinator driven by a ManualClock
// and a real Store on a temporary directory, reopened to check that nothing
// expired comes back.
#include <catch2/catch.hpp>

#include "../storage/temp_dir.hpp"
#include "broker/groups/group_store.hpp"
#include "broker/groups/offset_expiry.hpp"
#include "harness.hpp"

using ftgo::broker::storage::CommittedOffset;
using ftgo::broker::storage::LogOptions;
using ftgo::broker::storage::Store;
using ftgo::test::TempDir;

namespace {

constexpr std::int64_t k_retention = 60'000;

// A ConsumerProtocolSubscription v0 of `topics` (what a Java or librdkafka
// member sends as its "range" protocol metadata).
std::string subscription(const std::vector<std::string>& topics) {
  std::string s{'\0', '\0'};
  auto be32 = [&](std::uint32_t v) {
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  be32(static_cast<std::uint32_t>(topics.size()));
  for (const auto& t : topics) {
    s.push_back(static_cast<char>(t.size() >> 8));
    s.push_back(static_cast<char>(t.size() & 0xFF));
    s += t;
  }
  be32(0xFFFFFFFF);  // no user data
  return s;
}

// A coordinator, a store and the shorthands the cases share.
struct Fixture {
  TempDir dir;
  Harness h;
  std::unique_ptr<Store> store = std::make_unique<Store>(dir.path() / "kafka", LogOptions{});

  Fixture() {
    for (const char* t : {"orders", "old"}) store->create_topic({t, 2, {}});
  }
  void reopen() {
    store.reset();
    store = std::make_unique<Store>(dir.path() / "kafka", LogOptions{});
  }
  void commit(const std::string& group, const std::string& topic, int partition, std::int64_t expire_at = -1) {
    store->commit_offset(group, topic, partition, CommittedOffset{42, -1, "", h.clock.now_ms(), expire_at});
  }
  bool has(const std::string& group, const std::string& topic, int partition) const {
    return store->committed_offset(group, topic, partition).has_value();
  }
  ExpiryResult expire() { return expire_offsets(h.c, *store, h.clock.now_ms(), k_retention); }
  // One member of "g" subscribed to `topics`, Stable; its member id.
  std::string stable_member(const std::vector<std::string>& topics) {
    auto joined = h.join(h.request("", {{"range", subscription(topics)}}));
    REQUIRE(joined);
    REQUIRE(h.sync(joined->member_id, joined->generation_id, {{joined->member_id, "A"}}));
    REQUIRE(h.state() == GroupState::stable);
    return joined->member_id;
  }
  bool listed(const std::string& group) const {
    for (const auto& g : h.c.list())
      if (g.group_id == group) return true;
    for (const auto& id : store->groups_with_offsets())
      if (id == group) return true;
    return false;
  }
};

}  // namespace

TEST_CASE("an Empty consumer group's offsets expire a retention after it became Empty, not after the commit",
          "[broker][groups][retention]") {
  Fixture f;
  std::string m = f.stable_member({"orders"});
  f.commit("g", "orders", 0);
  f.commit("g", "orders", 1);
  f.h.clock.advance(2 * k_retention);  // Stable and subscribed: kept however old
  CHECK(f.expire().offsets == 0);
  REQUIRE(f.h.c.leave("g", m) == error::none);
  REQUIRE(f.h.state() == GroupState::empty);

  f.h.clock.advance(k_retention - 1);
  auto none = f.expire();
  CHECK(none.offsets == 0);
  CHECK(none.groups.empty());
  CHECK(f.has("g", "orders", 0));
  CHECK(f.listed("g"));

  f.h.clock.advance(1);
  auto gone = f.expire();
  CHECK(gone.offsets == 2);
  CHECK(gone.groups == std::vector<std::string>{"g"});
  CHECK_FALSE(f.has("g", "orders", 0));
  CHECK_FALSE(f.has("g", "orders", 1));
  // Dead: gone from the coordinator, so from ListGroups and DescribeGroups.
  CHECK(f.h.c.group("g") == nullptr);
  CHECK_FALSE(f.listed("g"));
  CHECK(f.h.c.describe("g").state == "Dead");
}

TEST_CASE("a Stable group keeps its subscribed topics' offsets and expires the others by commit time",
          "[broker][groups][retention]") {
  Fixture f;
  f.stable_member({"orders"});
  f.commit("g", "orders", 0);
  f.commit("g", "old", 0);
  f.h.clock.advance(k_retention / 2);
  f.commit("g", "old", 1);
  f.h.clock.advance(k_retention / 2);
  auto r = f.expire();
  CHECK(r.offsets == 1);
  CHECK(r.groups.empty());
  CHECK(f.has("g", "orders", 0));
  CHECK_FALSE(f.has("g", "old", 0));
  CHECK(f.has("g", "old", 1));
  f.h.clock.advance(k_retention);
  CHECK(f.expire().offsets == 1);
  CHECK(f.has("g", "orders", 0));
  CHECK_FALSE(f.has("g", "old", 1));
  CHECK(f.h.state() == GroupState::stable);
}

TEST_CASE("a group in the middle of a rebalance keeps every offset", "[broker][groups][retention]") {
  Fixture f;
  f.stable_member({"orders"});
  f.commit("g", "old", 0);
  f.h.join(f.h.request("", {{"range", subscription({"orders"})}}));  // a second member: PreparingRebalance
  REQUIRE(f.h.state() == GroupState::preparing_rebalance);
  f.h.clock.advance(2 * k_retention);
  CHECK(f.expire().offsets == 0);
  CHECK(f.has("g", "old", 0));
}

TEST_CASE("a simple group's offsets expire by their commit time, then the group goes",
          "[broker][groups][retention]") {
  Fixture f;
  f.commit("standalone", "orders", 0);
  f.h.clock.advance(k_retention / 2);
  f.commit("standalone", "orders", 1);
  REQUIRE(f.listed("standalone"));
  f.h.clock.advance(k_retention / 2);
  auto first = f.expire();
  CHECK(first.offsets == 1);
  CHECK(first.groups.empty());
  CHECK_FALSE(f.has("standalone", "orders", 0));
  CHECK(f.has("standalone", "orders", 1));
  CHECK(f.listed("standalone"));

  // Known to the coordinator too (OffsetDelete makes it so): it goes as well.
  f.h.c.ensure_group("standalone");
  f.h.clock.advance(k_retention / 2);
  auto second = f.expire();
  CHECK(second.offsets == 1);
  CHECK(second.groups == std::vector<std::string>{"standalone"});
  CHECK(f.h.c.group("standalone") == nullptr);
  CHECK_FALSE(f.listed("standalone"));
}

TEST_CASE("an Empty group without offsets goes at the next check, unless a member is joining",
          "[broker][groups][retention]") {
  Fixture f;
  std::string pending = f.h.new_member();  // MEMBER_ID_REQUIRED: Empty with a pending member
  REQUIRE(f.h.state() == GroupState::empty);
  CHECK(f.expire().groups.empty());
  REQUIRE(f.h.join(f.h.request(pending)));
  REQUIRE(f.h.c.leave("g", pending) == error::none);
  REQUIRE(f.h.state() == GroupState::empty);
  CHECK(f.expire().groups == std::vector<std::string>{"g"});
  CHECK(f.h.c.group("g") == nullptr);
}

TEST_CASE("an offset committed with a retention time expires at it, where its group lets offsets expire",
          "[broker][groups][retention]") {
  Fixture f;
  std::int64_t t0 = f.h.clock.now_ms();
  f.commit("standalone", "orders", 0, t0 + 1000);  // OffsetCommit v2-v4 retention_time_ms 1000
  f.stable_member({"orders"});
  f.commit("g", "orders", 0, t0 + 1000);  // subscribed: kept all the same
  f.reopen();  // the expiry time is persisted
  REQUIRE(f.store->committed_offset("standalone", "orders", 0)->expire_time_ms == t0 + 1000);
  f.h.clock.advance(999);
  CHECK(f.expire().offsets == 0);
  f.h.clock.advance(1);
  CHECK(f.expire().offsets == 1);
  CHECK_FALSE(f.has("standalone", "orders", 0));
  CHECK(f.has("g", "orders", 0));
}

TEST_CASE("nothing expired comes back after a restart, and an Empty group's clock survives it",
          "[broker][groups][retention]") {
  Fixture f;
  auto members = f.dir.path() / "members.json";
  std::string m = f.stable_member({"orders"});
  f.commit("g", "orders", 0);
  f.commit("standalone", "old", 0);
  f.h.clock.advance(k_retention);
  f.commit("standalone", "old", 1);
  REQUIRE(f.h.c.leave("g", m) == error::none);
  std::int64_t empty_at = f.h.clock.now_ms();
  GroupStore(members).save(f.h.c);
  CHECK(f.expire().offsets == 1);  // standalone's old-0

  // A restart: a new store and coordinator, its clock well past the commit
  // of g's offset but short of a retention after g became Empty.
  f.reopen();
  CHECK_FALSE(f.has("standalone", "old", 0));
  CHECK(f.has("standalone", "old", 1));
  Harness after;
  after.clock.advance(empty_at - after.clock.now_ms() + k_retention - 1);
  GroupStore after_store(members);
  auto saved = after_store.load();
  REQUIRE(saved.size() == 1);
  CHECK(saved[0].empty_since_ms == empty_at);
  for (auto& g : saved) after.c.restore(std::move(g));
  CHECK(expire_offsets(after.c, *f.store, after.clock.now_ms(), k_retention).offsets == 0);
  CHECK(f.has("g", "orders", 0));

  after.clock.advance(1);
  auto r = expire_offsets(after.c, *f.store, after.clock.now_ms(), k_retention);
  CHECK(r.offsets == 2);
  after_store.save(after.c);
  f.reopen();
  CHECK(f.store->groups_with_offsets().empty());
  CHECK(GroupStore(members).load().empty());
}

TEST_CASE("an Empty group saved without its Empty time expires its offsets by commit time",
          "[broker][groups][retention]") {
  Fixture f;
  // members.json as the broker wrote it before the time was kept.
  Group old = group_from_json(R"({"id":"g","state":"Empty","generation":3,"protocol_type":"consumer"})", 0);
  CHECK_FALSE(old.empty_since_ms);
  f.h.c.restore(std::move(old));
  f.commit("g", "orders", 0);
  f.h.clock.advance(k_retention / 2);
  f.commit("g", "orders", 1);
  f.h.clock.advance(k_retention / 2);
  CHECK(f.expire().offsets == 1);
  CHECK(f.has("g", "orders", 1));
}

TEST_CASE("an offset a transaction holds is kept past its retention, and its group with it",
          "[broker][groups][retention]") {
  Fixture f;
  f.commit("standalone", "orders", 0);
  f.commit("standalone", "orders", 1);
  f.h.c.ensure_group("standalone");
  f.h.clock.advance(k_retention);
  // An ongoing transaction has a TxnOffsetCommit of standalone for orders-1.
  PendingTxnOffsets pending;
  pending.offset = [](const std::string& g, const std::string& t, std::int32_t p) {
    return g == "standalone" && t == "orders" && p == 1;
  };
  pending.group = [](const std::string& g) { return g == "standalone"; };
  auto first = expire_offsets(f.h.c, *f.store, f.h.clock.now_ms(), k_retention, pending);
  CHECK(first.offsets == 1);
  CHECK_FALSE(f.has("standalone", "orders", 0));
  CHECK(f.has("standalone", "orders", 1));
  CHECK(first.groups.empty());
  // Its pending offset is for another partition now: orders-1 expires, the
  // group stays while the transaction holds an offset of it.
  pending.offset = {};
  auto second = expire_offsets(f.h.c, *f.store, f.h.clock.now_ms(), k_retention, pending);
  CHECK(second.offsets == 1);
  CHECK(second.groups.empty());
  CHECK(f.h.c.group("standalone") != nullptr);
  // The transaction ended: the group goes.
  pending.group = {};
  CHECK(expire_offsets(f.h.c, *f.store, f.h.clock.now_ms(), k_retention, pending).groups ==
        std::vector<std::string>{"standalone"});
}
