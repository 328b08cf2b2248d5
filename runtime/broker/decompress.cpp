#include "broker/decompress.hpp"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <memory>
#include <vector>

#include "broker/record_batch.hpp"

namespace ftgo::broker {

const char* to_string(DecompressResult r) {
  switch (r) {
    case DecompressResult::done: return "ok";
    case DecompressResult::stopped: return "stopped";
    case DecompressResult::unknown_codec: return "unknown compression codec";
    case DecompressResult::corrupt: return "corrupt compressed records";
    case DecompressResult::truncated: return "truncated compressed records";
    case DecompressResult::too_large: return "records decompress past the limit";
  }
  return "?";
}

const char* codec_name(int codec) {
  static constexpr const char* k_names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
  return codec >= 0 && codec < 5 ? k_names[codec] : "unknown";
}

namespace {

constexpr std::size_t k_chunk = 64 << 10;

// Passes output to the sink and enforces the cap; `result` says why it stopped.
class Output {
 public:
  Output(std::size_t cap, const DecompressSink& sink) : m_cap(cap), m_sink(sink), m_buf(k_chunk) {}
  std::uint8_t* buf() { return m_buf.data(); }
  std::size_t room() const { return m_cap - m_total; }
  // False when the walk must stop: the sink said so, or the cap is reached.
  bool emit(const std::uint8_t* p, std::size_t n) {
    const bool over = n > room();
    if (over) n = room();
    m_total += n;
    if (n > 0 && !m_sink({p, n})) {
      result = DecompressResult::stopped;
      return false;
    }
    if (over) result = DecompressResult::too_large;
    return !over;
  }
  DecompressResult result = DecompressResult::done;

 private:
  std::size_t m_cap;
  std::size_t m_total = 0;
  const DecompressSink& m_sink;
  std::vector<std::uint8_t> m_buf;
};

DecompressResult gunzip(std::span<const std::uint8_t> in, Output& out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return DecompressResult::corrupt;  // gzip only, as Kafka's GZIPInputStream
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  for (;;) {
    z.next_out = out.buf();
    z.avail_out = static_cast<uInt>(k_chunk);
    const int rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) return DecompressResult::corrupt;
    if (!out.emit(out.buf(), k_chunk - z.avail_out)) return out.result;
    if (rc == Z_STREAM_END) {
      // Another member follows (Java's GZIPInputStream reads on); other trailing bytes are ignored.
      if (z.avail_in < 2 || z.next_in[0] != 0x1f || z.next_in[1] != 0x8b) return DecompressResult::done;
      if (inflateReset(&z) != Z_OK) return DecompressResult::corrupt;
    } else if (rc == Z_BUF_ERROR) {  // no progress possible
      return z.avail_in == 0 ? DecompressResult::truncated : DecompressResult::corrupt;
    }
  }
}

DecompressResult unzstd(std::span<const std::uint8_t> in, Output& out) {
  std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return DecompressResult::corrupt;
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  for (;;) {
    ZSTD_outBuffer output{out.buf(), k_chunk, 0};
    const std::size_t rc = ZSTD_decompressStream(ctx.get(), &output, &input);
    if (ZSTD_isError(rc)) return DecompressResult::corrupt;
    if (!out.emit(out.buf(), output.pos)) return out.result;
    if (input.pos == input.size) {
      if (rc == 0) return DecompressResult::done;                           // the last frame is complete
      if (output.pos < output.size) return DecompressResult::truncated;     // it wants more input
    }
  }
}

DecompressResult unlz4(std::span<const std::uint8_t> in, Output& out) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) return DecompressResult::corrupt;
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> ctx(raw, LZ4F_freeDecompressionContext);
  const std::uint8_t* src = in.data();
  std::size_t left = in.size();
  for (;;) {
    std::size_t produced = k_chunk, consumed = left;
    const std::size_t hint = LZ4F_decompress(ctx.get(), out.buf(), &produced, src, &consumed, nullptr);
    if (LZ4F_isError(hint)) return DecompressResult::corrupt;
    src += consumed;
    left -= consumed;
    if (!out.emit(out.buf(), produced)) return out.result;
    if (hint == 0) return DecompressResult::done;  // the frame's end
    if (consumed == 0 && produced == 0) return left == 0 ? DecompressResult::truncated : DecompressResult::corrupt;
  }
}

// One raw snappy block (a length varint, then the compressed stream); decompressed whole.
DecompressResult unsnappy_block(std::span<const std::uint8_t> in, Output& out) {
  auto p = reinterpret_cast<const char*>(in.data());
  std::size_t length = 0;
  if (!snappy::GetUncompressedLength(p, in.size(), &length)) return DecompressResult::corrupt;
  // A snappy element expands at most 64 bytes from 3: a longer declared length is a lie.
  if (length / 22 > in.size()) return DecompressResult::corrupt;
  if (length > out.room()) return DecompressResult::too_large;
  std::vector<std::uint8_t> block(length);
  if (!snappy::RawUncompress(p, in.size(), reinterpret_cast<char*>(block.data()))) return DecompressResult::corrupt;
  return out.emit(block.data(), block.size()) ? DecompressResult::done : out.result;
}

DecompressResult unsnappy(std::span<const std::uint8_t> in, Output& out) {
  static constexpr std::uint8_t k_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
  constexpr std::size_t k_header = 16;  // magic, version, compatible version
  if (in.size() < k_header || std::memcmp(in.data(), k_magic, sizeof k_magic) != 0) return unsnappy_block(in, out);
  std::size_t pos = k_header;
  while (pos < in.size()) {
    if (in.size() - pos < 4) return DecompressResult::truncated;
    const auto length = static_cast<std::uint32_t>(load_be32(in.data() + pos));
    if (std::memcmp(in.data() + pos, k_magic, 4) == 0) {  // a second stream's header (concatenated streams)
      if (in.size() - pos < k_header) return DecompressResult::truncated;
      pos += k_header;
      continue;
    }
    pos += 4;
    if (length > in.size() - pos) return DecompressResult::truncated;
    if (auto r = unsnappy_block(in.subspan(pos, length), out); r != DecompressResult::done) return r;
    pos += length;
  }
  return DecompressResult::done;
}

}  // namespace

DecompressResult decompress_records(int codec, std::span<const std::uint8_t> body, std::size_t cap,
                                    const DecompressSink& sink) {
  Output out(cap, sink);
  switch (codec) {
    case 1: return gunzip(body, out);
    case 2: return unsnappy(body, out);
    case 3: return unlz4(body, out);
    case 4: return unzstd(body, out);
    default: return DecompressResult::unknown_codec;
  }
}

}  // namespace ftgo::broker
