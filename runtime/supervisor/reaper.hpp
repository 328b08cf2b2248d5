#pragma once
// Reaps every child of the supervisor on SIGCHLD (waitpid(-1) in a loop, so
// orphaned grandchildren reparented to the subreaper are reaped too) and hands
// each watched pid's wait status to its callback on the event loop.
// Owned by the Supervisor; lives as long as its io_context; single-threaded.
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>
#include <map>

namespace ftgo::supervisor {

class Reaper {
 public:
  using Callback = std::function<void(int wait_status)>;

  explicit Reaper(boost::asio::io_context& io);

  // Call right after spawning `pid`, before the loop runs again.
  void watch(pid_t pid, Callback cb);
  void unwatch(pid_t pid);
  // Reaps what has exited now (also called by the SIGCHLD handler).
  void reap();

 private:
  void arm();

  boost::asio::signal_set m_signals;
  std::map<pid_t, Callback> m_watched;
};

// "exited with code 1", "killed by SIGKILL".
std::string describe_status(int wait_status);
// The exit code for policies: the code, or -1 when killed by a signal.
int exit_code_of(int wait_status);

}  // namespace ftgo::supervisor
