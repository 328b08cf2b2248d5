#include <catch2/catch.hpp>

#include "events/start_position.hpp"
#include "util/error.hpp"

using namespace ftgo::events;
using Kind = StartPosition::Kind;

TEST_CASE("--from takes beginning, end, offsets and last-N", "[events][from]") {
  CHECK(parse_start_position("beginning", 0) == StartPosition{Kind::beginning, 0});
  CHECK(parse_start_position("end", 0) == StartPosition{Kind::end, 0});
  CHECK(parse_start_position("42", 0) == StartPosition{Kind::offset, 42});
  CHECK(parse_start_position("0", 0) == StartPosition{Kind::offset, 0});
  CHECK(parse_start_position("-5", 0) == StartPosition{Kind::last, 5});
}

TEST_CASE("--from takes times as epoch ms, ISO-8601 and relative", "[events][from]") {
  const int64_t now = 1764201600000;  // 2025-11-27T00:00:00Z
  CHECK(parse_start_position("@1764201600000", now) == StartPosition{Kind::time, 1764201600000});
  CHECK(parse_start_position("@2025-11-27T00:00:00Z", now) == StartPosition{Kind::time, 1764201600000});
  CHECK(parse_start_position("@2025-11-27T01:00:00.250+01:00", now) == StartPosition{Kind::time, 1764201600250});
  CHECK(parse_start_position("@2025-11-27", now) == StartPosition{Kind::time, 1764201600000});
  CHECK(parse_start_position("@2025-11-27T00:00", now) == StartPosition{Kind::time, 1764201600000});
  CHECK(parse_start_position("@-10m", now) == StartPosition{Kind::time, now - 600000});
  CHECK(parse_start_position("-1h30m", now) == StartPosition{Kind::time, now - 5400000});
}

TEST_CASE("bad --from values are usage errors", "[events][from]") {
  for (const char* bad : {"", "start-ish", "@", "@yesterday", "@2025-13-01", "@2025-11-27T25:00:00Z", "-10x", "12a",
                          "@-", "99999999999999999999"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_start_position(bad, 0), ftgo::Error);
  }
}

TEST_CASE("a bad position names the flag it came from", "[events][from]") {
  try {
    parse_start_position("soon", 0, "--to");
    FAIL("no error");
  } catch (const ftgo::Error& e) {
    CHECK(std::string(e.what()).find("invalid --to") != std::string::npos);
  }
}
