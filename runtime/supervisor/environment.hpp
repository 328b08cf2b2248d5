#pragma once
// The environment a service starts with: the supervisor's own, then what ftgo
// injects (KAFKA_BOOTSTRAP_SERVERS, FTGO_SERVICE, FTGO_WORKSPACE, PORT and
// <OTHER_SERVICE>_URL for each other service with a port), then env_file, then
// `env` from service.yaml. PORT stays ftgo's when the service has a port.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace ftgo::supervisor {

using Env = std::map<std::string, std::string>;

// Parses dotenv text: KEY=VALUE lines, optional `export `, # comments, blank
// lines, 'single' (literal) and "double" (\n \t \" \\ escapes) quotes.
// Throws a usage ftgo::Error naming `name`:line on a malformed line.
Env parse_dotenv(std::string_view text, const std::string& name);

// "kitchen-service" -> "KITCHEN_SERVICE".
std::string upper_snake(std::string_view name);

struct EnvInputs {
  std::string workspace_root;
  std::string bootstrap;                     // KAFKA_BOOTSTRAP_SERVERS
  std::map<std::string, int> ports;          // every service's port, by name
};

// Throws ftgo::Error when env_file cannot be read or parsed.
Env service_environment(const config::Service& svc, const EnvInputs& in);

// The supervisor's own environment.
Env process_environment();

}  // namespace ftgo::supervisor
