#include <catch2/catch.hpp>

#include "scaffold/template.hpp"
#include "scaffold/values.hpp"
#include "scaffold_test_util.hpp"
#include "util/error.hpp"

using namespace ftgo::scaffold;
using ftgo::scaffold::test::test_template;

namespace {

std::string usage_message(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ftgo::Error& e) {
    CHECK(e.code() == ftgo::ExitCode::usage);
    return e.what();
  }
  FAIL("no error thrown");
  return "";
}

}  // namespace

TEST_CASE("defaults are rendered with the derived names", "[scaffold]") {
  auto t = load_template(test_template("good"));
  auto v = resolve_values(t, "order-service", {});
  CHECK(v.text("greeting") == "hello from order-service");
  CHECK(v.text("tier") == "silver");
  REQUIRE(v.find("topics"));
  CHECK(v.find("topics")->items == std::vector<std::string>{"order-service-events"});
  CHECK(v.text("owner").empty());
  CHECK(v.text("name_pascal") == "OrderService");
}

TEST_CASE("--set values override defaults and lists split on commas", "[scaffold]") {
  auto t = load_template(test_template("good"));
  auto v = resolve_values(t, "x", {{"topics", " a, b ,,c "}, {"tier", "gold"}, {"owner", "ops"}});
  CHECK(v.find("topics")->items == std::vector<std::string>{"a", "b", "c"});
  CHECK(v.text("tier") == "gold");
  CHECK(v.text("owner") == "ops");
}

TEST_CASE("a value outside the choices is refused naming the variable", "[scaffold]") {
  auto t = load_template(test_template("good"));
  auto msg = usage_message([&] { resolve_values(t, "x", {{"tier", "bronze"}}); });
  CHECK(msg.find("tier") != std::string::npos);
  CHECK(msg.find("gold, silver") != std::string::npos);
}

TEST_CASE("a value failing the pattern is refused, each list item checked", "[scaffold]") {
  auto t = load_template(test_template("good"));
  CHECK(usage_message([&] { resolve_values(t, "x", {{"owner", "Ops1"}}); }).find("owner") != std::string::npos);
  auto msg = usage_message([&] { resolve_values(t, "x", {{"topics", "ok,Not_OK"}}); });
  CHECK(msg.find("Not_OK") != std::string::npos);
}

TEST_CASE("an unknown --set key gets a did-you-mean and derived names cannot be set", "[scaffold]") {
  auto t = load_template(test_template("good"));
  CHECK(usage_message([&] { resolve_values(t, "x", {{"topcis", "a"}}); }).find("did you mean 'topics'") !=
        std::string::npos);
  CHECK(usage_message([&] { resolve_values(t, "x", {{"name_snake", "a"}}); }).find("derived") != std::string::npos);
}

TEST_CASE("a missing required variable is refused unless the prompt gives it", "[scaffold]") {
  auto t = load_template(test_template("required"));
  auto msg = usage_message([&] { resolve_values(t, "x", {}); });
  CHECK(msg.find("team") != std::string::npos);
  CHECK(msg.find("--set team=") != std::string::npos);
  CHECK(usage_message([&] { resolve_values(t, "x", {{"team", "  "}}); }).find("team") != std::string::npos);
  auto v = resolve_values(t, "x", {}, [](const Variable& var) -> std::optional<std::string> {
    return var.name == "team" ? std::optional<std::string>("platform") : std::nullopt;
  });
  CHECK(v.text("team") == "platform");
}

TEST_CASE("--set arguments need KEY=VALUE", "[scaffold]") {
  CHECK(parse_set("a=b=c") == std::pair<std::string, std::string>{"a", "b=c"});
  CHECK(parse_set("a=") == std::pair<std::string, std::string>{"a", ""});
  CHECK_THROWS_AS(parse_set("novalue"), ftgo::Error);
  CHECK_THROWS_AS(parse_set("=x"), ftgo::Error);
}

TEST_CASE("template.yaml errors name the file, line and key", "[scaffold]") {
  auto msg = usage_message([] { load_template(test_template("bad-key")); });
  CHECK(msg.find("template.yaml:4:1") != std::string::npos);
  CHECK(msg.find("did you mean 'variables'") != std::string::npos);
  CHECK(usage_message([] { load_template(test_template("no-such-template")); }).find("template.yaml") !=
        std::string::npos);
}
