// ftgo init [DIR] [--name NAME]: create a workspace (ftgo.yaml, .gitignore).
#include <nlohmann/json.hpp>

#include <iostream>

#include "commands.hpp"
#include "config/init.hpp"

namespace ftgo::cli {

namespace {

struct InitOptions {
  std::string dir = ".";
  std::string name;
};

void run_init(const InitOptions& o, const Globals& g) {
  std::filesystem::path base = g.workspace_dir.empty() ? std::filesystem::current_path()
                                                       : std::filesystem::path(g.workspace_dir);
  auto result = config::init_workspace(base / o.dir, o.name);
  if (g.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : result.written) files.push_back(f.string());
    std::cout << nlohmann::json{{"name", result.name}, {"root", result.root.string()}, {"files", files}}.dump()
              << "\n";
    return;
  }
  std::cout << "Created workspace '" << result.name << "' in " << result.root.string() << "\n";
  for (const auto& f : result.written) std::cout << "  wrote " << f.filename().string() << "\n";
  std::cout << "Next: ftgo doctor, then ftgo new SERVICE --template T\n";
}

}  // namespace

void setup_init(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<InitOptions>();
  auto* cmd = app.add_subcommand("init", "Create a workspace (ftgo.yaml) in DIR (default: here)");
  cmd->add_option("dir", opts->dir, "Directory of the workspace (created when missing)")->type_name("DIR");
  cmd->add_option("--name", opts->name, "Workspace name (default: the directory's name)")->type_name("NAME");
  cmd->callback([opts, &g] { run_init(*opts, g); });
}

}  // namespace ftgo::cli
