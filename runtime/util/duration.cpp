#include "util/duration.hpp"

#include <cctype>
#include <cstdio>

namespace ftgo::util {

std::optional<Millis> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long long total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    long long n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > 1'000'000'000LL) return std::nullopt;
      ++i;
    }
    long long scale = 0;
    if (text.substr(i, 2) == "ms") {
      scale = 1;
      i += 2;
    } else if (i < text.size() && text[i] == 's') {
      scale = 1000;
      ++i;
    } else if (i < text.size() && text[i] == 'm') {
      scale = 60'000;
      ++i;
    } else if (i < text.size() && text[i] == 'h') {
      scale = 3'600'000;
      ++i;
    } else {
      return std::nullopt;
    }
    total += n * scale;
  }
  return Millis(total);
}

std::string format_duration(Millis d) {
  long long ms = d.count();
  char buf[64];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lldms", ms);
  } else if (ms < 60'000) {
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  } else if (ms < 3'600'000) {
    std::snprintf(buf, sizeof buf, "%lldm%llds", ms / 60'000, (ms % 60'000) / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%lldm", ms / 3'600'000, (ms % 3'600'000) / 60'000);
  }
  return buf;
}

}  // namespace ftgo::util
