#pragma once
// The records inside a v2 record batch, decoded one by one: what log
// compaction (the key of each record, whether its value is null) and the
// produce-time key check of compacted topics need. record_batch.hpp reads
// batch headers; this reads and writes the records section. Stateless
// functions; thread-safe.
//
// record := length:varint attributes:int8 timestampDelta:varlong offsetDelta:varint
//           keyLength:varint key valueLength:varint value headerCount:varint headers
// (lengths of -1: null). Example: key "k", value "v", no headers, deltas 0:
//   0e 00 00 00 02 6b 02 76 00   -- length 7 (zigzag 0e), attributes, ts 0,
//                                   offset 0, key len 1, "k", value len 1, "v", 0 headers
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "broker/record_batch.hpp"

namespace ftgo::broker {

// One decoded record; the spans point into the buffer it was parsed from.
struct Record {
  std::int8_t attributes = 0;
  std::int64_t timestamp_delta = 0;
  std::int32_t offset_delta = 0;
  bool key_null = true;
  std::span<const std::uint8_t> key;
  bool value_null = true;  // a tombstone
  std::span<const std::uint8_t> value;
  std::span<const std::uint8_t> headers;  // headerCount and headers, undecoded
};

// Parses `count` records from an uncompressed records section; false when it
// is malformed (or does not end after the last record).
bool parse_records(std::span<const std::uint8_t> body, std::int32_t count, std::vector<Record>& out);

// The records section of the batch at the start of `batch` (header already
// parsed into `h`): the stored bytes when uncompressed, else decompressed into
// `scratch` (at most k_max_decompressed_records). False when it does not decompress.
bool records_section(std::span<const std::uint8_t> batch, const BatchHeader& h, std::string& scratch,
                     std::span<const std::uint8_t>& out);

// Decodes every record of a batch (decompressing it when needed).
bool decode_batch_records(std::span<const std::uint8_t> batch, const BatchHeader& h, std::string& scratch,
                          std::vector<Record>& out);

// Appends one record, encoded, to `out`.
void encode_record(const Record& r, std::string& out);

// Builds an uncompressed v2 batch from `records` (already re-based on
// `h.base_timestamp` and `h.base_offset`), keeping the header fields of `h`
// except the compression bits, the record count, the length, maxTimestamp
// (`max_timestamp`) and the CRC (recomputed). lastOffsetDelta stays `h`'s, as
// Kafka's cleaner keeps it, so the producer's last sequence stays valid.
std::string build_batch(const BatchHeader& h, std::span<const Record> records, std::int64_t max_timestamp);

}  // namespace ftgo::broker
