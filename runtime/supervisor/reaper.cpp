#include "supervisor/reaper.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

namespace ftgo::supervisor {

Reaper::Reaper(boost::asio::io_context& io) : m_signals(io, SIGCHLD) { arm(); }

void Reaper::arm() {
  m_signals.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    reap();
    arm();
  });
}

void Reaper::watch(pid_t pid, Callback cb) {
  m_watched[pid] = std::move(cb);
}

void Reaper::unwatch(pid_t pid) { m_watched.erase(pid); }

void Reaper::reap() {
  while (true) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    auto it = m_watched.find(pid);
    if (it == m_watched.end()) continue;  // an orphaned grandchild
    Callback cb = std::move(it->second);
    m_watched.erase(it);
    cb(status);
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(status));
    return std::string("killed by ") + (abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(WTERMSIG(status)));
  }
  return "stopped";
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace ftgo::supervisor
