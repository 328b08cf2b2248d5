#include "supervisor/ports.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/error.hpp"

namespace ftgo::supervisor {

namespace {

int bind_port(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  // Like the servers it checks for: a port whose last listener just exited
  // (connections in TIME_WAIT) is free; one with a listener is not.
  int one = 1;
  if (port != 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  int result = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    result = ntohs(addr.sin_port);
  }
  ::close(fd);
  return result;
}

}  // namespace

int free_port() { return bind_port(0); }

bool port_is_free(int port) { return bind_port(port) == port; }

int PortBook::pick(const std::string& service) {
  // The kernel hands out ephemeral ports in a pseudo-random order; a few
  // tries get past the ones this run already gave away.
  for (int attempt = 0; attempt < 100; ++attempt) {
    int p = free_port();
    if (p <= 0) break;
    if (m_given.insert(p).second) return p;
  }
  throw failure("no free port", service, "cannot bind a new port on 127.0.0.1");
}

}  // namespace ftgo::supervisor
