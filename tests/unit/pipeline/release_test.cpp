#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "pipeline/release.hpp"
#include "temp_dir.hpp"
#include "util/error.hpp"

using namespace ftgo::pipeline;
namespace fs = std::filesystem;

TEST_CASE("packaging copies artifacts with their relative paths and exec bits", "[pipeline][release]") {
  test::TempDir ws, svc;
  svc.write("build/app", "#!/bin/sh\necho hi\n");
  fs::permissions(svc.path() / "build/app", fs::perms::owner_exec, fs::perm_options::add);
  svc.write("service.yaml", "name: a\n");
  svc.write("static/index.html", "<p>");
  ReleaseStore store(ws.path(), "a");
  auto pkg = store.package({"build/app", "service.yaml", "static"}, svc.path());
  CHECK_FALSE(pkg.reused);
  CHECK(pkg.id.size() == 12);
  CHECK(pkg.files == 3);
  CHECK(test::read_text(pkg.dir / "build/app") == "#!/bin/sh\necho hi\n");
  CHECK(test::read_text(pkg.dir / "static/index.html") == "<p>");
  CHECK((fs::status(pkg.dir / "build/app").permissions() & fs::perms::owner_exec) != fs::perms::none);
  CHECK((fs::status(pkg.dir / "service.yaml").permissions() & fs::perms::owner_exec) == fs::perms::none);
  // No temporary directory is left behind.
  int entries = 0;
  for (auto& e : fs::directory_iterator(store.root())) entries += e.path().filename().string().rfind(".tmp", 0) == 0;
  CHECK(entries == 0);
}

TEST_CASE("identical artifacts reuse the release id, changed ones get a new one", "[pipeline][release]") {
  test::TempDir ws, svc;
  svc.write("app.py", "v1");
  ReleaseStore store(ws.path(), "a");
  auto first = store.package({"app.py"}, svc.path());
  auto again = store.package({"app.py"}, svc.path());
  CHECK(again.reused);
  CHECK(again.id == first.id);
  svc.write("app.py", "v2");
  auto second = store.package({"app.py"}, svc.path());
  CHECK_FALSE(second.reused);
  CHECK(second.id != first.id);
  CHECK(test::read_text(first.dir / "app.py") == "v1");  // the old release is untouched
}

TEST_CASE("an exec bit alone changes the release id", "[pipeline][release]") {
  test::TempDir svc;
  svc.write("run.sh", "echo");
  auto before = release_id(svc.path(), {"run.sh"});
  fs::permissions(svc.path() / "run.sh", fs::perms::owner_exec, fs::perm_options::add);
  CHECK(release_id(svc.path(), {"run.sh"}) != before);
}

TEST_CASE("a missing artifact fails the package naming it", "[pipeline][release]") {
  test::TempDir ws, svc;
  ReleaseStore store(ws.path(), "a");
  try {
    store.package({"build/app"}, svc.path());
    FAIL("no error");
  } catch (const ftgo::Error& e) {
    CHECK(e.cause().find("build/app") != std::string::npos);
  }
}

TEST_CASE("current points at the release set last", "[pipeline][release]") {
  test::TempDir ws, svc;
  ReleaseStore store(ws.path(), "a");
  CHECK_FALSE(store.current());
  svc.write("app.py", "v1");
  auto one = store.package({"app.py"}, svc.path());
  store.set_current(one.id);
  CHECK(store.current() == one.id);
  svc.write("app.py", "v2");
  auto two = store.package({"app.py"}, svc.path());
  store.set_current(two.id);
  CHECK(store.current() == two.id);
  CHECK_THROWS_AS(store.set_current("000000000000"), ftgo::Error);
}
