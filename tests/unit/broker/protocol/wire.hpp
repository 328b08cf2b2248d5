#pragma once
// Test helpers: hand-made wire bytes (independent of the codec under test)
// and a Broker on a temporary directory to run handlers against.
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "broker/broker.hpp"
#include "broker/protocol/api.hpp"

namespace ftgo::test {

// "00 01 ff" -> bytes; spaces and '|' are ignored.
inline std::string hex(std::string_view text) {
  std::string out;
  int nibble = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<char>(nibble * 16 + v));
      nibble = -1;
    }
  }
  return out;
}

// An int16-length string, spelled out byte by byte.
inline std::string s16(std::string_view s) {
  std::string out;
  out.push_back(static_cast<char>(s.size() >> 8));
  out.push_back(static_cast<char>(s.size() & 0xff));
  out.append(s);
  return out;
}

inline std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

inline std::string be64(std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  return be32(static_cast<std::uint32_t>(u >> 32)) + be32(static_cast<std::uint32_t>(u));
}

// A compact string (flexible versions): uvarint length + 1, then the bytes
// (shorter than 127 bytes).
inline std::string compact(std::string_view s) {
  return std::string(1, static_cast<char>(s.size() + 1)) + std::string(s);
}

// A Reader over `data` (which must outlive it).
inline broker::protocol::Reader reader_of(std::string& data) {
  return broker::protocol::Reader(reinterpret_cast<std::uint8_t*>(data.data()), data.size());
}

inline std::string to_hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
    out.push_back(' ');
  }
  return out;
}

// A v2 record batch of one record (no compression), with a correct CRC.
std::string make_batch(const std::string& key, const std::string& value, std::int64_t timestamp = 1000,
                       std::int64_t producer_id = -1, std::int32_t sequence = -1);

struct TempDir {
  std::filesystem::path path;
  TempDir();
  ~TempDir();
};

// A Broker on a temporary data directory; call() runs one request through
// Broker::dispatch and returns the response body (after the correlation id).
struct BrokerFixture {
  TempDir dir;
  boost::asio::io_context io;
  std::unique_ptr<broker::Broker> broker;
  explicit BrokerFixture(int default_partitions = 1);
  // nullopt when the handler sent no response (yet).
  std::optional<std::string> call(std::int16_t key, std::int16_t version, const std::string& body,
                                  const std::string& client_id = "test");
  // Creates `topic` the way most clients do: a Metadata v4 request that may auto-create it.
  void auto_create(const std::string& topic);
};

// An OffsetCommit v2 body committing `offset` for partition 0 of `topic`
// without membership (generation -1, no member id), as a simple consumer or
// an admin tool does.
inline std::string simple_commit(const std::string& group, const std::string& topic, std::int64_t offset) {
  return s16(group) + hex("ffffffff") + s16("") + hex("ffffffffffffffff 00000001") + s16(topic) +
         hex("00000001 00000000") + be64(offset) + s16("");
}

// The request body frame a client would send: header v1 + body.
std::string request_frame(std::int16_t key, std::int16_t version, std::int32_t correlation_id,
                          const std::string& client_id, const std::string& body);

}  // namespace ftgo::test
