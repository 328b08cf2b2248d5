#include <iostream>
#include <memory>

#include "commands.hpp"
#include "supervisor/control.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

void setup_stop(CLI::App& app, Globals& g) {
  auto service = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("stop", "Stop one service, or every service (the run stays up; see 'down')");
  cmd->add_option("service", *service, "The service; default: all");
  cmd->callback([&g, service] {
    auto root = g.workspace_root();
    nlohmann::json req{{"cmd", "stop"}};
    if (!service->empty()) {
      check_run_has_service(root, *service);
      req["service"] = *service;
    }
    auto reply = supervisor::control_request(root, req, 10 * 60 * 1000);
    if (!reply.value("ok", false))
      throw failure("stop failed", service->empty() ? root.string() : *service, reply.value("error", "failed"));
  });
}

}  // namespace ftgo::cli
