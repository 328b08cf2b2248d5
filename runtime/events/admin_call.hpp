#pragma once
// One librdkafka admin request and its result event: a client, a reply
// queue and options with ftgo's timeouts. Internal to runtime/events/.
#include <memory>
#include <string>

#include "events/client.hpp"

namespace ftgo::events::detail {

struct EventDeleter {
  void operator()(rd_kafka_event_t* ev) const { rd_kafka_event_destroy(ev); }
};
using EventHandle = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

class AdminCall {
 public:
  AdminCall(const Brokers& brokers, rd_kafka_admin_op_t op, int timeout_ms = 10000);
  ~AdminCall();
  AdminCall(const AdminCall&) = delete;
  AdminCall& operator=(const AdminCall&) = delete;

  rd_kafka_t* client() const { return m_client.get(); }
  rd_kafka_queue_t* queue() const { return m_queue; }
  rd_kafka_AdminOptions_t* options() const { return m_options; }

  // Waits for the result; throws ftgo::Error "cannot <what>" on a request
  // level error or when no broker answers in time.
  EventHandle wait(const std::string& what);

 private:
  const Brokers& m_brokers;
  KafkaHandle m_client;
  rd_kafka_queue_t* m_queue = nullptr;
  rd_kafka_AdminOptions_t* m_options = nullptr;
  int m_timeout_ms;
};

}  // namespace ftgo::events::detail
