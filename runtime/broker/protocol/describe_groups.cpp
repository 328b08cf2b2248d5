#include "broker/protocol/describe_groups.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

DescribeGroupsRequest decode_describe_groups_request(Reader& r, std::int16_t version) {
  DescribeGroupsRequest req;
  std::int32_t n = r.array_length_not_null(2);
  for (std::int32_t i = 0; i < n; ++i) req.groups.push_back(r.string());
  if (version >= 3) req.include_authorized_operations = r.boolean();
  return req;
}

void encode_describe_groups_response(Writer& w, const DescribeGroupsResponse& r, std::int16_t version) {
  if (version >= 1) w.i32(r.throttle_time_ms);
  w.array_length(r.groups.size());
  for (const auto& g : r.groups) {
    const auto& d = g.description;
    w.i16(g.error_code);
    w.string(d.group_id);
    w.string(d.state);
    w.string(d.protocol_type);
    w.string(d.protocol_data);
    w.array_length(d.members.size());
    for (const auto& m : d.members) {
      w.string(m.member_id);
      if (version >= 4) w.nullable_string(m.group_instance_id);
      w.string(m.client_id);
      w.string(m.client_host);
      w.bytes(m.metadata);
      w.bytes(m.assignment);
    }
    if (version >= 3) w.i32(INT32_MIN);  // authorized operations: not supported
  }
}

void handle_describe_groups(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  DescribeGroupsRequest req = decode_describe_groups_request(body, version);
  DescribeGroupsResponse resp;
  for (const auto& id : req.groups) {
    auto d = broker.groups().describe(id);
    // A group known only by its committed offsets is Empty, not Dead.
    if (d.state == "Dead" && broker.store().committed_offsets(id).size() > 0) d.state = "Empty";
    resp.groups.push_back({error::none, std::move(d)});
  }
  Writer w = Writer::response();
  encode_describe_groups_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
