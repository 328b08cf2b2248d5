// libFuzzer target: a compressed batch's records section, as a producer may
// send it, through the record walk ListOffsets uses (for_each_record, which
// decompresses) and through decompress_records with a small cap. Input: byte
// 0 holds the codec (bits 0-2: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd, 5-7
// unknown) and the record count - 1 (bits 3-7); the rest is the records
// section. Any result is fine; a crash, a hang or a sanitizer report is a
// finding. Seeds (tests/fuzz/corpus/compressed_batch_fuzzer): the batches
// real clients wrote (tests/unit/broker/client_batches.hpp).
//
//   bash scripts/fuzz.sh 300 compressed_batch_fuzzer
#include <cstdint>
#include <cstring>
#include <string>

#include "broker/decompress.hpp"
#include "broker/record_batch.hpp"

using namespace ftgo::broker;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int codec = data[0] & 0x07;
  const std::int32_t count = 1 + (data[0] >> 3);
  std::string batch(k_batch_header_size, '\0');
  batch.append(reinterpret_cast<const char*>(data + 1), size - 1);
  auto p = reinterpret_cast<std::uint8_t*>(batch.data());
  store_be32(p + 8, static_cast<std::int32_t>(batch.size() - k_batch_log_overhead));
  p[16] = 2;
  p[22] = static_cast<std::uint8_t>(codec);
  store_be32(p + 23, count - 1);
  store_be64(p + 27, 1000);
  store_be64(p + 35, 2000);
  store_be32(p + 57, count);
  std::int64_t sum = 0;
  for_each_record({p, batch.size()}, [&](std::int64_t offset, std::int64_t ts) {
    sum += offset ^ ts;
    return true;
  });
  std::size_t total = 0;
  decompress_records(codec, {data + 1, size - 1}, 1 << 20, [&](std::span<const std::uint8_t> chunk) {
    total += chunk.size();
    return true;
  });
  (void)sum;
  (void)total;
  return 0;
}
