#pragma once
// What the single-file parsers hand load_workspace besides the structs: where
// (file:line:col) things were written, so cross-file errors (a missing
// service.yaml, an unknown dependency, a cycle) point at the right line.
// Internal to config/.
#include <map>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace ftgo::config::detail {

struct WorkspaceMarks {
  std::map<std::string, std::string> service_key;   // service name -> its key in ftgo.yaml
  std::map<std::string, std::string> service_path;  // service name -> its path value
};

struct ServiceMarks {
  std::string name;                                 // the `name:` value
  std::string depends_on;                           // the depends_on node
  std::map<std::string, std::string> dependency;    // dependency name -> its entry
};

Workspace parse_workspace(std::string_view text, const std::string& display, const fs::path& file,
                          WorkspaceMarks* marks);
Service parse_service(std::string_view text, const std::string& display, const fs::path& file,
                      ServiceMarks* marks);
Pipeline parse_pipeline(std::string_view text, const std::string& display, const fs::path& file);

}  // namespace ftgo::config::detail
