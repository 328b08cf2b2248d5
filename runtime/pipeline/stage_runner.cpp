#include "pipeline/stage_runner.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

#include "util/error.hpp"

namespace ftgo::pipeline {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::atomic<int> g_interrupt{0};

void on_interrupt(int sig) { g_interrupt = sig; }

// Catches SIGINT/SIGTERM while a stage runs (the stage is in its own process
// group, so the terminal's Ctrl-C reaches only ftgo) and restores the old
// handlers afterwards.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_interrupt = 0;
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &m_old_int);
    sigaction(SIGTERM, &sa, &m_old_term);
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &m_old_int, nullptr);
    sigaction(SIGTERM, &m_old_term, nullptr);
  }

 private:
  struct sigaction m_old_int {};
  struct sigaction m_old_term {};
};

std::string seconds_text(milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

}  // namespace

CommandResult run_command(const std::string& command, const std::filesystem::path& cwd, const Env& env,
                          std::optional<milliseconds> timeout, Console& console, const std::string& progress_label) {
  InterruptGuard guard;
  CommandResult result;
  const auto start = Clock::now();
  Child child({"/bin/sh", "-c", command}, cwd, env);

  std::string partial;
  auto emit = [&](const std::string& text) {
    console.line(text);
    result.last_lines.push_back(text);
    if (result.last_lines.size() > k_kept_lines) result.last_lines.pop_front();
  };

  std::optional<Clock::time_point> killed_at;     // when SIGTERM went to the group
  std::optional<Clock::time_point> exited_at;     // when the main process exited
  bool eof = false;
  Clock::time_point last_draw{};
  while (true) {
    auto now = Clock::now();
    if (g_interrupt) {
      child.signal_group(SIGKILL);
      child.wait();
      console.clear_progress();
      throw Error(ExitCode::interrupted, "interrupted", progress_label, "stopped the stage's processes");
    }
    if (timeout && !killed_at && now - start > *timeout) {
      child.signal_group(SIGTERM);
      killed_at = now;
      result.status = CommandResult::Status::timed_out;
    }
    if (killed_at && now - *killed_at > milliseconds(2000)) child.signal_group(SIGKILL);
    if (!exited_at && child.try_wait()) exited_at = now;
    if (eof && exited_at) break;
    // The main process exited but something it started still holds the pipe:
    // a stage does not outlive its command.
    if (exited_at && now - *exited_at > milliseconds(200)) {
      child.signal_group(SIGKILL);
      break;
    }
    if (!eof) {
      pollfd pfd{child.output_fd(), POLLIN, 0};
      int r = poll(&pfd, 1, 100);
      if (r > 0) {
        char buf[8192];
        ssize_t n = read(child.output_fd(), buf, sizeof buf);
        if (n > 0) {
          partial.append(buf, static_cast<std::size_t>(n));
          std::size_t nl;
          while ((nl = partial.find('\n')) != std::string::npos) {
            emit(partial.substr(0, nl));
            partial.erase(0, nl + 1);
          }
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          eof = true;
        }
      }
    } else {
      usleep(10'000);
    }
    if (console.tty() && Clock::now() - last_draw > milliseconds(100)) {
      last_draw = Clock::now();
      console.progress(progress_label + ", " + seconds_text(std::chrono::duration_cast<milliseconds>(last_draw - start)));
    }
  }
  if (!partial.empty()) emit(partial);
  console.clear_progress();
  int status = child.wait();
  result.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  if (result.status != CommandResult::Status::timed_out) {
    result.exit_code = exit_code_of(status);
    result.status = *result.exit_code == 0 ? CommandResult::Status::ok : CommandResult::Status::failed;
  }
  return result;
}

}  // namespace ftgo::pipeline
