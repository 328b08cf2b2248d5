#include <iostream>
#include <memory>

#include "commands.hpp"
#include "supervisor/control.hpp"
#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::cli {

void check_run_has_service(const std::filesystem::path& root, const std::string& service) {
  auto reply = supervisor::control_request(root, {{"cmd", "ps"}}, 10 * 1000);
  std::vector<std::string> names;
  for (const auto& s : reply.value("services", nlohmann::json::array())) names.push_back(s.value("name", ""));
  if (names.empty() || std::find(names.begin(), names.end(), service) != names.end()) return;
  throw usage_error("unknown service", service, "not part of the run in " + root.string() + util::did_you_mean(service, names));
}

void setup_restart(CLI::App& app, Globals& g) {
  auto service = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("restart", "Restart one service of the running workspace");
  cmd->add_option("service", *service, "The service")->required();
  cmd->callback([&g, service] {
    auto root = g.workspace_root();
    check_run_has_service(root, *service);
    auto reply = supervisor::control_request(root, {{"cmd", "restart"}, {"service", *service}}, 10 * 60 * 1000);
    if (!reply.value("ok", false)) throw failure("restart failed", *service, reply.value("error", "failed"));
  });
}

}  // namespace ftgo::cli
