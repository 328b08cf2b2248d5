#include "broker/storage/cleaner_thread.hpp"

namespace ftgo::broker::storage {

CleanerThread::CleanerThread() { m_worker.start([this] { run(); }); }

CleanerThread::~CleanerThread() {
  m_worker.stop([this] {
    if (m_job) m_job->cancelled = true;
  });
}

void CleanerThread::submit(std::shared_ptr<CleanJob> job, Done done) {
  {
    std::lock_guard lock(m_worker.mutex());
    m_job = std::move(job);
    m_done = std::move(done);
  }
  m_worker.notify();
}

void CleanerThread::release(std::shared_ptr<CleanJob> job) {
  {
    std::lock_guard lock(m_worker.mutex());
    m_released.push_back(std::move(job));
  }
  m_worker.notify();
}

void CleanerThread::run() {
  std::unique_lock lock(m_worker.mutex());
  for (;;) {
    m_worker.wait(lock, [&] { return m_job || !m_released.empty(); });
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
    if (m_worker.stopping()) job->cancelled = true;
    lock.unlock();
    run_clean_job(*job);
    if (done) done(job);
    lock.lock();
    if (m_job == job) m_job.reset();
    if (m_worker.stopping()) break;
  }
}

}  // namespace ftgo::broker::storage
