#include <catch2/catch.hpp>

#include <sstream>

#include "scaffold/command.hpp"
#include "scaffold/generate.hpp"
#include "scaffold_test_util.hpp"
#include "util/error.hpp"

using namespace ftgo::scaffold;
using namespace ftgo::scaffold::test;

namespace {

// Every entry under dir (relative), to check nothing was left behind.
std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(e.path().lexically_relative(dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

NewOptions options(const fs::path& workspace, const std::string& tmpl) {
  NewOptions o;
  o.service = "order-service";
  o.template_spec = test_template(tmpl).string();
  o.workspace = workspace;
  return o;
}

}  // namespace

TEST_CASE("a service is written to services/NAME, committed and registered", "[scaffold]") {
  TempDir ws;
  spit(ws.path() / "ftgo.yaml", "name: shop\nservices: {}\n");
  std::ostringstream log;
  auto res = create_service(options(ws.path(), "good"), log);
  CHECK(res.target == ws.path() / "services/order-service");
  CHECK(slurp(res.target / "order_service/order-service.txt").find("hello from order-service") == 0);
  CHECK(slurp(ws.path() / "ftgo.yaml") == "name: shop\nservices:\n  order-service: {path: services/order-service}\n");
  REQUIRE(res.commit.size() == 40);
  auto status = run_command({"git", "status", "--porcelain"}, res.target);
  CHECK(status.exit_code == 0);
  CHECK(status.output.empty());
  CHECK(listing(ws.path() / "services").size() > 3);
  for (const auto& e : listing(ws.path() / "services")) CHECK(e.find("ftgo-new") == std::string::npos);
}

TEST_CASE("the same inputs give the same commit", "[scaffold]") {
  TempDir a;
  TempDir b;
  std::ostringstream log;
  auto o = options(a.path(), "good");
  o.workspace.reset();
  o.dir = a.path() / "svc";
  auto first = create_service(o, log);
  o.dir = b.path() / "elsewhere" / "svc";
  auto second = create_service(o, log);
  CHECK(first.commit == second.commit);
  CHECK_FALSE(first.registered);
}

TEST_CASE("a dry run writes nothing and lists the files", "[scaffold]") {
  TempDir ws;
  spit(ws.path() / "ftgo.yaml", "services: {}\n");
  std::ostringstream log;
  auto o = options(ws.path(), "good");
  o.dry_run = true;
  auto res = create_service(o, log);
  CHECK(res.files.size() == 4);
  CHECK(res.registered);
  CHECK(listing(ws.path()) == std::vector<std::string>{"ftgo.yaml"});
  CHECK(slurp(ws.path() / "ftgo.yaml") == "services: {}\n");
}

TEST_CASE("an existing target is refused untouched", "[scaffold]") {
  TempDir ws;
  spit(ws.path() / "ftgo.yaml", "services: {}\n");
  spit(ws.path() / "services/order-service/keep.txt", "mine");
  std::ostringstream log;
  CHECK_THROWS_WITH(create_service(options(ws.path(), "good"), log), Catch::Contains("target exists"));
  CHECK(listing(ws.path()) == std::vector<std::string>{"ftgo.yaml", "services", "services/order-service",
                                                      "services/order-service/keep.txt"});
  CHECK(slurp(ws.path() / "ftgo.yaml") == "services: {}\n");
}

TEST_CASE("a failing hook removes everything it generated and reports the output", "[scaffold]") {
  TempDir ws;
  spit(ws.path() / "ftgo.yaml", "services: {}\n");
  std::ostringstream log;
  try {
    create_service(options(ws.path(), "failing-hook"), log);
    FAIL("no error");
  } catch (const ftgo::Error& e) {
    CHECK(e.code() == ftgo::ExitCode::failure);
    CHECK(std::string(e.what()).find("hook-output-marker-order-service") != std::string::npos);
    CHECK(std::string(e.what()).find("exit 3") != std::string::npos);
  }
  CHECK(listing(ws.path()) == std::vector<std::string>{"ftgo.yaml"});
  CHECK(slurp(ws.path() / "ftgo.yaml") == "services: {}\n");
}

TEST_CASE("hooks run in the generated directory with FTGO_SERVICE set", "[scaffold]") {
  TempDir ws;
  std::ostringstream log;
  auto o = options(ws.path(), "passing-hook");
  o.workspace.reset();
  o.dir = ws.path() / "out";
  o.git = false;
  create_service(o, log);
  CHECK(slurp(ws.path() / "out/hook.txt") == "order-service\n");
  CHECK_FALSE(fs::exists(ws.path() / "out/.git"));
}

TEST_CASE("unsafe templates and bad names write nothing", "[scaffold]") {
  TempDir ws;
  spit(ws.path() / "ftgo.yaml", "services: {}\n");
  std::ostringstream log;
  for (const char* t : {"dotdot", "absolute", "symlink", "collide", "bad-tag"}) {
    CHECK_THROWS_AS(create_service(options(ws.path(), t), log), ftgo::Error);
  }
  auto o = options(ws.path(), "good");
  o.service = "Bad_Name";
  CHECK_THROWS_WITH(create_service(o, log), Catch::Contains("invalid service name"));
  CHECK(listing(ws.path()) == std::vector<std::string>{"ftgo.yaml"});
  CHECK_FALSE(fs::exists("/tmp/ftgo-absolute-escape"));
}
