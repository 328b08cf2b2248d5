#pragma once
// Durations as users write them: "500ms", "10s", "5m", "1h", "1m30s".
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ftgo::util {

using Millis = std::chrono::milliseconds;

// Parses a duration; nullopt when `text` is not one (e.g. "10x", "", "-1s").
// A bare number is not accepted: the unit is required.
std::optional<Millis> parse_duration(std::string_view text);

// "1.5s", "250ms", "2m" — for people.
std::string format_duration(Millis d);

}  // namespace ftgo::util
