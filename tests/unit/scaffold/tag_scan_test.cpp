#include <catch2/catch.hpp>

#include "scaffold/tag_scan.hpp"

using namespace ftgo::scaffold;

TEST_CASE("tags are found with their kind, line and column", "[scaffold]") {
  auto tags = scan_name_tags("a {{x}}\n  {{#list}}{{.}}{{/list}}\n{{{raw}}} {{& amp }} {{^no}}{{/no}}{{! note }}{{> part}}");
  REQUIRE(tags.size() == 6);
  CHECK(tags[0].name == "x");
  CHECK(tags[0].kind == 0);
  CHECK(tags[0].line == 1);
  CHECK(tags[0].column == 3);
  CHECK(tags[1].name == "list");
  CHECK(tags[1].kind == '#');
  CHECK(tags[1].line == 2);
  CHECK(tags[1].column == 3);
  CHECK(tags[2].name == ".");
  CHECK(tags[3].name == "raw");
  CHECK(tags[3].text == "{{{raw}}}");
  CHECK(tags[3].line == 3);
  CHECK(tags[4].name == "amp");
  CHECK(tags[5].name == "no");
  CHECK(tags[5].kind == '^');
}

TEST_CASE("a set-delimiter tag switches the delimiters for the rest of the text", "[scaffold]") {
  auto tags = scan_name_tags("{{=<% %>=}}name: <%name%>\nsha: ${{ github.sha }} <%#x%><%/x%>\n<%={{ }}=%>{{y}}");
  REQUIRE(tags.size() == 3);
  CHECK(tags[0].name == "name");
  CHECK(tags[1].name == "x");
  CHECK(tags[1].kind == '#');
  CHECK(tags[1].line == 2);
  CHECK(tags[2].name == "y");
}

TEST_CASE("the first undefined name is reported; dotted names check their head", "[scaffold]") {
  std::vector<std::string> known{"name", "topics"};
  CHECK_FALSE(first_undefined("{{name}} {{#topics}}{{.}}{{/topics}} {{topics.length}}", known));
  auto bad = first_undefined("{{name}}\n{{^nmae}}x{{/nmae}} {{other}}", known);
  REQUIRE(bad);
  CHECK(bad->name == "nmae");
  CHECK(bad->kind == '^');
  CHECK(bad->line == 2);
  CHECK(bad->column == 1);
}
