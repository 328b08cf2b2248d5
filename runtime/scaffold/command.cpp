#include "scaffold/command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "util/error.hpp"

namespace ftgo::scaffold {

namespace {

std::atomic<int> g_signal{0};        // the signal an InterruptGuard caught
std::atomic<pid_t> g_child_group{0};  // the process group of the command running
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<pid_t>::is_always_lock_free);

void stop_child_group() {
  pid_t group = g_child_group.load();
  if (group > 0) ::kill(-group, SIGTERM);
}

void on_interrupt(int sig) {
  g_signal = sig;
  stop_child_group();
}

struct sigaction g_old_int {};
struct sigaction g_old_term {};

}  // namespace

InterruptGuard::InterruptGuard(std::string where, std::string cause)
    : m_where(std::move(where)), m_cause(std::move(cause)) {
  g_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
}

void InterruptGuard::check() const {
  if (g_signal) throw Error(ExitCode::interrupted, "interrupted", m_where, m_cause);
}

CommandResult run_command(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                          const std::vector<std::pair<std::string, std::string>>& env) {
  // Everything the child needs is built before fork (only async-signal-safe calls after it).
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    bool overridden = false;
    for (const auto& [k, v] : env) overridden = overridden || entry.rfind(k + "=", 0) == 0;
    if (!overridden) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string cannot_start = "cannot run " + argv.at(0) + "\n";

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw failure("cannot run", argv.at(0), std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    throw failure("cannot run", argv.at(0), std::strerror(errno));
  }
  if (pid == 0) {
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    execvpe(args[0], args.data(), envp.data());
    (void)!write(2, cannot_start.data(), cannot_start.size());
    _exit(127);
  }
  setpgid(pid, pid);  // also here: no signal may find the group missing
  g_child_group = pid;
  if (g_signal) stop_child_group();  // it came between fork and now
  close(fds[1]);
  CommandResult result;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      result.output.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child_group = 0;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

CommandResult run_shell(const std::string& command, const std::filesystem::path& cwd,
                        const std::vector<std::pair<std::string, std::string>>& env) {
  return run_command({"/bin/sh", "-c", command}, cwd, env);
}

}  // namespace ftgo::scaffold
