#pragma once
// Where Kafka is, for publish, tail, topics, groups and the supervisor.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace ftgo::events {

struct Brokers {
  std::string bootstrap;                           // "127.0.0.1:9092"
  std::map<std::string, std::string> properties;   // extra librdkafka properties
};

// First that applies: `flag` (--brokers), FTGO_BROKERS, the workspace's
// ftgo.yaml (embedded/apache port on 127.0.0.1, or external bootstrap and
// properties), else 127.0.0.1:9092.
Brokers resolve_brokers(const std::string& flag, const std::optional<std::filesystem::path>& workspace_root);

// Creates the topics that do not exist yet (CreateTopics through librdkafka's
// admin API). Throws ftgo::Error naming the topic on failure, or when the
// brokers do not answer within `timeout_ms`.
void ensure_topics(const Brokers& brokers, const std::vector<config::TopicSpec>& topics, int timeout_ms = 10000);

// True when a broker answers a metadata request within `timeout_ms`.
bool brokers_reachable(const Brokers& brokers, int timeout_ms);

}  // namespace ftgo::events
