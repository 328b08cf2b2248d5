#include "util/crc32c.hpp"

#include <isa-l/crc.h>

#include <algorithm>

namespace ftgo::util {

std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size) {
  // ISA-L works on the register value (no final inversion) and takes an int
  // length, so pieces of at most 1 GiB.
  auto p = static_cast<unsigned char*>(const_cast<void*>(data));
  std::uint32_t reg = ~crc;
  while (size > 0) {
    std::size_t n = std::min<std::size_t>(size, std::size_t{1} << 30);
    reg = crc32_iscsi(p, static_cast<int>(n), reg);
    p += n;
    size -= n;
  }
  return ~reg;
}

std::uint32_t crc32c(const void* data, std::size_t size) { return crc32c_extend(0, data, size); }

}  // namespace ftgo::util
