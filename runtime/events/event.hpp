#pragma once
// One Kafka record as ftgo sees it, and its JSON envelope: the line
// `ftgo tail -o json` prints and `ftgo publish --jsonl` reads.
//
//   {"topic":"order-events","partition":0,"offset":42,"timestamp":1764201600000,
//    "key":"order-7","headers":{"type":"OrderCreated"},"value":"{\"orderId\":7}"}
//
// key and value are the bytes as a UTF-8 string, null when absent. Bytes that
// are not UTF-8 are written in base64 with "key_encoding":"base64" /
// "value_encoding":"base64". Header values likewise: when any header value is
// not UTF-8, every header value is base64 and "headers_encoding":"base64" is
// set. A header name that repeats holds an array of its values, in order.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ftgo::events {

struct Header {
  std::string name;
  std::optional<std::string> value;  // nullopt: a null header value
  bool operator==(const Header&) const = default;
};

struct Event {
  std::string topic;
  int32_t partition = -1;             // -1: let the partitioner choose (publish)
  int64_t offset = -1;
  std::optional<int64_t> timestamp;   // ms since the epoch
  std::optional<std::string> key;     // raw bytes
  std::vector<Header> headers;
  std::optional<std::string> value;   // raw bytes
};

// One line of JSON (no newline).
std::string encode_envelope(const Event& e);

// Parses one envelope. Throws std::invalid_argument whose what() says which
// field is wrong and why; the caller adds the line number. "topic" and
// "offset" are accepted and ignored by publish; a value that is a JSON object,
// array, number or boolean is published as its compact JSON text.
Event decode_envelope(std::string_view line);

}  // namespace ftgo::events
