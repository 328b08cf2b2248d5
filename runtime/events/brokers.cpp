#include "events/brokers.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <set>

#include "config/loader.hpp"
#include "events/client.hpp"
#include "events/topic_name.hpp"
#include "util/error.hpp"

namespace ftgo::events {

namespace {

// The kafka section of the workspace's ftgo.yaml (only that file is read:
// a broken service.yaml must not stop `ftgo tail`).
std::optional<Brokers> from_workspace(const std::filesystem::path& root) {
  auto file = root / "ftgo.yaml";
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  config::Workspace ws = config::parse_workspace(text.str(), file);
  if (ws.kafka.mode == config::KafkaMode::external) return Brokers{ws.kafka.bootstrap, ws.kafka.properties};
  return Brokers{"127.0.0.1:" + std::to_string(ws.kafka.port), {}};
}

// Each comma-separated HOST:PORT of `list` (an optional proto:// prefix, an
// optional :PORT, [v6] in brackets) must be well formed: a typo fails at once
// instead of after the connect timeout. `source` names where it came from.
void check_bootstrap(const std::string& list, const std::string& source) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string entry = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? list.size() + 1 : comma + 1;
    auto bad = [&](const std::string& why) {
      throw usage_error("bad broker address", entry.empty() ? list : entry, why + " (from " + source + ")");
    };
    std::string hostport = entry;
    if (auto scheme = hostport.find("://"); scheme != std::string::npos) hostport.erase(0, scheme + 3);
    std::string host = hostport, port;
    if (!hostport.empty() && hostport[0] == '[') {
      auto close = hostport.find(']');
      if (close == std::string::npos) bad("expected HOST:PORT");
      host = hostport.substr(0, close + 1);
      if (close + 1 < hostport.size()) {
        if (hostport[close + 1] != ':') bad("expected HOST:PORT");
        port = hostport.substr(close + 2);
        if (port.empty()) bad("missing port after ':' (expected HOST:PORT)");
      }
    } else if (std::count(hostport.begin(), hostport.end(), ':') == 1) {
      auto colon = hostport.find(':');
      host = hostport.substr(0, colon);
      port = hostport.substr(colon + 1);
      if (port.empty()) bad("missing port after ':' (expected HOST:PORT)");
    }
    if (host.empty()) bad("missing host (expected HOST:PORT)");
    if (!port.empty()) {
      bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
        bad("bad port \"" + port + "\" (expected a number from 1 to 65535)");
      }
    }
  }
}

}  // namespace

Brokers resolve_brokers(const std::string& flag, const std::optional<std::filesystem::path>& workspace_root) {
  if (!flag.empty()) {
    check_bootstrap(flag, "--brokers");
    return Brokers{flag, {}};
  }
  if (const char* env = std::getenv("FTGO_BROKERS"); env && *env) {
    check_bootstrap(env, "FTGO_BROKERS");
    return Brokers{env, {}};
  }
  if (workspace_root) {
    if (auto b = from_workspace(*workspace_root)) return *b;
  }
  return Brokers{"127.0.0.1:9092", {}};
}

bool brokers_reachable(const Brokers& brokers, int timeout_ms) {
  try {
    auto rk = detail::make_client(brokers, RD_KAFKA_PRODUCER);
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk.get(), 0, nullptr, &md, timeout_ms);
    if (md) rd_kafka_metadata_destroy(md);
    return err == RD_KAFKA_RESP_ERR_NO_ERROR;
  } catch (const Error&) {
    return false;
  }
}

void ensure_topics(const Brokers& brokers, const std::vector<config::TopicSpec>& topics, int timeout_ms) {
  if (topics.empty()) return;
  for (const auto& t : topics) check_topic_name(t.name);
  auto rk = detail::make_client(brokers, RD_KAFKA_PRODUCER);
  auto md = detail::all_metadata(rk.get(), brokers, timeout_ms);
  std::set<std::string> existing;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) existing.insert(md->topics[i].topic);
  }

  std::vector<rd_kafka_NewTopic_t*> new_topics;
  auto free_new_topics = [&] {
    if (!new_topics.empty()) rd_kafka_NewTopic_destroy_array(new_topics.data(), new_topics.size());
  };
  for (const auto& t : topics) {
    if (existing.count(t.name)) continue;
    char err[512];
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, -1, err, sizeof err);
    if (!nt) {
      free_new_topics();
      throw usage_error("cannot create topic", t.name, err);
    }
    new_topics.push_back(nt);
    for (const auto& [k, v] : t.config) {
      if (rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str())) {
        free_new_topics();
        throw usage_error("cannot create topic", t.name, "bad config " + k + "=" + v);
      }
    }
  }
  if (new_topics.empty()) return;

  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk.get());
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  char errstr[512];
  rd_kafka_AdminOptions_set_request_timeout(options, timeout_ms, errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_operation_timeout(options, timeout_ms, errstr, sizeof errstr);
  rd_kafka_CreateTopics(rk.get(), new_topics.data(), new_topics.size(), options, queue);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, timeout_ms + 2000);
  rd_kafka_AdminOptions_destroy(options);
  free_new_topics();

  std::string failure_topic, failure_cause;
  if (!ev) {
    failure_cause = "no answer from Kafka within " + std::to_string(timeout_ms / 1000) + "s";
  } else if (rd_kafka_event_error(ev)) {
    failure_cause = rd_kafka_event_error_string(ev);
  } else {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
      failure_topic = rd_kafka_topic_result_name(results[i]);
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      failure_cause = msg && *msg ? msg : detail::error_text(err);
      break;
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  if (!failure_cause.empty()) {
    throw failure("cannot create topic", failure_topic.empty() ? brokers.bootstrap : failure_topic, failure_cause);
  }
}

}  // namespace ftgo::events
