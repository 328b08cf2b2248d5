// FetchSessionCache and FetchSession: ids, epochs, the partitions' order and
// cached answers, and the eviction policy (fetch_sessions.hpp).
#include <catch2/catch.hpp>
#include <set>

#include "broker/fetch_sessions.hpp"

using namespace ftgo::broker;

namespace {
std::vector<SessionPartition> parts(const std::string& topic, int n) {
  std::vector<SessionPartition> out;
  for (int i = 0; i < n; ++i) {
    SessionPartition p;
    p.topic = topic;
    p.partition = i;
    p.fetch_offset = 10 * i;
    out.push_back(p);
  }
  return out;
}

std::vector<std::string> order(const FetchSession& s) {
  std::vector<std::string> out;
  for (const auto& p : s.partitions()) out.push_back(p.topic + "-" + std::to_string(p.partition));
  return out;
}
}  // namespace

TEST_CASE("a new fetch session has a unique nonzero id and expects epoch 1", "[broker][fetch_sessions]") {
  FetchSessionCache cache;
  std::set<std::int32_t> ids;
  for (int i = 0; i < 50; ++i) {
    auto s = cache.create(parts("t", 2), 0);
    REQUIRE(s);
    CHECK(s->id() > 0);
    CHECK(s->epoch() == 1);
    ids.insert(s->id());
  }
  CHECK(ids.size() == 50);
  CHECK(cache.size() == 50);
  CHECK(cache.stats().created == 50);
}

TEST_CASE("epochs count up from 1, skip 0 when they wrap, and stay -1", "[broker][fetch_sessions]") {
  CHECK(next_epoch(0) == 1);
  CHECK(next_epoch(41) == 42);
  CHECK(next_epoch(2147483647) == 1);
  CHECK(next_epoch(-1) == -1);
}

TEST_CASE("a session adds, updates and removes partitions, keeping what was answered", "[broker][fetch_sessions]") {
  FetchSessionCache cache;
  auto s = cache.create(parts("t", 3), 0);
  REQUIRE(s);
  s->find("t", 1)->high_watermark = 99;
  SessionPartition upd;
  upd.topic = "t";
  upd.partition = 1;
  upd.fetch_offset = 55;
  upd.max_bytes = 7;
  s->add_or_update(upd);
  CHECK(s->find("t", 1)->fetch_offset == 55);
  CHECK(s->find("t", 1)->max_bytes == 7);
  CHECK(s->find("t", 1)->high_watermark == 99);  // what the client was told stays
  CHECK(order(*s) == std::vector<std::string>{"t-0", "t-1", "t-2"});  // an update keeps its place

  upd.topic = "u";
  upd.partition = 0;
  s->add_or_update(upd);
  CHECK(order(*s) == std::vector<std::string>{"t-0", "t-1", "t-2", "u-0"});
  CHECK(s->find("u", 0)->high_watermark == -1);  // never answered

  CHECK(s->remove("t", 0));
  CHECK_FALSE(s->remove("t", 0));
  CHECK_FALSE(s->remove("nope", 3));
  CHECK(s->find("t", 0) == nullptr);
  CHECK(order(*s) == std::vector<std::string>{"t-1", "t-2", "u-0"});
}

TEST_CASE("an answered partition moves to the back of the session's order", "[broker][fetch_sessions]") {
  FetchSessionCache cache;
  auto s = cache.create(parts("t", 4), 0);
  s->move_to_back("t", 1);
  s->move_to_back("t", 0);
  s->move_to_back("gone", 0);
  CHECK(order(*s) == std::vector<std::string>{"t-2", "t-3", "t-1", "t-0"});
  CHECK(s->find("t", 1)->fetch_offset == 10);
}

TEST_CASE("deleting a topic marks its partitions in every session", "[broker][fetch_sessions]") {
  FetchSessionCache cache;
  auto a = cache.create(parts("t", 2), 0);
  auto b = cache.create(parts("u", 2), 0);
  a->find("t", 0)->high_watermark = 5;
  CHECK(cache.topic_deleted("t") == 2);
  CHECK(a->find("t", 0)->topic_deleted);
  CHECK(a->find("t", 0)->high_watermark == -1);
  CHECK(a->find("t", 1)->topic_deleted);
  CHECK_FALSE(b->find("u", 0)->topic_deleted);
  CHECK(cache.topic_deleted("tt") == 0);
  CHECK(a->deleted_marks() == 2);
  CHECK(cache.topic_deleted("t") == 2);  // marked twice: counted once
  CHECK(a->deleted_marks() == 2);
  a->clear_deleted(*a->find("t", 0));
  a->clear_deleted(*a->find("t", 0));
  CHECK(a->deleted_marks() == 1);
  a->remove("t", 1);
  CHECK(a->deleted_marks() == 0);
  CHECK(b->deleted_marks() == 0);
}

TEST_CASE("a sweep moves the partitions it answered to the back, in order", "[broker][fetch_sessions]") {
  FetchSessionCache cache;
  auto s = cache.create(parts("t", 5), 0);
  std::vector<int> seen;
  s->sweep([&](SessionPartition& p) {
    seen.push_back(p.partition);
    return p.partition == 0 || p.partition == 3 || p.partition == 4;
  });
  CHECK(seen == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(order(*s) == std::vector<std::string>{"t-1", "t-2", "t-0", "t-3", "t-4"});
  CHECK(s->find("t", 3)->fetch_offset == 30);  // the index still finds moved partitions
}

TEST_CASE("removing a session closes it; its id is then unknown", "[broker][fetch_sessions]") {
  FetchSessionCache cache;
  auto s = cache.create(parts("t", 1), 0);
  std::int32_t id = s->id();
  CHECK(cache.get(id) == s);
  CHECK(cache.remove(id));
  CHECK_FALSE(cache.remove(id));
  CHECK(cache.get(id) == nullptr);
  CHECK(cache.stats().closed == 1);
}

TEST_CASE("a full cache evicts a session idle longer than the eviction time first", "[broker][fetch_sessions]") {
  FetchSessionCache cache({2, 1000});
  auto a = cache.create(parts("a", 5), 0);
  auto b = cache.create(parts("b", 5), 0);
  cache.touch(*a, 1500);  // b is idle since 0
  auto c = cache.create(parts("c", 1), 1600);
  REQUIRE(c);
  CHECK(cache.get(b->id()) == nullptr);
  CHECK(cache.get(a->id()) == a);
  CHECK(cache.stats().evicted == 1);
}

TEST_CASE("a full cache of sessions in use makes room only for a larger session", "[broker][fetch_sessions]") {
  FetchSessionCache cache({2, 1000});
  auto a = cache.create(parts("a", 3), 0);
  auto b = cache.create(parts("b", 5), 0);

  SECTION("young sessions are never evicted while in use") {
    cache.touch(*a, 900);
    cache.touch(*b, 900);
    CHECK(cache.create(parts("c", 10), 950) == nullptr);
    CHECK(cache.size() == 2);
    CHECK(cache.stats().not_created == 1);
  }
  SECTION("an older session with fewer partitions gives way to a larger new one") {
    cache.touch(*a, 1900);
    cache.touch(*b, 1900);
    CHECK(cache.create(parts("c", 3), 2000) == nullptr);  // not larger than the smallest (3)
    auto c = cache.create(parts("c", 4), 2000);
    REQUIRE(c);
    CHECK(cache.get(a->id()) == nullptr);  // the smallest went
    CHECK(cache.get(b->id()) == b);
    CHECK(cache.size() == 2);
  }
}

TEST_CASE("a cache of 0 slots never creates a session", "[broker][fetch_sessions]") {
  FetchSessionCache cache({0, 1000});
  CHECK(cache.create(parts("t", 1), 0) == nullptr);
  CHECK(cache.size() == 0);
}
