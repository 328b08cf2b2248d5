#include <catch2/catch.hpp>

#include "util/duration.hpp"
#include "util/spell.hpp"

using namespace ftgo::util;
using namespace std::chrono_literals;

TEST_CASE("durations accept ms, s, m and h and their sums", "[util]") {
  CHECK(parse_duration("500ms") == 500ms);
  CHECK(parse_duration("10s") == 10s);
  CHECK(parse_duration("5m") == 5min);
  CHECK(parse_duration("1h") == 1h);
  CHECK(parse_duration("1m30s") == 90s);
}

TEST_CASE("durations without a known unit are refused", "[util]") {
  CHECK_FALSE(parse_duration("10x"));
  CHECK_FALSE(parse_duration("10"));
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("-1s"));
  CHECK_FALSE(parse_duration("s"));
  CHECK_FALSE(parse_duration("99999999999999s"));
}

TEST_CASE("did you mean suggests the closest name and only a close one", "[util]") {
  std::vector<std::string> verbs{"publish", "tail", "topics", "deploy"};
  CHECK(closest_match("pubilsh", verbs) == "publish");
  CHECK(closest_match("tial", verbs) == "tail");
  CHECK_FALSE(closest_match("xyzzyxyzzy", verbs));
  CHECK(did_you_mean("deplyo", verbs) == " (did you mean 'deploy'?)");
}
