#include "broker/groups/group_store.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "broker/storage/file.hpp"
#include "util/error.hpp"

namespace ftgo::broker::groups {

namespace {

using nlohmann::json;

// Protocol metadata and assignments are bytes: hex in the JSON.
std::string to_hex(const std::string& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  throw std::invalid_argument("bad hex digit");
}

std::string from_hex(const std::string& hex) {
  if (hex.size() % 2) throw std::invalid_argument("odd hex length");
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2)
    out.push_back(static_cast<char>(hex_digit(hex[i]) << 4 | hex_digit(hex[i + 1])));
  return out;
}

}  // namespace

std::string group_json(const Group& g) {
  bool stable = g.state == GroupState::stable;
  bool empty = g.state == GroupState::empty && g.members.empty() && g.generation > 0;
  if (!stable && !empty) return {};
  json j;
  j["id"] = g.id;
  j["state"] = stable ? "Stable" : "Empty";
  j["generation"] = g.generation;
  j["protocol_type"] = g.protocol_type;
  if (empty && g.empty_since_ms) j["empty_since_ms"] = *g.empty_since_ms;
  if (stable) {
    j["protocol_name"] = g.protocol_name;
    j["leader"] = g.leader;
    json members = json::array();
    for (const auto& m : g.members) {
      const std::string* md = m.metadata_for(g.protocol_name);
      json mj;
      mj["id"] = m.id;
      if (m.group_instance_id) mj["instance_id"] = *m.group_instance_id;
      mj["client_id"] = m.client_id;
      mj["client_host"] = m.client_host;
      mj["session_timeout_ms"] = m.session_timeout_ms;
      mj["rebalance_timeout_ms"] = m.rebalance_timeout_ms;
      mj["protocol_type"] = m.protocol_type;
      mj["metadata"] = to_hex(md ? *md : std::string());
      mj["assignment"] = to_hex(m.assignment);
      members.push_back(std::move(mj));
    }
    j["members"] = std::move(members);
  }
  return j.dump();
}

Group group_from_json(const std::string& text, std::int64_t now_ms) {
  json j = json::parse(text);
  Group g;
  g.id = j.at("id").get<std::string>();
  g.generation = j.at("generation").get<std::int32_t>();
  g.protocol_type = j.at("protocol_type").get<std::string>();
  std::string state = j.at("state").get<std::string>();
  if (state == "Empty") {
    if (j.contains("empty_since_ms")) g.empty_since_ms = j.at("empty_since_ms").get<std::int64_t>();
    return g;
  }
  if (state != "Stable") throw std::invalid_argument("unknown group state " + state);
  g.state = GroupState::stable;
  g.protocol_name = j.at("protocol_name").get<std::string>();
  g.leader = j.at("leader").get<std::string>();
  for (const auto& mj : j.at("members")) {
    Member m;
    m.id = mj.at("id").get<std::string>();
    if (mj.contains("instance_id")) {
      m.group_instance_id = mj.at("instance_id").get<std::string>();
      g.static_members[*m.group_instance_id] = m.id;
    }
    m.client_id = mj.at("client_id").get<std::string>();
    m.client_host = mj.at("client_host").get<std::string>();
    m.session_timeout_ms = mj.at("session_timeout_ms").get<std::int32_t>();
    m.rebalance_timeout_ms = mj.at("rebalance_timeout_ms").get<std::int32_t>();
    m.protocol_type = mj.at("protocol_type").get<std::string>();
    m.protocols.push_back({g.protocol_name, from_hex(mj.at("metadata").get<std::string>())});
    m.assignment = from_hex(mj.at("assignment").get<std::string>());
    m.last_heartbeat_ms = now_ms;
    g.members.push_back(std::move(m));
  }
  if (g.members.empty() || !g.member(g.leader)) throw std::invalid_argument("a Stable group needs its leader");
  return g;
}

GroupStore::GroupStore(std::filesystem::path file) : m_file(std::move(file)) {}

std::vector<Group> GroupStore::load() {
  std::vector<Group> out;
  m_saved.clear();
  if (!std::filesystem::exists(m_file)) return out;
  try {
    json all = json::parse(storage::read_file(m_file));
    for (const auto& gj : all.at("groups")) {
      std::string text = gj.dump();
      out.push_back(group_from_json(text, 0));
      m_saved[out.back().id] = std::move(text);
    }
  } catch (const std::exception& e) {
    throw failure("cannot load the consumer groups", m_file.string(), e.what());
  }
  return out;
}

void GroupStore::save(const Coordinator& coordinator) {
  std::map<std::string, std::string> next;
  for (const auto& [id, g] : coordinator.all_groups()) {
    std::string text = group_json(g);
    if (text.empty()) {
      // Mid-rebalance: its last saved form stands (Kafka's last GroupMetadata record).
      if (auto it = m_saved.find(id); it != m_saved.end()) next[id] = it->second;
    } else {
      next[id] = std::move(text);
    }
  }
  if (next == m_saved) return;
  json all;
  all["groups"] = json::array();
  for (const auto& [id, text] : next) all["groups"].push_back(json::parse(text));
  try {
    storage::write_file_atomic(m_file, all.dump(1) + "\n");
    m_saved = std::move(next);
  } catch (const std::exception& e) {
    fmt::print(stderr, "ftgo broker: cannot save the consumer groups: {}\n", e.what());
  }
}

}  // namespace ftgo::broker::groups
