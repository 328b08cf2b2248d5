#pragma once
// The multiplexed terminal output of `ftgo run`: every line of every service
// as `name | line`, the name padded to the longest and coloured when stdout
// is a terminal and NO_COLOR is unset; supervisor events (started, healthy,
// exited ...) appear the same way, in bold. Writes go to stdout (fd 1);
// failures (a closed pipe) are ignored so a dead reader never stops the run.
// Owned by the Supervisor; single-threaded (the event loop).
#include <string>
#include <string_view>
#include <vector>

namespace ftgo::supervisor {

class Console {
 public:
  // `names`: every name that will print, to compute the padding and colours.
  Console(const std::vector<std::string>& names, bool colour);

  // Adds one line to the pending batch; flush() writes the batch.
  void line(const std::string& name, std::string_view text);
  void event(const std::string& name, std::string_view text);
  void flush();

  // True when fd 1 is a terminal and NO_COLOR is unset or empty.
  static bool want_colour();

 private:
  std::string prefix(const std::string& name) const;

  bool m_colour;
  size_t m_width = 0;
  std::vector<std::string> m_names;
  std::string m_pending;
};

}  // namespace ftgo::supervisor
