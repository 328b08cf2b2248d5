#pragma once
// How `ftgo tail` writes events: text for people, the JSON envelope, or the
// raw value bytes. Writes into a stdio stream the caller owns and flushes.
#include <cstdio>
#include <string>
#include <string_view>

#include "events/event.hpp"

namespace ftgo::events {

enum class OutputFormat { text, json, raw };

// "text" | "json" | "raw"; throws a usage ftgo::Error otherwise.
OutputFormat parse_output_format(std::string_view text);

// The text form of one event, ending in a newline:
//   2026-11-27 02:45:30.123  order-events[0]@42  key=order-7  type=OrderCreated
//   {
//     "orderId": 7
//   }
// The value is pretty-printed when it is a JSON object or array; bytes that
// are not printable UTF-8 are shown as \xNN. `color` adds ANSI colours.
std::string format_text(const Event& e, bool color);

// Whether stdout should be coloured: a terminal, NO_COLOR unset, TERM not "dumb".
bool stdout_wants_color();

}  // namespace ftgo::events
