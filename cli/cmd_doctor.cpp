// ftgo doctor [--json]: check what the workspace needs, one line per check.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "config/doctor.hpp"
#include "supervisor/run_lock.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

namespace {

void run_doctor(const Globals& g) {
  if (!g.workspace_dir.empty() && !std::filesystem::is_directory(g.workspace_dir)) {
    throw usage_error("no workspace", g.workspace_dir, "no such directory");
  }
  std::string brokers = g.brokers;
  if (brokers.empty()) {
    if (const char* env = std::getenv("FTGO_BROKERS")) brokers = env;
  }
  std::filesystem::path start = g.workspace_dir.empty() ? std::filesystem::current_path()
                                                        : std::filesystem::absolute(g.workspace_dir);
  auto root = g.find_workspace_root();
  long run_pid = root ? static_cast<long>(supervisor::running_pid(*root)) : 0;
  auto checks = config::run_doctor(root, start, brokers, run_pid);

  bool failed = false;
  int exit_code = 0;
  for (const auto& c : checks) {
    if (c.status != config::Check::Status::fail) continue;
    failed = true;
    exit_code = std::max(exit_code, c.exit_code);
  }
  if (g.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : checks) {
      list.push_back({{"name", c.name}, {"status", config::to_string(c.status)}, {"detail", c.detail}, {"fix", c.fix}});
    }
    std::cout << nlohmann::json{{"ok", !failed}, {"checks", list}}.dump() << "\n";
  } else {
    for (const auto& c : checks) {
      std::string status = config::to_string(c.status);
      status.resize(5, ' ');
      std::cout << status << c.name << ": " << c.detail;
      if (!c.fix.empty()) std::cout << "; fix: " << c.fix;
      std::cout << "\n";
    }
  }
  // Bad workspace files are bad input (exit 2, and said on stderr as well).
  for (const auto& c : checks) {
    if (c.status == config::Check::Status::fail && c.exit_code == static_cast<int>(ExitCode::usage))
      std::cerr << "ftgo: error: " << c.detail << "\n";
  }
  if (failed) set_exit_code(exit_code);
}

}  // namespace

void setup_doctor(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("doctor", "Check what the workspace needs and say how to fix what is missing");
  cmd->callback([&g] { run_doctor(g); });
}

}  // namespace ftgo::cli
