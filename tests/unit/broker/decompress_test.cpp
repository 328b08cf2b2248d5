// Decompression of compressed batches' records (decompress.hpp) and the
// record walk over them (for_each_record): each codec as producers write it,
// records straddling the 64 KiB output chunks, and the failures that must
// fall back instead of crashing: a corrupt body, a truncated one, a bomb.
#include <catch2/catch.hpp>

#include <vector>

#include "batch_builder.hpp"
#include "broker/decompress.hpp"
#include "broker/record_batch.hpp"
#include "compressed_batch.hpp"

using namespace ftgo::broker;
using ftgo::test::BatchBuilder;
using ftgo::test::Codec;
using ftgo::test::compress_batch;
using ftgo::test::compress_bytes;
using ftgo::test::Snappy;
using ftgo::test::with_records_body;

namespace {

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct Seen {
  std::vector<std::pair<std::int64_t, std::int64_t>> records;  // offset, timestamp
  bool walked = false;
  std::string why;  // for_each_record's reason when the walk failed
};

Seen walk(const std::string& batch) {
  Seen s;
  s.walked = for_each_record(
      bytes_of(batch),
      [&](std::int64_t offset, std::int64_t ts) {
        s.records.emplace_back(offset, ts);
        return true;
      },
      &s.why);
  return s;
}

// `n` records with values of `value_bytes` each (varied, so they compress but
// not to nothing), timestamps 1000 + 10 i.
std::string plain_batch(int n, std::size_t value_bytes) {
  BatchBuilder b;
  b.timestamp(1000);
  for (int i = 0; i < n; ++i) {
    std::string value(value_bytes, 'a');
    for (std::size_t j = 0; j < value.size(); j += 7) value[j] = static_cast<char>('a' + (i * 31 + j) % 26);
    b.add("key-" + std::to_string(i), value, 1000 + 10 * i);
  }
  return b.build();
}

std::string decompress_all(Codec codec, const std::string& body, std::size_t cap, DecompressResult& result) {
  std::string out;
  result = decompress_records(static_cast<int>(codec), bytes_of(body), cap, [&](std::span<const std::uint8_t> c) {
    out.append(reinterpret_cast<const char*>(c.data()), c.size());
    return true;
  });
  return out;
}

struct Case {
  const char* name;
  Codec codec;
  Snappy framing;
};
const Case k_cases[] = {{"gzip", Codec::gzip, Snappy::raw},
                        {"snappy (raw, as librdkafka)", Codec::snappy, Snappy::raw},
                        {"snappy (snappy-java framing, as the Java client)", Codec::snappy, Snappy::java},
                        {"lz4", Codec::lz4, Snappy::raw},
                        {"zstd", Codec::zstd, Snappy::raw}};

}  // namespace

TEST_CASE("each codec's records are walked in order across output chunks", "[broker][batch][compression]") {
  // 600 records of 300 bytes: ~190 KiB of records, three 64 KiB chunks, so
  // record heads straddle chunk ends.
  const std::string plain = plain_batch(600, 300);
  const Seen expected = walk(plain);
  REQUIRE(expected.walked);
  REQUIRE(expected.records.size() == 600);
  for (const Case& c : k_cases) {
    SECTION(c.name) {
      const std::string batch = compress_batch(plain, c.codec, c.framing);
      BatchHeader h;
      REQUIRE(validate_batch(bytes_of(batch), h) == BatchError::none);
      REQUIRE(h.compression() == static_cast<int>(c.codec));
      REQUIRE(batch.size() < plain.size() / 2);
      const Seen got = walk(batch);
      CHECK(got.walked);
      CHECK(got.why.empty());
      CHECK(got.records == expected.records);
    }
  }
}

TEST_CASE("a walk that stops early stops decompressing", "[broker][batch][compression]") {
  const std::string batch = compress_batch(plain_batch(600, 300), Codec::zstd);
  int visited = 0;
  CHECK(for_each_record(bytes_of(batch), [&](std::int64_t offset, std::int64_t ts) {
    ++visited;
    return !(offset == 3 && ts == 1030);
  }));
  CHECK(visited == 4);
}

TEST_CASE("snappy-java streams of many blocks, and concatenated streams, decompress whole",
          "[broker][batch][compression]") {
  const std::string plain = plain_batch(40, 50).substr(k_batch_header_size);
  DecompressResult r;
  CHECK(decompress_all(Codec::snappy, ftgo::test::snappy_bytes(plain, Snappy::java, 100), 1 << 20, r) == plain);
  CHECK(r == DecompressResult::done);
  const std::string half = plain.substr(0, plain.size() / 2), rest = plain.substr(plain.size() / 2);
  const std::string two = ftgo::test::snappy_bytes(half, Snappy::java) + ftgo::test::snappy_bytes(rest, Snappy::java);
  CHECK(decompress_all(Codec::snappy, two, 1 << 20, r) == plain);
  CHECK(r == DecompressResult::done);
  // Two gzip members are one stream too (Java's GZIPInputStream reads on).
  CHECK(decompress_all(Codec::gzip, ftgo::test::gzip_bytes(half) + ftgo::test::gzip_bytes(rest), 1 << 20, r) ==
        plain);
  CHECK(r == DecompressResult::done);
}

TEST_CASE("a corrupt compressed body is reported, and the walk fails without a crash",
          "[broker][batch][compression]") {
  const std::string plain = plain_batch(20, 50);
  const std::string garbage = "this is not compressed with anything, not even a little";
  for (Codec codec : {Codec::gzip, Codec::lz4, Codec::zstd}) {
    DecompressResult r;
    decompress_all(codec, garbage, 1 << 20, r);
    CHECK(r == DecompressResult::corrupt);
    Seen seen = walk(with_records_body(plain, garbage, codec));
    CHECK_FALSE(seen.walked);
    CHECK(seen.why == std::string(codec_name(static_cast<int>(codec))) + ": corrupt compressed records");
  }
  // Raw snappy declaring 2 GiB from a few bytes; a framed block that is no snappy.
  const std::string liar = std::string("\x80\x80\x80\x80\x08", 5) + garbage;
  const std::string framed_junk = std::string("\x82SNAPPY\0\0\0\0\x01\0\0\0\x01\0\0\0\x04\xff\xff\xff\xff", 24);
  for (const std::string& body : {liar, framed_junk}) {
    DecompressResult r;
    decompress_all(Codec::snappy, body, 1 << 20, r);
    CHECK(r == DecompressResult::corrupt);
    CHECK_FALSE(walk(with_records_body(plain, body, Codec::snappy)).walked);
  }
  // A codec Kafka does not have (5, 6, 7).
  DecompressResult r;
  decompress_all(static_cast<Codec>(6), garbage, 1 << 20, r);
  CHECK(r == DecompressResult::unknown_codec);
  Seen seen = walk(with_records_body(plain, garbage, static_cast<Codec>(6)));
  CHECK_FALSE(seen.walked);
  CHECK(seen.why == "unknown: unknown compression codec");
}

TEST_CASE("a truncated compressed body is reported, and the walk fails", "[broker][batch][compression]") {
  const std::string plain = plain_batch(200, 100);
  const std::string records = plain.substr(k_batch_header_size);
  for (const Case& c : k_cases) {
    SECTION(c.name) {
      std::string body = compress_bytes(records, c.codec, c.framing);
      body.resize(body.size() * 2 / 3);
      DecompressResult r;
      const std::string out = decompress_all(c.codec, body, 1 << 20, r);
      // Raw snappy is one block: a cut block is corrupt; the streams know they were cut.
      CHECK(r == (c.codec == Codec::snappy && c.framing == Snappy::raw ? DecompressResult::corrupt
                                                                        : DecompressResult::truncated));
      CHECK(out.size() < records.size());
      CHECK(records.compare(0, out.size(), out) == 0);
      Seen seen = walk(with_records_body(plain, body, c.codec));
      CHECK_FALSE(seen.walked);
      CHECK(seen.why.rfind(std::string(codec_name(static_cast<int>(c.codec))) + ": ", 0) == 0);
    }
  }
}

TEST_CASE("a decompression bomb stops at the cap", "[broker][batch][compression]") {
  // 72 MiB of zeros: a few KiB of zstd, ~70 KiB of gzip, ~300 KiB of lz4, ~3.4 MiB of snappy.
  const std::string zeros(72 << 20, '\0');
  for (Codec codec : {Codec::zstd, Codec::gzip, Codec::lz4}) {
    const std::string body = compress_bytes(zeros, codec);
    REQUIRE(body.size() < (1 << 20));
    std::size_t total = 0;
    auto r = decompress_records(static_cast<int>(codec), bytes_of(body), k_max_decompressed_records,
                                [&](std::span<const std::uint8_t> c) {
                                  total += c.size();
                                  return true;
                                });
    CHECK(r == DecompressResult::too_large);
    CHECK(total == k_max_decompressed_records);
  }
  // Snappy blocks decompress whole: refused before any output.
  std::size_t total = 0;
  auto r = decompress_records(2, bytes_of(compress_bytes(zeros, Codec::snappy)), k_max_decompressed_records,
                              [&](std::span<const std::uint8_t> c) {
                                total += c.size();
                                return true;
                              });
  CHECK(r == DecompressResult::too_large);
  CHECK(total == 0);
}

TEST_CASE("a LogAppendTime batch is not walked, and that is no failure", "[broker][batch][compression]") {
  std::string batch = plain_batch(5, 10);
  batch[22] = static_cast<char>(batch[22] | 0x08);  // attributes (bytes 21-22): timestampType = LogAppendTime
  const Seen seen = walk(batch);
  CHECK_FALSE(seen.walked);
  CHECK(seen.records.empty());
  CHECK(seen.why.empty());
}
