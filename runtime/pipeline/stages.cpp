#include "pipeline/stages.hpp"

#include <fmt/format.h>

#include "pipeline/cache.hpp"
#include "pipeline/release.hpp"
#include "pipeline/stage_runner.hpp"
#include "util/duration.hpp"
#include "util/error.hpp"

namespace ftgo::pipeline {

namespace {

using std::chrono::milliseconds;

std::string bootstrap_of(const config::Workspace& ws) {
  if (ws.kafka.mode == config::KafkaMode::external) return ws.kafka.bootstrap;
  return "127.0.0.1:" + std::to_string(ws.kafka.port);
}

std::string last_lines_text(const std::deque<std::string>& lines, std::size_t n) {
  std::string out;
  std::size_t skip = lines.size() > n ? lines.size() - n : 0;
  for (std::size_t i = skip; i < lines.size(); ++i) out += "\n    " + lines[i];
  return out;
}

}  // namespace

Env stage_environment(const config::Workspace& ws, const config::Service& svc, const config::Stage& stage) {
  Env env = current_environment();
  env["FTGO_WORKSPACE"] = ws.root.string();
  env["FTGO_SERVICE"] = svc.name;
  env["FTGO_STAGE"] = stage.name;
  env["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap_of(ws);
  for (const auto& [k, v] : stage.env) env[k] = v;
  return env;
}

std::optional<std::size_t> package_stage_index(const config::Pipeline& pipeline) {
  for (std::size_t i = 0; i < pipeline.stages.size(); ++i)
    if (!pipeline.stages[i].artifacts.empty()) return i;
  return std::nullopt;
}

StagesOutcome run_stages(const config::Workspace& ws, const config::Service& svc, const config::Pipeline& pipeline,
                         const StageOptions& options, Console& console) {
  StagesOutcome outcome;
  std::vector<const config::Stage*> selected;
  auto package_index = package_stage_index(pipeline);
  for (std::size_t i = 0; i < pipeline.stages.size(); ++i) {
    const auto& stage = pipeline.stages[i];
    if (options.only && !options.only->count(stage.name)) continue;
    selected.push_back(&stage);
    if (options.up_to_package && package_index && i == *package_index) break;
  }

  StageCache cache(ws.root, svc.name);
  const std::size_t total = selected.size();
  for (std::size_t i = 0; i < total; ++i) {
    const config::Stage& stage = *selected[i];
    StageReport report;
    report.name = stage.name;
    const std::string header = fmt::format("==> {}: {} ({}/{})", svc.name, stage.name, i + 1, total);

    bool ran = false;
    if (!stage.run.empty()) {
      StageKey key = stage_key(stage, svc.dir, svc.name);
      if (options.use_cache && cache.hit(stage.name, key.key)) {
        report.status = "cached";
        report.cached = true;
        console.line(header + ": cached");
      } else {
        std::string why;
        if (key.key.empty()) why = " (no inputs: never cached)";
        else if (!options.use_cache) why = " (--no-cache)";
        console.line(header + why);
        if (key.key.empty()) report.note = "no inputs: never cached";
        auto result = run_command(stage.run, svc.dir, stage_environment(ws, svc, stage), stage.timeout, console,
                                  fmt::format("stage {}/{} {}", i + 1, total, stage.name));
        ran = true;
        report.duration_ms = result.duration.count();
        report.exit_code = result.exit_code;
        if (result.status != CommandResult::Status::ok) {
          cache.forget(stage.name);
          report.status = result.status == CommandResult::Status::timed_out ? "timed_out" : "failed";
          outcome.failed_stage = stage.name;
          outcome.failure = result.status == CommandResult::Status::timed_out
                                ? "timed out after " + util::format_duration(*stage.timeout)
                                : "exited with " + std::to_string(*result.exit_code);
          if (!result.last_lines.empty()) outcome.failure += "; last lines:" + last_lines_text(result.last_lines, 10);
          outcome.stages.push_back(report);
          console.line(fmt::format("==> {}: {} {}", svc.name, stage.name,
                                   report.status == "timed_out" ? "timed out" : "failed (exit " + std::to_string(*result.exit_code) + ")"));
          break;
        }
        report.status = "ok";
        // Key the inputs as they were before the command ran: a stage that
        // rewrites its own inputs reruns next time, which is the safe side.
        cache.record_success(stage.name, key, result.duration);
        console.line(fmt::format("==> {}: {} ok in {}", svc.name, stage.name, util::format_duration(result.duration)));
      }
    }
    if (!stage.artifacts.empty()) {
      if (!ran && stage.run.empty()) console.line(header);
      ReleaseStore store(ws.root, svc.name);
      try {
        auto pkg = store.package(stage.artifacts, svc.dir);
        outcome.release = pkg.id;
        outcome.release_reused = pkg.reused;
        if (stage.run.empty() || report.status == "cached") {
          report.status = pkg.reused ? "cached" : "ok";
          report.cached = pkg.reused;
        }
        report.note = "release " + pkg.id;
        console.line(fmt::format("==> {}: {}: release {} ({} files{})", svc.name, stage.name, pkg.id, pkg.files,
                                 pkg.reused ? ", unchanged" : ""));
      } catch (const Error& e) {
        report.status = "failed";
        outcome.failed_stage = stage.name;
        outcome.failure = e.cause();
        outcome.stages.push_back(report);
        console.line(fmt::format("==> {}: {} failed: {}", svc.name, stage.name, e.cause()));
        break;
      }
    }
    if (stage.run.empty() && stage.artifacts.empty()) {
      report.status = "ok";
      console.line(header + ": nothing to do");
    }
    outcome.stages.push_back(report);
  }
  // Stages after a failure are reported as not run.
  if (!outcome.ok()) {
    bool after = false;
    for (const auto* stage : selected) {
      if (after) outcome.stages.push_back(StageReport{stage->name, "not_run", 0, std::nullopt, false, ""});
      if (stage->name == *outcome.failed_stage) after = true;
    }
  }
  return outcome;
}

}  // namespace ftgo::pipeline
