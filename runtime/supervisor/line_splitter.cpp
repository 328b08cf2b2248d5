#include "supervisor/line_splitter.hpp"

namespace ftgo::supervisor {

namespace {
std::string_view strip_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}
}  // namespace

void LineSplitter::feed(std::string_view chunk, const std::function<void(std::string_view)>& emit) {
  while (!chunk.empty()) {
    size_t nl = chunk.find('\n');
    size_t room = m_max_line - m_partial.size();
    if (nl == std::string_view::npos || nl > room) {
      if (chunk.size() < room) {
        m_partial.append(chunk);
        return;
      }
      // Too long: cut at the cap and go on with the rest as a new line.
      m_partial.append(chunk.substr(0, room));
      chunk.remove_prefix(room);
      emit(m_partial);
      m_partial.clear();
      continue;
    }
    if (m_partial.empty()) {
      emit(strip_cr(chunk.substr(0, nl)));
    } else {
      m_partial.append(chunk.substr(0, nl));
      emit(strip_cr(m_partial));
      m_partial.clear();
    }
    chunk.remove_prefix(nl + 1);
  }
}

void LineSplitter::flush(const std::function<void(std::string_view)>& emit) {
  if (m_partial.empty()) return;
  emit(strip_cr(m_partial));
  m_partial.clear();
}

}  // namespace ftgo::supervisor
