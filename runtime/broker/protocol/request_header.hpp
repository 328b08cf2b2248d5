#pragma once
// The request header every Kafka request starts with (after its 4-byte size):
//   v1: api_key int16, api_version int16, correlation_id int32, client_id nullable int16-string
//   v2: v1 + tagged fields (flexible requests; ApiVersions v3+ here)
// Responses carry header v0 (correlation_id) — including ApiVersions v3.
#include <cstdint>
#include <string>

#include "broker/protocol/codec.hpp"

namespace ftgo::broker::protocol {

struct RequestHeader {
  std::int16_t api_key = 0;
  std::int16_t api_version = 0;
  std::int32_t correlation_id = 0;
  std::string client_id;
};

// Reads api key, version and correlation id only (enough to answer).
RequestHeader decode_request_header_prefix(Reader& r);
// Reads the rest of the header: client id and, when `flexible`, tagged fields.
void decode_request_header_rest(Reader& r, RequestHeader& h, bool flexible);

}  // namespace ftgo::broker::protocol
