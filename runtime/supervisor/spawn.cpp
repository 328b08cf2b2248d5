#include "supervisor/spawn.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <array>
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/posix.hpp>
#include <boost/process/search_path.hpp>
#include <boost/process/start_dir.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/error.hpp"

namespace ftgo::supervisor {

namespace bp = boost::process;

namespace {

// Runs in the child between fork and exec: async-signal-safe calls only.
struct ChildSetup : bp::extend::handler {
  pid_t parent;
  explicit ChildSetup(pid_t p) : parent(p) {}

  template <class Executor>
  void on_exec_setup(Executor&) const {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the supervisor died before prctl
    sigset_t all;
    ::sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) ::signal(sig, SIG_DFL);
  }
};

std::string resolve_program(const SpawnSpec& spec) {
  const std::string& name = spec.argv.front();
  if (name.find('/') != std::string::npos) return name;
  std::vector<boost::filesystem::path> dirs;
  auto it = spec.env.find("PATH");
  std::string path = it != spec.env.end() ? it->second : (getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
  std::stringstream ss(path);
  for (std::string dir; std::getline(ss, dir, ':');) dirs.emplace_back(dir.empty() ? "." : dir);
  auto found = bp::search_path(name, dirs);
  if (found.empty()) throw failure("start", name, "command not found in PATH");
  return found.string();
}

void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) throw failure("start", "pipe", std::strerror(errno));
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
}

int g_guard_fd = -1;
pid_t g_guard_pid = -1;

[[noreturn]] void guard_main(int fd) {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) ::signal(sig, SIG_IGN);
  int devnull = ::open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
  }
  ::dup2(fd, 3);
  ::close_range(4, ~0U, 0);  // drops the run lock and every other inherited descriptor
  static std::array<pid_t, 8192> groups{};
  size_t count = 0;
  std::array<int32_t, 2> msg{};
  while (true) {
    ssize_t n = ::read(3, msg.data(), sizeof msg);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof msg)) break;  // EOF: the supervisor is gone
    if (msg[0] == 1 && count < groups.size()) {
      groups[count++] = msg[1];
    } else if (msg[0] == 0) {
      for (size_t i = 0; i < count; ++i) {
        if (groups[i] == msg[1]) {
          groups[i] = groups[--count];
          break;
        }
      }
    }
  }
  for (size_t i = 0; i < count; ++i) ::kill(-groups[i], SIGKILL);
  ::_exit(0);
}

void guard_send(int op, pid_t pgid) {
  if (g_guard_fd < 0) return;
  std::array<int32_t, 2> msg{op, static_cast<int32_t>(pgid)};
  while (::write(g_guard_fd, msg.data(), sizeof msg) < 0 && errno == EINTR) {
  }
}

}  // namespace

Spawned spawn(const SpawnSpec& spec) {
  if (spec.argv.empty() || spec.argv.front().empty()) throw failure("start", spec.cwd.string(), "empty command");
  std::string program = resolve_program(spec);
  std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());
  bp::environment env;
  // set(), not env[k]: Boost 1.74's environment::find compares each entry over
  // the key's length, reading past shorter entries (heap-buffer-overflow, ASan).
  for (const auto& [k, v] : spec.env) env.set(k, v);

  int out[2] = {-1, -1}, err[2] = {-1, -1};
  if (spec.capture_output) {
    make_pipe(out);
    try {
      make_pipe(err);
    } catch (...) {
      ::close(out[0]);
      ::close(out[1]);
      throw;
    }
  } else {
    out[1] = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    err[1] = ::dup(out[1]);
  }
  Spawned result;
  try {
    bp::child child(bp::exe = program, bp::args = args, env, bp::start_dir = spec.cwd.string(),
                    bp::std_in < bp::null, bp::posix::fd.bind(1, out[1]), bp::posix::fd.bind(2, err[1]),
                    ChildSetup(::getpid()));
    result.pid = child.id();
    child.detach();
  } catch (const std::exception& e) {
    for (int fd : {out[0], out[1], err[0], err[1]})
      if (fd >= 0) ::close(fd);
    std::string cause = e.what();
    if (auto pos = cause.find(": "); pos != std::string::npos && cause.rfind("execve", 0) == 0)
      cause = cause.substr(pos + 2);
    throw failure("start", spec.argv.front(), cause);
  }
  ::close(out[1]);
  ::close(err[1]);
  result.out_fd = out[0];
  result.err_fd = err[0];
  guard_send(1, result.pid);
  return result;
}

void become_subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }

void start_guard() {
  if (g_guard_fd >= 0) return;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return;
  }
  if (pid == 0) {
    ::close(fds[1]);
    ::setpgid(0, 0);  // out of the terminal's foreground group: Ctrl-C is the supervisor's business
    guard_main(fds[0]);
  }
  ::close(fds[0]);
  g_guard_fd = fds[1];
  g_guard_pid = pid;
}

void guard_add_group(pid_t pgid) { guard_send(1, pgid); }
void guard_remove_group(pid_t pgid) { guard_send(0, pgid); }

namespace {

// Calls fn(pid, state, ppid, pgrp) for every process in /proc.
template <class Fn>
void for_each_process(Fn fn) {
  DIR* dir = ::opendir("/proc");
  if (!dir) return;
  while (auto* ent = ::readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(ent->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    std::ifstream stat("/proc/" + std::string(ent->d_name) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close_paren = text.rfind(')');
    if (close_paren == std::string::npos || close_paren + 2 > text.size()) continue;
    std::istringstream rest(text.substr(close_paren + 2));
    char state = 0;
    long ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (fn(static_cast<pid_t>(pid), state, static_cast<pid_t>(ppid), static_cast<pid_t>(pgrp))) break;
  }
  ::closedir(dir);
}

}  // namespace

std::vector<pid_t> child_pids() {
  std::vector<pid_t> pids;
  pid_t self = ::getpid();
  for_each_process([&](pid_t pid, char state, pid_t ppid, pid_t) {
    if (pid != g_guard_pid && ppid == self && state != 'Z') pids.push_back(pid);
    return false;
  });
  return pids;
}

bool group_alive(pid_t pgid) {
  if (pgid <= 0) return false;
  if (::kill(-pgid, 0) != 0 && errno == ESRCH) return false;  // the cheap answer first
  bool alive = false;
  for_each_process([&](pid_t, char state, pid_t, pid_t pgrp) {
    alive = pgrp == pgid && state != 'Z' && state != 'X';
    return alive;
  });
  return alive;
}

}  // namespace ftgo::supervisor
