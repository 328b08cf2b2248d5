#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "broker/broker.hpp"
#include "broker/groups/group_store.hpp"
#include "harness.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;

namespace {

// A temporary directory removed at the end of the test.
struct TempDir {
  fs::path path = fs::temp_directory_path() / fmt::format("ftgo-group-store-{}", std::rand());
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

// Two members "a" (leader, static "inst-a") and "b", Stable in generation 1
// with assignments with bytes JSON cannot hold as text; the member ids.
std::pair<std::string, std::string> stable_pair(Harness& h) {
  std::string a, b;
  h.c.join(h.static_request("inst-a"), [&](JoinResult r) { a = r.member_id; });
  REQUIRE(!a.empty());
  h.sync(a, 1, {{a, "A"}});
  h.c.join(h.request(), [&](JoinResult r) { b = r.member_id; });
  h.join(h.static_request("inst-a", a));
  REQUIRE(!b.empty());
  h.sync(b, 2);
  h.sync(a, 2, {{a, std::string("\x00\xff p0", 5)}, {b, "p1"}}, "inst-a");
  REQUIRE(h.state() == GroupState::stable);
  return {a, b};
}

}  // namespace

TEST_CASE("a restarted broker's coordinator knows the members of a Stable group", "[broker][groups]") {
  TempDir dir;
  Harness before;
  auto [a, b] = stable_pair(before);
  GroupStore(dir.path / "groups.json").save(before.c);

  Harness after;  // a restart: a new coordinator and clock
  CHECK(after.c.heartbeat("g", 2, a) == error::unknown_member_id);  // what clients got without the store
  for (auto& g : GroupStore(dir.path / "groups.json").load()) after.c.restore(std::move(g));
  REQUIRE(after.state() == GroupState::stable);
  CHECK(after.c.heartbeat("g", 2, a, std::string("inst-a")) == error::none);
  CHECK(after.c.heartbeat("g", 2, b) == error::none);
  CHECK(after.c.heartbeat("g", 1, b) == error::illegal_generation);
  CHECK(after.c.validate_commit("g", 2, b) == error::none);
  auto synced = after.sync(a, 2, {}, "inst-a");
  REQUIRE(synced);
  CHECK(synced->assignment == std::string("\x00\xff p0", 5));
  auto desc = after.c.describe("g");
  CHECK(desc.protocol_data == "range");
  REQUIRE(desc.members.size() == 2);
  CHECK(desc.members[1].assignment == "p1");
  CHECK(desc.members[1].metadata == "m");

  // A member that does not come back is expired after its session timeout, as any other.
  after.clock.advance(5000);
  CHECK(after.c.heartbeat("g", 2, a, std::string("inst-a")) == error::none);
  after.clock.advance(6000);
  after.c.tick();
  CHECK(after.state() == GroupState::preparing_rebalance);
  CHECK(after.c.heartbeat("g", 2, b) == error::unknown_member_id);
}

TEST_CASE("the group store keeps a rebalancing group's last Stable form and an Empty group's generation",
          "[broker][groups]") {
  TempDir dir;
  fs::path file = dir.path / "groups.json";
  Harness h;
  GroupStore store(file);
  auto [a, b] = stable_pair(h);
  store.save(h.c);
  h.c.join(h.request(), [](JoinResult) {});  // a third member: a rebalance starts
  REQUIRE(h.state() == GroupState::preparing_rebalance);
  store.save(h.c);
  auto saved = GroupStore(file).load();
  REQUIRE(saved.size() == 1);
  CHECK(saved[0].state == GroupState::stable);
  CHECK(saved[0].generation == 2);
  CHECK(saved[0].members.size() == 2);

  Harness empty;
  auto lone = empty.join(empty.request())->member_id;
  empty.sync(lone, 1, {{lone, "x"}});
  REQUIRE(empty.c.leave("g", lone) == error::none);
  GroupStore(file).save(empty.c);
  saved = GroupStore(file).load();
  REQUIRE(saved.size() == 1);
  CHECK(saved[0].state == GroupState::empty);
  CHECK(saved[0].generation >= 1);
  CHECK(saved[0].members.empty());
}

TEST_CASE("a damaged groups.json is an error naming the file", "[broker][groups]") {
  TempDir dir;
  fs::path file = dir.path / "groups.json";
  std::ofstream(file) << "{\"groups\": [{\"id\": \"g\"";
  try {
    GroupStore(file).load();
    FAIL("no error");
  } catch (const ftgo::Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("consumer groups"));
    CHECK_THAT(e.what(), Catch::Contains(file.string()));
  }
  CHECK(GroupStore(dir.path / "missing.json").load().empty());
}

TEST_CASE("a broker whose members.json does not load starts without the saved members", "[broker][groups]") {
  TempDir dir;
  fs::create_directories(dir.path / "kafka" / "groups");
  std::ofstream(dir.path / "kafka" / "groups" / "members.json") << "{\"groups\": [{\"id\": \"g\"";
  boost::asio::io_context io;
  ftgo::broker::BrokerOptions opt;
  opt.data_dir = dir.path / "kafka";
  std::unique_ptr<ftgo::broker::Broker> broker;
  REQUIRE_NOTHROW(broker = std::make_unique<ftgo::broker::Broker>(io, opt));
  CHECK(broker->groups().all_groups().empty());
}
