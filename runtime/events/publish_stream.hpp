#pragma once
// Reading events for `ftgo publish` from a file descriptor: one value per
// line, or one JSON envelope per line (--jsonl).
#include <optional>
#include <string>
#include <vector>

#include "events/event.hpp"
#include "events/publisher.hpp"

namespace ftgo::events {

struct StreamDefaults {
  std::optional<std::string> key;   // -k, for events without their own key
  std::vector<Header> headers;      // -H, added to every event
  int32_t partition = -1;           // -p, for events without their own partition
  bool jsonl = false;
};

// Sends every line of `fd` (until end of file) through `publisher`. A line
// is the bytes before '\n' (a last line without one counts too). With jsonl,
// blank lines are skipped and a malformed line stops the stream: the events
// before it are flushed, then a usage ftgo::Error says
//   invalid JSONL: <source>:3: <cause> (the 2 events before it were published; nothing after it)
// Stops reading at the first event that fails (the broker went away and the
// delivery timeout passed, or it refused one): returns false then, true at
// end of file. While the input is idle it keeps serving delivery reports,
// so a broker that goes away under a live pipe is noticed without new input.
// Does not flush at the end: the caller does.
bool publish_stream(Publisher& publisher, int fd, const std::string& source, const StreamDefaults& defaults);

}  // namespace ftgo::events
