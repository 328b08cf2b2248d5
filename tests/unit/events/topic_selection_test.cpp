#include <catch2/catch.hpp>

#include "events/admin.hpp"
#include "util/error.hpp"

using namespace ftgo::events;

TEST_CASE("--topic takes a topic or a topic with partitions", "[events][reset]") {
  CHECK(parse_topic_selection("orders").topic == "orders");
  CHECK(parse_topic_selection("orders").partitions.empty());
  auto sel = parse_topic_selection("order-events:0,2,10");
  CHECK(sel.topic == "order-events");
  CHECK(sel.partitions == std::vector<int32_t>{0, 2, 10});
}

TEST_CASE("bad --topic values are usage errors", "[events][reset]") {
  for (const char* bad : {"orders:", "orders:x", "orders:1,", "orders:-1", "orders:1,,2", "bad topic:1", ":1",
                          "orders:99999999999"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_topic_selection(bad), ftgo::Error);
  }
}
