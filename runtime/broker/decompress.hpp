#pragma once
// Streaming decompression of a v2 record batch's records section (the bytes
// after the 61-byte header) for the four Kafka codecs, as producers write
// them. The broker stores batches as received and decompresses only where an
// answer depends on the records inside a compressed batch: ListOffsets by
// timestamp and -3 (max timestamp), through for_each_record. Stateless
// functions; thread-safe.
//
//   codec (attributes & 7)  what producers write
//   1 gzip    a gzip stream (RFC 1952); concatenated members are read on
//   2 snappy  the Java client: snappy-java's framing (0x82 "SNAPPY" 0x00,
//             version and compatible version int32s, then blocks of
//             [length int32][raw snappy]); librdkafka and most others: one raw
//             snappy block. Read as Kafka's reader (snappy-java) tells them
//             apart: framed when the body holds 16 bytes starting with the magic
//   3 lz4     one LZ4 frame (Kafka's KafkaLZ4BlockOutputStream, librdkafka's
//             LZ4F); bytes after the frame's end mark are ignored, as Kafka does
//   4 zstd    zstd frames, with or without a content size
//
// Bounds: the output is handed to `sink` in chunks of at most 64 KiB and its
// total is capped (k_max_decompressed_records by default). gzip, lz4 and zstd
// stream: memory stays at a chunk plus the codec's window (zstd's is at most
// 128 MiB, the library's default limit, and is touched only as output is
// written). A snappy block decompresses whole: its declared length is checked
// against the cap and against what its size can expand to (21x) first.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace ftgo::broker {

// 64 MiB: 64 times the default max.message.bytes (1 MiB), far above what a
// batch of ordinary records decompresses to; a bigger batch (a decompression
// bomb, or extremely repetitive records) is not looked into.
inline constexpr std::size_t k_max_decompressed_records = 64 << 20;

enum class DecompressResult {
  done,           // the whole body was decompressed and handed to the sink
  stopped,        // the sink returned false
  unknown_codec,  // attributes & 7 is not 1-4
  corrupt,        // the codec rejected the body
  truncated,      // the body ended mid-stream
  too_large,      // the output would pass the cap (the sink got the first `cap` bytes)
};
const char* to_string(DecompressResult r);
// "none", "gzip", "snappy", "lz4", "zstd" for codec 0-4; "unknown" otherwise.
const char* codec_name(int codec);

// Receives the next chunk of output; returns false to stop.
using DecompressSink = std::function<bool(std::span<const std::uint8_t> chunk)>;

// Decompresses `body` written with `codec` (1 gzip, 2 snappy, 3 lz4, 4 zstd),
// handing the output to `sink` in order, at most `cap` bytes in all.
DecompressResult decompress_records(int codec, std::span<const std::uint8_t> body, std::size_t cap,
                                    const DecompressSink& sink);

}  // namespace ftgo::broker
