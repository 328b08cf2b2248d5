#pragma once
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
// Kafka's v2 record batches. Computed by Intel's ISA-L (crc32_iscsi), which
// picks its fastest path for the CPU at run time (PCLMULQDQ folding: tens of
// GB/s here). Thread-safe, no state.
#include <cstddef>
#include <cstdint>

namespace ftgo::util {

// The CRC-32C of `size` bytes at `data`. crc32c("123456789") == 0xE3069283.
std::uint32_t crc32c(const void* data, std::size_t size);

// Continues a CRC over more bytes: crc32c_extend(crc32c(a), b) == crc32c(a + b).
std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size);

}  // namespace ftgo::util
