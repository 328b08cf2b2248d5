#pragma once
// Runs a service's pipeline stages in order: the cache check, the command,
// the package step. Stops at the first failing stage. Used by deploy (all
// stages, or --stages) and by `ftgo run` (stages up to package).
#include <optional>
#include <set>
#include <string>

#include "config/config.hpp"
#include "pipeline/console.hpp"
#include "pipeline/process.hpp"
#include "pipeline/report.hpp"

namespace ftgo::pipeline {

struct StageOptions {
  bool use_cache = true;                          // false: --no-cache
  std::optional<std::set<std::string>> only;      // --stages: run just these
  bool up_to_package = false;                     // stop after the first stage with artifacts
};

struct StagesOutcome {
  std::vector<StageReport> stages;
  std::optional<std::string> release;             // set when a package stage ran
  bool release_reused = false;
  std::optional<std::string> failed_stage;
  std::string failure;                            // "exited with 1; last lines: ..."
  bool ok() const { return !failed_stage; }
};

// The environment stages run with: ftgo's own environment, plus FTGO_WORKSPACE,
// FTGO_SERVICE, FTGO_STAGE, KAFKA_BOOTSTRAP_SERVERS, then the stage's `env`.
Env stage_environment(const config::Workspace& ws, const config::Service& svc, const config::Stage& stage);

// The index of the package stage (the first with artifacts), if any.
std::optional<std::size_t> package_stage_index(const config::Pipeline& pipeline);

// Runs the stages; a failure is returned, not thrown (the caller records it).
// Throws ftgo::Error only for interruption and for bad input (e.g. a bad glob).
StagesOutcome run_stages(const config::Workspace& ws, const config::Service& svc, const config::Pipeline& pipeline,
                         const StageOptions& options, Console& console);

}  // namespace ftgo::pipeline
