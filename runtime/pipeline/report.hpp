#pragma once
// What a pipeline run produced, per stage and per service: printed by
// `ftgo deploy --json`, and stored in the deployment history.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ftgo::pipeline {

struct StageReport {
  // ok | failed | timed_out | cached | not_run
  std::string name;
  std::string status = "not_run";
  long long duration_ms = 0;
  std::optional<int> exit_code;
  bool cached = false;
  std::string note;  // e.g. "no inputs: not cached", "release 3f2a9c01b2de"
};

struct ServiceReport {
  std::string service;
  // deployed | released (made current, nothing running) | built (--stages) |
  // failed | rolled_back | interrupted
  std::string status;
  std::optional<std::string> release;
  std::optional<std::string> previous_release;
  std::optional<std::string> commit;
  bool dirty = false;             // built with uncommitted changes to tracked files
  std::optional<int> number;      // history entry
  std::optional<int> pid;         // the new instance, after a live swap
  std::string reason;             // why --changed selected it
  std::string error;
  long long duration_ms = 0;
  std::vector<StageReport> stages;
};

nlohmann::json to_json(const StageReport& s);
StageReport stage_from_json(const nlohmann::json& j);
nlohmann::json to_json(const ServiceReport& r);

}  // namespace ftgo::pipeline
