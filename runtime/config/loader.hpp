#pragma once
// Loading and validating the workspace files. Every failure throws
// ftgo::Error with code usage and a where of "file:line:col" and a cause that
// names the key, e.g.
//   ftgo: error: invalid service.yaml: services/order/service.yaml:4:8: restart.backoff: bad duration "10x" (use ms, s, m or h)
#include <filesystem>
#include <optional>
#include <string_view>

#include "config/config.hpp"

namespace ftgo::config {

// Walks up from `start` to the first directory holding ftgo.yaml (like git).
std::optional<fs::path> find_workspace_root(const fs::path& start);

// Loads ftgo.yaml and every service.yaml (and pipeline.yaml where present),
// then checks dependencies (unknown names, cycles naming the cycle) and
// duplicate service names.
Workspace load_workspace(const fs::path& root);

// Loads ftgo.yaml alone (no service.yaml): for commands that need only the
// workspace's own settings, like `ftgo broker`.
Workspace load_workspace_file(const fs::path& root);

// Where `ftgo broker` listens and keeps its data when --port / --data are not
// given. Inside a workspace (`root`) in embedded mode: kafka.port and
// kafka.data of its ftgo.yaml (data relative to the root); in another mode
// the defaults under the root; outside a workspace the defaults under `cwd`.
// The defaults: port 9092, data .ftgo/kafka. Throws like load_workspace_file.
struct BrokerPlace {
  int port = 9092;
  fs::path data;  // absolute when root or cwd is
};
BrokerPlace broker_place(const std::optional<fs::path>& root, const fs::path& cwd);

// Single files. Messages name a file relative to the current directory when
// it lies inside it, else by its absolute path. A missing file is a usage
// error "missing service.yaml: PATH: no such file"; files over 1 MiB are refused.
Service load_service(const fs::path& service_yaml);
Pipeline load_pipeline(const fs::path& pipeline_yaml);

// Parse from text (used by fuzzers and tests); `name` is used in messages
// as given, and its directory is the service dir / workspace root. Only
// ftgo::Error escapes (yaml-cpp exceptions are converted).
Workspace parse_workspace(std::string_view text, const fs::path& name);
Service parse_service(std::string_view text, const fs::path& name);
Pipeline parse_pipeline(std::string_view text, const fs::path& name);

}  // namespace ftgo::config
