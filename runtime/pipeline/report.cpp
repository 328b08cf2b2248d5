#include "pipeline/report.hpp"

namespace ftgo::pipeline {

namespace {
template <class T>
nlohmann::json opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
}  // namespace

nlohmann::json to_json(const StageReport& s) {
  nlohmann::json j = {{"name", s.name},           {"status", s.status}, {"duration_ms", s.duration_ms},
                      {"exit_code", opt(s.exit_code)}, {"cached", s.cached}};
  if (!s.note.empty()) j["note"] = s.note;
  return j;
}

StageReport stage_from_json(const nlohmann::json& j) {
  StageReport s;
  s.name = j.value("name", "");
  s.status = j.value("status", "");
  s.duration_ms = j.value("duration_ms", 0LL);
  if (j.contains("exit_code") && j["exit_code"].is_number_integer()) s.exit_code = j["exit_code"].get<int>();
  s.cached = j.value("cached", false);
  s.note = j.value("note", "");
  return s;
}

nlohmann::json to_json(const ServiceReport& r) {
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& s : r.stages) stages.push_back(to_json(s));
  nlohmann::json j = {{"service", r.service},
                      {"status", r.status},
                      {"release", opt(r.release)},
                      {"previous_release", opt(r.previous_release)},
                      {"commit", opt(r.commit)},
                      {"dirty", r.dirty},
                      {"number", opt(r.number)},
                      {"pid", opt(r.pid)},
                      {"duration_ms", r.duration_ms},
                      {"stages", stages}};
  if (!r.reason.empty()) j["reason"] = r.reason;
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

}  // namespace ftgo::pipeline
