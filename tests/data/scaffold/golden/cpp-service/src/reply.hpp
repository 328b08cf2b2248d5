#pragma once
// The reply order-service publishes for each event it consumes: the same key, the
// event's headers with `type` set to OrderServiceProcessed, and the value
//   {"type":"OrderServiceProcessed","source":<the event's value>}
// where the source is embedded as JSON when it parses, else as a string.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace order_service {

inline const std::string k_reply_type = "OrderServiceProcessed";

struct Event {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::string>> headers;
};

Event make_reply(const Event& event);

}  // namespace order_service
