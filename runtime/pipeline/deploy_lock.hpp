#pragma once
// One deploy per service at a time: an exclusive flock(2) on
// .ftgo/deployments/<service>.lock, holding the owner's pid as text. Taken by
// deploy, rollback and the build `ftgo run` does; released when the DeployLock
// is destroyed or the process dies (the kernel drops flocks with the process).
#include <filesystem>
#include <string>

namespace ftgo::pipeline {

class DeployLock {
 public:
  // Fails at once (no waiting) with an ftgo::Error naming the pid that holds it.
  DeployLock(const std::filesystem::path& workspace_root, const std::string& service);
  ~DeployLock();
  DeployLock(const DeployLock&) = delete;
  DeployLock& operator=(const DeployLock&) = delete;

 private:
  int m_fd = -1;
};

}  // namespace ftgo::pipeline
