#include <signal.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "supervisor/control.hpp"
#include "supervisor/run_lock.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

namespace {

bool alive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] != 'Z';
}

void run_down(const Globals& g) {
  auto root = g.workspace_root();
  pid_t pid = supervisor::running_pid(root);
  if (!supervisor::run_is_active(root)) {
    if (pid > 0) throw failure("down", root.string(), "pid " + std::to_string(pid) + " holds the run but does not answer");
    std::cerr << "nothing is running in " << root.string() << "\n";
    return;
  }
  auto reply = supervisor::control_request(root, {{"cmd", "down"}}, 10 * 60 * 1000);
  if (!reply.value("ok", false)) throw failure("down failed", root.string(), reply.value("error", "failed"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (alive(pid) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace

void setup_down(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("down", "Stop every service and end the run");
  cmd->callback([&g] { run_down(g); });
}

}  // namespace ftgo::cli
