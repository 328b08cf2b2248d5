#include "events/admin_call.hpp"

#include "util/error.hpp"

namespace ftgo::events::detail {

AdminCall::AdminCall(const Brokers& brokers, rd_kafka_admin_op_t op, int timeout_ms)
    : m_brokers(brokers), m_client(make_client(brokers, RD_KAFKA_PRODUCER)), m_timeout_ms(timeout_ms) {
  m_queue = rd_kafka_queue_new(m_client.get());
  m_options = rd_kafka_AdminOptions_new(m_client.get(), op);
  char err[256];
  rd_kafka_AdminOptions_set_request_timeout(m_options, timeout_ms, err, sizeof err);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS) {
    rd_kafka_AdminOptions_set_operation_timeout(m_options, timeout_ms, err, sizeof err);
  }
}

AdminCall::~AdminCall() {
  if (m_options) rd_kafka_AdminOptions_destroy(m_options);
  if (m_queue) rd_kafka_queue_destroy(m_queue);
}

EventHandle AdminCall::wait(const std::string& what) {
  // Reachability first, so a dead broker is reported in seconds.
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t merr = rd_kafka_metadata(m_client.get(), 0, nullptr, &md, k_connect_timeout_ms);
  if (md) rd_kafka_metadata_destroy(md);
  if (merr) throw_unreachable(m_brokers, k_connect_timeout_ms);

  EventHandle ev(rd_kafka_queue_poll(m_queue, m_timeout_ms + 2000));
  if (!ev) throw failure("cannot " + what, m_brokers.bootstrap, "no answer within " + std::to_string(m_timeout_ms / 1000) + "s");
  if (rd_kafka_event_error(ev.get())) {
    rd_kafka_resp_err_t err = rd_kafka_event_error(ev.get());
    if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT) throw_unreachable(m_brokers, m_timeout_ms);
    throw failure("cannot " + what, m_brokers.bootstrap, rd_kafka_event_error_string(ev.get()));
  }
  return ev;
}

}  // namespace ftgo::events::detail
