#include "broker/storage/worker_thread.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ftgo::broker::storage {
namespace {

constexpr int k_nice_above_io = 10;

// Linux's nice value is per thread: this one's, 10 above the process's.
void lower_priority() {
  const auto tid = static_cast<id_t>(gettid());
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(nice + k_nice_above_io, 19));
}

}  // namespace

WorkerThread::~WorkerThread() { stop(); }

void WorkerThread::start(std::function<void()> body) {
  m_thread = std::thread([body = std::move(body)] {
    lower_priority();
    body();
  });
}

void WorkerThread::stop(const std::function<void()>& on_stop) {
  if (!m_thread.joinable()) return;
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
    if (on_stop) on_stop();
  }
  m_wake.notify_one();
  m_thread.join();
}

}  // namespace ftgo::broker::storage
