#pragma once
// Starting child processes the way the supervisor needs them (Boost.Process
// with a pre-exec hook): each child leads its own process group, dies with
// SIGKILL when the supervisor dies (PR_SET_PDEATHSIG), starts with a clean
// signal mask and default dispositions, reads /dev/null, and writes stdout and
// stderr into non-blocking pipes the caller reads.
//
// spawn() must be called from the thread that lives as long as the process
// (the supervisor's main thread): PDEATHSIG fires when the *thread* that
// forked exits.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace ftgo::supervisor {

struct SpawnSpec {
  std::vector<std::string> argv;              // argv[0] searched in the child's PATH when it has no '/'
  std::filesystem::path cwd;
  std::map<std::string, std::string> env;     // the complete environment
  bool capture_output = true;                 // false: stdout/stderr go to /dev/null
};

// A started child. The caller owns the descriptors (-1 when not captured).
struct Spawned {
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;
};

// Throws ftgo::Error (failure) naming argv[0] when the program cannot be run.
Spawned spawn(const SpawnSpec& spec);

// Makes this process the subreaper of its descendants (orphaned grandchildren
// are reparented to it, so they can be reaped and killed).
void become_subreaper();

// The guard: a small forked process that outlives the supervisor by a moment.
// The supervisor tells it every process group it starts and every one it has
// finished with; when the supervisor dies (even by SIGKILL) the guard sees its
// pipe close, kills the remaining groups with SIGKILL and exits. This covers
// grandchildren, which PR_SET_PDEATHSIG does not reach.
// start_guard() must run before any thread is created.
void start_guard();
void guard_add_group(pid_t pgid);
void guard_remove_group(pid_t pgid);

// Every live process whose parent is this process (direct children plus the
// orphans reparented here as subreaper), read from /proc.
std::vector<pid_t> child_pids();

// Whether process group `pgid` still has a live (non-zombie) member: a
// zombie nobody reaps must not keep a stopped service "running".
bool group_alive(pid_t pgid);

}  // namespace ftgo::supervisor
