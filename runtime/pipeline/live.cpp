#include "pipeline/live.hpp"

#include <fmt/format.h>

#include "config/loader.hpp"
#include "util/error.hpp"

namespace ftgo::pipeline {

namespace fs = std::filesystem;

std::string to_string(config::DeploySpec::Strategy s) {
  return s == config::DeploySpec::Strategy::restart ? "restart" : "blue-green";
}

config::Service service_for_release(const config::Service& svc, const fs::path& release_dir) {
  std::error_code ec;
  if (!fs::is_regular_file(release_dir / "service.yaml", ec)) return svc;
  config::Service released = config::load_service(release_dir / "service.yaml");
  released.name = svc.name;
  return released;
}

LiveResult go_live(const config::Workspace& ws, const config::Service& svc, const config::DeploySpec& spec,
                   ReleaseStore& store, const std::string& id, Console& console) {
  (void)ws;
  (void)svc;
  (void)spec;
  LiveResult result;
  store.set_current(id);
  console.line(fmt::format("==> {}: release {} is current (nothing running: the next 'ftgo run' starts it)", svc.name, id));
  return result;
}

}  // namespace ftgo::pipeline
