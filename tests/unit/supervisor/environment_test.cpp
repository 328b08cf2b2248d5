#include <catch2/catch.hpp>

#include "supervisor/environment.hpp"
#include "util/error.hpp"

using namespace ftgo::supervisor;

TEST_CASE("dotenv reads plain, quoted and exported values", "[supervisor][env]") {
  auto env = parse_dotenv("# comment\n\nA=1\nexport B = two words # note\nC='lit $X \\n'\nD=\"x\\ny\\\"\"\nE=\n",
                          ".env");
  CHECK(env["A"] == "1");
  CHECK(env["B"] == "two words");
  CHECK(env["C"] == "lit $X \\n");
  CHECK(env["D"] == "x\ny\"");
  CHECK(env["E"] == "");
}

TEST_CASE("dotenv errors name the file and line", "[supervisor][env]") {
  try {
    parse_dotenv("A=1\nnot a pair\n", "svc/.env");
    FAIL("no error");
  } catch (const ftgo::Error& e) {
    CHECK(e.where() == "svc/.env:2");
    CHECK(e.code() == ftgo::ExitCode::usage);
  }
  CHECK_THROWS_AS(parse_dotenv("A=\"open\n", "f"), ftgo::Error);
  CHECK_THROWS_AS(parse_dotenv("1X=2\n", "f"), ftgo::Error);
}

TEST_CASE("a service gets ftgo's variables, URLs of the others, then its own env", "[supervisor][env]") {
  ftgo::config::Service svc;
  svc.name = "order-service";
  svc.env = {{"LOG_LEVEL", "info"}, {"PORT", "1"}};
  EnvInputs in{"/ws", "127.0.0.1:9092", {{"order-service", 8081}, {"kitchen-service", 8083}}};
  auto env = service_environment(svc, in);
  CHECK(env["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:9092");
  CHECK(env["FTGO_SERVICE"] == "order-service");
  CHECK(env["FTGO_WORKSPACE"] == "/ws");
  CHECK(env["PORT"] == "8081");
  CHECK(env["KITCHEN_SERVICE_URL"] == "http://127.0.0.1:8083");
  CHECK(env.count("ORDER_SERVICE_URL") == 0);
  CHECK(env["LOG_LEVEL"] == "info");
  CHECK(upper_snake("a.b-c") == "A_B_C");
}
