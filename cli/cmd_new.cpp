// `ftgo new SERVICE --template T [--set K=V]... [--dir DIR] [--no-git] [--dry-run]`
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "scaffold/generate.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

namespace {

struct NewArgs {
  std::string service;
  std::string template_spec;
  std::vector<std::string> sets;
  std::string dir;
  bool no_git = false;
  bool dry_run = false;
};

// Asks on the terminal for a required variable without a value.
std::optional<std::string> prompt_variable(const scaffold::Variable& v) {
  std::cerr << v.name;
  if (!v.description.empty()) std::cerr << " (" << v.description << ")";
  std::cerr << ": " << std::flush;
  std::string line;
  if (!std::getline(std::cin, line) || line.empty()) return std::nullopt;
  return line;
}

void run_new(const NewArgs& a, const Globals& g) {
  scaffold::NewOptions opts;
  opts.service = a.service;
  opts.template_spec = a.template_spec;
  for (const auto& s : a.sets) opts.sets.push_back(scaffold::parse_set(s));
  if (!a.dir.empty()) opts.dir = a.dir;
  if (!g.workspace_dir.empty()) {
    opts.workspace = g.workspace_root();  // -C must name a workspace
  } else {
    opts.workspace = g.find_workspace_root();
  }
  opts.git = !a.no_git;
  opts.dry_run = a.dry_run;
  if (isatty(STDIN_FILENO)) opts.prompt = prompt_variable;

  auto res = scaffold::create_service(opts, std::cerr);

  if (g.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : res.files) files.push_back(f.path.generic_string());
    nlohmann::json vars = nlohmann::json::object();
    for (const auto& v : res.values.entries) vars[v.name] = v.text;
    nlohmann::json out{{"service", a.service},     {"template", res.tmpl.name}, {"path", res.target.string()},
                       {"dry_run", a.dry_run},     {"files", files},            {"variables", vars},
                       {"registered", res.registered}};
    if (res.registered) out["registered_path"] = res.registered_path;
    if (!res.commit.empty()) out["commit"] = res.commit;
    std::cout << out.dump() << "\n";
  } else if (a.dry_run) {
    for (const auto& f : res.files) std::cout << (res.target / f.path).string() << "\n";
  } else {
    std::cout << res.target.string() << "\n";
  }

  std::string verb = a.dry_run ? "would create " : "created ";
  std::cerr << "ftgo: new: " << verb << a.service << " from template " << res.tmpl.name << " ("
            << res.files.size() << " files) in " << res.target.string() << "\n";
  if (res.registered) {
    std::cerr << "ftgo: new: " << (a.dry_run ? "would register" : "registered") << " services." << a.service
              << " (path: " << res.registered_path << ") in ftgo.yaml\n";
    if (!res.register_note.empty()) std::cerr << "ftgo: warning: ftgo.yaml: " << res.register_note << "\n";
  } else {
    std::cerr << "ftgo: new: no workspace (ftgo.yaml) found: the service was not registered\n";
  }
}

}  // namespace

void setup_new(CLI::App& app, Globals& g) {
  auto args = std::make_shared<NewArgs>();
  auto* cmd = app.add_subcommand("new", "Scaffold a service from a template, in its own git repository");
  cmd->add_option("service", args->service, "The service name (a lowercase DNS label, e.g. order-service)")
      ->required();
  cmd->add_option("-t,--template", args->template_spec, "Template name (see 'ftgo templates') or a path to one")
      ->required()
      ->type_name("T");
  cmd->add_option("--set", args->sets, "Set a template variable (repeatable)")->type_name("KEY=VALUE");
  cmd->add_option("--dir", args->dir, "Write the service here instead of services/SERVICE of the workspace")
      ->type_name("DIR");
  cmd->add_flag("--no-git", args->no_git, "Do not make a git repository");
  cmd->add_flag("--dry-run", args->dry_run, "List the files it would write and write nothing");
  cmd->callback([args, &g] { run_new(*args, g); });
}

}  // namespace ftgo::cli
