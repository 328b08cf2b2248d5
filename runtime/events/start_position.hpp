#pragma once
// Where `ftgo tail --from` starts reading each partition:
//   beginning | end | OFFSET | -N (the last N of each partition)
//   | @TIME where TIME is epoch milliseconds, ISO-8601
//     (2026-11-27T02:00:00Z, 2026-11-27T03:00:00.250+01:00, 2026-11-27; no zone = UTC)
//     or relative to now (-10m, -1h30m, -45s).
#include <cstdint>
#include <string>
#include <string_view>

namespace ftgo::events {

struct StartPosition {
  enum class Kind { beginning, end, offset, last, time };
  Kind kind = Kind::end;
  int64_t value = 0;  // offset: the offset; last: N; time: epoch ms
  bool operator==(const StartPosition&) const = default;
};

// Parses a --from value (or the `flag` named, e.g. reset-offsets' --to);
// `now_ms` anchors relative times. Throws a usage ftgo::Error naming `flag`
// that shows the accepted forms.
StartPosition parse_start_position(std::string_view text, int64_t now_ms, std::string_view flag = "--from");

// Parses an ISO-8601 date or date-time; returns false when `text` is not one.
bool parse_iso8601_ms(std::string_view text, int64_t& out_ms);

std::string to_string(const StartPosition& p);

}  // namespace ftgo::events
