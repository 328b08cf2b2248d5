#pragma once
// Flusher: a thread of its own that fdatasyncs files for the broker, so the
// io thread never waits on a disk sync under FsyncPolicy::interval. The io
// thread hands it Files it owns — dup()s of the segment and offsets-log
// descriptors, freshly opened index files — so a segment closed, rolled or
// unlinked by retention or a topic delete meanwhile changes nothing here: the
// duplicate keeps the inode open until its sync is done (an unlinked file's
// sync is harmless), then it is closed.
//
// Ownership and threads: owned by the Broker. submit(), idle() and drain()
// are called from the io thread; the syncs run on the flusher's thread. A
// failed sync is logged to stderr and counted, the flusher carries on (the
// data is still in the page cache: it survives kill -9, not power loss).
#include <condition_variable>
#include <cstdint>
#include <vector>

#include "broker/storage/file.hpp"
#include "broker/storage/worker_thread.hpp"

namespace ftgo::broker::storage {

class Flusher {
 public:
  Flusher();
  // Syncs everything queued, then stops the thread.
  ~Flusher();
  Flusher(const Flusher&) = delete;
  Flusher& operator=(const Flusher&) = delete;

  // Queues `files` to be fdatasync'd and closed on the flusher thread.
  void submit(std::vector<File> files);
  // Nothing queued and no sync running.
  bool idle() const;
  // Waits until every file submitted so far is synced.
  void drain();

  std::uint64_t synced() const;  // files synced so far
  std::uint64_t failed() const;  // syncs that failed

 private:
  void run();

  std::condition_variable m_drained;  // queue empty and nothing running
  std::vector<File> m_queue;
  bool m_running = false;  // the thread holds a batch taken from the queue
  std::uint64_t m_synced = 0;
  std::uint64_t m_failed = 0;
  WorkerThread m_worker;  // its lock guards the state above
};

}  // namespace ftgo::broker::storage
