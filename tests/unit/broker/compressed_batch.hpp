#pragma once
// Test helper: compresses a v2 batch's records section the way producers do
// (attributes & 7 = codec, batchLength and the CRC rewritten):
//   gzip: one gzip member; snappy: one raw block (librdkafka) or, with
//   Snappy::java, snappy-java's framing in blocks of `block` bytes (the Java
//   client); lz4: one LZ4 frame; zstd: one frame without a content size (as a
//   streaming compressor writes it).
//
//   std::string b = compress_batch(BatchBuilder().add("k", "v").build(), Codec::zstd);
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <stdexcept>
#include <string>

#include "broker/record_batch.hpp"

namespace ftgo::test {

enum class Codec { gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };
enum class Snappy { raw, java };

inline std::string gzip_bytes(const std::string& in) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflate");
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

inline std::string snappy_bytes(const std::string& in, Snappy framing = Snappy::raw, std::size_t block = 32 << 10) {
  std::string out;
  if (framing == Snappy::raw) {
    snappy::Compress(in.data(), in.size(), &out);
    return out;
  }
  out.assign("\x82SNAPPY\0\0\0\0\x01\0\0\0\x01", 16);  // magic, version 1, compatible version 1
  for (std::size_t at = 0; at < in.size(); at += block) {
    std::string piece;
    snappy::Compress(in.data() + at, std::min(block, in.size() - at), &piece);
    std::string len(4, '\0');
    broker::store_be32(reinterpret_cast<std::uint8_t*>(len.data()), static_cast<std::int32_t>(piece.size()));
    out += len + piece;
  }
  return out;
}

inline std::string lz4_bytes(const std::string& in) {
  std::string out(LZ4F_compressFrameBound(in.size(), nullptr), '\0');
  std::size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), nullptr);
  if (LZ4F_isError(n)) throw std::runtime_error("lz4");
  out.resize(n);
  return out;
}

inline std::string zstd_bytes(const std::string& in) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  std::string out(ZSTD_compressBound(in.size()), '\0');
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  ZSTD_inBuffer i{in.data(), in.size(), 0};
  std::size_t left = ZSTD_compressStream2(cctx, &o, &i, ZSTD_e_end);
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(left) || left != 0) throw std::runtime_error("zstd");
  out.resize(o.pos);
  return out;
}

inline std::string compress_bytes(const std::string& in, Codec codec, Snappy framing = Snappy::raw) {
  switch (codec) {
    case Codec::gzip: return gzip_bytes(in);
    case Codec::snappy: return snappy_bytes(in, framing);
    case Codec::lz4: return lz4_bytes(in);
    case Codec::zstd: return zstd_bytes(in);
  }
  return in;
}

// `plain` (an uncompressed batch) with its records section replaced by `body`
// and the codec set in its attributes; length and CRC made valid.
inline std::string with_records_body(const std::string& plain, const std::string& body, Codec codec) {
  std::string b = plain.substr(0, broker::k_batch_header_size) + body;
  auto p = reinterpret_cast<std::uint8_t*>(b.data());
  broker::store_be32(p + 8, static_cast<std::int32_t>(b.size() - broker::k_batch_log_overhead));
  p[22] = static_cast<std::uint8_t>((p[22] & ~0x07) | static_cast<int>(codec));
  broker::store_be32(p + 17, static_cast<std::int32_t>(broker::compute_batch_crc({p, b.size()})));
  return b;
}

inline std::string compress_batch(const std::string& plain, Codec codec, Snappy framing = Snappy::raw) {
  return with_records_body(plain, compress_bytes(plain.substr(broker::k_batch_header_size), codec, framing), codec);
}

}  // namespace ftgo::test
