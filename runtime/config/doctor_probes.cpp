// Small OS probes for `ftgo doctor`: ports, TCP connects, PATH lookups.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "config/doctor.hpp"

namespace ftgo::config::probe {

namespace fs = std::filesystem;

namespace {

// An fd that closes itself.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// A connected socket to host:port, or -1 (the caller owns it).
int connect_to(const std::string& host, int port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
  int result = -1;
  for (addrinfo* ai = res; ai && result < 0; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof err;
      if (::poll(&p, 1, timeout_ms) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
        rc = 0;
    }
    if (rc == 0) result = fd;
    else ::close(fd);
  }
  ::freeaddrinfo(res);
  return result;
}

bool read_exactly(int fd, unsigned char* buf, std::size_t n, int timeout_ms) {
  std::size_t got = 0;
  while (got < n) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return false;
    ssize_t r = ::read(fd, buf + got, n - got);
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

}  // namespace

bool port_free(const std::string& host, int port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.fd < 0) return false;
  int one = 1;
  ::setsockopt(fd.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return false;
  return ::bind(fd.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

bool tcp_connect(const std::string& host, int port, int timeout_ms) {
  Fd fd(connect_to(host, port, timeout_ms));
  return fd.fd >= 0;
}

bool kafka_answers(const std::string& host, int port, int timeout_ms) {
  Fd fd(connect_to(host, port, timeout_ms));
  if (fd.fd < 0) return false;
  // ApiVersions v0: size, api_key 18, version 0, correlation id, client id "ftgo-doctor".
  const char client[] = "ftgo-doctor";
  const std::uint16_t client_len = sizeof client - 1;
  unsigned char req[4 + 2 + 2 + 4 + 2 + sizeof client - 1];
  std::uint32_t size = htonl(sizeof req - 4);
  std::uint16_t key = htons(18), version = htons(0), clen = htons(client_len);
  std::uint32_t correlation = htonl(0x66746730);
  std::memcpy(req, &size, 4);
  std::memcpy(req + 4, &key, 2);
  std::memcpy(req + 6, &version, 2);
  std::memcpy(req + 8, &correlation, 4);
  std::memcpy(req + 12, &clen, 2);
  std::memcpy(req + 14, client, client_len);
  if (::send(fd.fd, req, sizeof req, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof req)) return false;
  unsigned char resp[8];
  if (!read_exactly(fd.fd, resp, sizeof resp, timeout_ms)) return false;
  std::uint32_t got_size, got_correlation;
  std::memcpy(&got_size, resp, 4);
  std::memcpy(&got_correlation, resp + 4, 4);
  return got_correlation == correlation && ntohl(got_size) >= 4 && ntohl(got_size) < (1u << 20);
}

std::optional<fs::path> find_on_path(const std::string& name) {
  if (name.empty()) return std::nullopt;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    fs::path dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    fs::path candidate = dir / name;
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

std::string first_word(const std::string& command) {
  std::size_t i = 0;
  while (i < command.size()) {
    while (i < command.size() && (command[i] == ' ' || command[i] == '\t' || command[i] == '\n')) ++i;
    std::size_t start = i;
    char quote = 0;
    std::string word;
    while (i < command.size()) {
      char c = command[i];
      if (quote) {
        if (c == quote) quote = 0;
        else word += c;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|') {
        break;
      } else {
        word += c;
      }
      ++i;
    }
    if (i == start) return "";
    std::size_t eq = word.find('=');
    bool assignment = eq != std::string::npos && eq > 0 && word.find('/') > eq;
    if (!assignment) return word;
  }
  return "";
}

}  // namespace ftgo::config::probe
