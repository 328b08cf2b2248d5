#include <algorithm>
#include <memory>
#include <set>

#include "events/admin.hpp"
#include "events/admin_call.hpp"
#include "events/topic_name.hpp"
#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::events {

namespace {

std::vector<std::string> topic_names(const rd_kafka_metadata_t* md) {
  std::vector<std::string> names;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (md->topics[i].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) names.emplace_back(md->topics[i].topic);
  }
  return names;
}

[[noreturn]] void unknown_topic(const std::string& name, const std::vector<std::string>& existing,
                                const Brokers& brokers) {
  throw usage_error("unknown topic", name, "no such topic on " + brokers.bootstrap + util::did_you_mean(name, existing));
}

// Throws for the first failed topic of an admin result.
void check_topic_results(const rd_kafka_topic_result_t** results, size_t n, const std::string& what,
                         bool allow_exists) {
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (!err || (allow_exists && err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)) continue;
    const char* msg = rd_kafka_topic_result_error_string(results[i]);
    std::string cause = msg && *msg ? msg : detail::error_text(err);
    if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      throw usage_error(what, rd_kafka_topic_result_name(results[i]), "the topic already exists");
    }
    if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      throw usage_error(what, rd_kafka_topic_result_name(results[i]), "no such topic");
    }
    bool bad_input = err == RD_KAFKA_RESP_ERR_INVALID_CONFIG || err == RD_KAFKA_RESP_ERR_INVALID_PARTITIONS ||
                     err == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR || err == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION;
    throw Error(bad_input ? ExitCode::usage : ExitCode::failure, what, rd_kafka_topic_result_name(results[i]), cause);
  }
}

struct ConfigResourceDeleter {
  void operator()(rd_kafka_ConfigResource_t* r) const { rd_kafka_ConfigResource_destroy(r); }
};
using ConfigResource = std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter>;

// Throws for a failed config resource of an admin result.
void check_config_result(const rd_kafka_ConfigResource_t* r, const std::string& what, const std::string& topic) {
  rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(r);
  if (!err) return;
  const char* msg = rd_kafka_ConfigResource_error_string(r);
  std::string cause = msg && *msg ? msg : detail::error_text(err);
  bool bad_input = err == RD_KAFKA_RESP_ERR_INVALID_CONFIG || err == RD_KAFKA_RESP_ERR_INVALID_REQUEST ||
                   err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR_POLICY_VIOLATION;
  throw Error(bad_input ? ExitCode::usage : ExitCode::failure, what, topic, cause);
}

// The topic's own settings: the configs whose source is the topic, not a default.
std::map<std::string, std::string> topic_configs(const Brokers& brokers, const std::string& name) {
  detail::AdminCall call(brokers, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  ConfigResource res(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()));
  rd_kafka_ConfigResource_t* list[] = {res.get()};
  rd_kafka_DescribeConfigs(call.client(), list, 1, call.options(), call.queue());
  auto ev = call.wait("describe the configs of topic " + name);
  size_t n = 0;
  auto resources = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev.get()), &n);
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < n; ++i) {
    check_config_result(resources[i], "cannot describe the configs of topic", name);
    size_t count = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[i], &count);
    for (size_t e = 0; e < count; ++e) {
      if (rd_kafka_ConfigEntry_source(entries[e]) != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG) continue;
      const char* value = rd_kafka_ConfigEntry_value(entries[e]);
      out[rd_kafka_ConfigEntry_name(entries[e])] = value ? value : "";
    }
  }
  return out;
}

void add_partitions(const Brokers& brokers, const std::string& name, int32_t total) {
  detail::AdminCall call(brokers, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
  char err[512];
  rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new(name.c_str(), static_cast<size_t>(total), err, sizeof err);
  if (!np) throw usage_error("cannot add partitions", name, err);
  rd_kafka_CreatePartitions(call.client(), &np, 1, call.options(), call.queue());
  rd_kafka_NewPartitions_destroy(np);
  auto ev = call.wait("add partitions to topic " + name);
  size_t n = 0;
  auto results = rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev.get()), &n);
  check_topic_results(results, n, "cannot add partitions", false);
}

}  // namespace

std::vector<TopicInfo> list_topics(const Brokers& brokers, bool include_internal) {
  auto rk = detail::make_client(brokers, RD_KAFKA_PRODUCER);
  auto md = detail::all_metadata(rk.get(), brokers);
  std::vector<TopicInfo> topics;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
    std::string name = t.topic;
    if (!include_internal && name.rfind("__", 0) == 0) continue;
    topics.push_back({name, t.partition_cnt, {}, {}});
  }
  std::sort(topics.begin(), topics.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return topics;
}

TopicInfo describe_topic(const Brokers& brokers, const std::string& name) {
  check_topic_name(name);
  auto rk = detail::make_client(brokers, RD_KAFKA_PRODUCER);
  auto md = detail::all_metadata(rk.get(), brokers);
  const rd_kafka_metadata_topic_t* topic = nullptr;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (name == md->topics[i].topic && md->topics[i].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) topic = &md->topics[i];
  }
  if (!topic) unknown_topic(name, topic_names(md.get()), brokers);
  TopicInfo info{name, topic->partition_cnt, {}, {}};
  for (int p = 0; p < topic->partition_cnt; ++p) {
    PartitionInfo part;
    part.id = topic->partitions[p].id;
    part.leader = topic->partitions[p].leader;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk.get(), name.c_str(), part.id, &part.low, &part.high,
                                                               detail::k_connect_timeout_ms);
    if (err) {
      throw failure("cannot read offsets", name + "[" + std::to_string(part.id) + "]", detail::error_text(err));
    }
    info.partitions.push_back(part);
  }
  std::sort(info.partitions.begin(), info.partitions.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  info.configs = topic_configs(brokers, name);
  return info;
}

void alter_topic(const Brokers& brokers, const std::string& name, const TopicChange& change) {
  TopicInfo info = describe_topic(brokers, name);  // unknown names: "did you mean"
  if (change.partitions > 0) {
    if (change.partitions <= info.partition_count) {
      throw usage_error("cannot add partitions", name,
                        "it has " + std::to_string(info.partition_count) + " already: --partitions must be more " +
                            "(Kafka cannot remove partitions)");
    }
    add_partitions(brokers, name, change.partitions);
  }
  if (change.set.empty() && change.unset.empty()) return;
  std::map<std::string, std::string> configs = info.configs;
  for (const auto& k : change.unset) configs.erase(k);
  for (const auto& [k, v] : change.set) configs[k] = v;

  detail::AdminCall call(brokers, RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
  ConfigResource res(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()));
  for (const auto& [k, v] : configs) {
    if (rd_kafka_ConfigResource_set_config(res.get(), k.c_str(), v.c_str())) {
      throw usage_error("cannot alter topic", name, "bad config " + k + "=" + v);
    }
  }
  rd_kafka_ConfigResource_t* list[] = {res.get()};
  rd_kafka_AlterConfigs(call.client(), list, 1, call.options(), call.queue());
  auto ev = call.wait("alter the configs of topic " + name);
  size_t n = 0;
  auto resources = rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev.get()), &n);
  for (size_t i = 0; i < n; ++i) check_config_result(resources[i], "cannot alter topic", name);
}

void create_topics(const Brokers& brokers, const std::vector<config::TopicSpec>& topics, bool if_not_exists,
                   int replication_factor) {
  for (const auto& t : topics) {
    check_topic_name(t.name);
    if (t.partitions < 1) {
      throw usage_error("cannot create topic", t.name, "--partitions must be 1 or more (got " + std::to_string(t.partitions) + ")");
    }
  }
  detail::AdminCall call(brokers, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  std::vector<rd_kafka_NewTopic_t*> specs;
  struct Free {
    std::vector<rd_kafka_NewTopic_t*>& v;
    ~Free() {
      if (!v.empty()) rd_kafka_NewTopic_destroy_array(v.data(), v.size());
    }
  } free_specs{specs};
  for (const auto& t : topics) {
    char err[512];
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, replication_factor, err, sizeof err);
    if (!nt) throw usage_error("cannot create topic", t.name, err);
    specs.push_back(nt);
    for (const auto& [k, v] : t.config) {
      if (rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str())) {
        throw usage_error("cannot create topic", t.name, "bad config " + k + "=" + v);
      }
    }
  }
  rd_kafka_CreateTopics(call.client(), specs.data(), specs.size(), call.options(), call.queue());
  auto ev = call.wait("create topic");
  size_t n = 0;
  auto results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &n);
  check_topic_results(results, n, "cannot create topic", if_not_exists);
}

void delete_topics(const Brokers& brokers, const std::vector<std::string>& names) {
  for (const auto& n : names) check_topic_name(n);
  detail::AdminCall call(brokers, RD_KAFKA_ADMIN_OP_DELETETOPICS);
  // Unknown names get "did you mean" before anything is deleted.
  auto md = detail::all_metadata(call.client(), brokers);
  auto existing = topic_names(md.get());
  for (const auto& n : names) {
    if (std::find(existing.begin(), existing.end(), n) == existing.end()) unknown_topic(n, existing, brokers);
  }
  std::vector<rd_kafka_DeleteTopic_t*> specs;
  for (const auto& n : names) specs.push_back(rd_kafka_DeleteTopic_new(n.c_str()));
  rd_kafka_DeleteTopics(call.client(), specs.data(), specs.size(), call.options(), call.queue());
  rd_kafka_DeleteTopic_destroy_array(specs.data(), specs.size());
  auto ev = call.wait("delete topic");
  size_t n = 0;
  auto results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev.get()), &n);
  check_topic_results(results, n, "cannot delete topic", false);
}

}  // namespace ftgo::events
