#include "supervisor/console.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace ftgo::supervisor {

namespace {
constexpr const char* k_palette[] = {"\x1b[36m", "\x1b[33m", "\x1b[32m", "\x1b[35m", "\x1b[34m",
                                     "\x1b[96m", "\x1b[93m", "\x1b[92m", "\x1b[95m", "\x1b[94m"};
constexpr const char* k_reset = "\x1b[0m";
}  // namespace

Console::Console(const std::vector<std::string>& names, bool colour) : m_colour(colour), m_names(names) {
  for (const auto& n : names) m_width = std::max(m_width, n.size());
}

bool Console::want_colour() {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour && *no_colour) return false;
  return ::isatty(1) == 1;
}

std::string Console::prefix(const std::string& name) const {
  std::string padded = name;
  if (padded.size() < m_width) padded.append(m_width - padded.size(), ' ');
  if (!m_colour) return padded + " | ";
  auto it = std::find(m_names.begin(), m_names.end(), name);
  size_t idx = it == m_names.end() ? 0 : static_cast<size_t>(it - m_names.begin());
  return std::string(k_palette[idx % std::size(k_palette)]) + padded + " |" + k_reset + " ";
}

void Console::line(const std::string& name, std::string_view text) {
  m_pending += prefix(name);
  m_pending.append(text);
  m_pending += '\n';
  if (m_pending.size() > 256 * 1024) flush();
}

void Console::event(const std::string& name, std::string_view text) {
  m_pending += prefix(name);
  if (m_colour) m_pending += "\x1b[1m";
  m_pending.append(text);
  if (m_colour) m_pending += k_reset;
  m_pending += '\n';
  flush();
}

void Console::flush() {
  std::string_view rest = m_pending;
  while (!rest.empty()) {
    ssize_t n = ::write(1, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN or a closed reader: drop the rest
    rest.remove_prefix(static_cast<size_t>(n));
  }
  m_pending.clear();
}

}  // namespace ftgo::supervisor
