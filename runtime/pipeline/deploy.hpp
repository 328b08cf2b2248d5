#pragma once
// `ftgo deploy` and `ftgo rollback` for one service: under the service's
// DeployLock, run its pipeline (or pick an earlier release), make the release
// live, and append the outcome to its history. Failures come back in the
// report (status "failed"/"rolled_back" and `error`), not as exceptions, so a
// multi-service deploy can report each one; bad input (unknown service, no
// pipeline.yaml) and a held lock throw ftgo::Error.
#include <optional>
#include <string>

#include "config/config.hpp"
#include "pipeline/console.hpp"
#include "pipeline/report.hpp"
#include "pipeline/stages.hpp"

namespace ftgo::pipeline {

// The service named `name`, or a usage error with "did you mean".
const config::Service& find_service(const config::Workspace& ws, const std::string& name);
// Its pipeline, or a usage error naming the missing pipeline.yaml.
const config::Pipeline& find_pipeline(const config::Workspace& ws, const config::Service& svc);

// `git -C dir rev-parse HEAD`, or nullopt outside a git repository.
std::optional<std::string> git_commit(const std::filesystem::path& dir);
// Whether tracked files under `dir` differ from HEAD (`git describe --dirty`'s
// sense: untracked files do not count); false outside a git repository.
bool git_dirty(const std::filesystem::path& dir);

ServiceReport deploy_service(const config::Workspace& ws, const std::string& name, const StageOptions& options,
                             Console& console);

// Makes deployment `to` (a history number) live again, or by default the
// newest deployed release other than the current one. Runs no stage.
ServiceReport rollback_service(const config::Workspace& ws, const std::string& name, std::optional<int> to,
                               Console& console);

}  // namespace ftgo::pipeline
