#include <catch2/catch.hpp>

#include "supervisor/line_splitter.hpp"

using ftgo::supervisor::LineSplitter;

namespace {
std::vector<std::string> feed_all(LineSplitter& s, const std::vector<std::string>& chunks, bool flush = true) {
  std::vector<std::string> lines;
  auto emit = [&](std::string_view l) { lines.emplace_back(l); };
  for (const auto& c : chunks) s.feed(c, emit);
  if (flush) s.flush(emit);
  return lines;
}
}  // namespace

TEST_CASE("a line split across reads comes out whole", "[supervisor][lines]") {
  LineSplitter s;
  auto lines = feed_all(s, {"hel", "lo\nwor", "ld\n"});
  CHECK(lines == std::vector<std::string>{"hello", "world"});
}

TEST_CASE("a last line without a newline is kept until flush", "[supervisor][lines]") {
  LineSplitter s;
  std::vector<std::string> lines;
  s.feed("a\npartial", [&](std::string_view l) { lines.emplace_back(l); });
  CHECK(lines == std::vector<std::string>{"a"});
  s.flush([&](std::string_view l) { lines.emplace_back(l); });
  CHECK(lines == std::vector<std::string>{"a", "partial"});
}

TEST_CASE("a line longer than the cap is cut and continues", "[supervisor][lines]") {
  LineSplitter s(4);
  auto lines = feed_all(s, {"abcdefghij\nxy\n"});
  CHECK(lines == std::vector<std::string>{"abcd", "efgh", "ij", "xy"});
}

TEST_CASE("a long line fed in small pieces is cut at the cap too", "[supervisor][lines]") {
  LineSplitter s(5);
  auto lines = feed_all(s, {"ab", "cd", "ef", "gh", "\n"});
  CHECK(lines == std::vector<std::string>{"abcde", "fgh"});
}

TEST_CASE("CRLF line ends lose the CR and empty lines stay", "[supervisor][lines]") {
  LineSplitter s;
  auto lines = feed_all(s, {"a\r\n\nb\r\n"});
  CHECK(lines == std::vector<std::string>{"a", "", "b"});
}

TEST_CASE("invalid UTF-8 passes through unchanged", "[supervisor][lines]") {
  LineSplitter s;
  std::string bad = "ok \xff\xfe\xc3 end";
  auto lines = feed_all(s, {bad + "\n"});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == bad);
}
