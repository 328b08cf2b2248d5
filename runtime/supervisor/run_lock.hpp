#pragma once
// The one-run-per-workspace lock: <root>/.ftgo/run/ftgo.pid, held with
// flock(2) for the whole run (the kernel drops it when the process dies, even
// by SIGKILL, so a stale file never blocks a new run) and holding the pid of
// the supervisor. Acquiring it also removes a stale control socket.
// Owned by `ftgo run`; moves into the daemon across fork (the lock follows
// the open file description).
#include <sys/types.h>

#include <filesystem>
#include <string>

namespace ftgo::supervisor {

class RunLock {
 public:
  // Throws ftgo::Error (failure) "already running: <root>: pid N" when a live
  // run holds the lock. `stale_note` receives a message when leftovers of a
  // killed run were cleaned up (empty otherwise).
  static RunLock acquire(const std::filesystem::path& root, std::string* stale_note = nullptr);

  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&&) = delete;
  ~RunLock();

  void write_pid(pid_t pid);
  // Drops the lock and removes the pid file (at the end of the run).
  void release();

 private:
  RunLock(std::filesystem::path path, int fd) : m_path(std::move(path)), m_fd(fd) {}
  std::filesystem::path m_path;
  int m_fd = -1;
};

// The pid in the pid file when a live run holds the lock, else 0.
pid_t running_pid(const std::filesystem::path& root);

}  // namespace ftgo::supervisor
