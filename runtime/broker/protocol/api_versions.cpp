#include "broker/protocol/api_versions.hpp"

#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

ApiVersionsRequest decode_api_versions_request(Reader& r, std::int16_t version) {
  ApiVersionsRequest req;
  if (version >= 3) {
    req.client_software_name = r.compact_string();
    req.client_software_version = r.compact_string();
    r.skip_tagged_fields();
  }
  return req;
}

void encode_api_versions_response(Writer& w, const ApiVersionsResponse& r, std::int16_t version) {
  w.i16(r.error_code);
  bool flexible = version >= 3;
  if (flexible) {
    w.compact_array_length(r.apis.size());
  } else {
    w.array_length(r.apis.size());
  }
  for (const auto& a : r.apis) {
    w.i16(a.key);
    w.i16(a.min);
    w.i16(a.max);
    if (flexible) w.empty_tagged_fields();
  }
  if (version >= 1) w.i32(r.throttle_time_ms);
  if (flexible) w.empty_tagged_fields();
}

void handle_api_versions(Broker&, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  const ApiEntry* self = find_api(api_key::api_versions);
  ApiVersionsResponse resp;
  for (const auto& api : api_table()) resp.apis.push_back({api.key, api.min_version, api.max_version});
  Writer w = Writer::response();
  if (version > self->max_version || version < self->min_version) {
    resp.error_code = error::unsupported_version;
    encode_api_versions_response(w, resp, 0);
  } else {
    decode_api_versions_request(body, version);
    encode_api_versions_response(w, resp, version);
  }
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
