#pragma once
// A service's deployment history: .ftgo/deployments/<service>.jsonl, one JSON
// object per line, appended and never rewritten. Numbers start at 1 and
// increase by one; appends happen under the service's DeployLock.
//
// Line grammar (JSON):
//   {"number": N, "service": S, "kind": "deploy"|"rollback"|"run",
//    "release": ID|null, "previous_release": ID|null, "commit": SHA|null,
//    "outcome": "deployed"|"failed"|"rolled_back",
//    "live": true when swapped into a running `ftgo run`, "strategy": "blue-green"|"restart",
//    "rollback_to": N (rollback only), "error": "..." (when not deployed),
//    "stages": [{"name","status","duration_ms","exit_code","cached"}...],
//    "duration_ms": N, "time": "2026-11-27T03:04:05.123Z"}
// A line that does not parse (e.g. torn by a crash) is skipped when reading.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ftgo::pipeline {

class History {
 public:
  History(const std::filesystem::path& workspace_root, const std::string& service);

  std::filesystem::path file() const { return m_file; }
  std::vector<nlohmann::json> entries() const;
  // Sets "number", "service" and "time" on `entry`, appends it and returns the number.
  int append(nlohmann::json entry);

  // The newest entry with outcome "deployed", if any.
  std::optional<nlohmann::json> last_deployed() const;

 private:
  std::filesystem::path m_file;
  std::string m_service;
};

}  // namespace ftgo::pipeline
