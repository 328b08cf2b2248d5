#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "events/brokers.hpp"
#include "events/topic_name.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;
using ftgo::events::resolve_brokers;

namespace {

// A temporary workspace directory holding `yaml` as ftgo.yaml; removed on destruction.
struct TempWorkspace {
  fs::path dir;
  explicit TempWorkspace(const std::string& yaml) {
    dir = fs::temp_directory_path() / ("ftgo-brokers-test-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(dir);
    std::ofstream(dir / "ftgo.yaml") << yaml;
  }
  ~TempWorkspace() { fs::remove_all(dir); }
};

// Sets FTGO_BROKERS for one scope.
struct EnvBrokers {
  explicit EnvBrokers(const char* value) {
    if (value) ::setenv("FTGO_BROKERS", value, 1);
    else ::unsetenv("FTGO_BROKERS");
  }
  ~EnvBrokers() { ::unsetenv("FTGO_BROKERS"); }
};

}  // namespace

TEST_CASE("the --brokers flag wins over the environment and the workspace", "[events][brokers]") {
  EnvBrokers env("10.0.0.1:9092");
  TempWorkspace ws("name: x\nkafka: {port: 19092}\n");
  CHECK(resolve_brokers("flag:1", ws.dir).bootstrap == "flag:1");
}

TEST_CASE("FTGO_BROKERS wins over the workspace", "[events][brokers]") {
  EnvBrokers env("10.0.0.1:9092");
  TempWorkspace ws("name: x\nkafka: {port: 19092}\n");
  CHECK(resolve_brokers("", ws.dir).bootstrap == "10.0.0.1:9092");
}

TEST_CASE("the workspace's embedded port is used on 127.0.0.1", "[events][brokers]") {
  EnvBrokers env(nullptr);
  TempWorkspace ws("name: x\nkafka: {mode: embedded, port: 19093}\n");
  CHECK(resolve_brokers("", ws.dir).bootstrap == "127.0.0.1:19093");
}

TEST_CASE("an external workspace gives its bootstrap and properties", "[events][brokers]") {
  EnvBrokers env(nullptr);
  TempWorkspace ws(
      "name: x\nkafka:\n  mode: external\n  bootstrap: kafka.example:9093\n"
      "  properties: {security.protocol: SASL_SSL, sasl.mechanism: PLAIN}\n");
  auto b = resolve_brokers("", ws.dir);
  CHECK(b.bootstrap == "kafka.example:9093");
  CHECK(b.properties.at("security.protocol") == "SASL_SSL");
  CHECK(b.properties.at("sasl.mechanism") == "PLAIN");
}

TEST_CASE("without flag, environment or workspace the default is 127.0.0.1:9092", "[events][brokers]") {
  EnvBrokers env(nullptr);
  CHECK(resolve_brokers("", std::nullopt).bootstrap == "127.0.0.1:9092");
}

TEST_CASE("an unreachable broker is reported quickly", "[events][brokers]") {
  CHECK_FALSE(ftgo::events::brokers_reachable({"127.0.0.1:1", {}}, 1500));
}

TEST_CASE("topic names Kafka would refuse are caught locally", "[events][topics]") {
  using ftgo::events::topic_name_problem;
  CHECK(topic_name_problem("order-events").empty());
  CHECK(topic_name_problem("a.b_c-D9").empty());
  CHECK(topic_name_problem(std::string(249, 'x')).empty());
  CHECK_FALSE(topic_name_problem(std::string(250, 'x')).empty());
  CHECK_FALSE(topic_name_problem("").empty());
  CHECK_FALSE(topic_name_problem(".").empty());
  CHECK_FALSE(topic_name_problem("..").empty());
  CHECK_FALSE(topic_name_problem("has space").empty());
  CHECK_FALSE(topic_name_problem("slash/x").empty());
  CHECK_THROWS_AS(ftgo::events::check_topic_name("bad name"), ftgo::Error);
}


TEST_CASE("a broker that answers is reachable", "[events][brokers]") {
  char err[256];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof err);
  REQUIRE(rk);
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, 1);
  REQUIRE(cluster);
  CHECK(ftgo::events::brokers_reachable({rd_kafka_mock_cluster_bootstraps(cluster), {}}, 5000));
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
}
