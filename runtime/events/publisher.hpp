#pragma once
// A producer for one topic with ftgo's settings: acks=all, batching tuned for
// throughput, every event confirmed before flush() returns. Owned by one
// thread (the caller's): delivery callbacks run inside send(), poll() and
// flush(), never on another thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/brokers.hpp"
#include "events/event.hpp"

namespace ftgo::events {

// The outcome of one event, reported in delivery order.
struct Delivery {
  uint64_t seq = 0;        // 0-based order of send()
  int32_t partition = -1;
  int64_t offset = -1;
  std::string error;       // empty on success
  bool maybe_written = false;  // failed, but sent: the broker may have written it before going away
};

// How long an event may wait for the broker's confirmation before it fails
// (librdkafka's message.timeout.ms) unless --timeout or a workspace property
// says otherwise. librdkafka's own default is 5 minutes, kcat's too: far too
// long for a command a person waits on. The embedded broker restarts in well
// under a second, a real cluster elects a new leader in a few.
inline constexpr int k_delivery_timeout_ms = 10'000;

class Publisher {
 public:
  // Connects and checks the topic: throws ftgo::Error when no broker answers
  // within a few seconds, when the topic does not exist and cannot be created
  // automatically, or when `partition` (if >= 0) is not one of its partitions.
  // `on_delivery`, when set, is called for every event; otherwise only
  // failures are tracked (faster). `bulk`: tuned for a stream of many events
  // (a longer linger) rather than a few typed or given ones. `timeout_ms`:
  // the delivery timeout, overriding the workspace's message.timeout.ms
  // (without it: that property, else k_delivery_timeout_ms).
  Publisher(const Brokers& brokers, std::string topic, int32_t partition = -1,
            std::function<void(const Delivery&)> on_delivery = {}, bool bulk = false,
            std::optional<int> timeout_ms = std::nullopt);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Enqueues one event (the bytes are copied); its topic is ignored. Serves
  // delivery reports while librdkafka's queue is full.
  void send(const Event& e);
  // The fast path for a value with an optional key and no headers.
  void send_value(std::string_view value, const std::optional<std::string>& key, int32_t partition);

  // Serves ready delivery reports without waiting.
  void poll();
  // Sends what is queued now instead of after the linger (the input went
  // idle); blocks at most a couple of milliseconds.
  void send_now();
  // Waits until every event is confirmed or failed.
  void flush();

  uint64_t sent() const { return m_sent; }
  // Events that failed; of those, maybe_written() were sent and may be on the
  // topic all the same (librdkafka's PERSISTED_POSSIBLY: the broker went away
  // before answering). The others were certainly not written.
  uint64_t failed() const { return m_failed; }
  uint64_t maybe_written() const { return m_maybe_written; }
  // The delivery timeout in force, in milliseconds.
  int timeout_ms() const { return m_timeout_ms; }
  uint64_t pending() const;
  const std::string& first_error() const { return m_first_error; }
  int32_t partition_count() const { return m_partition_count; }

  struct Impl;

 private:
  void enqueue_failed(const std::string& error);

  std::unique_ptr<Impl> m_impl;
  std::string m_topic;
  std::function<void(const Delivery&)> m_on_delivery;
  int32_t m_partition_count = 0;
  uint64_t m_sent = 0;
  uint64_t m_failed = 0;
  uint64_t m_maybe_written = 0;
  int m_timeout_ms = k_delivery_timeout_ms;
  std::string m_first_error;

  friend struct PublisherCallbacks;
};

}  // namespace ftgo::events
