#include <catch2/catch.hpp>

#include "events/filter.hpp"
#include "util/error.hpp"

using namespace ftgo::events;

namespace {
Event order_event() {
  Event e;
  e.topic = "order-events";
  e.key = "order-7";
  e.headers = {{"type", "OrderCreated"}, {"trace", "abc"}};
  e.value = R"({"orderId":7,"customer":{"name":"Ann"},"items":[{"sku":"A-1"}],"paid":true})";
  return e;
}
bool where(std::vector<std::string> filters, const Event& e = order_event()) {
  std::vector<Filter> parsed;
  for (const auto& f : filters) parsed.push_back(parse_filter(f));
  return FilterSet(parsed).matches(e);
}
}  // namespace

TEST_CASE("--where matches keys and headers with globs", "[events][where]") {
  CHECK(where({"key=order-*"}));
  CHECK_FALSE(where({"key=kitchen-*"}));
  CHECK(where({"header.type=Order*"}));
  CHECK_FALSE(where({"header.type=Ticket*"}));
  CHECK_FALSE(where({"header.missing=*"}));
  CHECK(where({"header.type!=Ticket*"}));
}

TEST_CASE("--where matches fields of JSON values", "[events][where]") {
  CHECK(where({"value.orderId=7"}));
  CHECK_FALSE(where({"value.orderId=8"}));
  CHECK(where({"value.customer.name=A*"}));
  CHECK(where({"value.items.0.sku=A-?"}));
  CHECK(where({"value.paid=true"}));
  CHECK_FALSE(where({"value.nope=*"}));
  CHECK(where({"value=*orderId*"}));
}

TEST_CASE("several --where filters must all match", "[events][where]") {
  CHECK(where({"key=order-7", "header.type=OrderCreated", "value.orderId=7"}));
  CHECK_FALSE(where({"key=order-7", "value.orderId=8"}));
}

TEST_CASE("values that are not JSON and null keys never match a field filter", "[events][where]") {
  Event e = order_event();
  e.value = "not json";
  CHECK_FALSE(where({"value.orderId=*"}, e));
  e.key.reset();
  CHECK_FALSE(where({"key=*"}, e));
}

TEST_CASE("bad --where filters are usage errors", "[events][where]") {
  for (const char* bad : {"key", "=x", "headers.type=x", "value..a=1", "topic=x"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_filter(bad), ftgo::Error);
  }
}
