#pragma once
// The stage cache: .ftgo/cache/<service>/<stage>.json remembers the key of a
// stage's last success. The key is the SHA-256 of the stage's command, its
// pipeline.yaml env, and the paths and contents of the files its `inputs`
// globs match now. A stage whose key is unchanged is skipped. A stage with no
// `inputs` has nothing to key on and always runs. Files are written to a
// temporary name and renamed, so a crash never leaves half a record.
//
// File grammar (JSON): {"key": "<64 hex>", "files": N, "duration_ms": N, "time": "<ISO-8601 UTC>"}
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace ftgo::pipeline {

struct StageKey {
  std::string key;      // empty when the stage has no inputs (never cached)
  std::size_t files = 0;
};

// Computes the key of `stage` for the service in `service_dir`.
StageKey stage_key(const config::Stage& stage, const std::filesystem::path& service_dir, const std::string& service);

// One service's cache directory; used by one deploy at a time (under its lock).
class StageCache {
 public:
  StageCache(const std::filesystem::path& workspace_root, const std::string& service);

  // True when `stage` last succeeded with exactly `key`.
  bool hit(const std::string& stage, const std::string& key) const;
  void record_success(const std::string& stage, const StageKey& key, std::chrono::milliseconds duration);
  // Forgets a stage (after it failed), so a later run cannot skip it.
  void forget(const std::string& stage);

 private:
  std::filesystem::path file(const std::string& stage) const;
  std::filesystem::path m_dir;
};

}  // namespace ftgo::pipeline
