#include "supervisor/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "supervisor/control.hpp"
#include "util/error.hpp"

namespace ftgo::supervisor {

namespace fs = std::filesystem;

namespace {
pid_t read_pid(const fs::path& path) {
  std::ifstream in(path);
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}
}  // namespace

RunLock RunLock::acquire(const fs::path& root, std::string* stale_note) {
  fs::path path = pid_file_path(root);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  ::chmod(path.parent_path().c_str(), 0700);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw failure("cannot lock the run", path.string(), std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      pid_t pid = read_pid(path);
      throw failure("already running", root.string(),
                    "pid " + std::to_string(pid) + " (see 'ftgo ps'; 'ftgo down' stops it)");
    }
    throw failure("cannot lock the run", path.string(), std::strerror(err));
  }
  pid_t old = read_pid(path);
  fs::path sock = control_socket_path(root);
  bool had_socket = fs::exists(fs::symlink_status(sock, ec));
  if (had_socket) fs::remove(sock, ec);
  if (stale_note) {
    stale_note->clear();
    if (old > 0 || had_socket)
      *stale_note = "cleaned up after a run that did not stop cleanly" + (old > 0 ? " (pid " + std::to_string(old) + ")" : std::string());
  }
  RunLock lock(path, fd);
  lock.write_pid(::getpid());
  return lock;
}

RunLock::RunLock(RunLock&& other) noexcept : m_path(std::move(other.m_path)), m_fd(other.m_fd) { other.m_fd = -1; }

RunLock::~RunLock() {
  if (m_fd >= 0) ::close(m_fd);
}

void RunLock::write_pid(pid_t pid) {
  if (m_fd < 0) return;
  std::string text = std::to_string(pid) + "\n";
  if (::ftruncate(m_fd, 0) != 0) return;
  if (::pwrite(m_fd, text.data(), text.size(), 0) < 0) return;
}

void RunLock::release() {
  if (m_fd < 0) return;
  std::error_code ec;
  if (::ftruncate(m_fd, 0) == 0) fs::remove(m_path, ec);
  ::close(m_fd);
  m_fd = -1;
}

pid_t running_pid(const fs::path& root) {
  fs::path path = pid_file_path(root);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  pid_t pid = 0;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) pid = read_pid(path);
  ::close(fd);
  return pid;
}

}  // namespace ftgo::supervisor
