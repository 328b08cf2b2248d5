#include "events/printer.hpp"

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "util/base64.hpp"
#include "util/error.hpp"

namespace ftgo::events {

namespace {

constexpr const char* k_reset = "\033[0m";
constexpr const char* k_dim = "\033[2m";
constexpr const char* k_cyan = "\033[36m";
constexpr const char* k_yellow = "\033[33m";
constexpr const char* k_magenta = "\033[35m";
constexpr const char* k_blue = "\033[34m";
constexpr const char* k_green = "\033[32m";

// Appends `text` wrapped in `color` when colours are on.
void paint(std::string& out, bool on, const char* color, std::string_view text) {
  if (on) out += color;
  out += text;
  if (on) out += k_reset;
}

// Bytes for a terminal: valid UTF-8 stays, control and invalid bytes become \xNN.
std::string printable(std::string_view bytes) {
  bool utf8 = util::is_utf8(bytes);
  std::string out;
  out.reserve(bytes.size());
  static const char* hex = "0123456789abcdef";
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    bool control = u < 0x20 && c != '\n' && c != '\t';
    if (control || u == 0x7f || (!utf8 && u >= 0x80)) {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_time(const std::optional<int64_t>& ms) {
  if (!ms) return "-                      ";
  std::time_t secs = static_cast<std::time_t>(*ms / 1000);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03d", buf, static_cast<int>(*ms % 1000));
  return out;
}

void pretty_json(std::string& out, const nlohmann::ordered_json& j, bool color, int indent) {
  std::string pad(indent + 2, ' ');
  auto scalar = [&](const nlohmann::ordered_json& v) {
    std::string text = v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    paint(out, color, v.is_string() ? k_green : k_cyan, text);
  };
  if (j.is_object() && !j.empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [k, v] : j.items()) {
      if (!first) out += ",\n";
      first = false;
      out += pad;
      paint(out, color, k_blue, nlohmann::ordered_json(k).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
      out += ": ";
      pretty_json(out, v, color, indent + 2);
    }
    out += "\n" + std::string(indent, ' ') + "}";
  } else if (j.is_array() && !j.empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& v : j) {
      if (!first) out += ",\n";
      first = false;
      out += pad;
      pretty_json(out, v, color, indent + 2);
    }
    out += "\n" + std::string(indent, ' ') + "]";
  } else {
    scalar(j);
  }
}

}  // namespace

OutputFormat parse_output_format(std::string_view text) {
  if (text == "text") return OutputFormat::text;
  if (text == "json") return OutputFormat::json;
  if (text == "raw") return OutputFormat::raw;
  throw usage_error("invalid --output", std::string(text), "use text, json or raw");
}

bool stdout_wants_color() {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return ::isatty(STDOUT_FILENO) == 1;
}

std::string format_text(const Event& e, bool color) {
  std::string out;
  paint(out, color, k_dim, format_time(e.timestamp));
  out += "  ";
  paint(out, color, k_cyan, e.topic);
  paint(out, color, k_dim, "[" + std::to_string(e.partition) + "]@" + std::to_string(e.offset));
  if (e.key) {
    out += "  ";
    paint(out, color, k_yellow, "key=" + printable(*e.key));
  }
  for (const auto& h : e.headers) {
    out += "  ";
    paint(out, color, k_magenta, printable(h.name) + "=" + (h.value ? printable(*h.value) : "(null)"));
  }
  out += "\n";
  if (!e.value) {
    paint(out, color, k_dim, "(null)");
  } else {
    const std::string& v = *e.value;
    size_t first = v.find_first_not_of(" \t\r\n");
    bool structured = first != std::string::npos && (v[first] == '{' || v[first] == '[');
    nlohmann::ordered_json doc;
    if (structured) {
      doc = nlohmann::ordered_json::parse(v, nullptr, false);
      structured = !doc.is_discarded();
    }
    if (structured) pretty_json(out, doc, color, 0);
    else out += printable(v);
  }
  out += "\n";
  return out;
}

}  // namespace ftgo::events
