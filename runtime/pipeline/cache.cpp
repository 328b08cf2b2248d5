#include "pipeline/cache.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "pipeline/files.hpp"
#include "pipeline/glob.hpp"
#include "pipeline/hashing.hpp"

namespace ftgo::pipeline {

namespace fs = std::filesystem;

StageKey stage_key(const config::Stage& stage, const fs::path& service_dir, const std::string& service) {
  StageKey key;
  if (stage.inputs.empty()) return key;
  Sha256 h;
  h.field("ftgo-stage-key-v1");
  h.field(stage.run);
  for (const auto& [k, v] : stage.env) {
    h.field(k);
    h.field(v);
  }
  h.field("inputs");
  for (const auto& pattern : stage.inputs) h.field(pattern);
  for (const auto& rel : expand_globs(service_dir, stage.inputs, service + ": " + stage.name + " inputs")) {
    h.field(rel);
    h.field(sha256_file_hex(service_dir / rel));
    ++key.files;
  }
  key.key = h.hex();
  return key;
}

StageCache::StageCache(const fs::path& workspace_root, const std::string& service)
    : m_dir(workspace_root / ".ftgo" / "cache" / service) {}

fs::path StageCache::file(const std::string& stage) const { return m_dir / (stage + ".json"); }

bool StageCache::hit(const std::string& stage, const std::string& key) const {
  if (key.empty()) return false;
  std::ifstream in(file(stage));
  if (!in) return false;
  auto doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return false;  // a damaged record is a miss
  return doc.value("key", "") == key;
}

void StageCache::record_success(const std::string& stage, const StageKey& key, std::chrono::milliseconds duration) {
  if (key.key.empty()) return;
  nlohmann::json doc = {{"key", key.key}, {"files", key.files}, {"duration_ms", duration.count()}, {"time", now_iso8601()}};
  write_file_atomic(file(stage), doc.dump() + "\n");
}

void StageCache::forget(const std::string& stage) {
  std::error_code ec;
  fs::remove(file(stage), ec);
}

}  // namespace ftgo::pipeline
