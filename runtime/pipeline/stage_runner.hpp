#pragma once
// Runs one stage's command: `/bin/sh -c RUN` in the service directory, in its
// own process group, streaming its output line by line through a Console and
// keeping the last lines for the failure message. On timeout the whole
// process group gets SIGTERM, then SIGKILL 2 s later; on SIGINT/SIGTERM to
// ftgo the group is killed and run() throws an interrupted ftgo::Error.
#include <chrono>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>

#include "pipeline/console.hpp"
#include "pipeline/process.hpp"

namespace ftgo::pipeline {

struct CommandResult {
  enum class Status { ok, failed, timed_out };
  Status status = Status::ok;
  std::optional<int> exit_code;       // none when it timed out
  std::chrono::milliseconds duration{0};
  std::deque<std::string> last_lines; // at most k_kept_lines
};

inline constexpr std::size_t k_kept_lines = 20;

// `progress_label` is shown on a terminal as "<label>, 12.4s".
CommandResult run_command(const std::string& command, const std::filesystem::path& cwd, const Env& env,
                          std::optional<std::chrono::milliseconds> timeout, Console& console,
                          const std::string& progress_label);

}  // namespace ftgo::pipeline
