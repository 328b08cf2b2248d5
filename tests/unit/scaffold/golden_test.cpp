// Golden tests: each built-in template, generated with fixed values, must
// match tests/data/scaffold/golden/<template>/ byte for byte (and in its
// executable bits). FTGO_UPDATE_GOLDEN=1 rewrites the golden trees instead.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <sstream>

#include "config/loader.hpp"
#include "scaffold/generate.hpp"
#include "scaffold_test_util.hpp"

using namespace ftgo::scaffold;
using namespace ftgo::scaffold::test;

namespace {

// path → contents, with a trailing " [x]" marker in the key for executables.
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    bool exec = (e.status().permissions() & fs::perms::owner_exec) != fs::perms::none;
    out[e.path().lexically_relative(dir).generic_string() + (exec ? " [x]" : "")] = slurp(e.path());
  }
  return out;
}

void check_golden(const std::string& tmpl) {
  TempDir tmp;
  NewOptions o;
  o.service = "order-service";
  o.template_spec = tmpl;
  o.sets = {{"subscribes", "kitchen-events,accounting-events"}, {"publishes", "order-events,audit"}};
  o.dir = tmp.path() / "order-service";
  o.git = false;
  std::ostringstream log;
  create_service(o, log);
  const fs::path golden = fs::path(FTGO_TEST_DATA) / "scaffold" / "golden" / tmpl;
  if (std::getenv("FTGO_UPDATE_GOLDEN")) {
    fs::remove_all(golden);
    fs::create_directories(golden.parent_path());
    fs::copy(*o.dir, golden, fs::copy_options::recursive);
    WARN("rewrote " << golden.string());
  }
  auto actual = tree(*o.dir);
  auto expected = tree(golden);
  for (const auto& [path, text] : expected) {
    INFO("golden file " << path);
    REQUIRE(actual.count(path) == 1);
    CHECK(actual[path] == text);
  }
  for (const auto& [path, text] : actual) {
    INFO("generated file " << path);
    CHECK(expected.count(path) == 1);
  }

  // The CI workflow kept GitHub's own ${{ }} (the set-delimiter tag).
  auto ci = slurp(*o.dir / ".github/workflows/ci.yml");
  CHECK(ci.find("name: order-service\n") != std::string::npos);
  CHECK(ci.find("order-service-${{ github.sha }}") != std::string::npos);
  CHECK(ci.find("<%") == std::string::npos);

  // What it generates is valid for ftgo: service.yaml and pipeline.yaml load.
  auto svc = ftgo::config::load_service(*o.dir / "service.yaml");
  CHECK(svc.name == "order-service");
  CHECK(svc.port_auto);
  CHECK(svc.health.kind == ftgo::config::HealthCheck::Kind::http);
  CHECK(svc.health.target == "/health");
  CHECK(svc.subscribes == std::vector<std::string>{"kitchen-events", "accounting-events"});
  CHECK(svc.publishes == std::vector<std::string>{"order-events", "audit"});
  auto pipeline = ftgo::config::load_pipeline(*o.dir / "pipeline.yaml");
  REQUIRE(pipeline.stages.size() == 3);
  CHECK(pipeline.stages[0].name == "build");
  CHECK(pipeline.stages[1].name == "test");
  CHECK(pipeline.stages[2].name == "package");
  CHECK_FALSE(pipeline.stages[2].artifacts.empty());
}

}  // namespace

TEST_CASE("cpp-service generates its golden tree", "[scaffold][golden]") { check_golden("cpp-service"); }
TEST_CASE("python-service generates its golden tree", "[scaffold][golden]") { check_golden("python-service"); }
TEST_CASE("node-service generates its golden tree", "[scaffold][golden]") { check_golden("node-service"); }
