#include "broker/storage/cleaner_thread.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ftgo::broker::storage {

namespace {
constexpr int k_nice_above_io = 10;
}  // namespace

CleanerThread::CleanerThread() : m_thread([this] { run(); }) {}

CleanerThread::~CleanerThread() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
    if (m_job) m_job->cancelled = true;
  }
  m_wake.notify_one();
  m_thread.join();
}

void CleanerThread::submit(std::shared_ptr<CleanJob> job, Done done) {
  {
    std::lock_guard lock(m_mutex);
    m_job = std::move(job);
    m_done = std::move(done);
  }
  m_wake.notify_one();
}

void CleanerThread::release(std::shared_ptr<CleanJob> job) {
  {
    std::lock_guard lock(m_mutex);
    m_released.push_back(std::move(job));
  }
  m_wake.notify_one();
}

void CleanerThread::run() {
  const auto tid = static_cast<id_t>(gettid());
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(nice + k_nice_above_io, 19));
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_wake.wait(lock, [&] { return m_stop || m_job || !m_released.empty(); });
    if (!m_released.empty()) {
      auto released = std::move(m_released);
      m_released.clear();
      lock.unlock();
      released.clear();
      lock.lock();
      continue;
    }
    if (!m_job) break;
    std::shared_ptr<CleanJob> job = m_job;
    Done done = std::move(m_done);
    if (m_stop) job->cancelled = true;
    lock.unlock();
    run_clean_job(*job);
    if (done) done(job);
    lock.lock();
    if (m_job == job) m_job.reset();
    if (m_stop) break;
  }
}

}  // namespace ftgo::broker::storage
