#include "broker/protocol/request_header.hpp"

namespace ftgo::broker::protocol {

RequestHeader decode_request_header_prefix(Reader& r) {
  RequestHeader h;
  h.api_key = r.i16();
  h.api_version = r.i16();
  h.correlation_id = r.i32();
  return h;
}

void decode_request_header_rest(Reader& r, RequestHeader& h, bool flexible) {
  h.client_id = r.nullable_string().value_or("");
  if (flexible) r.skip_tagged_fields();
}

}  // namespace ftgo::broker::protocol
