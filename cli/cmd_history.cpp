// ftgo history SERVICE [--json]
#include <fmt/format.h>

#include <iostream>

#include "commands.hpp"
#include "pipeline/deploy.hpp"
#include "pipeline/history.hpp"
#include "pipeline/release.hpp"

namespace ftgo::cli {

namespace {

std::string text_or(const nlohmann::json& j, const char* key, const std::string& fallback) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : fallback;
}

std::string stages_summary(const nlohmann::json& stages) {
  if (!stages.is_array() || stages.empty()) return "-";
  std::string out;
  for (const auto& s : stages) {
    std::string status = s.value("status", "?");
    std::string mark = status == "ok" ? "ok" : status == "cached" ? "cached" : status;
    out += (out.empty() ? "" : " ") + s.value("name", "?") + ":" + mark;
  }
  return out;
}

void run_history(const std::string& service, const Globals& g) {
  config::Workspace ws = g.load_workspace();
  const auto& svc = pipeline::find_service(ws, service);
  pipeline::History history(ws.root, svc.name);
  auto entries = history.entries();
  auto current = pipeline::ReleaseStore(ws.root, svc.name).current();
  if (g.json) {
    nlohmann::json doc = {{"service", svc.name},
                          {"current", current ? nlohmann::json(*current) : nlohmann::json()},
                          {"deployments", entries}};
    std::cout << doc.dump(2) << "\n";
    return;
  }
  if (entries.empty()) {
    std::cout << "no deployments of " << svc.name << " yet\n";
    return;
  }
  std::cout << fmt::format("{:<4} {:<24} {:<9} {:<12} {:<13} {:<8} {:<8} {}\n", "#", "TIME", "KIND", "OUTCOME",
                           "RELEASE", "COMMIT", "TOOK", "STAGES");
  bool any_dirty = false;
  for (const auto& e : entries) {
    std::string release = text_or(e, "release", "-");
    std::string commit = text_or(e, "commit", "-").substr(0, 7);
    if (e.value("dirty", false)) {
      commit += "+";
      any_dirty = true;
    }
    if (current && release == *current) release += "*";
    std::string kind = e.value("kind", "deploy");
    if (kind == "rollback" && e.contains("rollback_to")) kind += " #" + std::to_string(e.value("rollback_to", 0));
    std::cout << fmt::format("{:<4} {:<24} {:<9} {:<12} {:<13} {:<8} {:<8} {}\n", e.value("number", 0),
                             text_or(e, "time", "?"), kind, text_or(e, "outcome", "?"), release,
                             commit,
                             fmt::format("{:.1f}s", e.value("duration_ms", 0LL) / 1000.0), stages_summary(e["stages"]));
  }
  if (current) std::cout << "* current release\n";
  if (any_dirty) std::cout << "+ built with uncommitted changes on top of that commit\n";
}

}  // namespace

void setup_history(CLI::App& app, Globals& g) {
  auto service = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("history", "Show a service's deployments");
  cmd->add_option("service", *service, "The service")->required();
  cmd->callback([service, &g] { run_history(*service, g); });
}

}  // namespace ftgo::cli
