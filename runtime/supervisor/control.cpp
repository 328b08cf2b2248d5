#include "supervisor/control.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "supervisor/control_server.hpp"
#include "util/error.hpp"

namespace ftgo::supervisor {

namespace fs = std::filesystem;

fs::path control_socket_path(const fs::path& workspace_root) { return workspace_root / ".ftgo" / "run" / "control.sock"; }
fs::path pid_file_path(const fs::path& workspace_root) { return workspace_root / ".ftgo" / "run" / "ftgo.pid"; }

namespace {

// A connected socket, or -1 with errno set.
int connect_socket(const fs::path& path) {
  int dir_fd = -1;
  std::string address = socket_address(path, &dir_fd);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, address.c_str(), sizeof addr.sun_path - 1);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int err = errno;
  if (dir_fd >= 0) ::close(dir_fd);
  if (rc != 0) {
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

int open_request(const fs::path& root, const nlohmann::json& request) {
  fs::path sock = control_socket_path(root);
  int fd = connect_socket(sock);
  if (fd < 0) throw failure("nothing is running", root.string(), "no 'ftgo run' serves " + sock.string());
  std::string line = request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw failure("control request failed", sock.string(), std::strerror(errno));
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  return fd;
}

}  // namespace

void control_stream(const fs::path& root, const nlohmann::json& request,
                    const std::function<bool(const nlohmann::json&)>& on_reply, int timeout_ms) {
  int fd = open_request(root, request);
  std::string buffer;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char chunk[64 * 1024];
  while (true) {
    size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      auto reply = nlohmann::json::parse(buffer.substr(0, nl), nullptr, false);
      buffer.erase(0, nl + 1);
      if (reply.is_discarded()) continue;
      if (!on_reply(reply)) {
        ::close(fd);
        return;
      }
      deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    }
    int wait_ms = -1;
    if (timeout_ms >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ::close(fd);
        throw failure("control request timed out", control_socket_path(root).string(), "no reply");
      }
      wait_ms = static_cast<int>(left.count());
    }
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) continue;
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
}

nlohmann::json control_request(const fs::path& root, const nlohmann::json& request, int timeout_ms) {
  nlohmann::json first;
  control_stream(root, request, [&](const nlohmann::json& r) {
    first = r;
    return false;
  }, timeout_ms);
  if (first.is_null()) throw failure("control request failed", control_socket_path(root).string(), "the run closed the connection");
  return first;
}

bool run_is_active(const fs::path& root) {
  int fd = connect_socket(control_socket_path(root));
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

}  // namespace ftgo::supervisor
