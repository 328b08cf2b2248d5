// prepare_run_dir (declared in release.hpp): what `ftgo run` calls before
// starting a service.
#include <unistd.h>

#include <iostream>

#include "pipeline/deploy.hpp"
#include "pipeline/deploy_lock.hpp"
#include "pipeline/history.hpp"
#include "pipeline/release.hpp"
#include "pipeline/stages.hpp"
#include "util/error.hpp"

namespace ftgo::pipeline {

namespace fs = std::filesystem;

fs::path prepare_run_dir(const config::Workspace& ws, const config::Service& svc, std::ostream& out) {
  auto it = ws.pipelines.find(svc.name);
  if (it == ws.pipelines.end()) return svc.dir;
  const config::Pipeline& pipeline = it->second;
  if (!package_stage_index(pipeline)) return svc.dir;  // nothing is packaged: runs in place

  ReleaseStore store(ws.root, svc.name);
  if (auto id = store.current()) return store.dir_of(*id);

  DeployLock lock(ws.root, svc.name);
  if (auto id = store.current()) return store.dir_of(*id);  // built meanwhile
  bool tty = (&out == &std::cout && isatty(STDOUT_FILENO)) || (&out == &std::cerr && isatty(STDERR_FILENO));
  Console console(out, tty);
  console.line("==> " + svc.name + ": no release yet, building it");
  StageOptions options;
  options.up_to_package = true;
  StagesOutcome outcome = run_stages(ws, svc, pipeline, options, console);

  nlohmann::json stage_list = nlohmann::json::array();
  for (const auto& s : outcome.stages) stage_list.push_back(to_json(s));
  auto commit = git_commit(svc.dir);
  nlohmann::json entry = {{"kind", "run"},
                          {"commit", commit ? nlohmann::json(*commit) : nlohmann::json()},
                          {"dirty", commit && git_dirty(svc.dir)},
                          {"previous_release", nullptr},
                          {"stages", stage_list},
                          {"live", false}};
  History history(ws.root, svc.name);
  if (!outcome.ok() || !outcome.release) {
    entry["outcome"] = "failed";
    entry["release"] = nullptr;
    entry["error"] = outcome.failure;
    history.append(entry);
    throw failure("build failed", svc.name + ": " + outcome.failed_stage.value_or("package"), outcome.failure);
  }
  store.set_current(*outcome.release);
  entry["outcome"] = "deployed";
  entry["release"] = *outcome.release;
  history.append(entry);
  return store.dir_of(*outcome.release);
}

}  // namespace ftgo::pipeline
