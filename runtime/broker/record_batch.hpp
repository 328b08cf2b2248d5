#pragma once
// Kafka v2 record batches (magic 2): reading and validating the 61-byte
// header, checking the CRC-32C, and rewriting the fields that lie outside the
// CRC (baseOffset, partitionLeaderEpoch) in place. Used by storage (append,
// recovery) and by the protocol layer. Stateless functions; thread-safe.
//
// Layout (big-endian), byte offsets from the start of the batch:
//   0 baseOffset int64         8 batchLength int32 (bytes after this field)
//  12 partitionLeaderEpoch     16 magic int8 (2)      17 crc uint32
//  21 attributes int16         23 lastOffsetDelta int32
//  27 baseTimestamp int64      35 maxTimestamp int64  43 producerId int64
//  51 producerEpoch int16      53 baseSequence int32  57 recordCount int32
//  61 records...
// The CRC-32C covers bytes 21 to the end of the batch.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>

namespace ftgo::broker {

inline constexpr std::size_t k_batch_header_size = 61;
inline constexpr std::size_t k_batch_log_overhead = 12;   // baseOffset + batchLength
inline constexpr std::int32_t k_min_batch_length = 49;    // header minus the overhead
inline constexpr std::size_t k_batch_crc_start = 21;

// Big-endian loads and stores.
inline std::int64_t load_be64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return static_cast<std::int64_t>(__builtin_bswap64(v));
}
inline std::int32_t load_be32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return static_cast<std::int32_t>(__builtin_bswap32(v));
}
inline std::int16_t load_be16(const std::uint8_t* p) {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return static_cast<std::int16_t>(__builtin_bswap16(v));
}
inline void store_be64(std::uint8_t* p, std::int64_t v) {
  auto u = __builtin_bswap64(static_cast<std::uint64_t>(v));
  std::memcpy(p, &u, 8);
}
inline void store_be32(std::uint8_t* p, std::int32_t v) {
  auto u = __builtin_bswap32(static_cast<std::uint32_t>(v));
  std::memcpy(p, &u, 4);
}

// The decoded header of one batch.
struct BatchHeader {
  std::int64_t base_offset = 0;
  std::int32_t batch_length = 0;
  std::int32_t partition_leader_epoch = 0;
  std::int8_t magic = 0;
  std::uint32_t crc = 0;
  std::int16_t attributes = 0;
  std::int32_t last_offset_delta = 0;
  std::int64_t base_timestamp = 0;
  std::int64_t max_timestamp = 0;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::int32_t base_sequence = -1;
  std::int32_t record_count = 0;

  // Bytes the whole batch takes: the overhead plus batchLength.
  std::size_t total_size() const { return k_batch_log_overhead + static_cast<std::uint32_t>(batch_length); }
  std::int64_t last_offset() const { return base_offset + last_offset_delta; }
  // The sequence of the last record (sequences wrap from INT32_MAX to 0).
  std::int32_t last_sequence() const;
  int compression() const { return attributes & 0x07; }  // 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd
  bool log_append_time() const { return (attributes & 0x08) != 0; }
  bool transactional() const { return (attributes & 0x10) != 0; }
  bool control() const { return (attributes & 0x20) != 0; }
  // Set by the log cleaner (KIP-534): baseTimestamp is then the time after
  // which the batch's tombstones may be removed, and record timestamps are
  // relative to it as usual.
  bool has_delete_horizon() const { return (attributes & 0x40) != 0; }
};

enum class BatchError {
  none,
  truncated,      // fewer bytes than the header or than batchLength says
  bad_length,     // batchLength below the header size
  bad_magic,      // magic is not 2
  bad_crc,        // the CRC-32C does not match
  bad_count,      // recordCount <= 0 or not lastOffsetDelta + 1
};
const char* to_string(BatchError e);

// Decodes the 61 header bytes at `p` (which must hold at least that many);
// checks the magic and batchLength >= 49 only.
BatchError decode_batch_header(const std::uint8_t* p, BatchHeader& out);

// Decodes the header at the start of `buf`. Checks that the header is whole,
// the magic is 2, batchLength >= 49 and the batch fits in `buf`; does not
// check the CRC or the record count.
BatchError parse_batch_header(std::span<const std::uint8_t> buf, BatchHeader& out);

// Everything parse_batch_header checks, plus the record count and the CRC of
// the batch at the start of `buf` (which may hold more batches after it).
// The count must be lastOffsetDelta + 1, as producers write it; with
// `compacted`, anything from 1 to that (the log cleaner removes records and
// keeps lastOffsetDelta, as Kafka's does).
BatchError validate_batch(std::span<const std::uint8_t> buf, BatchHeader& out, bool compacted = false);

// The CRC-32C of a whole batch (bytes 21..end), as the header's crc should be.
std::uint32_t compute_batch_crc(std::span<const std::uint8_t> batch);

// In-place rewrites of the fields outside the CRC.
inline void set_base_offset(std::uint8_t* batch, std::int64_t offset) { store_be64(batch, offset); }
inline void set_partition_leader_epoch(std::uint8_t* batch, std::int32_t epoch) { store_be32(batch + 12, epoch); }
// Sets maxTimestamp (inside the CRC) and recomputes the CRC: for LogAppendTime.
void set_max_timestamp(std::span<std::uint8_t> batch, std::int64_t ts);

// Walks concatenated batches: `for (BatchCursor c(buf); c.next();) use(c.header(), c.bytes());`
// Stops at the end or at the first bad batch; error() tells which.
class BatchCursor {
 public:
  explicit BatchCursor(std::span<const std::uint8_t> buf, bool check_crc = false)
      : m_buf(buf), m_check_crc(check_crc) {}
  bool next();
  const BatchHeader& header() const { return m_header; }
  std::span<const std::uint8_t> bytes() const { return m_buf.subspan(m_pos, m_header.total_size()); }
  std::size_t position() const { return m_pos; }  // of the current batch
  BatchError error() const { return m_error; }

 private:
  std::span<const std::uint8_t> m_buf;
  bool m_check_crc;
  std::size_t m_pos = 0;
  std::size_t m_next = 0;
  BatchHeader m_header;
  BatchError m_error = BatchError::none;
};

// Walks a CreateTime batch's records in order, calling `visit(offset,
// timestamp)` for each until it returns false. A compressed batch is
// decompressed as it is walked (decompress.hpp), at most
// k_max_decompressed_records bytes, and only as far as the walk goes. Returns
// false when the batch is LogAppendTime (its records' own timestamps do not
// count), malformed, or its records cannot be decompressed within the cap;
// true when every record was visited or `visit` stopped the walk. For the
// last two, `why` (when given) gets the reason, e.g. "zstd: corrupt".
// Reads a zigzag varint (a record's varlong, up to 10 bytes) at `p`, moving
// `p` past it; false when it runs off `end`.
bool read_varlong(const std::uint8_t*& p, const std::uint8_t* end, std::int64_t& out);

bool for_each_record(std::span<const std::uint8_t> batch,
                     const std::function<bool(std::int64_t offset, std::int64_t timestamp)>& visit,
                     std::string* why = nullptr);

// The offset and timestamp of one record, found by walking an uncompressed
// batch's records; nullopt-like false when the batch is compressed or malformed.
// Finds the first record whose timestamp >= ts; sets `offset` to it.
bool find_record_by_timestamp(std::span<const std::uint8_t> batch, std::int64_t ts, std::int64_t& offset);

}  // namespace ftgo::broker
