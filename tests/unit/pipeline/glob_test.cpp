#include <catch2/catch.hpp>

#include "pipeline/glob.hpp"
#include "temp_dir.hpp"
#include "util/error.hpp"

using namespace ftgo::pipeline;

TEST_CASE("glob segments match within one path segment", "[pipeline][glob]") {
  CHECK(glob_match("*.py", "app.py"));
  CHECK_FALSE(glob_match("*.py", "src/app.py"));
  CHECK(glob_match("src/*.c", "src/a.c"));
  CHECK_FALSE(glob_match("src/*.c", "src/x/a.c"));
  CHECK(glob_match("a?c", "abc"));
}

TEST_CASE("a ** segment matches any number of segments", "[pipeline][glob]") {
  CHECK(glob_match("src/**", "src/a.c"));
  CHECK(glob_match("src/**", "src/x/y/a.c"));
  CHECK(glob_match("**/*.py", "app.py"));
  CHECK(glob_match("**/*.py", "a/b/app.py"));
  CHECK_FALSE(glob_match("src/**", "lib/a.c"));
}

TEST_CASE("expand_globs lists matched files sorted, directories meaning their files", "[pipeline][glob]") {
  test::TempDir dir;
  dir.write("src/a.c", "a");
  dir.write("src/sub/b.c", "b");
  dir.write("src/.git/config", "never");
  dir.write("Makefile", "m");
  dir.write(".ftgo/cache/x.json", "never");
  auto files = expand_globs(dir.path(), {"src", "Makefile", "missing.txt"}, "t");
  CHECK(files == std::vector<std::string>{"Makefile", "src/a.c", "src/sub/b.c"});
  CHECK(expand_globs(dir.path(), {"**"}, "t") == std::vector<std::string>{"Makefile", "src/a.c", "src/sub/b.c"});
  CHECK(expand_globs(dir.path(), {"src/**/*.c"}, "t") == std::vector<std::string>{"src/a.c", "src/sub/b.c"});
}

TEST_CASE("a pattern that climbs out of the service directory is refused", "[pipeline][glob]") {
  test::TempDir dir;
  CHECK_THROWS_AS(expand_globs(dir.path(), {"../secret"}, "t"), ftgo::Error);
  CHECK_THROWS_AS(expand_globs(dir.path(), {"/etc/passwd"}, "t"), ftgo::Error);
}
