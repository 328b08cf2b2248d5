#include "config/yaml_reader.hpp"

#include <charconv>
#include <set>

#include "util/duration.hpp"
#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::config::detail {

namespace {

std::string quote(std::string_view s) {
  constexpr std::size_t k_max = 60;
  std::string out = "\"";
  for (char c : s.substr(0, k_max)) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
      continue;
    }
    out += c;
  }
  if (s.size() > k_max) out += "...";
  return out + "\"";
}

std::string list_choices(const std::vector<std::string>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i) out += i + 1 == choices.size() ? " or " : ", ";
    out += choices[i];
  }
  return out;
}

}  // namespace

std::string join(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string index_path(const std::string& parent, std::size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Scalar: return quote(node.Scalar());
    default: return "nothing";
  }
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return name[0] != '.' && name[0] != '-';
}

Reader::Reader(std::string file, std::string kind) : m_file(std::move(file)), m_kind(std::move(kind)) {}

YAML::Node Reader::load(std::string_view text) const {
  if (text.size() > k_max_file_size) {
    fail_at(m_file, "", "file too large (" + std::to_string(text.size()) + " bytes; the limit is 1 MiB)");
  }
  YAML::Node root;
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    fail_at(where(e.mark), "", "YAML syntax error: " + e.msg);
  }
  if (!docs.empty()) root = docs[0];
  for (size_t i = 1; i < docs.size(); ++i) {
    if (!docs[i].IsNull()) fail(docs[i], "", "a second YAML document (after '---'); the file must hold one");
  }
  if (root.IsNull()) return YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) fail(root, "", "expected a map of keys at the top level, got " + describe(root));
  return root;
}

std::string Reader::where(const YAML::Mark& mark) const {
  if (mark.is_null() || mark.line < 0) return m_file;
  return m_file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::string Reader::where(const YAML::Node& node) const { return where(node.Mark()); }

void Reader::fail(const YAML::Node& at, const std::string& path, const std::string& msg) const {
  fail_at(where(at), path, msg);
}

void Reader::fail_at(const std::string& where, const std::string& path, const std::string& msg) const {
  throw usage_error("invalid " + m_kind, where, path.empty() ? msg : path + ": " + msg);
}

void Reader::for_each(const YAML::Node& node, const std::string& path,
                      const std::vector<std::string>& allowed, const EntryFn& fn) const {
  if (node.IsNull()) return;
  if (!node.IsMap()) fail(node, path, "expected a map, got " + describe(node));
  std::map<std::string, YAML::Mark> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key_node = it->first;
    const YAML::Node value = it->second;
    if (!key_node.IsScalar()) fail(key_node, path, "keys must be plain strings, got " + describe(key_node));
    const std::string& key = key_node.Scalar();
    auto [prev, inserted] = seen.emplace(key, key_node.Mark());
    if (!inserted) {
      fail(key_node, join(path, key),
           "duplicate key (first at line " + std::to_string(prev->second.line + 1) + ")");
    }
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      fail(key_node, join(path, key),
           "unknown key" + util::did_you_mean(key, allowed) + " (known: " + [&] {
             std::string known;
             for (const auto& k : allowed) known += (known.empty() ? "" : ", ") + k;
             return known;
           }() + ")");
    }
    fn(key, key_node, value);
  }
}

void Reader::for_each_item(const YAML::Node& node, const std::string& path,
                           const std::function<void(std::size_t, const YAML::Node&)>& fn) const {
  if (node.IsNull()) return;
  if (!node.IsSequence()) fail(node, path, "expected a list, got " + describe(node));
  std::size_t i = 0;
  for (auto it = node.begin(); it != node.end(); ++it, ++i) fn(i, *it);
}

std::string Reader::string(const YAML::Node& node, const std::string& path) const {
  if (!node.IsScalar()) fail(node, path, "expected a string, got " + describe(node));
  return node.Scalar();
}

std::string Reader::non_empty_string(const YAML::Node& node, const std::string& path) const {
  std::string s = string(node, path);
  if (s.empty()) fail(node, path, "must not be empty");
  return s;
}

long long Reader::integer(const YAML::Node& node, const std::string& path, long long min,
                          long long max) const {
  if (!node.IsScalar()) fail(node, path, "expected a whole number, got " + describe(node));
  const std::string& s = node.Scalar();
  long long value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && end == s.data() + s.size() &&
                                               (value < min || value > max))) {
    fail(node, path, "out of range: " + quote(s) + " (expected " + std::to_string(min) + " to " +
                         std::to_string(max) + ")");
  }
  if (ec != std::errc() || end != s.data() + s.size()) {
    fail(node, path, "expected a whole number, got " + describe(node));
  }
  return value;
}

int Reader::port(const YAML::Node& node, const std::string& path) const {
  if (!node.IsScalar()) fail(node, path, "expected a port number, got " + describe(node));
  const std::string& s = node.Scalar();
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < 1 || value > 65535) {
    fail(node, path, "bad port " + quote(s) + " (expected a number from 1 to 65535)");
  }
  return value;
}

Millis Reader::duration(const YAML::Node& node, const std::string& path) const {
  if (!node.IsScalar()) fail(node, path, "expected a duration like 500ms or 10s, got " + describe(node));
  const std::string& s = node.Scalar();
  auto d = s.size() <= 32 ? util::parse_duration(s) : std::nullopt;
  if (!d) fail(node, path, "bad duration " + quote(s) + " (use ms, s, m or h, e.g. 500ms or 10s)");
  return *d;
}

std::vector<std::string> Reader::string_list(const YAML::Node& node, const std::string& path) const {
  std::vector<std::string> out;
  for_each_item(node, path, [&](std::size_t i, const YAML::Node& item) {
    out.push_back(non_empty_string(item, index_path(path, i)));
  });
  return out;
}

std::map<std::string, std::string> Reader::string_map(const YAML::Node& node, const std::string& path) const {
  std::map<std::string, std::string> out;
  for_each(node, path, {}, [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
    if (value.IsNull()) {
      out[key] = "";
      return;
    }
    if (!value.IsScalar()) fail(value, join(path, key), "expected a string, got " + describe(value));
    out[key] = value.Scalar();
  });
  return out;
}

std::map<std::string, std::string> Reader::env_map(const YAML::Node& node, const std::string& path) const {
  for_each(node, path, {}, [&](const std::string& key, const YAML::Node& key_node, const YAML::Node&) {
    bool ok = !key.empty() && !(key[0] >= '0' && key[0] <= '9');
    for (char c : key)
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok) fail(key_node, join(path, key), "not a valid environment variable name (letters, digits and _)");
  });
  return string_map(node, path);
}

std::string Reader::choice(const YAML::Node& node, const std::string& path,
                           const std::vector<std::string>& choices) const {
  std::string s = string(node, path);
  if (std::find(choices.begin(), choices.end(), s) == choices.end()) {
    fail(node, path, "unknown value " + quote(s) + util::did_you_mean(s, choices) + " (use " +
                         list_choices(choices) + ")");
  }
  return s;
}

}  // namespace ftgo::config::detail
