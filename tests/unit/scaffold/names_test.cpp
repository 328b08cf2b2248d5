#include <catch2/catch.hpp>

#include "scaffold/names.hpp"

using namespace ftgo::scaffold;

TEST_CASE("service names are lowercase DNS labels starting with a letter", "[scaffold]") {
  CHECK_FALSE(invalid_service_name("order-service"));
  CHECK_FALSE(invalid_service_name("a"));
  CHECK_FALSE(invalid_service_name("svc2"));
  CHECK_FALSE(invalid_service_name(std::string(63, 'a')));
  CHECK(invalid_service_name(""));
  CHECK(invalid_service_name(std::string(64, 'a')));
  CHECK(invalid_service_name("Order"));
  CHECK(invalid_service_name("order_service"));
  CHECK(invalid_service_name("2fast"));
  CHECK(invalid_service_name("-x"));
  CHECK(invalid_service_name("x-"));
  CHECK(invalid_service_name("a--b"));
  CHECK(invalid_service_name("../evil"));
  CHECK(invalid_service_name("a b"));
  CHECK(invalid_service_name("a.b"));
}

TEST_CASE("the reason for a bad name names the offending character", "[scaffold]") {
  auto why = invalid_service_name("Order");
  REQUIRE(why);
  CHECK(why->find("'O'") != std::string::npos);
}

TEST_CASE("derived names cover kebab, snake, camel, pascal, upper snake and title", "[scaffold]") {
  auto d = derived_names("order-service");
  std::vector<std::pair<std::string, std::string>> expected{
      {"name", "order-service"},       {"name_snake", "order_service"},
      {"name_camel", "orderService"},  {"name_pascal", "OrderService"},
      {"name_upper_snake", "ORDER_SERVICE"}, {"name_title", "Order Service"}};
  CHECK(d == expected);
  auto one = derived_names("kitchen");
  CHECK(one[3].second == "Kitchen");
  CHECK(one[2].second == "kitchen");
  CHECK(derived_names("a2-b3")[3].second == "A2B3");
  CHECK(is_derived_name("name_pascal"));
  CHECK_FALSE(is_derived_name("publishes"));
}
