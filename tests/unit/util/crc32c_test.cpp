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

TEST_CASE("crc32c hardware and table paths agree at every length and alignment", "[util][crc32c]") {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  for (std::size_t start = 0; start < 9; ++start)
    for (std::size_t len = 0; start + len <= data.size(); len += 13)
      REQUIRE(crc32c(data.data() + start, len) == crc32c_extend_portable(0, data.data() + start, len));
}

TEST_CASE("crc32c can be extended piece by piece", "[util][crc32c]") {
  std::string a = "hello, ", b = "world and more bytes than eight";
  std::string ab = a + b;
  CHECK(crc32c_extend(crc32c(a.data(), a.size()), b.data(), b.size()) == crc32c(ab.data(), ab.size()));
}
