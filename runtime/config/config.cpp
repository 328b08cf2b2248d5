#include "config/config.hpp"

#include <functional>
#include <set>

namespace ftgo::config {

const Service* Workspace::find_service(const std::string& name) const {
  for (const auto& s : services)
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<std::string> Workspace::start_order() const {
  // Depth-first topological sort in file order; cycles were rejected at load.
  std::vector<std::string> order;
  std::set<std::string> done;
  std::function<void(const Service&)> visit = [&](const Service& s) {
    if (!done.insert(s.name).second) return;
    for (const auto& [dep, cond] : s.depends_on) {
      (void)cond;
      if (const Service* d = find_service(dep)) visit(*d);
    }
    order.push_back(s.name);
  };
  for (const auto& s : services) visit(s);
  return order;
}

std::string to_string(KafkaMode m) {
  switch (m) {
    case KafkaMode::embedded: return "embedded";
    case KafkaMode::apache: return "apache";
    case KafkaMode::external: return "external";
  }
  return "?";
}

std::string to_string(DependencyCondition c) {
  switch (c) {
    case DependencyCondition::started: return "started";
    case DependencyCondition::healthy: return "healthy";
    case DependencyCondition::completed: return "completed";
  }
  return "?";
}

std::string to_string(RestartPolicy p) {
  switch (p) {
    case RestartPolicy::no: return "no";
    case RestartPolicy::on_failure: return "on-failure";
    case RestartPolicy::always: return "always";
  }
  return "?";
}

}  // namespace ftgo::config
