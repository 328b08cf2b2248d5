#pragma once
// The reply {{name}} publishes for each event it consumes: the same key, the
// event's headers with `type` set to {{name_pascal}}Processed, and the value
//   {"type":"{{name_pascal}}Processed","source":<the event's value>}
// where the source is embedded as JSON when it parses, else as a string.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {{name_snake}} {

inline const std::string k_reply_type = "{{name_pascal}}Processed";

struct Event {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::string>> headers;
};

Event make_reply(const Event& event);

}  // namespace {{name_snake}}
