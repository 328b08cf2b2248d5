#include "broker/protocol/alter_configs.hpp"

#include <map>

namespace ftgo::broker::protocol {

AlterConfigsRequest decode_alter_configs_request(Reader& r, std::int16_t) {
  AlterConfigsRequest req;
  req.resources.resize(r.array_length_not_null(7));
  for (auto& res : req.resources) {
    res.type = r.i8();
    res.name = r.string();
    res.configs.resize(r.array_length_not_null(4));
    for (auto& c : res.configs) {
      c.name = r.string();
      c.value = r.nullable_string();
    }
  }
  req.validate_only = r.boolean();
  return req;
}

void handle_alter_configs(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  auto req = decode_alter_configs_request(body, version);
  IncrementalAlterConfigsResponse resp;
  for (const auto& res : req.resources) {
    auto& out = resp.results.emplace_back();
    if (!alterable_topic(broker, res.type, res.name, out)) continue;
    std::map<std::string, std::string> config;
    for (const auto& c : res.configs)
      if (c.value) config[c.name] = *c.value;
    replace_topic_config(broker, res.name, config, req.validate_only, out);
  }
  Writer w = Writer::response();
  encode_incremental_alter_configs_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
