#pragma once
// Broker: the state the Kafka API handlers act on — the Store (topics, logs,
// committed offsets), the group coordinator, the consumers parked in Fetch
// waiting for data, the producer id allocator — and the dispatch of one
// decoded request frame to its handler.
//
// Ownership and threads: one per `ftgo broker` process (or per test/fuzz run),
// owned by whoever runs the io_context; touched from that io_context's single
// thread only. The Server owns connections and calls dispatch(). Under
// FsyncPolicy::interval the fdatasyncs run on the Flusher's thread: the flush
// timer only collects what to sync (dup'd descriptors) on the io thread. The
// log cleaner's passes run on the CleanerThread: the io thread plans each
// pass and swaps its result in (storage/clean_job.hpp).
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "broker/fetch_sessions.hpp"
#include "broker/groups/coordinator.hpp"
#include "broker/groups/group_store.hpp"
#include "broker/protocol/api.hpp"
#include "broker/storage/cleaner_thread.hpp"
#include "broker/storage/flusher.hpp"
#include "broker/storage/store.hpp"
#include "broker/txn/txn_coordinator.hpp"

namespace ftgo::broker {

namespace fs = std::filesystem;

struct BrokerOptions {
  std::string host = "127.0.0.1";  // listen address, advertised in Metadata
  std::uint16_t port = 9092;       // 0: any free port
  fs::path data_dir = ".ftgo/kafka";
  int default_partitions = 1;  // for auto-created topics and CreateTopics with -1
  storage::LogOptions log;
  std::int32_t node_id = 0;
  // Kafka's message.max.bytes default: the largest record batch accepted.
  std::int32_t max_message_bytes = 1048588;
  bool auto_create_topics = true;
  int max_partitions = 10000;  // per topic, in CreateTopics
  std::int64_t flush_interval_ms = 1000;  // with FsyncPolicy::interval
  // How often time and size retention runs, whatever the fsync policy
  // (Kafka's log.retention.check.interval.ms, there 5 minutes).
  std::int64_t retention_check_interval_ms = 1000;
  // How often the log cleaner looks for compacted partitions to clean
  // (Kafka's log.cleaner.backoff.ms, also 15 s there).
  std::int64_t log_cleaner_backoff_ms = 15000;
  // How long committed offsets are kept once their group is Empty, or after
  // their commit for a group that never had members (Kafka's
  // offsets.retention.minutes, default 7 days; groups/offset_expiry.hpp),
  // and how often that is checked (offsets.retention.check.interval.ms).
  std::int64_t offsets_retention_ms = 7LL * 24 * 60 * 60 * 1000;
  std::int64_t offsets_retention_check_interval_ms = 600000;
  // How often ongoing transactions are checked against their
  // transaction.timeout.ms (Kafka's
  // transaction.abort.timed.out.transaction.cleanup.interval.ms, 10 s there).
  std::int64_t txn_timeout_check_interval_ms = 10000;
  // Incremental fetch sessions (KIP-227; fetch_sessions.hpp): how many the
  // broker keeps (Kafka's max.incremental.fetch.session.cache.slots; 0: none).
  FetchSessionOptions fetch_sessions;
  // Tests only: called at the named points where a crash test stops the
  // broker (Broker::crash_point). Unset, the environment variable
  // FTGO_BROKER_CRASH_AT may name one point, at which the broker then kills
  // itself with SIGKILL (the compat suite's kill -9 cases).
  std::function<void(std::string_view point)> crash_point;
};

// Something waiting for appends to a partition (a parked Fetch).
class AppendWaiter {
 public:
  virtual ~AppendWaiter() = default;
  virtual void on_append() = 0;
};

class Broker {
 public:
  Broker(boost::asio::io_context& io, BrokerOptions options);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  const BrokerOptions& options() const { return m_options; }
  void set_port(std::uint16_t port) { m_options.port = port; }
  boost::asio::io_context& io() { return m_io; }
  storage::Store& store() { return *m_store; }
  groups::Coordinator& groups() { return m_groups; }
  txn::TxnCoordinator& txns() { return m_txns; }
  FetchSessionCache& fetch_sessions() { return m_fetch_sessions; }
  // nullptr under FsyncPolicy::always.
  const storage::Flusher* flusher() const { return m_flusher.get(); }

  // Decodes the rest of the header, runs the handler. Throws DecodeError for
  // a request to close the connection over (unknown API, bad body).
  void dispatch(protocol::Request& request, protocol::Reader& body, protocol::Reply reply);

  // The error code for using `topic`, creating it first when `auto_create`
  // and it is missing: none, unknown_topic_or_partition, invalid_topic_exception.
  std::int16_t ensure_topic(const std::string& topic, bool auto_create);

  // Parked fetches: wait for an append to (topic, partition).
  void wait_for_append(const std::string& topic, int partition, std::weak_ptr<AppendWaiter> waiter);
  void notify_append(const std::string& topic, int partition);
  bool stopping() const { return m_stopping; }
  // Fetches parked now answer at once (called on shutdown); every later
  // fetch answers without waiting.
  void stop_waiting();

  std::int64_t allocate_producer_id();
  std::int64_t now_ms() const;
  std::int64_t steady_ms() const { return m_clock.now_ms(); }
  // A topic was deleted: the fetch sessions holding its partitions report it
  // to their clients, and the fetches parked on them answer now.
  void topic_deleted(const std::string& topic, int partitions);
  // A point a crash test may stop at (BrokerOptions::crash_point):
  // "txn-produce-appended" (a transactional batch is in the log, nothing
  // else done), "txn-prepared" (EndTxn's decision saved, no marker written),
  // "txn-markers-written" (markers and offsets written, Complete* not saved),
  // "topic-deleted" (a topic's files gone, its transaction state not yet).
  void crash_point(std::string_view point) const;

  // Flushes every log on the calling thread, after the syncs queued on the
  // flusher are done (at shutdown: everything is on disk when it returns).
  void flush();
  // Hands what is unsynced to the flusher thread (the interval timer calls
  // it); does nothing while the flusher still syncs the previous batch, or
  // under FsyncPolicy::always. Returns how many files were queued.
  std::size_t flush_async();
  // Runs time and size retention now (the retention timer calls it).
  void enforce_retention();
  // Drops the aborted transactions whose marker is below their partition's
  // log start offset (after retention, DeleteRecords, a cleaner pass).
  void trim_aborted_txns();
  // One log-cleaner pass over every compacted partition, on the calling thread.
  void clean_logs();
  // Starts a cleaner cycle on the cleaner thread now: each compacted
  // partition with something to clean gets a pass, one at a time; the timer
  // is armed again when the cycle ends. Does nothing while a pass runs.
  void start_cleaner_cycle();
  bool cleaner_busy() const { return m_clean_job != nullptr; }
  // Removes the committed offsets past their retention and the groups left
  // with none (the offsets-retention timer calls it).
  void expire_offsets();
  void start_timers();
  void cancel_timers();

 private:
  void arm_group_timer();
  void arm_flush_timer();
  void arm_retention_timer();
  void arm_cleaner_timer();
  void clean_done(std::shared_ptr<storage::CleanJob> job);
  void arm_offsets_timer();
  void arm_txn_timer();
  txn::TxnHooks txn_hooks();
  // Appends a transaction marker (TxnHooks::write_marker).
  std::int64_t write_marker(const txn::TopicPartition& tp, std::int64_t producer_id, std::int16_t epoch, bool commit);
  // Wakes the fetches parked on partitions that just got a transaction marker.
  void notify_marked();

  boost::asio::io_context& m_io;
  BrokerOptions m_options;
  std::unique_ptr<storage::Store> m_store;
  // Under FsyncPolicy::interval only. It holds its own dup'd descriptors,
  // never the store's, and syncs what is queued before it is destroyed.
  std::unique_ptr<storage::Flusher> m_flusher;
  groups::SteadyClock m_clock;
  groups::SystemClock m_wall_clock;
  groups::Coordinator m_groups;
  groups::GroupStore m_group_store;
  txn::TxnCoordinator m_txns;
  FetchSessionCache m_fetch_sessions;
  std::vector<txn::TopicPartition> m_marked;  // partitions given a marker, to notify
  std::map<std::pair<std::string, int>, std::vector<std::weak_ptr<AppendWaiter>>> m_waiters;
  std::vector<std::weak_ptr<AppendWaiter>> m_all_waiters;
  boost::asio::steady_timer m_group_timer;
  std::int64_t m_group_timer_at = -1;
  boost::asio::steady_timer m_flush_timer;
  boost::asio::steady_timer m_retention_timer;
  boost::asio::steady_timer m_cleaner_timer;
  boost::asio::steady_timer m_offsets_timer;
  boost::asio::steady_timer m_txn_timer;
  bool m_txn_timer_armed = false;
  bool m_timers = false;
  // The log cleaner thread (started at the first pass) and the pass in flight.
  std::unique_ptr<storage::CleanerThread> m_cleaner;
  std::shared_ptr<storage::CleanJob> m_clean_job;
  bool m_cleaner_stopped = false;  // cancel_timers: no next pass
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);  // for handlers posted by the cleaner thread
  bool m_stopping = false;
  std::int64_t m_last_producer_id = 0;
};

}  // namespace ftgo::broker
