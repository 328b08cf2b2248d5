#pragma once
// Running the shell commands of a generation (post-generate hooks, git) in a
// directory, with stdin from /dev/null and stdout+stderr captured together.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace ftgo::scaffold {

struct CommandResult {
  int exit_code = 0;   // the exit status, or 128+signal when killed
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv (argv[0] looked up on PATH) in `cwd` with `env` added to this
// process's environment. Throws ftgo::Error (failure) when it cannot start.
CommandResult run_command(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                          const std::vector<std::pair<std::string, std::string>>& env = {});

// run_command({"/bin/sh", "-c", command}, ...).
CommandResult run_shell(const std::string& command, const std::filesystem::path& cwd,
                        const std::vector<std::pair<std::string, std::string>>& env = {});

}  // namespace ftgo::scaffold
