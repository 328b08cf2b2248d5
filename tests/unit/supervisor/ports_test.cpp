#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

#include "supervisor/ports.hpp"

using namespace ftgo::supervisor;

TEST_CASE("a port book never hands out a port twice, nor a reserved one", "[supervisor][ports]") {
  PortBook book;
  int reserved = free_port();
  REQUIRE(reserved > 0);
  book.reserve(reserved);
  std::set<int> seen;
  for (int i = 0; i < 50; ++i) {
    int p = book.pick("svc");
    CHECK(p != reserved);
    CHECK(seen.insert(p).second);
  }
}

TEST_CASE("a port with a listener is not free; once closed it is", "[supervisor][ports]") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  CHECK_FALSE(port_is_free(port));
  ::close(fd);
  CHECK(port_is_free(port));
}
