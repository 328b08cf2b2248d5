#include "broker/protocol/delete_groups.hpp"

#include <fmt/format.h>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

DeleteGroupsRequest decode_delete_groups_request(Reader& r, std::int16_t) {
  DeleteGroupsRequest req;
  std::int32_t n = r.array_length_not_null(2);
  for (std::int32_t i = 0; i < n; ++i) req.groups.push_back(r.string());
  return req;
}

void encode_delete_groups_response(Writer& w, const DeleteGroupsResponse& r, std::int16_t) {
  w.i32(r.throttle_time_ms);
  w.array_length(r.results.size());
  for (const auto& g : r.results) {
    w.string(g.group_id);
    w.i16(g.error_code);
  }
}

namespace {
// Kafka's answers: a group with members is NON_EMPTY_GROUP, one known neither
// to the coordinator nor by committed offsets GROUP_ID_NOT_FOUND. The empty id
// is a group id like any other (Kafka keeps it for old clients).
std::int16_t delete_group(Broker& broker, const std::string& id) {
  bool known = broker.groups().group(id) != nullptr || !broker.store().committed_offsets(id).empty();
  if (!known) return error::group_id_not_found;
  if (!broker.groups().erase_if_empty(id)) return error::non_empty_group;
  try {
    broker.store().delete_group_offsets(id);
  } catch (const std::exception& e) {  // the offsets log could not be written: the offsets stay, so does the group
    fmt::print(stderr, "ftgo broker: DeleteGroups of {} failed: {}\n", id, e.what());
    return error::unknown_server_error;
  }
  return error::none;
}
}  // namespace

void handle_delete_groups(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  DeleteGroupsRequest req = decode_delete_groups_request(body, version);
  DeleteGroupsResponse resp;
  for (const auto& id : req.groups) resp.results.push_back({id, delete_group(broker, id)});
  Writer w = Writer::response();
  encode_delete_groups_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
