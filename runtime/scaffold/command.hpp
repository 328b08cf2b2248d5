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

// While it lives, SIGINT and SIGTERM do not kill ftgo: they are recorded (and
// stop the command running), so the caller can clean up and exit 130. The
// old handlers come back when it dies. One at a time, on the main thread.
class InterruptGuard {
 public:
  // `where` and `cause` go into the error check() throws.
  InterruptGuard(std::string where, std::string cause);
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // Throws ftgo::Error (interrupted, exit 130) "interrupted: <where>: <cause>"
  // when a signal arrived since the guard was made.
  void check() const;

 private:
  std::string m_where;
  std::string m_cause;
};

}  // namespace ftgo::scaffold
