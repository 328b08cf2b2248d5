#include <catch2/catch.hpp>

#include "config/loader.hpp"

using namespace ftgo::config;
using namespace std::chrono_literals;

namespace {
const fs::path k_valid = fs::path(FTGO_TEST_DATA) / "config" / "valid";
}

TEST_CASE("a valid ftgo.yaml round-trips into the Workspace struct", "[config]") {
  Workspace w = load_workspace(k_valid);
  CHECK(w.root == fs::absolute(k_valid).lexically_normal());
  CHECK(w.name == "shop");
  CHECK(w.kafka.mode == KafkaMode::embedded);
  CHECK(w.kafka.port == 19092);
  CHECK(w.kafka.data == ".ftgo/kafka");
  CHECK(w.kafka.properties == std::map<std::string, std::string>{{"linger.ms", "5"}});
  REQUIRE(w.kafka.topics.size() == 2);
  CHECK(w.kafka.topics[0].name == "order-events");
  CHECK(w.kafka.topics[0].partitions == 3);
  CHECK(w.kafka.topics[0].config.at("retention.ms") == "86400000");
  CHECK(w.kafka.topics[1].name == "kitchen-events");
  CHECK(w.kafka.topics[1].partitions == 1);
  REQUIRE(w.service_refs.size() == 2);
  CHECK(w.service_refs[0].name == "order-service");
  CHECK(w.service_refs[0].path == "services/order-service");
  CHECK(w.service_refs[1].name == "kitchen-service");
  REQUIRE(w.services.size() == 2);
  CHECK(w.find_service("kitchen-service") == &w.services[1]);
  CHECK(w.find_service("nope") == nullptr);
  CHECK(w.start_order() == std::vector<std::string>{"kitchen-service", "order-service"});
  CHECK(w.pipelines.count("order-service") == 1);
  CHECK(w.pipelines.count("kitchen-service") == 0);
}

TEST_CASE("a valid service.yaml round-trips into the Service struct", "[config]") {
  Workspace w = load_workspace(k_valid);
  const Service& s = w.services[0];
  fs::path dir = fs::absolute(k_valid / "services" / "order-service").lexically_normal();
  CHECK(s.name == "order-service");
  CHECK(s.dir == dir);
  CHECK(s.run == std::vector<std::string>{"./build/order-service --verbose"});
  CHECK(s.run_is_shell);
  CHECK(s.port_auto);
  CHECK_FALSE(s.port);
  CHECK(s.env == std::map<std::string, std::string>{{"LOG_LEVEL", "info"}, {"RETRIES", "3"}});
  CHECK(s.env_file == dir / ".env");
  CHECK(s.depends_on == std::map<std::string, DependencyCondition>{{"kitchen-service", DependencyCondition::healthy}});
  CHECK(s.health.kind == HealthCheck::Kind::http);
  CHECK(s.health.target == "/health");
  CHECK(s.health.interval == 2s);
  CHECK(s.health.timeout == 500ms);
  CHECK(s.health.retries == 5);
  CHECK(s.health.initial_delay == 1s);
  CHECK(s.restart.policy == RestartPolicy::on_failure);
  CHECK(s.restart.max_restarts == 7);
  CHECK(s.restart.backoff == 250ms);
  CHECK(s.restart.max_backoff == 1min);
  CHECK(s.stop.signal == 2);
  CHECK(s.stop.timeout == 5s);
  CHECK(s.publishes == std::vector<std::string>{"order-events"});
  CHECK(s.subscribes == std::vector<std::string>{"kitchen-events"});

  const Service& k = w.services[1];
  CHECK(k.run == std::vector<std::string>{"python3", "-m", "kitchen", "--port", "8083"});
  CHECK_FALSE(k.run_is_shell);
  CHECK(k.port == 8083);
  CHECK_FALSE(k.port_auto);
  CHECK(k.health.kind == HealthCheck::Kind::tcp);
  CHECK(k.health.target == "PORT");
  CHECK(k.restart.policy == RestartPolicy::always);
  CHECK(k.stop.signal == 9);
  CHECK(k.stop.timeout == 10s);
  CHECK(k.depends_on.empty());
  CHECK_FALSE(k.env_file);
}

TEST_CASE("a valid pipeline.yaml round-trips into the Pipeline struct", "[config]") {
  fs::path file = k_valid / "services" / "order-service" / "pipeline.yaml";
  Pipeline p = load_pipeline(file);
  CHECK(p.file == fs::absolute(file).lexically_normal());
  REQUIRE(p.stages.size() == 3);
  CHECK(p.stages[0].name == "build");
  CHECK(p.stages[0].run == "cmake -S . -B build && cmake --build build");
  CHECK(p.stages[0].inputs == std::vector<std::string>{"src/**", "CMakeLists.txt"});
  CHECK(p.stages[0].timeout == 10min);
  CHECK(p.stages[1].env.at("CTEST_PARALLEL_LEVEL") == "2");
  CHECK_FALSE(p.stages[1].timeout);
  CHECK(p.stages[2].run.empty());
  CHECK(p.stages[2].artifacts == std::vector<std::string>{"build/order-service", "service.yaml"});
  CHECK(p.deploy.strategy == DeploySpec::Strategy::restart);
  CHECK(p.deploy.health_timeout == 45s);
}

TEST_CASE("defaults apply when optional keys are absent", "[config]") {
  Workspace w = parse_workspace("", "/tmp/demo/ftgo.yaml");
  CHECK(w.name == "demo");
  CHECK(w.kafka.mode == KafkaMode::embedded);
  CHECK(w.kafka.port == 9092);
  CHECK(w.service_refs.empty());

  Service s = parse_service("name: a\nrun: ./a\n", "/tmp/a/service.yaml");
  CHECK(s.dir == "/tmp/a");
  CHECK_FALSE(s.port);
  CHECK_FALSE(s.port_auto);
  CHECK(s.health.kind == HealthCheck::Kind::none);
  CHECK(s.restart.policy == RestartPolicy::on_failure);
  CHECK(s.stop.signal == 15);

  Pipeline p = parse_pipeline("stages: [{name: build, run: make}]", "/tmp/a/pipeline.yaml");
  CHECK(p.deploy.strategy == DeploySpec::Strategy::blue_green);
  CHECK(p.deploy.health_timeout == 30s);
}

TEST_CASE("depends_on as a list means started", "[config]") {
  Service s = parse_service("name: a\nrun: ./a\ndepends_on: [b, c]\n", "s.yaml");
  CHECK(s.depends_on == std::map<std::string, DependencyCondition>{{"b", DependencyCondition::started},
                                                                    {"c", DependencyCondition::started}});
}

TEST_CASE("external Kafka takes bootstrap servers and librdkafka properties", "[config]") {
  Workspace w = parse_workspace(
      "name: w\nkafka: {mode: external, bootstrap: 'k1:9092,k2:9092', properties: {security.protocol: SSL}}\n",
      "ftgo.yaml");
  CHECK(w.kafka.mode == KafkaMode::external);
  CHECK(w.kafka.bootstrap == "k1:9092,k2:9092");
  CHECK(w.kafka.properties.at("security.protocol") == "SSL");
}
