#pragma once
// Turns the chunks read from a child's pipe into lines. A partial line waits
// for its end; a line longer than `max_line` bytes is cut there and the rest
// continues as the next line, so a child that never writes '\n' cannot grow
// memory without bound. Bytes are passed through as they are (invalid UTF-8
// included); a trailing '\r' is dropped. Owned by one output stream of one
// process; single-threaded.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace ftgo::supervisor {

class LineSplitter {
 public:
  static constexpr size_t k_default_max_line = 64 * 1024;

  explicit LineSplitter(size_t max_line = k_default_max_line) : m_max_line(max_line) {}

  // Calls `emit` once per complete line found in `chunk` (without the '\n').
  void feed(std::string_view chunk, const std::function<void(std::string_view)>& emit);
  // Emits what is left (a last line without '\n'), e.g. at end of file.
  void flush(const std::function<void(std::string_view)>& emit);

 private:
  size_t m_max_line;
  std::string m_partial;
};

}  // namespace ftgo::supervisor
