// Offsets retention through the wire: OffsetCommit v2-v4's retention_time_ms
// becomes the offset's expiry time (Kafka 4.0), and a group whose offsets
// expired is no longer in ListGroups nor DescribeGroups.
#include <catch2/catch.hpp>

#include <set>

#include "broker/groups/offset_expiry.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::be64;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::reader_of;
using ftgo::test::s16;
using ftgo::test::simple_commit;

namespace {

constexpr std::int64_t k_week_ms = 7LL * 24 * 3600 * 1000;

// The group ids of a ListGroups v2 response.
std::set<std::string> listed(BrokerFixture& f) {
  std::string data = f.call(api_key::list_groups, 2, "").value();
  Reader r = reader_of(data);
  r.i32();
  REQUIRE(r.i16() == 0);
  std::set<std::string> out;
  for (std::int32_t n = r.i32(); n > 0; --n) {
    out.insert(r.string());
    r.string();
  }
  return out;
}

}  // namespace

TEST_CASE("OffsetCommit v2's retention_time_ms sets the offset's expiry; expired groups leave ListGroups",
          "[broker][protocol][retention]") {
  BrokerFixture f;
  f.auto_create("t");
  // Group "short": generation -1, no member, retention_time_ms 5000, offset 7 on t-0.
  f.call(api_key::offset_commit, 2,
         s16("short") + hex("ffffffff") + s16("") + be64(5000) + hex("00000001") + s16("t") +
             hex("00000001 00000000") + be64(7) + s16(""));
  f.call(api_key::offset_commit, 2, simple_commit("plain", "t", 3));  // retention_time_ms -1
  auto& store = f.broker->store();
  auto short_offset = store.committed_offset("short", "t", 0);
  REQUIRE(short_offset);
  CHECK(short_offset->expire_time_ms == short_offset->commit_time_ms + 5000);
  REQUIRE(store.committed_offset("plain", "t", 0));
  CHECK(store.committed_offset("plain", "t", 0)->expire_time_ms == -1);
  CHECK(listed(f) == std::set<std::string>{"plain", "short"});

  std::int64_t t = short_offset->commit_time_ms;
  auto& coordinator = f.broker->groups();
  CHECK(ftgo::broker::groups::expire_offsets(coordinator, store, t + 4999, k_week_ms).offsets == 0);
  auto r = ftgo::broker::groups::expire_offsets(coordinator, store, t + 5000, k_week_ms);
  CHECK(r.groups == std::vector<std::string>{"short"});
  CHECK(listed(f) == std::set<std::string>{"plain"});
  CHECK(coordinator.describe("short").state == "Dead");
  CHECK_FALSE(store.committed_offset("short", "t", 0));

  r = ftgo::broker::groups::expire_offsets(coordinator, store, t + k_week_ms + 1000, k_week_ms);
  CHECK(r.groups == std::vector<std::string>{"plain"});
  CHECK(listed(f).empty());
}
