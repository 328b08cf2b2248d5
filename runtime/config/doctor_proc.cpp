// Who listens on a local port, from /proc (Linux): the socket's inode in
// /proc/net/tcp, then the process holding that inode among /proc/*/fd.
// Only processes we may inspect are found (our own, or all as root).
#include <fstream>
#include <sstream>

#include "config/doctor.hpp"

namespace ftgo::config::probe {

namespace fs = std::filesystem;

namespace {

// The inode of the socket listening on 127.0.0.1:port or 0.0.0.0:port.
std::optional<std::string> listening_inode(int port) {
  char local_lo[32], local_any[32];
  std::snprintf(local_lo, sizeof local_lo, "0100007F:%04X", port);
  std::snprintf(local_any, sizeof local_any, "00000000:%04X", port);
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string slot, local, remote, state, queues, timer, retr, uid, timeout, inode;
    if (!(f >> slot >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode)) continue;
    if (state == "0A" && (local == local_lo || local == local_any) && inode != "0") return inode;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ProcessInfo> listener_on(int port) {
  auto inode = listening_inode(port);
  if (!inode) return std::nullopt;
  const std::string target = "socket:[" + *inode + "]";
  std::error_code ec;
  for (const auto& proc : fs::directory_iterator("/proc", ec)) {
    const std::string pid = proc.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code fd_ec;
    for (const auto& fd : fs::directory_iterator(proc.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      if (fs::read_symlink(fd.path(), link_ec).string() != target) continue;
      ProcessInfo info;
      info.pid = std::stol(pid);
      std::ifstream cmd(proc.path() / "cmdline", std::ios::binary);
      std::string arg;
      while (std::getline(cmd, arg, '\0')) info.argv.push_back(arg);
      info.cwd = fs::read_symlink(proc.path() / "cwd", link_ec);
      info.exe = fs::read_symlink(proc.path() / "exe", link_ec);
      return info;
    }
  }
  return std::nullopt;
}

}  // namespace ftgo::config::probe
