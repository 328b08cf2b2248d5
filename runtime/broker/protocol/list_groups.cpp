#include "broker/protocol/list_groups.hpp"

#include <algorithm>
#include <set>

#include "broker/broker.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int16_t k_first_flexible = 3;

std::vector<std::string> compact_strings(Reader& r) {
  std::vector<std::string> out;
  auto n = r.compact_array_length(1);
  for (std::int32_t i = 0; i < n.value_or(0); ++i) out.push_back(r.compact_string());
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) ==
                                                std::tolower(static_cast<unsigned char>(y)); });
}

bool passes(const std::vector<std::string>& filter, const std::string& value) {
  return filter.empty() ||
         std::any_of(filter.begin(), filter.end(), [&](const std::string& f) { return iequals(f, value); });
}
}  // namespace

ListGroupsRequest decode_list_groups_request(Reader& r, std::int16_t version) {
  ListGroupsRequest req;
  if (version < k_first_flexible) return req;
  if (version >= 4) req.states_filter = compact_strings(r);
  if (version >= 5) req.types_filter = compact_strings(r);
  r.skip_tagged_fields();
  return req;
}

void encode_list_groups_response(Writer& w, const ListGroupsResponse& r, std::int16_t version) {
  const bool flexible = version >= k_first_flexible;
  if (flexible) w.empty_tagged_fields();  // response header v1
  if (version >= 1) w.i32(r.throttle_time_ms);
  w.i16(r.error_code);
  if (!flexible) {
    w.array_length(r.groups.size());
    for (const auto& g : r.groups) {
      w.string(g.group_id);
      w.string(g.protocol_type);
    }
    return;
  }
  w.compact_array_length(r.groups.size());
  for (const auto& g : r.groups) {
    w.compact_string(g.group_id);
    w.compact_string(g.protocol_type);
    if (version >= 4) w.compact_string(g.state);
    if (version >= 5) w.compact_string(g.type);
    w.empty_tagged_fields();
  }
  w.empty_tagged_fields();
}

void handle_list_groups(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  ListGroupsRequest req = decode_list_groups_request(body, version);
  ListGroupsResponse resp;
  std::set<std::string> seen;
  auto add = [&](ListGroupsResponse::Group g) {
    if (!seen.insert(g.group_id).second) return;
    if (passes(req.states_filter, g.state) && passes(req.types_filter, g.type)) resp.groups.push_back(std::move(g));
  };
  for (const auto& g : broker.groups().list()) add({g.group_id, g.protocol_type, g.state});
  // A group known only by its committed offsets is Empty.
  for (const auto& id : broker.store().groups_with_offsets()) add({id, "", "Empty"});
  Writer w = Writer::response();
  encode_list_groups_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
