#include "pipeline/deploy_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace ftgo::pipeline {

namespace fs = std::filesystem;

DeployLock::DeployLock(const fs::path& workspace_root, const std::string& service) {
  fs::path file = workspace_root / ".ftgo" / "deployments" / (service + ".lock");
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  m_fd = open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (m_fd < 0) throw failure("lock deployments", file.string(), std::strerror(errno));
  if (flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buf[32] = {};
    ssize_t n = pread(m_fd, buf, sizeof buf - 1, 0);
    close(m_fd);
    m_fd = -1;
    if (err != EWOULDBLOCK) throw failure("lock deployments", file.string(), std::strerror(err));
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    throw failure("deploy already in progress", service,
                  "another ftgo (pid " + pid + ") holds " + file.string());
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(m_fd, 0) != 0 || pwrite(m_fd, pid.data(), pid.size(), 0) < 0) {
    // The lock itself is held; a missing pid only makes a rival's message vaguer.
  }
}

DeployLock::~DeployLock() {
  if (m_fd >= 0) {
    if (ftruncate(m_fd, 0) != 0) {
    }
    close(m_fd);
  }
}

}  // namespace ftgo::pipeline
