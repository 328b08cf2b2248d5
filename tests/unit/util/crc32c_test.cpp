#include <catch2/catch.hpp>

#include <string>

#include "util/crc32c.hpp"

using namespace ftgo::util;

TEST_CASE("crc32c matches the Castagnoli check value", "[util][crc32c]") {
  CHECK(crc32c("123456789", 9) == 0xE3069283u);
  CHECK(crc32c("", 0) == 0u);
  // RFC 3720 B.4: 32 bytes of zeros, and of 0xFF.
  std::string zeros(32, '\0'), ones(32, '\xFF');
  CHECK(crc32c(zeros.data(), zeros.size()) == 0x8A9136AAu);
  CHECK(crc32c(ones.data(), ones.size()) == 0x62A8AB43u);
}

// Bit by bit, straight from the definition: the reference the fast path must match.
std::uint32_t crc32c_bitwise(const std::string& s) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : s) {
    crc ^= c;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1) ? 0x82F63B78u : 0);
  }
  return ~crc;
}

TEST_CASE("crc32c agrees with the bitwise definition at every length and alignment", "[util][crc32c]") {
  std::string data;
  for (int i = 0; i < 1200; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  for (std::size_t start = 0; start < 9; ++start)
    for (std::size_t len = 0; start + len <= data.size(); len += 13)
      REQUIRE(crc32c(data.data() + start, len) == crc32c_bitwise(data.substr(start, len)));
}

TEST_CASE("crc32c can be extended piece by piece", "[util][crc32c]") {
  std::string a = "hello, ", b = "world and more bytes than eight";
  std::string ab = a + b;
  CHECK(crc32c_extend(crc32c(a.data(), a.size()), b.data(), b.size()) == crc32c(ab.data(), ab.size()));
  CHECK(crc32c_extend(crc32c(a.data(), a.size()), nullptr, 0) == crc32c(a.data(), a.size()));
}
