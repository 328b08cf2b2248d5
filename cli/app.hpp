#pragma once
// The CLI: builds the CLI11 app with every verb, runs it, and maps
// ftgo::Error to `ftgo: error: ...` on stderr and an exit code.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace ftgo::cli {

// Options every verb accepts (before or after the verb).
struct Globals {
  std::string workspace_dir;  // -C DIR
  std::string brokers;        // --brokers HOST:PORT (else FTGO_BROKERS)
  bool json = false;          // --json where output is data

  // The workspace root: -C DIR, else found walking up from the current dir.
  // Throws a usage error when there is none.
  std::filesystem::path workspace_root() const;
  // Like workspace_root(), but nullopt instead of throwing.
  std::optional<std::filesystem::path> find_workspace_root() const;
  // The loaded workspace (ftgo.yaml and every service.yaml).
  config::Workspace load_workspace() const;
};

int ftgo_main(int argc, char** argv);

// A CLI11 check for a whole number from `min` to `max`, so a bad value reads
// `--count: abc: expected a whole number, 0 or more` instead of CLI11's range
// of doubles. A `max` of INT32_MAX or more is not shown.
CLI::Validator whole_number(long long min, long long max);

// Registers a verb that is not built yet: it says so and exits 1.
CLI::App* add_unimplemented(CLI::App& app, const std::string& name, const std::string& help);

}  // namespace ftgo::cli
