// ftgo rollback SERVICE [--to N]
#include <iostream>

#include "commands.hpp"
#include "pipeline/deploy.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

namespace {

struct RollbackOptions {
  std::string service;
  int to = 0;
};

void run_rollback(const RollbackOptions& o, const Globals& g) {
  if (o.to < 0) throw usage_error("bad --to", std::to_string(o.to), "a deployment number from 'ftgo history'");
  config::Workspace ws = g.load_workspace();
  pipeline::Console console = pipeline::Console::standard(g.json);
  auto report = pipeline::rollback_service(ws, o.service, o.to > 0 ? std::optional(o.to) : std::nullopt, console);
  if (g.json) std::cout << pipeline::to_json(report).dump(2) << "\n";
  if (!report.error.empty()) throw failure("rollback failed", o.service, report.error);
}

}  // namespace

void setup_rollback(CLI::App& app, Globals& g) {
  auto o = std::make_shared<RollbackOptions>();
  auto* cmd = app.add_subcommand("rollback", "Make an earlier release of a service live again, without rebuilding");
  cmd->add_option("service", o->service, "The service")->required();
  cmd->add_option("--to", o->to, "The deployment number (ftgo history) to go back to; default: the previous release")
      ->type_name("N")
      ->check(whole_number(0, INT32_MAX));
  cmd->callback([o, &g] { run_rollback(*o, g); });
}

}  // namespace ftgo::cli
