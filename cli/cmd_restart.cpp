#include <iostream>
#include <memory>

#include "commands.hpp"
#include "supervisor/control.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

void setup_restart(CLI::App& app, Globals& g) {
  auto service = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("restart", "Restart one service of the running workspace");
  cmd->add_option("service", *service, "The service")->required();
  cmd->callback([&g, service] {
    auto root = g.workspace_root();
    auto reply = supervisor::control_request(root, {{"cmd", "restart"}, {"service", *service}}, 10 * 60 * 1000);
    if (!reply.value("ok", false)) throw failure("restart failed", *service, reply.value("error", "failed"));
  });
}

}  // namespace ftgo::cli
