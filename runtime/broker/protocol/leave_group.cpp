#include "broker/protocol/leave_group.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

LeaveGroupRequest decode_leave_group_request(Reader& r, std::int16_t version) {
  LeaveGroupRequest req;
  req.group_id = r.string();
  if (version < 3) {
    req.members.push_back({r.string(), std::nullopt});
    return req;
  }
  std::int32_t n = r.array_length_not_null(4);
  req.members.resize(n);
  for (auto& m : req.members) {
    m.member_id = r.string();
    m.group_instance_id = r.nullable_string();
  }
  return req;
}

void encode_leave_group_response(Writer& w, const LeaveGroupResponse& r, std::int16_t version) {
  if (version >= 1) w.i32(r.throttle_time_ms);
  w.i16(r.error_code);
  if (version >= 3) {
    w.array_length(r.members.size());
    for (const auto& m : r.members) {
      w.string(m.member_id);
      w.nullable_string(m.group_instance_id);
      w.i16(m.error_code);
    }
  }
}

void handle_leave_group(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  LeaveGroupRequest req = decode_leave_group_request(body, version);
  LeaveGroupResponse resp;
  for (const auto& m : req.members) {
    std::int16_t code = broker.groups().leave(req.group_id, m.member_id, m.group_instance_id);
    resp.members.push_back({m.member_id, m.group_instance_id, code});
    if (version < 3) resp.error_code = code;
  }
  Writer w = Writer::response();
  encode_leave_group_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
