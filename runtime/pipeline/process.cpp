#include "pipeline/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

extern char** environ;

namespace ftgo::pipeline {

Env current_environment() {
  Env env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

Child::Child(const std::vector<std::string>& argv, const std::filesystem::path& cwd, const Env& env) {
  if (argv.empty()) throw failure("start process", cwd.string(), "empty command");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw failure("start process", argv[0], std::strerror(errno));
  // Everything the child needs is prepared before fork (no allocation after it).
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);
  std::string dir = cwd.string();

  m_pid = fork();
  if (m_pid < 0) {
    close(fds[0]);
    close(fds[1]);
    throw failure("start process", argv[0], std::strerror(errno));
  }
  if (m_pid == 0) {
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (chdir(dir.c_str()) != 0) {
      dprintf(STDERR_FILENO, "ftgo: cannot enter %s: %s\n", dir.c_str(), std::strerror(errno));
      _exit(127);
    }
    environ = envp.data();
    execvp(args[0], args.data());
    dprintf(STDERR_FILENO, "ftgo: cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  setpgid(m_pid, m_pid);  // also from the parent, so signal_group never races the child
  close(fds[1]);
  m_out = fds[0];
}

Child::~Child() {
  if (m_pid > 0 && !m_status) {
    signal_group(SIGKILL);
    wait();
  }
  close_output();
}

void Child::close_output() {
  if (m_out >= 0) close(m_out);
  m_out = -1;
}

void Child::signal_group(int sig) {
  if (m_pid > 0) kill(-m_pid, sig);
}

std::optional<int> Child::try_wait() {
  if (m_status) return m_status;
  int status = 0;
  pid_t r = waitpid(m_pid, &status, WNOHANG);
  if (r == m_pid) m_status = status;
  return m_status;
}

int Child::wait() {
  if (m_status) return *m_status;
  int status = 0;
  while (waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
  }
  m_status = status;
  return status;
}

int exit_code_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

Captured run_captured(const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
  Child child(argv, cwd, current_environment());
  Captured result;
  char buf[4096];
  while (true) {
    ssize_t n = read(child.output_fd(), buf, sizeof buf);
    if (n > 0) {
      result.output.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  result.exit_code = exit_code_of(child.wait());
  return result;
}

}  // namespace ftgo::pipeline
