#include "events/connection_watch.hpp"

#include <nlohmann/json.hpp>

namespace ftgo::events::detail {

namespace {

void error_cb(rd_kafka_t*, int err, const char* reason, void* opaque) {
  static_cast<ConnectionWatch*>(opaque)->on_error(static_cast<rd_kafka_resp_err_t>(err), reason ? reason : "");
}

int stats_cb(rd_kafka_t*, char* json, size_t len, void* opaque) {
  static_cast<ConnectionWatch*>(opaque)->on_stats(std::string(json, len));
  return 0;  // librdkafka frees the text
}

}  // namespace

void ConnectionWatch::install(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_error_cb(conf, error_cb);
  rd_kafka_conf_set_stats_cb(conf, stats_cb);
  rd_kafka_conf_set_opaque(conf, this);
}

bool ConnectionWatch::is_connection_error(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
         err == RD_KAFKA_RESP_ERR__RESOLVE;
}

void ConnectionWatch::on_error(rd_kafka_resp_err_t err, const std::string& reason) {
  // One connection dropping is not "Kafka is gone" (a bootstrap connection
  // closes, one broker of several restarts): wait until all are down, and
  // keep the last connection error as the reason.
  if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__RESOLVE) {
    m_last_reason = reason;
  } else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    mark_down(m_last_reason.empty() ? "no broker answers" : m_last_reason);
  }
}

void ConnectionWatch::on_stats(const std::string& text) {
  auto stats = nlohmann::json::parse(text, nullptr, false);
  if (stats.is_discarded() || !stats.contains("brokers") || !stats["brokers"].is_object()) return;
  bool any = false, up = false;
  for (const auto& [_, b] : stats["brokers"].items()) {
    std::string source = b.value("source", "");
    if (source != "configured" && source != "learned") continue;  // internal and logical brokers
    any = true;
    if (b.value("state", "") == "UP") up = true;
  }
  if (!any) return;
  if (up) mark_up();
  else if (m_seen_up) mark_down("no broker answers");
}

void ConnectionWatch::mark_down(const std::string& reason) {
  if (m_down) return;
  m_down = true;
  std::fprintf(m_err, "ftgo: warning: %s Kafka at %s: %s; retrying\n",
               m_seen_up ? "lost connection to" : "cannot reach", m_bootstrap.c_str(), reason.c_str());
  std::fflush(m_err);
}

void ConnectionWatch::mark_up() {
  bool again = m_seen_up;
  m_seen_up = true;
  m_last_reason.clear();
  if (!m_down) return;
  m_down = false;
  std::fprintf(m_err, "ftgo: connected to Kafka at %s%s\n", m_bootstrap.c_str(), again ? " again" : "");
  std::fflush(m_err);
}

}  // namespace ftgo::events::detail
