#include "pipeline/deploy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "pipeline/deploy_lock.hpp"
#include "pipeline/history.hpp"
#include "pipeline/live.hpp"
#include "pipeline/process.hpp"
#include "pipeline/release.hpp"
#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::pipeline {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

long long elapsed_ms(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

nlohmann::json opt_json(const std::optional<std::string>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

// Swaps `id` in, records the outcome in `entry` and `report`.
void make_live(const config::Workspace& ws, const config::Service& svc, const config::DeploySpec& spec,
               const std::string& id, nlohmann::json& entry, ServiceReport& report, Console& console) {
  ReleaseStore store(ws.root, svc.name);
  config::Service released = service_for_release(svc, store.dir_of(id));
  LiveResult live = go_live(ws, released, spec, store, id, console);
  entry["live"] = live.live;
  entry["strategy"] = to_string(spec.strategy);
  report.pid = live.pid;
  if (live.ok) {
    entry["outcome"] = "deployed";
    report.status = live.live ? "deployed" : "released";
    return;
  }
  entry["outcome"] = live.rolled_back ? "rolled_back" : "failed";
  entry["error"] = live.error;
  report.status = live.rolled_back ? "rolled_back" : "failed";
  report.error = fmt::format("deploy failed: {}: {}", svc.name, live.error);
}

}  // namespace

const config::Service& find_service(const config::Workspace& ws, const std::string& name) {
  if (const config::Service* svc = ws.find_service(name)) return *svc;
  std::vector<std::string> names;
  for (const auto& s : ws.services) names.push_back(s.name);
  throw usage_error("unknown service", name,
                    "not in " + (ws.root / "ftgo.yaml").string() + util::did_you_mean(name, names));
}

const config::Pipeline& find_pipeline(const config::Workspace& ws, const config::Service& svc) {
  auto it = ws.pipelines.find(svc.name);
  if (it == ws.pipelines.end()) {
    throw usage_error("no pipeline", svc.name, "no pipeline.yaml in " + svc.dir.string());
  }
  return it->second;
}

std::optional<std::string> git_commit(const fs::path& dir) {
  auto r = run_captured({"git", "-C", dir.string(), "rev-parse", "--verify", "-q", "HEAD"}, dir);
  if (r.exit_code != 0) return std::nullopt;
  std::string sha = r.output.substr(0, r.output.find('\n'));
  if (sha.size() != 40) return std::nullopt;
  return sha;
}

bool git_dirty(const fs::path& dir) {
  auto r = run_captured({"git", "-C", dir.string(), "status", "--porcelain", "--untracked-files=no", "--", "."}, dir);
  return r.exit_code == 0 && !r.output.empty();
}

ServiceReport deploy_service(const config::Workspace& ws, const std::string& name, const StageOptions& options,
                             Console& console) {
  const auto start = Clock::now();
  const config::Service& svc = find_service(ws, name);
  const config::Pipeline& pipeline = find_pipeline(ws, svc);
  if (options.only) {
    std::vector<std::string> names;
    for (const auto& s : pipeline.stages) names.push_back(s.name);
    for (const auto& wanted : *options.only) {
      if (std::find(names.begin(), names.end(), wanted) == names.end()) {
        throw usage_error("unknown stage", svc.name + ": " + wanted,
                          "not in " + pipeline.file.string() + util::did_you_mean(wanted, names));
      }
    }
  }
  DeployLock lock(ws.root, svc.name);
  ReleaseStore store(ws.root, svc.name);
  History history(ws.root, svc.name);

  ServiceReport report;
  report.service = svc.name;
  report.commit = git_commit(svc.dir);
  report.dirty = report.commit && git_dirty(svc.dir);
  report.previous_release = store.current();
  if (report.dirty) {
    console.line(fmt::format("==> {}: building uncommitted changes (on top of commit {}); history marks it with +",
                             svc.name, report.commit->substr(0, 7)));
  }

  StagesOutcome stages = run_stages(ws, svc, pipeline, options, console);
  report.stages = stages.stages;
  report.release = stages.release;

  nlohmann::json entry = {{"kind", "deploy"}, {"commit", opt_json(report.commit)}, {"dirty", report.dirty},
                          {"previous_release", opt_json(report.previous_release)}};
  if (!stages.ok()) {
    report.status = "failed";
    report.error = fmt::format("stage failed: {}: {}: {}", svc.name, *stages.failed_stage, stages.failure);
    console.line(fmt::format("==> {}: nothing deployed", svc.name));
  } else if (options.only) {
    report.status = "built";
    console.line(fmt::format("==> {}: stages done (--stages: nothing deployed)", svc.name));
  } else if (!stages.release) {
    report.status = "failed";
    report.error = fmt::format("nothing to deploy: {}: {} has no package stage (a stage with artifacts)", svc.name,
                               pipeline.file.string());
  } else {
    make_live(ws, svc, pipeline.deploy, *stages.release, entry, report, console);
  }
  report.duration_ms = elapsed_ms(start);
  if (options.only) return report;  // a partial run is not a deployment

  if (report.status == "failed" && !entry.contains("outcome")) {
    entry["outcome"] = "failed";
    entry["error"] = report.error;
  }
  entry["release"] = opt_json(report.release);
  nlohmann::json stage_list = nlohmann::json::array();
  for (const auto& s : report.stages) stage_list.push_back(to_json(s));
  entry["stages"] = stage_list;
  entry["duration_ms"] = report.duration_ms;
  report.number = history.append(entry);
  return report;
}

ServiceReport rollback_service(const config::Workspace& ws, const std::string& name, std::optional<int> to,
                               Console& console) {
  const auto start = Clock::now();
  const config::Service& svc = find_service(ws, name);
  const config::Pipeline& pipeline = find_pipeline(ws, svc);
  DeployLock lock(ws.root, svc.name);
  ReleaseStore store(ws.root, svc.name);
  History history(ws.root, svc.name);
  auto entries = history.entries();
  auto current = store.current();

  std::optional<nlohmann::json> target;
  if (to) {
    for (const auto& e : entries)
      if (e.value("number", 0) == *to) target = e;
    if (!target) {
      std::string range = entries.empty() ? "it has no deployments"
                                          : fmt::format("it has {}..{}", entries.front().value("number", 0),
                                                        entries.back().value("number", 0));
      throw usage_error("no such deployment", fmt::format("{} #{}", svc.name, *to), range);
    }
    if (!(*target)["release"].is_string()) {
      throw usage_error("cannot roll back", fmt::format("{} #{}", svc.name, *to),
                        "that deployment has no release (it " + target->value("outcome", std::string("failed")) + ")");
    }
  } else {
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      if (it->value("outcome", "") != "deployed" || !(*it)["release"].is_string()) continue;
      if (current && (*it)["release"].get<std::string>() == *current) continue;
      target = *it;
      break;
    }
    if (!target) {
      throw failure("nothing to roll back to", svc.name,
                    current ? "no earlier deployed release than " + *current + " in " + history.file().string()
                            : "no release of " + svc.name + " has been deployed yet (" + history.file().string() + ")");
    }
  }
  std::string id = (*target)["release"].get<std::string>();
  if (!store.exists(id)) throw failure("cannot roll back", svc.name, "release directory " + store.dir_of(id).string() + " is gone");

  int target_number = target->value("number", 0);
  console.line(fmt::format("==> {}: rolling back to #{} (release {}), no rebuild", svc.name, target_number, id));
  ServiceReport report;
  report.service = svc.name;
  report.release = id;
  report.previous_release = current;
  report.commit = target->contains("commit") && (*target)["commit"].is_string()
                      ? std::optional<std::string>((*target)["commit"].get<std::string>())
                      : std::nullopt;
  report.dirty = target->value("dirty", false);
  nlohmann::json entry = {{"kind", "rollback"},
                          {"rollback_to", target_number},
                          {"release", id},
                          {"commit", opt_json(report.commit)},
                          {"dirty", report.dirty},
                          {"previous_release", opt_json(current)},
                          {"stages", nlohmann::json::array()}};
  make_live(ws, svc, pipeline.deploy, id, entry, report, console);
  report.duration_ms = elapsed_ms(start);
  entry["duration_ms"] = report.duration_ms;
  report.number = history.append(entry);
  return report;
}

}  // namespace ftgo::pipeline
