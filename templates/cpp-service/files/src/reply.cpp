#include "reply.hpp"

#include <nlohmann/json.hpp>

namespace {{name_snake}} {

Event make_reply(const Event& event) {
  nlohmann::ordered_json body;
  body["type"] = k_reply_type;
  if (!event.value) {
    body["source"] = nullptr;
  } else {
    auto parsed = nlohmann::ordered_json::parse(*event.value, nullptr, false);
    body["source"] = parsed.is_discarded() ? nlohmann::ordered_json(*event.value) : parsed;
  }
  Event reply;
  reply.key = event.key;
  reply.value = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  for (const auto& header : event.headers) {
    if (header.first != "type") reply.headers.push_back(header);
  }
  reply.headers.emplace_back("type", k_reply_type);
  return reply;
}

}  // namespace {{name_snake}}
