#include <iomanip>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "supervisor/control.hpp"
#include "util/duration.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

namespace {

std::string cell(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>().empty() ? "-" : v.get<std::string>();
  return v.dump();
}

void run_ps(const Globals& g, bool json) {
  auto root = g.workspace_root();
  if (!supervisor::run_is_active(root)) {
    if (json) {
      std::cout << nlohmann::json{{"running", false}, {"services", nlohmann::json::array()}}.dump() << "\n";
    } else {
      std::cerr << "nothing is running in " << root.string() << " (start with 'ftgo run')\n";
    }
    return;
  }
  auto reply = supervisor::control_request(root, {{"cmd", "ps"}}, 10000);
  if (!reply.value("ok", false)) throw failure("ps", root.string(), reply.value("error", "failed"));
  auto services = reply.value("services", nlohmann::json::array());
  if (json) {
    std::cout << nlohmann::json{{"running", true}, {"pid", reply.value("pid", 0)}, {"services", services}}.dump(
                     -1, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"SERVICE", "STATE", "PID", "RESTARTS", "UPTIME", "PORT", "HEALTH"}};
  for (const auto& s : services) {
    std::string uptime = "-";
    if (s.contains("uptime_ms") && s["uptime_ms"].is_number()) {
      auto ms = s["uptime_ms"].get<long long>();
      uptime = util::format_duration(util::Millis(ms >= 1000 ? ms / 1000 * 1000 : ms));
    }
    std::string state = cell(s.value("state", nlohmann::json()));
    if (s.contains("reason")) state += " (" + s["reason"].get<std::string>() + ")";
    rows.push_back({cell(s["name"]), state, cell(s["pid"]), cell(s["restarts"]), uptime, cell(s["port"]),
                    cell(s["health"])});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  for (const auto& r : rows) {
    std::ostringstream line;
    for (size_t i = 0; i < r.size(); ++i) {
      if (i + 1 == r.size()) line << r[i];
      else line << std::left << std::setw(static_cast<int>(width[i] + 2)) << r[i];
    }
    std::cout << line.str() << "\n";
  }
}

}  // namespace

void setup_ps(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("ps", "Show the services of the running workspace (--json for JSON)");
  cmd->callback([&g] { run_ps(g, g.json); });
}

}  // namespace ftgo::cli
