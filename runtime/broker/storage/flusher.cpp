#include "broker/storage/flusher.hpp"

#include <fmt/format.h>

#include <exception>

namespace ftgo::broker::storage {

Flusher::Flusher() { m_worker.start([this] { run(); }); }

Flusher::~Flusher() { m_worker.stop(); }

void Flusher::submit(std::vector<File> files) {
  if (files.empty()) return;
  {
    std::lock_guard lock(m_worker.mutex());
    for (auto& f : files) m_queue.push_back(std::move(f));
  }
  m_worker.notify();
}

bool Flusher::idle() const {
  std::lock_guard lock(m_worker.mutex());
  return m_queue.empty() && !m_running;
}

void Flusher::drain() {
  std::unique_lock lock(m_worker.mutex());
  m_drained.wait(lock, [&] { return m_queue.empty() && !m_running; });
}

std::uint64_t Flusher::synced() const {
  std::lock_guard lock(m_worker.mutex());
  return m_synced;
}

std::uint64_t Flusher::failed() const {
  std::lock_guard lock(m_worker.mutex());
  return m_failed;
}

void Flusher::run() {
  std::unique_lock lock(m_worker.mutex());
  for (;;) {
    m_worker.wait(lock, [&] { return !m_queue.empty(); });
    if (m_queue.empty()) break;  // stopping, and everything is synced
    std::vector<File> batch = std::move(m_queue);
    m_queue.clear();
    m_running = true;
    lock.unlock();
    std::uint64_t ok = 0, bad = 0;
    for (auto& f : batch) {
      try {
        f.datasync();
        ++ok;
      } catch (const std::exception& e) {
        fmt::print(stderr, "ftgo broker: {}\n", e.what());
        ++bad;
      }
      f.close();
    }
    lock.lock();
    m_running = false;
    m_synced += ok;
    m_failed += bad;
    if (m_queue.empty()) m_drained.notify_all();
  }
  m_drained.notify_all();
}

}  // namespace ftgo::broker::storage
