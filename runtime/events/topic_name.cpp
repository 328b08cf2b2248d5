#include "events/topic_name.hpp"

#include "util/error.hpp"

namespace ftgo::events {

std::string topic_name_problem(const std::string& name) {
  if (name.empty()) return "a topic name cannot be empty";
  if (name == "." || name == "..") return "'.' and '..' are not allowed as topic names";
  if (name.size() > 249) return "longer than 249 characters (" + std::to_string(name.size()) + ")";
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) {
      std::string shown = (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
                              ? "a control or non-ASCII byte"
                              : std::string("'") + c + "'";
      return "contains " + shown + " (Kafka allows letters, digits, '.', '_' and '-')";
    }
  }
  return "";
}

void check_topic_name(const std::string& name) {
  std::string problem = topic_name_problem(name);
  if (!problem.empty()) throw usage_error("invalid topic name", "\"" + name + "\"", problem);
}

}  // namespace ftgo::events
