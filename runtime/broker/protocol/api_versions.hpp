#pragma once
// ApiVersions (key 18), v0-3. v3 has a flexible body (compact arrays, tagged
// fields) but its response header stays v0. A request of a version above 3
// is not parsed: it gets a v0-format UNSUPPORTED_VERSION reply listing the
// ranges, so the client retries with one we share (KIP-511).
#include "broker/protocol/api.hpp"

namespace ftgo::broker::protocol {

struct ApiVersionsRequest {
  std::string client_software_name;  // v3+
  std::string client_software_version;
};
ApiVersionsRequest decode_api_versions_request(Reader& r, std::int16_t version);

struct ApiVersionsResponse {
  std::int16_t error_code = 0;
  struct Range {
    std::int16_t key, min, max;
  };
  std::vector<Range> apis;
  std::int32_t throttle_time_ms = 0;
};
void encode_api_versions_response(Writer& w, const ApiVersionsResponse& r, std::int16_t version);

void handle_api_versions(Broker& broker, const Request& request, Reader& body, Reply reply);

}  // namespace ftgo::broker::protocol
