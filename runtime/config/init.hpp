#pragma once
// Creating a workspace (`ftgo init`): a commented ftgo.yaml with the embedded
// Kafka and no services, and a .gitignore that ignores .ftgo/.
#include <filesystem>
#include <string>
#include <vector>

namespace ftgo::config {

struct InitResult {
  std::filesystem::path root;                  // absolute
  std::string name;
  std::vector<std::filesystem::path> written;  // files created or changed
};

// The name a workspace in `dir` gets by default: the directory's basename,
// with characters other than letters, digits, '.', '_' and '-' made '-'.
std::string default_workspace_name(const std::filesystem::path& dir);

// The text of a new ftgo.yaml.
std::string workspace_template(const std::string& name);

// Creates `dir` when missing and writes ftgo.yaml (atomically) and .gitignore
// (created, or .ftgo/ appended). Throws a usage error when ftgo.yaml exists or
// the name is invalid, a failure when the files cannot be written.
InitResult init_workspace(const std::filesystem::path& dir, const std::string& name);

}  // namespace ftgo::config
