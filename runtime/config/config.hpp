#pragma once
// The workspace files as plain structs: ftgo.yaml (Workspace), service.yaml
// (Service) and pipeline.yaml (Pipeline). Loaders live in loader.hpp; every
// value here has passed validation, so users of these structs need not check.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ftgo::config {

namespace fs = std::filesystem;
using Millis = std::chrono::milliseconds;

enum class KafkaMode { embedded, apache, external };

struct TopicSpec {
  std::string name;
  int partitions = 1;
  std::map<std::string, std::string> config;  // e.g. retention.ms
};

struct Kafka {
  KafkaMode mode = KafkaMode::embedded;
  int port = 9092;                 // embedded/apache listener on 127.0.0.1
  fs::path data = ".ftgo/kafka";   // relative to the workspace root
  std::string bootstrap;           // external mode: host:port[,host:port]
  std::map<std::string, std::string> properties;  // librdkafka properties (external)
  std::vector<TopicSpec> topics;
};

struct ServiceRef {
  std::string name;
  fs::path path;  // as written, relative to the workspace root
};

enum class DependencyCondition { started, healthy, completed };

struct HealthCheck {
  enum class Kind { none, http, tcp, exec, log };
  Kind kind = Kind::none;
  std::string target;   // http path, exec command, log regex; tcp: port text ("PORT" or a number)
  Millis interval{1000};
  Millis timeout{2000};
  int retries = 3;      // consecutive failures before unhealthy
  Millis initial_delay{0};
};

enum class RestartPolicy { no, on_failure, always };

struct Restart {
  RestartPolicy policy = RestartPolicy::on_failure;
  int max_restarts = 5;
  Millis backoff{500};
  Millis max_backoff{30'000};
};

struct Stop {
  int signal = 15;  // SIGTERM
  Millis timeout{10'000};
};

struct Service {
  std::string name;
  fs::path dir;                         // absolute directory holding service.yaml
  // `run: "string"` is one element run by /bin/sh -c; `run: [argv...]` is the argv.
  std::vector<std::string> run;
  bool run_is_shell = true;
  std::optional<int> port;              // fixed port; nullopt with port_auto or no port
  bool port_auto = false;
  std::map<std::string, std::string> env;
  std::optional<fs::path> env_file;     // absolute
  std::map<std::string, DependencyCondition> depends_on;
  HealthCheck health;
  Restart restart;
  Stop stop;
  std::vector<std::string> publishes;
  std::vector<std::string> subscribes;
};

struct Stage {
  std::string name;
  std::string run;                      // empty for a package-only stage
  std::vector<std::string> inputs;      // globs, relative to the service dir
  std::map<std::string, std::string> env;
  std::optional<Millis> timeout;
  std::vector<std::string> artifacts;   // package stage
};

struct DeploySpec {
  enum class Strategy { blue_green, restart };
  Strategy strategy = Strategy::blue_green;
  Millis health_timeout{30'000};
};

struct Pipeline {
  fs::path file;                        // absolute path of pipeline.yaml
  std::vector<Stage> stages;
  DeploySpec deploy;
};

struct Workspace {
  fs::path root;                        // absolute directory holding ftgo.yaml
  std::string name;
  Kafka kafka;
  std::vector<ServiceRef> service_refs; // in file order
  std::vector<Service> services;        // loaded service.yaml files, same order
  std::map<std::string, Pipeline> pipelines;  // by service name, when pipeline.yaml exists

  const Service* find_service(const std::string& name) const;
  // Service names in an order where each comes after its dependencies.
  std::vector<std::string> start_order() const;
};

std::string to_string(KafkaMode m);
std::string to_string(DependencyCondition c);
std::string to_string(RestartPolicy p);

}  // namespace ftgo::config
