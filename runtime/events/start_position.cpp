#include "events/start_position.hpp"

#include <charconv>
#include <ctime>

#include "util/duration.hpp"
#include "util/error.hpp"

namespace ftgo::events {

namespace {

bool parse_int(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

[[noreturn]] void bad(std::string_view flag, std::string_view text, const std::string& cause) {
  throw usage_error("invalid " + std::string(flag), std::string(text),
                    cause + " (use beginning, end, an OFFSET, -N for the last N per partition, or @TIME: "
                            "epoch ms, ISO-8601 like 2026-11-27T02:00:00Z, or relative like -10m)");
}

}  // namespace

bool parse_iso8601_ms(std::string_view s, int64_t& out_ms) {
  size_t pos = 0;
  int year, mon, day, hour = 0, min = 0, sec = 0, millis = 0;
  if (!digits(s, pos, 4, year) || pos >= s.size() || s[pos++] != '-' || !digits(s, pos, 2, mon) ||
      pos >= s.size() || s[pos++] != '-' || !digits(s, pos, 2, day)) {
    return false;
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31) return false;
  int64_t zone_offset_s = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return false;
    ++pos;
    if (!digits(s, pos, 2, hour) || pos >= s.size() || s[pos++] != ':' || !digits(s, pos, 2, min)) return false;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!digits(s, pos, 2, sec)) return false;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int scale = 100, n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          millis += (s[pos] - '0') * scale;
          scale /= 10;
          ++pos;
          ++n;
        }
        if (n == 0) return false;
      }
    }
    if (hour > 23 || min > 59 || sec > 60) return false;
    if (pos < s.size()) {
      char z = s[pos++];
      if (z == 'Z' || z == 'z') {
        // UTC
      } else if (z == '+' || z == '-') {
        int zh, zm = 0;
        if (!digits(s, pos, 2, zh)) return false;
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (pos < s.size() && !digits(s, pos, 2, zm)) return false;
        zone_offset_s = (zh * 3600 + zm * 60) * (z == '+' ? 1 : -1);
      } else {
        return false;
      }
    }
  }
  if (pos != s.size()) return false;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  int64_t secs = static_cast<int64_t>(timegm(&tm)) - zone_offset_s;
  out_ms = secs * 1000 + millis;
  return true;
}

StartPosition parse_start_position(std::string_view text, int64_t now_ms, std::string_view flag) {
  using Kind = StartPosition::Kind;
  if (text == "beginning" || text == "earliest" || text == "start") return {Kind::beginning, 0};
  if (text == "end" || text == "latest") return {Kind::end, 0};
  int64_t n = 0;
  if (all_digits(text)) {
    if (!parse_int(text, n)) bad(flag, text, "offset out of range");
    return {Kind::offset, n};
  }
  if (text.size() > 1 && text[0] == '-' && all_digits(text.substr(1))) {
    if (!parse_int(text.substr(1), n)) bad(flag, text, "count out of range");
    if (n == 0) return {Kind::end, 0};
    return {Kind::last, n};
  }
  std::string_view t = text;
  bool at = !t.empty() && t[0] == '@';
  if (at) t.remove_prefix(1);
  if (t.size() > 1 && t[0] == '-') {
    auto d = util::parse_duration(t.substr(1));
    if (!d) bad(flag, text, "bad relative time \"" + std::string(t) + "\"");
    return {Kind::time, now_ms - d->count()};
  }
  if (!at) bad(flag, text, "unknown position");
  if (all_digits(t)) {
    if (!parse_int(t, n)) bad(flag, text, "timestamp out of range");
    return {Kind::time, n};
  }
  if (parse_iso8601_ms(t, n)) return {Kind::time, n};
  bad(flag, text, "bad time \"" + std::string(t) + "\"");
}

std::string to_string(const StartPosition& p) {
  switch (p.kind) {
    case StartPosition::Kind::beginning: return "beginning";
    case StartPosition::Kind::end: return "end";
    case StartPosition::Kind::offset: return std::to_string(p.value);
    case StartPosition::Kind::last: return "-" + std::to_string(p.value);
    case StartPosition::Kind::time: return "@" + std::to_string(p.value);
  }
  return "";
}

}  // namespace ftgo::events
