#pragma once
// One running process of a service: the child (leader of its own process
// group), its stdout/stderr pipes read asynchronously and split into lines,
// and its exit. When the leader exits, whatever is left in its group is
// killed, the pipes are drained until EOF or a short grace period (a
// grandchild may hold them open) and only then on_exit runs, so the last
// lines print before "exited with code N".
//
// Except during a stop: once signal_group() has sent a stop signal (SIGTERM),
// the leader exiting first does not kill the rest of the group. `run: python
// app.py` runs as `/bin/sh -c "python app.py"`; dash does not exec the last
// command, so SIGTERM ends the shell at once while python is still closing
// its Kafka consumer (commit, LeaveGroup). The group is then polled until it
// is empty and on_exit runs after that; the caller's stop timeout still ends
// it with signal_group(SIGKILL).
// Owned (shared_ptr) by a ServiceUnit; async handlers keep it alive until
// they finish. Single-threaded (the event loop).
#include <sys/types.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "supervisor/line_splitter.hpp"
#include "supervisor/reaper.hpp"
#include "supervisor/spawn.hpp"

namespace ftgo::supervisor {

class Instance : public std::enable_shared_from_this<Instance> {
 public:
  struct Hooks {
    std::function<void(std::string_view line)> on_line;
    std::function<void()> on_batch;           // after the lines of one read
    std::function<void(int wait_status)> on_exit;
  };

  // Spawns the process; throws ftgo::Error when it cannot start.
  static std::shared_ptr<Instance> start(boost::asio::io_context& io, Reaper& reaper, const SpawnSpec& spec,
                                         Hooks hooks);
  ~Instance();

  pid_t pid() const { return m_pid; }
  // The leader has been reaped (its group may still be finishing a stop).
  bool exited() const { return m_status.has_value(); }
  // Some process of the group may still run: signal_group() reaches it.
  bool group_running() const { return m_group_alive; }
  std::chrono::steady_clock::time_point started_at() const { return m_started; }
  // Sends `sig` to the whole process group (no-op once the group is gone).
  // A signal other than SIGKILL marks a stop (see above).
  void signal_group(int sig);
  // Stops calling the hooks (the unit has let go of this instance).
  void forget() { m_hooks = {}; }

 private:
  struct Stream {
    explicit Stream(boost::asio::io_context& io) : pipe(io) {}
    boost::asio::posix::stream_descriptor pipe;
    LineSplitter splitter;
    std::array<char, 16 * 1024> buffer{};
    bool open = false;
  };

  Instance(boost::asio::io_context& io, Hooks hooks);
  void read(Stream& s);
  void on_reaped(int status);
  void wait_for_group();
  void end_group(bool kill_leftovers);
  void maybe_finish();

  boost::asio::io_context& m_io;
  Hooks m_hooks;
  pid_t m_pid = -1;
  std::chrono::steady_clock::time_point m_started;
  Stream m_out;
  Stream m_err;
  std::optional<int> m_status;
  boost::asio::steady_timer m_grace;
  boost::asio::steady_timer m_group_poll;
  bool m_group_alive = false;
  bool m_stop_requested = false;
  bool m_finished = false;
};

}  // namespace ftgo::supervisor
