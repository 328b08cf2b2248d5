#pragma once
// CleanerThread: the broker's log cleaner thread (Kafka's log cleaner
// threads; one here). It runs the heavy part of a pass — reading the closed
// segments, building the key map, writing and fsyncing the cleaned segments
// (run_clean_job) — so the io thread only plans a pass and swaps its result
// in (clean_job.hpp). One job at a time.
//
// Ownership and threads: owned by the Broker. submit() and cancel() are
// called from the io thread; the job and its `done` callback run on the
// cleaner thread (`done` posts the swap to the io thread). The thread runs
// at a lower priority (nice +10), like the Flusher (worker_thread.hpp).
#include <functional>
#include <memory>
#include <vector>

#include "broker/storage/clean_job.hpp"
#include "broker/storage/worker_thread.hpp"

namespace ftgo::broker::storage {

class CleanerThread {
 public:
  using Done = std::function<void(std::shared_ptr<CleanJob>)>;
  CleanerThread();
  // Cancels the job queued or running, waits for the thread to end. A
  // cancelled job's `done` still runs.
  ~CleanerThread();
  CleanerThread(const CleanerThread&) = delete;
  CleanerThread& operator=(const CleanerThread&) = delete;

  // Runs run_clean_job(*job), then done(job), on the cleaner thread. Only
  // one job at a time: the caller submits the next after `done`.
  void submit(std::shared_ptr<CleanJob> job, Done done);
  // Drops `job` on the cleaner thread. Its descriptors are the last ones of
  // the segments a swap replaced: closing them frees their blocks, which
  // takes milliseconds for large files — not on the io thread.
  void release(std::shared_ptr<CleanJob> job);

 private:
  void run();

  std::shared_ptr<CleanJob> m_job;  // queued or running
  Done m_done;
  std::vector<std::shared_ptr<CleanJob>> m_released;
  WorkerThread m_worker;  // its lock guards the state above
};

}  // namespace ftgo::broker::storage
