#include "pipeline/history.hpp"

#include <fstream>

#include "pipeline/files.hpp"

namespace ftgo::pipeline {

namespace fs = std::filesystem;

History::History(const fs::path& workspace_root, const std::string& service)
    : m_file(workspace_root / ".ftgo" / "deployments" / (service + ".jsonl")), m_service(service) {}

std::vector<nlohmann::json> History::entries() const {
  std::vector<nlohmann::json> out;
  std::ifstream in(m_file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("number")) continue;
    out.push_back(std::move(j));
  }
  return out;
}

int History::append(nlohmann::json entry) {
  auto all = entries();
  int number = all.empty() ? 1 : all.back().value("number", 0) + 1;
  entry["number"] = number;
  entry["service"] = m_service;
  entry["time"] = now_iso8601();
  append_line(m_file, entry.dump());
  return number;
}

std::optional<nlohmann::json> History::last_deployed() const {
  auto all = entries();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (it->value("outcome", "") == "deployed") return *it;
  }
  return std::nullopt;
}

}  // namespace ftgo::pipeline
