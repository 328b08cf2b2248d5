#pragma once
// WorkerThread: the background thread of the broker's storage helpers (the
// Flusher, the log cleaner's CleanerThread): started by its owner, run at a
// lower priority than the io thread (nice +10 above the process's, at most
// 19: on a busy machine the io thread, which answers clients, goes first;
// failing to set it is harmless), stopped and joined by its owner. It also
// carries the owner's lock, wake-up condition and stop flag, which the
// owner's loop waits on.
//
// Ownership and threads: a member of its owner, which calls start() in its
// constructor (after its other members exist) and stop() in its destructor
// (before they go). lock()/notify() from any thread.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace ftgo::broker::storage {

class WorkerThread {
 public:
  WorkerThread() = default;
  ~WorkerThread();  // stop() if the owner has not
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  // Runs `body` on a new thread, at the lower priority.
  void start(std::function<void()> body);
  // Under the lock: sets the stop flag and runs `on_stop` (e.g. cancels the
  // work in progress); then wakes the thread and waits for it to end.
  void stop(const std::function<void()>& on_stop = {});

  std::mutex& mutex() const { return m_mutex; }
  // Waits (`lock` holds mutex()) until `ready()` or stopping.
  template <typename Ready>
  void wait(std::unique_lock<std::mutex>& lock, Ready ready) {
    m_wake.wait(lock, [&] { return m_stop || ready(); });
  }
  void notify() { m_wake.notify_one(); }
  bool stopping() const { return m_stop; }  // with mutex() held

 private:
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace ftgo::broker::storage
