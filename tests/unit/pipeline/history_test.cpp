#include <catch2/catch.hpp>
#include <fstream>

#include "pipeline/deploy_lock.hpp"
#include "pipeline/history.hpp"
#include "temp_dir.hpp"
#include "util/error.hpp"

using namespace ftgo::pipeline;

TEST_CASE("history numbers entries from 1 and finds the last deployed", "[pipeline][history]") {
  test::TempDir ws;
  History h(ws.path(), "a");
  CHECK(h.entries().empty());
  CHECK(h.append({{"outcome", "deployed"}, {"release", "r1"}}) == 1);
  CHECK(h.append({{"outcome", "deployed"}, {"release", "r2"}}) == 2);
  CHECK(h.append({{"outcome", "failed"}, {"release", nullptr}}) == 3);
  auto all = h.entries();
  REQUIRE(all.size() == 3);
  CHECK(all[0]["service"] == "a");
  CHECK(all[2]["number"] == 3);
  CHECK(h.last_deployed()->at("release") == "r2");
}

TEST_CASE("a torn history line is skipped, later appends continue the numbering", "[pipeline][history]") {
  test::TempDir ws;
  History h(ws.path(), "a");
  h.append({{"outcome", "deployed"}, {"release", "r1"}});
  std::ofstream(h.file(), std::ios::app) << "{\"number\": 2, \"outc";  // crash mid-line
  std::ofstream(h.file(), std::ios::app) << "\n";
  CHECK(h.entries().size() == 1);
  CHECK(h.append({{"outcome", "deployed"}}) == 2);
}

TEST_CASE("a second deploy lock on the same service fails naming the holder's pid", "[pipeline][lock]") {
  test::TempDir ws;
  DeployLock first(ws.path(), "a");
  try {
    DeployLock second(ws.path(), "a");
    FAIL("second lock taken");
  } catch (const ftgo::Error& e) {
    CHECK(e.cause().find("pid " + std::to_string(getpid())) != std::string::npos);
  }
  DeployLock other(ws.path(), "b");  // another service is independent
}

TEST_CASE("a deploy lock is free again once released", "[pipeline][lock]") {
  test::TempDir ws;
  { DeployLock first(ws.path(), "a"); }
  DeployLock again(ws.path(), "a");
}
