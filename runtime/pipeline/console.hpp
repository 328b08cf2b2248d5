#pragma once
// The human side of a pipeline run: stage headers, the stages' own output and,
// on a terminal only, one live progress line ("stage 2/3 test, 12.4s") that is
// redrawn in place and cleared before any other line is printed. Owned by the
// deploy that prints through it; one thread at a time.
#include <ostream>
#include <string>

namespace ftgo::pipeline {

class Console {
 public:
  // `tty`: whether `out` is a terminal (progress lines are drawn only then).
  Console(std::ostream& out, bool tty) : m_out(out), m_tty(tty) {}

  // A Console for stdout (or stderr when `to_stderr`), detecting the terminal.
  static Console standard(bool to_stderr);

  void line(const std::string& text);
  void progress(const std::string& text);
  void clear_progress();
  bool tty() const { return m_tty; }
  std::ostream& stream() { return m_out; }

 private:
  std::ostream& m_out;
  bool m_tty;
  bool m_progress_shown = false;
};

}  // namespace ftgo::pipeline
