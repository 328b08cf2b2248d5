#include "broker/storage/flusher.hpp"

#include <fmt/format.h>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>

namespace ftgo::broker::storage {

namespace {
constexpr int k_nice_above_io = 10;
}  // namespace

Flusher::Flusher() : m_thread([this] { run(); }) {}

Flusher::~Flusher() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_one();
  m_thread.join();
}

void Flusher::submit(std::vector<File> files) {
  if (files.empty()) return;
  {
    std::lock_guard lock(m_mutex);
    for (auto& f : files) m_queue.push_back(std::move(f));
  }
  m_wake.notify_one();
}

bool Flusher::idle() const {
  std::lock_guard lock(m_mutex);
  return m_queue.empty() && !m_running;
}

void Flusher::drain() {
  std::unique_lock lock(m_mutex);
  m_drained.wait(lock, [&] { return m_queue.empty() && !m_running; });
}

std::uint64_t Flusher::synced() const {
  std::lock_guard lock(m_mutex);
  return m_synced;
}

std::uint64_t Flusher::failed() const {
  std::lock_guard lock(m_mutex);
  return m_failed;
}

void Flusher::run() {
  // Background work: on a busy machine the io thread, which answers clients,
  // goes first. Linux's nice value is per thread; 10 above the broker's own
  // (at most 19). Failing to set it is harmless.
  const auto tid = static_cast<id_t>(gettid());
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(nice + k_nice_above_io, 19));
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_wake.wait(lock, [&] { return m_stop || !m_queue.empty(); });
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
