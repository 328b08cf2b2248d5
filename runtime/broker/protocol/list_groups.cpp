#include "broker/protocol/list_groups.hpp"

#include <set>

#include "broker/broker.hpp"

namespace ftgo::broker::protocol {

void encode_list_groups_response(Writer& w, const ListGroupsResponse& r, std::int16_t version) {
  if (version >= 1) w.i32(r.throttle_time_ms);
  w.i16(r.error_code);
  w.array_length(r.groups.size());
  for (const auto& g : r.groups) {
    w.string(g.group_id);
    w.string(g.protocol_type);
  }
}

void handle_list_groups(Broker& broker, const Request& request, Reader&, Reply reply) {
  ListGroupsResponse resp;
  std::set<std::string> seen;
  for (const auto& g : broker.groups().list()) {
    seen.insert(g.group_id);
    resp.groups.push_back({g.group_id, g.protocol_type});
  }
  for (const auto& id : broker.store().groups_with_offsets()) {
    if (seen.insert(id).second) resp.groups.push_back({id, ""});
  }
  Writer w = Writer::response();
  encode_list_groups_response(w, resp, request.header.api_version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
