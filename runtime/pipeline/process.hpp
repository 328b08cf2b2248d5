#pragma once
// Child processes for pipeline stages and git queries (POSIX fork/exec; the
// supervisor's long-lived services use Boost.Process in supervisor/ instead).
// A Child is owned by the one thread that spawned it; its destructor kills
// the whole process group if it is still running, so no stage outlives ftgo.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ftgo::pipeline {

using Env = std::map<std::string, std::string>;

// The current process environment as a map.
Env current_environment();

class Child {
 public:
  // Starts argv[0] (looked up in PATH) in `cwd` with exactly `env`, in a new
  // process group, stdout and stderr both going to one pipe (output_fd()).
  // Throws ftgo::Error when it cannot be started.
  Child(const std::vector<std::string>& argv, const std::filesystem::path& cwd, const Env& env);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return m_pid; }
  int output_fd() const { return m_out; }
  void close_output();
  // Sends `sig` to the child's process group.
  void signal_group(int sig);
  // Non-blocking: the wait status when the child has exited.
  std::optional<int> try_wait();
  int wait();

 private:
  pid_t m_pid = -1;
  int m_out = -1;
  std::optional<int> m_status;
};

// Exit code from a wait status: the exit status, or 128+signal.
int exit_code_of(int wait_status);

struct Captured {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs argv to completion in `cwd` (environment inherited) and captures its output.
Captured run_captured(const std::vector<std::string>& argv, const std::filesystem::path& cwd);

}  // namespace ftgo::pipeline
