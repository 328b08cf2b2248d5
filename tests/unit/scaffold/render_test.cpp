#include <catch2/catch.hpp>

#include "scaffold/generate.hpp"
#include "scaffold/names.hpp"
#include "scaffold/render.hpp"
#include "scaffold_test_util.hpp"
#include "util/error.hpp"

using namespace ftgo::scaffold;
using namespace ftgo::scaffold::test;

namespace {

Values values_for(const std::string& service, std::vector<std::pair<std::string, std::string>> extra = {}) {
  Values v;
  for (const auto& [k, val] : derived_names(service)) v.entries.push_back({k, val, false, {}});
  for (auto& [k, val] : extra) v.entries.push_back({k, val, false, {}});
  return v;
}

std::string render_error(const std::string& tmpl) {
  try {
    render_tree(load_template(test_template(tmpl)), resolve_values(load_template(test_template(tmpl)), "svc", {}));
  } catch (const ftgo::Error& e) {
    CHECK(e.code() == ftgo::ExitCode::usage);
    return e.what();
  }
  FAIL("no error for " << tmpl);
  return "";
}

}  // namespace

TEST_CASE("values are not HTML-escaped", "[scaffold]") {
  auto v = values_for("x", {{"s", "a&b<\"c\">"}});
  CHECK(render_text("{{s}}|{{{s}}}", v, "t") == "a&b<\"c\">|a&b<\"c\">");
}

TEST_CASE("a bad tag is a usage error naming where", "[scaffold]") {
  CHECK_THROWS_WITH(render_text("{{#a}}", values_for("x"), "files/a.txt"), Catch::Contains("files/a.txt"));
  CHECK(render_error("bad-tag").find("files/a.txt") != std::string::npos);
}

TEST_CASE("the set-delimiter tag keeps ${{ }} for GitHub Actions", "[scaffold]") {
  CHECK(render_text("{{=<% %>=}}name: <%name%>\nsha: ${{ github.sha }}\n", values_for("order"), "t") ==
        "name: order\nsha: ${{ github.sha }}\n");
}

TEST_CASE("the good template renders paths, lists, delimiters, verbatim files and modes", "[scaffold]") {
  auto t = load_template(test_template("good"));
  auto files = render_tree(t, resolve_values(t, "order-service", {{"topics", "a,true,1.5"}, {"owner", "ops"}}));
  REQUIRE(files.size() == 4);
  CHECK(files[0].path == ".github/workflows/ci.yml");
  CHECK(files[0].contents == "name: OrderService CI\nrun: echo ${{ github.sha }}\n");
  CHECK(files[1].path == "order_service/order-service.txt");
  CHECK(files[1].contents == "hello from order-service (silver, owner ops)\ntopics: [a, \"true\", \"1.5\"]\n- a\n- true\n- 1.5\n");
  CHECK(files[2].path == "raw.txt");
  CHECK(files[2].contents == "kept {{as is}}\n");
  CHECK(files[3].path == "run.sh");
  CHECK(files[3].executable);
  CHECK_FALSE(files[2].executable);
}

TEST_CASE("rendered paths that leave the target are refused", "[scaffold]") {
  CHECK(unsafe_path_reason("a/b.txt").empty());
  CHECK_FALSE(unsafe_path_reason("../x").empty());
  CHECK_FALSE(unsafe_path_reason("a/../../x").empty());
  CHECK_FALSE(unsafe_path_reason("/etc/passwd").empty());
  CHECK_FALSE(unsafe_path_reason("a//b").empty());
  CHECK_FALSE(unsafe_path_reason("a/./b").empty());
  CHECK_FALSE(unsafe_path_reason("").empty());
  CHECK(render_error("dotdot").find("leaves the target") != std::string::npos);
  CHECK(render_error("absolute").find("absolute") != std::string::npos);
}

TEST_CASE("a symlink in files/ is refused", "[scaffold]") {
  CHECK(render_error("symlink").find("symbolic link") != std::string::npos);
}

TEST_CASE("two files rendering to one path are refused", "[scaffold]") {
  CHECK(render_error("collide").find("same") != std::string::npos);
}

TEST_CASE("write_tree writes files with 0644 or 0755", "[scaffold]") {
  TempDir tmp;
  write_tree(tmp.path(), {{"a/b.txt", "", "text", false}, {"run.sh", "", "#!/bin/sh\n", true}});
  CHECK(slurp(tmp.path() / "a/b.txt") == "text");
  CHECK((fs::status(tmp.path() / "run.sh").permissions() & fs::perms::owner_exec) != fs::perms::none);
  CHECK((fs::status(tmp.path() / "a/b.txt").permissions() & fs::perms::owner_exec) == fs::perms::none);
}
