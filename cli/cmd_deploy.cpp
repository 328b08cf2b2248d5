// ftgo deploy SERVICE... [--changed [--since REF]] [--stages a,b] [--no-cache] [--json]
// Services are deployed one after another, in the order given (their output
// stays readable); separate `ftgo deploy` processes for different services
// run in parallel, each under its own service lock.
#include <iostream>
#include <set>
#include <sstream>

#include "commands.hpp"
#include "pipeline/changed.hpp"
#include "pipeline/deploy.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

namespace {

struct DeployOptions {
  std::vector<std::string> services;
  bool changed = false;
  std::string since;
  std::string stages;
  bool no_cache = false;
};

std::set<std::string> split_stages(const std::string& text) {
  std::set<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.insert(item);
  }
  if (out.empty()) throw usage_error("bad --stages", text, "name at least one stage, e.g. --stages build,test");
  return out;
}

void run_deploy(const DeployOptions& o, const Globals& g) {
  if (o.services.empty() && !o.changed) {
    throw usage_error("usage", "deploy", "name the services to deploy, or use --changed");
  }
  if (!o.since.empty() && !o.changed) throw usage_error("usage", "deploy --since", "--since goes with --changed");
  config::Workspace ws = g.load_workspace();
  pipeline::StageOptions options;
  options.use_cache = !o.no_cache;
  if (!o.stages.empty()) options.only = split_stages(o.stages);

  std::vector<std::string> names = o.services;
  for (const auto& n : names) pipeline::find_pipeline(ws, pipeline::find_service(ws, n));  // bad names fail first
  pipeline::Console console = pipeline::Console::standard(g.json);

  nlohmann::json skipped = nlohmann::json::array();
  std::map<std::string, std::string> reasons;
  if (o.changed) {
    if (names.empty()) {
      for (const auto& s : ws.services) {
        if (ws.pipelines.count(s.name)) names.push_back(s.name);
        else skipped.push_back({{"service", s.name}, {"reason", "no pipeline.yaml"}});
      }
    }
    auto decisions = pipeline::changed_services(ws, names, o.since.empty() ? std::nullopt : std::optional(o.since));
    names.clear();
    for (const auto& d : decisions) {
      console.line("==> " + d.service + ": " + (d.changed ? "changed: " : "unchanged: ") + d.reason);
      if (d.changed) {
        names.push_back(d.service);
        reasons[d.service] = d.reason;
      } else {
        skipped.push_back({{"service", d.service}, {"reason", d.reason}});
      }
    }
    if (names.empty()) console.line("==> no service changed: nothing to deploy");
  }

  nlohmann::json reports = nlohmann::json::array();
  std::vector<std::string> errors;
  for (const auto& name : names) {
    pipeline::ServiceReport report;
    try {
      report = pipeline::deploy_service(ws, name, options, console);
    } catch (const Error& e) {
      if (e.code() != ExitCode::failure) throw;  // bad input and interruption end the command
      report.service = name;
      report.status = "failed";
      report.error = e.what();
    }
    report.reason = reasons[name];
    if (!report.error.empty()) errors.push_back(report.error);
    reports.push_back(pipeline::to_json(report));
  }
  if (g.json) {
    nlohmann::json doc = {{"ok", errors.empty()}, {"services", reports}, {"skipped", skipped}};
    std::cout << doc.dump(2) << "\n";
  }
  for (const auto& e : errors) std::cerr << "ftgo: error: " << e << "\n";
  if (!errors.empty()) set_exit_code(static_cast<int>(ExitCode::failure));
}

}  // namespace

void setup_deploy(CLI::App& app, Globals& g) {
  auto o = std::make_shared<DeployOptions>();
  auto* cmd = app.add_subcommand("deploy", "Run services' own pipelines and swap the new releases in");
  cmd->add_option("services", o->services, "Services to deploy (with --changed: the candidates; default all)");
  cmd->add_flag("--changed", o->changed, "Deploy only the services changed since --since (git)");
  cmd->add_option("--since", o->since, "With --changed: compare with REF (default: the last deployed commit, else HEAD~1)")
      ->type_name("REF");
  cmd->add_option("--stages", o->stages, "Run only these stages (comma-separated) and deploy nothing")
      ->type_name("a,b");
  cmd->add_flag("--no-cache", o->no_cache, "Run every stage even when its inputs are unchanged");
  cmd->callback([o, &g] { run_deploy(*o, g); });
}

}  // namespace ftgo::cli
