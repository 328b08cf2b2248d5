#include "events/publisher.hpp"

#include <algorithm>
#include <cstdlib>

#include "events/client.hpp"
#include "events/topic_name.hpp"
#include "util/error.hpp"

namespace ftgo::events {

struct Publisher::Impl {
  detail::KafkaHandle rk;
  rd_kafka_topic_t* rkt = nullptr;
  ~Impl() {
    if (rkt) rd_kafka_topic_destroy(rkt);
  }
};

struct PublisherCallbacks {
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Publisher*>(opaque);
    Delivery d;
    d.seq = reinterpret_cast<uintptr_t>(m->_private);
    d.partition = m->partition;
    d.offset = m->offset;
    if (m->err) {
      d.error = "partition " + std::to_string(m->partition) + ": " + detail::error_text(m->err);
      if (m->err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT) {
        d.error += " (no broker confirmed it within " + std::to_string(self->m_timeout_ms) + " ms)";
      }
      d.maybe_written = rd_kafka_message_status(m) == RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED;
      if (d.maybe_written) ++self->m_maybe_written;
      ++self->m_failed;
      if (self->m_first_error.empty()) self->m_first_error = d.error;
    }
    if (self->m_on_delivery) self->m_on_delivery(d);
  }
};

namespace {

// Throughput settings (see docs/benchmarks/events.md): big batches, a deep
// local queue, no compression. A bulk stream lingers 20 ms to fill batches
// (fewer, larger produce requests: ~20% more lines/s on a loaded 2-core box);
// otherwise 5 ms. flush() sends at once whatever the linger.
std::map<std::string, std::string> producer_settings(bool report_every_event, bool bulk, int timeout_ms) {
  return {
      {"acks", "all"},
      {"linger.ms", bulk ? "20" : "5"},
      {"batch.num.messages", "100000"},
      {"batch.size", "4000000"},
      {"queue.buffering.max.messages", "1000000"},
      {"queue.buffering.max.kbytes", "1048576"},
      {"message.timeout.ms", std::to_string(timeout_ms)},
      // A request the broker never answers (a hung machine, no TCP reset)
      // must not outlast the events' own timeout.
      {"socket.timeout.ms", std::to_string(timeout_ms > 0 ? std::min(timeout_ms, 30'000) : 30'000)},
      {"delivery.report.only.error", report_every_event ? "false" : "true"},
  };
}

}  // namespace

Publisher::Publisher(const Brokers& brokers, std::string topic, int32_t partition,
                     std::function<void(const Delivery&)> on_delivery, bool bulk, std::optional<int> timeout_ms)
    : m_impl(std::make_unique<Impl>()), m_topic(std::move(topic)), m_on_delivery(std::move(on_delivery)) {
  check_topic_name(m_topic);
  Brokers with_timeout = brokers;
  if (timeout_ms) {
    m_timeout_ms = *timeout_ms;
    with_timeout.properties["message.timeout.ms"] = std::to_string(*timeout_ms);  // the flag wins
  } else if (auto it = brokers.properties.find("message.timeout.ms"); it != brokers.properties.end()) {
    m_timeout_ms = std::atoi(it->second.c_str());
  }
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_dr_msg_cb(conf, PublisherCallbacks::on_delivery);
  rd_kafka_conf_set_opaque(conf, this);
  m_impl->rk = detail::make_client(with_timeout, RD_KAFKA_PRODUCER,
                                   producer_settings(bool(m_on_delivery), bulk, m_timeout_ms), conf);
  m_impl->rkt = rd_kafka_topic_new(m_impl->rk.get(), m_topic.c_str(), nullptr);

  // One metadata request: checks that a broker answers, creates the topic
  // where the cluster does that automatically, and gives its partitions.
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(m_impl->rk.get(), 0, m_impl->rkt, &md, detail::k_connect_timeout_ms);
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
      err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    detail::throw_unreachable(brokers, detail::k_connect_timeout_ms);
  }
  if (err) throw failure("cannot read Kafka metadata", brokers.bootstrap, detail::error_text(err));
  detail::MetadataHandle hold(md);
  rd_kafka_resp_err_t topic_err = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  if (md->topic_cnt == 1) m_partition_count = md->topics[0].partition_cnt;
  if (topic_err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    throw usage_error("unknown topic", m_topic,
                      "no such topic, and the broker does not create topics automatically "
                      "(create it with 'ftgo topics create " + m_topic + "')");
  }
  if (topic_err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED || topic_err == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION) {
    throw failure("cannot publish", m_topic, detail::error_text(topic_err));
  }
  if (partition >= 0 && m_partition_count > 0 && partition >= m_partition_count) {
    throw usage_error("no such partition", m_topic + "[" + std::to_string(partition) + "]",
                      "the topic has " + std::to_string(m_partition_count) + " partition" +
                          (m_partition_count == 1 ? "" : "s") + " (0.." + std::to_string(m_partition_count - 1) + ")");
  }
}

Publisher::~Publisher() = default;

uint64_t Publisher::pending() const { return static_cast<uint64_t>(rd_kafka_outq_len(m_impl->rk.get())); }

void Publisher::enqueue_failed(const std::string& error) {
  ++m_failed;
  if (m_first_error.empty()) m_first_error = error;
  if (m_on_delivery) m_on_delivery(Delivery{m_sent - 1, -1, -1, error});
}

void Publisher::send_value(std::string_view value, const std::optional<std::string>& key, int32_t partition) {
  void* opaque = reinterpret_cast<void*>(static_cast<uintptr_t>(m_sent));
  ++m_sent;
  while (true) {
    int rc = rd_kafka_produce(m_impl->rkt, partition < 0 ? RD_KAFKA_PARTITION_UA : partition, RD_KAFKA_MSG_F_COPY,
                              const_cast<char*>(value.data()), value.size(), key ? key->data() : nullptr,
                              key ? key->size() : 0, opaque);
    if (rc == 0) return;
    rd_kafka_resp_err_t err = rd_kafka_last_error();
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(m_impl->rk.get(), 10);
      continue;
    }
    enqueue_failed(detail::error_text(err));
    return;
  }
}

void Publisher::send(const Event& e) {
  if (e.headers.empty() && !e.timestamp && e.value) {
    send_value(*e.value, e.key, e.partition);
    return;
  }
  void* opaque = reinterpret_cast<void*>(static_cast<uintptr_t>(m_sent));
  ++m_sent;
  void* value = e.value ? const_cast<char*>(e.value->data()) : nullptr;
  size_t value_len = e.value ? e.value->size() : 0;
  void* key = e.key ? const_cast<char*>(e.key->data()) : nullptr;
  size_t key_len = e.key ? e.key->size() : 0;
  int32_t partition = e.partition < 0 ? RD_KAFKA_PARTITION_UA : e.partition;
  int64_t timestamp = e.timestamp.value_or(0);
  while (true) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!e.headers.empty()) {
      hdrs = rd_kafka_headers_new(e.headers.size());
      for (const auto& h : e.headers) {
        rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value ? h.value->data() : nullptr,
                            h.value ? static_cast<ssize_t>(h.value->size()) : 0);
      }
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        m_impl->rk.get(), RD_KAFKA_V_RKT(m_impl->rkt),
        RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(value, value_len),
        RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_TIMESTAMP(timestamp), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(opaque),
        RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;  // the headers now belong to the message
    if (hdrs) rd_kafka_headers_destroy(hdrs);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(m_impl->rk.get(), 10);
      continue;
    }
    enqueue_failed(detail::error_text(err));
    return;
  }
}

void Publisher::poll() { rd_kafka_poll(m_impl->rk.get(), 0); }

void Publisher::send_now() {
  // flush() marks the producer as flushing only while it runs, so give the
  // broker threads a moment to wake up and send without lingering.
  if (rd_kafka_outq_len(m_impl->rk.get()) > 0) rd_kafka_flush(m_impl->rk.get(), 2);
}

void Publisher::flush() {
  while (rd_kafka_outq_len(m_impl->rk.get()) > 0) {
    rd_kafka_flush(m_impl->rk.get(), 1000);
  }
}

}  // namespace ftgo::events
