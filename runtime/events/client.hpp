#pragma once
// Thin RAII over librdkafka's C handles, shared by the producer, the
// consumer and the admin calls of this folder. Nothing outside runtime/events/
// includes this header: the rest of ftgo sees ftgo types only.
#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "events/brokers.hpp"

namespace ftgo::events::detail {

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
using MetadataHandle = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

// How long a broker may stay silent before ftgo says it cannot reach Kafka.
inline constexpr int k_connect_timeout_ms = 5000;

// A librdkafka client of `type` for `brokers`: bootstrap.servers, `extra`
// (ftgo's tuning), then the workspace's properties, which win.
// librdkafka's own log lines are silenced unless FTGO_DEBUG is set, because
// ftgo reports failures itself. `config` is the conf object to finish before
// creation (callbacks, opaque); may be null. Throws ftgo::Error on a bad property.
KafkaHandle make_client(const Brokers& brokers, rd_kafka_type_t type,
                        const std::map<std::string, std::string>& extra = {},
                        rd_kafka_conf_t* config = nullptr);

// Sets one property on `conf`; throws ftgo::Error naming the property.
void set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value);

// The cluster's metadata for every topic. Throws ftgo::Error "cannot reach
// Kafka" when no broker answers within `timeout_ms`.
MetadataHandle all_metadata(rd_kafka_t* rk, const Brokers& brokers, int timeout_ms = k_connect_timeout_ms);

// The error thrown when no broker answers.
[[noreturn]] void throw_unreachable(const Brokers& brokers, int timeout_ms, const std::string& cause = "");

// A short human text for a librdkafka error code.
std::string error_text(rd_kafka_resp_err_t err);

}  // namespace ftgo::events::detail
