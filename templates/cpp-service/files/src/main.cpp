// {{name}}: consumes {{subscribes_csv}} (group {{name}}) and publishes a reply
// for each event on {{publishes_first}}. Serves GET /health. SIGTERM or SIGINT
// stop it gracefully: the consumer leaves its group, the producer flushes.
//
// Environment: KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:9092),
// PORT (default 8080), HOST (default 127.0.0.1).
#include <httplib.h>
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "config.hpp"
#include "reply.hpp"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop = true; }

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

std::unique_ptr<RdKafka::Conf> make_conf(const std::map<std::string, std::string>& props) {
  std::unique_ptr<RdKafka::Conf> conf{RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL)};
  std::string err;
  for (const auto& [key, value] : props) {
    if (conf->set(key, value, err) != RdKafka::Conf::CONF_OK) {
      std::cerr << "{{name}}: bad Kafka setting " << key << ": " << err << std::endl;
      std::exit(1);
    }
  }
  return conf;
}

{{name_snake}}::Event to_event(const RdKafka::Message& msg) {
  {{name_snake}}::Event event;
  if (msg.key()) event.key = *msg.key();
  if (msg.payload()) event.value = std::string(static_cast<const char*>(msg.payload()), msg.len());
  if (const RdKafka::Headers* headers = const_cast<RdKafka::Message&>(msg).headers()) {
    for (const auto& h : headers->get_all()) {
      event.headers.emplace_back(h.key(), h.value() ? std::string(h.value_string(), h.value_size()) : "");
    }
  }
  return event;
}

}  // namespace

int main() {
  using namespace {{name_snake}};
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  const std::string brokers = env_or("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
  const std::string host = env_or("HOST", "127.0.0.1");
  const int port = std::atoi(env_or("PORT", "8080").c_str());

  httplib::Server http;
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}", "application/json");
  });
  if (!http.bind_to_port(host.c_str(), port)) {
    std::cerr << "{{name}}: cannot listen on " << host << ":" << port << std::endl;
    return 1;
  }
  std::thread http_thread([&http] { http.listen_after_bind(); });

  std::string err;
  auto consumer_conf = make_conf({ {"bootstrap.servers", brokers},
                                  {"client.id", k_service},
                                  {"group.id", k_service},
                                  {"auto.offset.reset", "earliest"},
                                  {"allow.auto.create.topics", "true"}});
  std::unique_ptr<RdKafka::KafkaConsumer> consumer{RdKafka::KafkaConsumer::create(consumer_conf.get(), err)};
  auto producer_conf = make_conf({ {"bootstrap.servers", brokers}, {"client.id", k_service} });
  std::unique_ptr<RdKafka::Producer> producer{RdKafka::Producer::create(producer_conf.get(), err)};
  if (!consumer || !producer) {
    std::cerr << "{{name}}: cannot create Kafka client: " << err << std::endl;
    http.stop();
    http_thread.join();
    return 1;
  }
  if (auto code = consumer->subscribe(k_subscribes); code != RdKafka::ERR_NO_ERROR) {
    std::cerr << "{{name}}: cannot subscribe: " << RdKafka::err2str(code) << std::endl;
    return 1;
  }
  std::cout << "{{name}}: consuming {{subscribes_csv}}, replying on {{publishes_first}}, health on http://" << host
            << ":" << port << "/health" << std::endl;

  while (!g_stop) {
    std::unique_ptr<RdKafka::Message> msg{consumer->consume(200)};
    producer->poll(0);
    if (msg->err() == RdKafka::ERR__TIMED_OUT || msg->err() == RdKafka::ERR__PARTITION_EOF) continue;
    if (msg->err() != RdKafka::ERR_NO_ERROR) {
      std::cerr << "{{name}}: consume: " << msg->errstr() << std::endl;
      continue;
    }
    if (k_publishes.empty()) continue;
    Event reply = make_reply(to_event(*msg));
    RdKafka::Headers* headers = RdKafka::Headers::create();
    for (const auto& [key, value] : reply.headers) headers->add(key, value);
    auto code = producer->produce(k_publishes.front(), RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                  const_cast<char*>(reply.value->data()), reply.value->size(),
                                  reply.key ? reply.key->data() : nullptr, reply.key ? reply.key->size() : 0, 0,
                                  headers, nullptr);
    if (code != RdKafka::ERR_NO_ERROR) {
      delete headers;  // owned by the producer only on success
      std::cerr << "{{name}}: produce: " << RdKafka::err2str(code) << std::endl;
    }
  }

  std::cout << "{{name}}: stopping" << std::endl;
  consumer->close();
  producer->flush(10'000);
  http.stop();
  http_thread.join();
  return 0;
}
