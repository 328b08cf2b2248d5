#include "events/client.hpp"

#include <cstdlib>
#include <cstdio>

#include "util/error.hpp"

namespace ftgo::events::detail {

namespace {

void quiet_log(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  if (std::getenv("FTGO_DEBUG")) std::fprintf(stderr, "ftgo: librdkafka %d %s: %s\n", level, fac, buf);
}

}  // namespace

void set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    throw usage_error("bad Kafka client property", key + "=" + value, err);
  }
}

KafkaHandle make_client(const Brokers& brokers, rd_kafka_type_t type,
                        const std::map<std::string, std::string>& extra, rd_kafka_conf_t* config) {
  rd_kafka_conf_t* conf = config ? config : rd_kafka_conf_new();
  try {
    set_property(conf, "bootstrap.servers", brokers.bootstrap);
    set_property(conf, "client.id", "ftgo");
    set_property(conf, "log.connection.close", "false");
    for (const auto& [k, v] : extra) set_property(conf, k, v);
    for (const auto& [k, v] : brokers.properties) set_property(conf, k, v);
  } catch (...) {
    rd_kafka_conf_destroy(conf);
    throw;
  }
  rd_kafka_conf_set_log_cb(conf, quiet_log);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw failure("cannot create Kafka client", brokers.bootstrap, err);
  }
  return KafkaHandle(rk);
}

[[noreturn]] void throw_unreachable(const Brokers& brokers, int timeout_ms, const std::string& cause) {
  std::string why = cause.empty() ? "no broker answered within " + std::to_string(timeout_ms / 1000) + "s" : cause;
  throw failure("cannot reach Kafka", brokers.bootstrap,
                why + " (start one with 'ftgo run' or 'ftgo broker', or point --brokers / FTGO_BROKERS at it)");
}

MetadataHandle all_metadata(rd_kafka_t* rk, const Brokers& brokers, int timeout_ms) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &md, timeout_ms);
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
      err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    throw_unreachable(brokers, timeout_ms);
  }
  if (err) throw failure("cannot read Kafka metadata", brokers.bootstrap, error_text(err));
  return MetadataHandle(md);
}

std::string error_text(rd_kafka_resp_err_t err) { return rd_kafka_err2str(err); }

}  // namespace ftgo::events::detail
