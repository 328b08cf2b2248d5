#include <catch2/catch.hpp>

#include "scaffold/workspace_edit.hpp"
#include "util/error.hpp"

using namespace ftgo::scaffold;

namespace {
RegisterResult reg(const std::string& text) { return register_service(text, "new-svc", "services/new-svc", "ftgo.yaml"); }
}  // namespace

TEST_CASE("a new service goes after the last entry of a services block, comments kept", "[scaffold]") {
  std::string text =
      "# the workspace\n"
      "name: shop   # inline\n"
      "services:\n"
      "    # first\n"
      "    a: {path: services/a}\n"
      "    b:\n"
      "      path: services/b\n"
      "\n"
      "# kafka below\n"
      "kafka: {port: 9092}\n";
  auto r = reg(text);
  CHECK(r.kept_format);
  CHECK(r.text ==
        "# the workspace\n"
        "name: shop   # inline\n"
        "services:\n"
        "    # first\n"
        "    a: {path: services/a}\n"
        "    b:\n"
        "      path: services/b\n"
        "    new-svc: {path: services/new-svc}\n"
        "\n"
        "# kafka below\n"
        "kafka: {port: 9092}\n");
}

TEST_CASE("services: {} and an empty services: are filled in place", "[scaffold]") {
  auto r = reg("name: x\nservices: {}  # none yet\nkafka: {port: 1}\n");
  CHECK(r.kept_format);
  CHECK(r.text == "name: x\nservices:     # none yet\n  new-svc: {path: services/new-svc}\nkafka: {port: 1}\n");
  auto e = reg("name: x\nservices:\nkafka: {port: 1}\n");
  CHECK(e.kept_format);
  CHECK(e.text == "name: x\nservices:\n  new-svc: {path: services/new-svc}\nkafka: {port: 1}\n");
}

TEST_CASE("a workspace without services gets a services block appended", "[scaffold]") {
  auto r = reg("name: x # keep\nkafka: {port: 1}");
  CHECK(r.kept_format);
  CHECK(r.text == "name: x # keep\nkafka: {port: 1}\nservices:\n  new-svc: {path: services/new-svc}\n");
}

TEST_CASE("a non-empty flow map falls back to yaml-cpp and says what it lost", "[scaffold]") {
  auto r = reg("# comment\nname: x\nservices: {a: {path: services/a}}\n");
  CHECK_FALSE(r.kept_format);
  CHECK(r.note.find("comments") != std::string::npos);
  CHECK(r.text.find("new-svc") != std::string::npos);
  CHECK(r.text.find("services/a") != std::string::npos);
}

TEST_CASE("an already registered service and a non-map services are refused", "[scaffold]") {
  CHECK_THROWS_WITH(reg("services:\n  new-svc: {path: elsewhere}\n"), Catch::Contains("already registered"));
  CHECK_THROWS_WITH(reg("services: [a, b]\n"), Catch::Contains("expected a map"));
  CHECK_THROWS_WITH(reg("services: [\n"), Catch::Contains("ftgo.yaml:"));
}

TEST_CASE("paths that YAML would misread are quoted", "[scaffold]") {
  auto r = register_service("services: {}\n", "s", "my dir/s: x", "ftgo.yaml");
  CHECK(r.kept_format);
  CHECK(r.text.find("s: {path: \"my dir/s: x\"}") != std::string::npos);
}
