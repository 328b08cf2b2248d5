#include "broker/broker.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "broker/groups/offset_expiry.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/txn/control_batch.hpp"
#include "util/error.hpp"

namespace ftgo::broker {

using namespace protocol;

Broker::Broker(boost::asio::io_context& io, BrokerOptions options)
    : m_io(io),
      m_options(std::move(options)),
      m_store(std::make_unique<storage::Store>(m_options.data_dir, m_options.log)),
      m_groups(m_clock, &m_wall_clock),
      m_group_store(m_store->data_dir() / "groups" / "members.json"),
      m_txns(txn_hooks(), m_store->data_dir() / "transactions" / "state.json"),
      m_fetch_sessions(m_options.fetch_sessions),
      m_group_timer(io),
      m_flush_timer(io),
      m_retention_timer(io),
      m_cleaner_timer(io),
      m_offsets_timer(io),
      m_txn_timer(io) {
  if (!m_options.crash_point) {
    if (const char* at = std::getenv("FTGO_BROKER_CRASH_AT"); at && *at) {
      m_options.crash_point = [at = std::string(at)](std::string_view point) {
        if (point != at) return;
        fmt::print(stderr, "ftgo broker: FTGO_BROKER_CRASH_AT={}: killing myself (SIGKILL)\n", at);
        std::fflush(stderr);
        ::raise(SIGKILL);
      };
    }
  }
  if (m_options.log.fsync == storage::FsyncPolicy::interval) m_flusher = std::make_unique<storage::Flusher>();
  // Membership is soft state: a file that does not load (damaged outside
  // the broker: it is written atomically) costs a rejoin, not the broker.
  try {
    for (auto& g : m_group_store.load()) m_groups.restore(std::move(g));
  } catch (const ftgo::Error& e) {
    fmt::print(stderr, "ftgo broker: {}; the groups start without their saved members (they rejoin)\n", e.what());
  }
  // Transaction state is not soft: a file that does not load stops the
  // broker rather than let read_committed consumers see aborted records.
  m_txns.load();
  // What a crash left of a deleted topic (between its deletion and the save
  // that forgets it) must not apply to a topic re-created with its name.
  trim_aborted_txns();
}

txn::TxnHooks Broker::txn_hooks() {
  txn::TxnHooks hooks;
  hooks.allocate_producer_id = [this] { return allocate_producer_id(); };
  hooks.write_marker = [this](const txn::TopicPartition& tp, std::int64_t pid, std::int16_t epoch, bool commit) {
    return write_marker(tp, pid, epoch, commit);
  };
  hooks.commit_offset = [this](const std::string& group, const txn::TopicPartition& tp, const txn::PendingOffset& o) {
    try {
      m_store->commit_offset(group, tp.topic, tp.partition, storage::CommittedOffset{o.offset, o.leader_epoch, o.metadata, now_ms()});
    } catch (const std::exception& e) {
      fmt::print(stderr, "ftgo broker: cannot commit the offset of group {} for {}-{}: {}\n", group, tp.topic,
                 tp.partition, e.what());
    }
  };
  hooks.crash_point = [this](const char* point) { crash_point(point); };
  hooks.log_end = [this](const txn::TopicPartition& tp) -> std::int64_t {
    const storage::PartitionLog* log = m_store->partition(tp.topic, tp.partition);
    return log ? log->high_watermark() : -1;
  };
  return hooks;
}

void Broker::crash_point(std::string_view point) const {
  if (m_options.crash_point) m_options.crash_point(point);
}

std::int64_t Broker::write_marker(const txn::TopicPartition& tp, std::int64_t producer_id, std::int16_t epoch,
                                  bool commit) {
  storage::PartitionLog* log = m_store->partition(tp.topic, tp.partition);
  if (!log) return -1;
  // Else a failure is k_marker_failed: the coordinator tries again later
  // rather than take the transaction as ended there.
  auto batch = txn::make_control_batch(producer_id, epoch, commit ? txn::ControlType::commit : txn::ControlType::abort,
                                       0, now_ms());
  try {
    storage::AppendResult res = log->append(batch);
    if (res.error != storage::AppendError::none) {
      fmt::print(stderr, "ftgo broker: the transaction marker for {}-{} was refused ({})\n", tp.topic, tp.partition,
                 static_cast<int>(res.error));
      return txn::k_marker_failed;
    }
    m_marked.push_back(tp);
    return res.base_offset;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ftgo broker: cannot write the transaction marker for {}-{}: {}\n", tp.topic, tp.partition,
               e.what());
    return txn::k_marker_failed;
  }
}

void Broker::notify_marked() {
  auto marked = std::move(m_marked);
  m_marked.clear();
  for (const auto& tp : marked) notify_append(tp.topic, tp.partition);
}

Broker::~Broker() {
  m_cleaner.reset();  // cancels the pass running, joins the thread
  if (m_clean_job) {  // its swap was never run: discard its files
    m_clean_job->cancelled = true;
    m_store->finish_clean(*m_clean_job);
  }
}

std::int64_t Broker::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Broker::dispatch(Request& request, Reader& body, Reply reply) {
  const ApiEntry* api = find_api(request.header.api_key);
  if (!api) throw DecodeError(fmt::format("unknown api key {}", request.header.api_key));
  auto& h = request.header;
  bool supported = h.api_version >= api->min_version && h.api_version <= api->max_version;
  if (!supported && h.api_key != api_key::api_versions) {
    throw DecodeError(fmt::format("{} v{} is not supported (v{}-{})", api->name, h.api_version,
                                  api->min_version, api->max_version));
  }
  // An ApiVersions of an unknown version: its header may be flexible or not;
  // the handler answers from the prefix alone (KIP-511).
  if (supported) decode_request_header_rest(body, h, h.api_version >= api->flexible_from);
  api->handler(*this, request, body, std::move(reply));
  if (!m_marked.empty()) notify_marked();
  switch (h.api_key) {
    case api_key::join_group:
    case api_key::sync_group:
    case api_key::leave_group:
    case api_key::delete_groups:
      m_group_store.save(m_groups);
      break;
    default:
      break;
  }
  arm_group_timer();
  arm_txn_timer();
}

std::int16_t Broker::ensure_topic(const std::string& topic, bool auto_create) {
  if (m_store->topic(topic)) return error::none;
  if (!storage::valid_topic_name(topic)) return error::invalid_topic_exception;
  if (!auto_create || !m_options.auto_create_topics) return error::unknown_topic_or_partition;
  try {
    m_store->create_topic(storage::TopicInfo{topic, m_options.default_partitions, {}});
  } catch (const ftgo::Error& e) {
    fmt::print(stderr, "ftgo broker: cannot create topic {}: {}\n", topic, e.what());
    return error::unknown_server_error;
  }
  return error::none;
}

void Broker::wait_for_append(const std::string& topic, int partition, std::weak_ptr<AppendWaiter> waiter) {
  auto& list = m_waiters[{topic, partition}];
  std::erase_if(list, [](const auto& w) { return w.expired(); });
  list.push_back(waiter);
  std::erase_if(m_all_waiters, [](const auto& w) { return w.expired(); });
  m_all_waiters.push_back(std::move(waiter));
}

void Broker::notify_append(const std::string& topic, int partition) {
  if (m_waiters.empty()) return;
  auto it = m_waiters.find({topic, partition});
  if (it == m_waiters.end()) return;
  auto list = std::move(it->second);
  m_waiters.erase(it);
  for (auto& w : list) {
    if (auto waiter = w.lock()) waiter->on_append();
  }
}

void Broker::topic_deleted(const std::string& topic, int partitions) {
  if (m_fetch_sessions.topic_deleted(topic) == 0) return;
  for (int p = 0; p < partitions; ++p) notify_append(topic, p);
}

void Broker::stop_waiting() {
  m_stopping = true;
  auto all = std::move(m_all_waiters);
  m_waiters.clear();
  for (auto& w : all) {
    if (auto waiter = w.lock()) waiter->on_append();
  }
}

std::int64_t Broker::allocate_producer_id() {
  // Derived from the wall clock so a restarted broker never hands out an id
  // it gave before (sequence state of old ids may still be on disk).
  m_last_producer_id = std::max(m_last_producer_id + 1, now_ms() << 10);
  return m_last_producer_id;
}

void Broker::flush() {
  if (m_flusher) m_flusher->drain();
  m_store->flush_all();
}

std::size_t Broker::flush_async() {
  if (!m_flusher || !m_flusher->idle()) return 0;
  std::vector<storage::File> files;
  try {
    m_store->collect_sync(files);
  } catch (const std::exception& e) {
    // Writing an index or opening it for the sync failed: what was collected
    // is still synced; the rest is tried again at the next tick or shutdown.
    fmt::print(stderr, "ftgo broker: flush: {}\n", e.what());
  }
  std::size_t n = files.size();
  m_flusher->submit(std::move(files));
  return n;
}

void Broker::enforce_retention() {
  try {
    m_store->enforce_retention(now_ms());
  } catch (const std::exception& e) {
    fmt::print(stderr, "ftgo broker: retention: {}\n", e.what());
  }
  trim_aborted_txns();
}

void Broker::trim_aborted_txns() {
  if (!m_txns.has_partition_state()) return;
  m_txns.trim_aborted([this](const txn::TopicPartition& tp) -> std::int64_t {
    const storage::PartitionLog* log = m_store->partition(tp.topic, tp.partition);
    return log ? log->log_start_offset() : -1;
  });
}

void Broker::clean_logs() {
  try {
    m_store->clean_logs(now_ms());
  } catch (const std::exception& e) {
    fmt::print(stderr, "ftgo broker: log cleaner: {}\n", e.what());
  }
  trim_aborted_txns();
}

void Broker::start_cleaner_cycle() {
  if (m_clean_job) return;
  m_cleaner_stopped = false;
  // The cleaner keeps to what a read_committed consumer would see: nothing
  // past the last stable offset, aborted transactions' records not mapped.
  auto txns = [this](const std::string& topic, int partition) -> std::optional<storage::CleanTxns> {
    auto it = m_txns.partitions().find(txn::TopicPartition{topic, partition});
    if (it == m_txns.partitions().end()) return std::nullopt;
    const storage::PartitionLog* log = m_store->partition(topic, partition);
    storage::CleanTxns t;
    t.last_stable_offset = it->second.last_stable_offset(log ? log->high_watermark() : 0);
    for (const auto& a : it->second.aborted()) t.aborted.push_back({a.producer_id, a.first_offset, a.last_offset});
    return t;
  };
  std::shared_ptr<storage::CleanJob> job = m_store->plan_clean(now_ms(), txns);
  if (!job) {
    arm_cleaner_timer();
    return;
  }
  if (!m_cleaner) m_cleaner = std::make_unique<storage::CleanerThread>();
  m_clean_job = job;
  m_cleaner->submit(std::move(job), [&io = m_io, alive = std::weak_ptr<bool>(m_alive), this](auto done) {
    boost::asio::post(io, [alive, this, done = std::move(done)]() mutable {
      if (alive.lock()) clean_done(std::move(done));
    });
  });
}

void Broker::clean_done(std::shared_ptr<storage::CleanJob> job) {
  if (m_clean_job == job) m_clean_job.reset();
  m_store->finish_clean(*job);
  m_cleaner->release(std::move(job));
  trim_aborted_txns();
  if (!m_cleaner_stopped) start_cleaner_cycle();  // the next partition of the cycle
}

void Broker::expire_offsets() {
  try {
    groups::PendingTxnOffsets pending;
    pending.offset = [this](const std::string& group, const std::string& topic, std::int32_t partition) {
      return m_txns.has_pending_offset(group, txn::TopicPartition{topic, partition});
    };
    pending.group = [this](const std::string& group) { return m_txns.has_pending_offsets(group); };
    auto expired = groups::expire_offsets(m_groups, *m_store, now_ms(), m_options.offsets_retention_ms, pending);
    if (expired.offsets > 0 || !expired.groups.empty()) {
      fmt::print(stderr, "ftgo broker: offsets retention: removed {} expired committed offsets{}{}\n",
                 expired.offsets, expired.groups.empty() ? "" : " and the groups ",
                 fmt::join(expired.groups, ", "));
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "ftgo broker: offsets retention: {}\n", e.what());
  }
  m_group_store.save(m_groups);
}

void Broker::start_timers() {
  m_timers = true;
  arm_flush_timer();
  arm_retention_timer();
  arm_cleaner_timer();
  arm_offsets_timer();
  arm_group_timer();
  arm_txn_timer();
}

void Broker::cancel_timers() {
  m_timers = false;
  m_group_timer.cancel();
  m_flush_timer.cancel();
  m_retention_timer.cancel();
  m_cleaner_timer.cancel();
  m_cleaner_stopped = true;
  if (m_clean_job) m_clean_job->cancelled = true;  // shutdown: its done handler discards it
  m_offsets_timer.cancel();
  m_txn_timer.cancel();
  m_txn_timer_armed = false;
  m_group_timer_at = -1;
}

void Broker::arm_flush_timer() {
  if (!m_timers || !m_flusher) return;
  m_flush_timer.expires_after(std::chrono::milliseconds(m_options.flush_interval_ms));
  m_flush_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    flush_async();
    arm_flush_timer();
  });
}

void Broker::arm_retention_timer() {
  if (!m_timers) return;
  m_retention_timer.expires_after(std::chrono::milliseconds(m_options.retention_check_interval_ms));
  m_retention_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    enforce_retention();
    arm_retention_timer();
  });
}

void Broker::arm_cleaner_timer() {
  if (!m_timers) return;
  m_cleaner_timer.expires_after(std::chrono::milliseconds(m_options.log_cleaner_backoff_ms));
  m_cleaner_timer.async_wait([this](const boost::system::error_code& ec) {
    // !m_timers: the timer was due before cancel_timers, whose cancel() then
    // could not abort it (it runs with success): no pass once stopping.
    if (ec || !m_timers) return;
    start_cleaner_cycle();
  });
}

void Broker::arm_offsets_timer() {
  if (!m_timers) return;
  m_offsets_timer.expires_after(std::chrono::milliseconds(m_options.offsets_retention_check_interval_ms));
  m_offsets_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    expire_offsets();
    arm_offsets_timer();
  });
}

void Broker::arm_group_timer() {
  if (!m_timers) return;
  auto next = m_groups.next_deadline();
  if (!next) return;
  // Already armed for an earlier (or the same) time: that firing re-arms.
  if (m_group_timer_at >= 0 && m_group_timer_at <= *next) return;
  m_group_timer_at = *next;
  std::int64_t delay = std::max<std::int64_t>(0, *next - m_clock.now_ms());
  m_group_timer.expires_after(std::chrono::milliseconds(delay));
  m_group_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    m_group_timer_at = -1;
    m_groups.tick();
    m_group_store.save(m_groups);
    arm_group_timer();
  });
}

// Armed only while a transaction is ongoing: an idle broker has no timer
// firing for transactions.
void Broker::arm_txn_timer() {
  if (!m_timers || m_txn_timer_armed || !m_txns.next_deadline()) return;
  m_txn_timer_armed = true;
  m_txn_timer.expires_after(std::chrono::milliseconds(m_options.txn_timeout_check_interval_ms));
  m_txn_timer.async_wait([this](const boost::system::error_code& ec) {
    m_txn_timer_armed = false;
    if (ec) return;
    if (std::size_t n = m_txns.retry_markers(); n > 0)
      fmt::print(stderr, "ftgo broker: wrote the pending markers of {} transaction(s)\n", n);
    if (std::size_t n = m_txns.abort_expired(now_ms()); n > 0)
      fmt::print(stderr, "ftgo broker: aborted {} transaction(s) past their transaction.timeout.ms\n", n);
    notify_marked();
    arm_txn_timer();
  });
}

}  // namespace ftgo::broker
