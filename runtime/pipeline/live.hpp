#pragma once
// Making a release live. With a `ftgo run` serving the workspace, the release
// is swapped in through the control socket ("replace": blue-green or restart,
// health-gated); with nothing running, it only becomes `current`, which the
// next `ftgo run` starts.
#include <optional>
#include <string>

#include "config/config.hpp"
#include "pipeline/console.hpp"
#include "pipeline/release.hpp"

namespace ftgo::pipeline {

struct LiveResult {
  bool live = false;          // swapped into a running supervisor
  bool ok = true;
  bool rolled_back = false;   // the new instance was unhealthy and was stopped
  std::optional<int> pid;     // the new instance
  std::string error;
};

// The service definition a release runs with: the release's own service.yaml
// when it packaged one, else the workspace's.
config::Service service_for_release(const config::Service& svc, const std::filesystem::path& release_dir);

LiveResult go_live(const config::Workspace& ws, const config::Service& svc, const config::DeploySpec& spec,
                   ReleaseStore& store, const std::string& id, Console& console);

std::string to_string(config::DeploySpec::Strategy s);

}  // namespace ftgo::pipeline
