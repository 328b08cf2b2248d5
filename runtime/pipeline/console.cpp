#include "pipeline/console.hpp"

#include <unistd.h>

#include <iostream>

namespace ftgo::pipeline {

Console Console::standard(bool to_stderr) {
  if (to_stderr) return Console(std::cerr, isatty(STDERR_FILENO) != 0);
  return Console(std::cout, isatty(STDOUT_FILENO) != 0);
}

void Console::line(const std::string& text) {
  clear_progress();
  m_out << text << '\n' << std::flush;
}

void Console::progress(const std::string& text) {
  if (!m_tty) return;
  m_out << "\r\033[K" << text << std::flush;
  m_progress_shown = true;
}

void Console::clear_progress() {
  if (!m_progress_shown) return;
  m_out << "\r\033[K" << std::flush;
  m_progress_shown = false;
}

}  // namespace ftgo::pipeline
