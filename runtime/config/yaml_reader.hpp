#pragma once
// Reader: the typed, validating view of one YAML document that the three
// parsers (ftgo.yaml, service.yaml, pipeline.yaml) share. It is the only place
// yaml-cpp exceptions can surface; each is turned into ftgo::Error (usage)
// whose where is "file:line:col" (1-based) and whose cause starts with the key
// path, e.g. `restart.backoff: bad duration "10x" (use ms, s, m or h)`.
// A Reader lives for one parse, on one thread. Internal to config/.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace ftgo::config::detail {

// Inputs larger than this are refused before yaml-cpp sees them.
inline constexpr std::size_t k_max_file_size = 1 << 20;

class Reader {
 public:
  // `file` is how messages name the file; `kind` is e.g. "service.yaml".
  Reader(std::string file, std::string kind);

  // Parses `text`; the result is the top-level map (an empty document is an
  // empty map). Throws on syntax errors, a non-map top level or a huge input.
  YAML::Node load(std::string_view text) const;

  // "file:line:col" of a node (of `fallback` when the node has no mark).
  std::string where(const YAML::Node& node) const;
  std::string where(const YAML::Mark& mark) const;
  [[noreturn]] void fail(const YAML::Node& at, const std::string& path, const std::string& msg) const;
  [[noreturn]] void fail_at(const std::string& where, const std::string& path,
                            const std::string& msg) const;

  using EntryFn = std::function<void(const std::string& key, const YAML::Node& key_node,
                                     const YAML::Node& value)>;
  // Calls fn for each entry of the map at `node` (null counts as empty).
  // Rejects a non-map, non-string keys, duplicate keys and, when `allowed` is
  // not empty, keys outside it (with "did you mean").
  void for_each(const YAML::Node& node, const std::string& path,
                const std::vector<std::string>& allowed, const EntryFn& fn) const;
  // Calls fn(index, item) for each element of a list (null counts as empty).
  void for_each_item(const YAML::Node& node, const std::string& path,
                     const std::function<void(std::size_t, const YAML::Node&)>& fn) const;

  std::string string(const YAML::Node& node, const std::string& path) const;
  std::string non_empty_string(const YAML::Node& node, const std::string& path) const;
  long long integer(const YAML::Node& node, const std::string& path, long long min,
                    long long max) const;
  int port(const YAML::Node& node, const std::string& path) const;
  Millis duration(const YAML::Node& node, const std::string& path) const;
  std::vector<std::string> string_list(const YAML::Node& node, const std::string& path) const;
  std::map<std::string, std::string> string_map(const YAML::Node& node,
                                                const std::string& path) const;
  // A map of environment variables: keys must be valid variable names.
  std::map<std::string, std::string> env_map(const YAML::Node& node, const std::string& path) const;
  // One of `choices`, else an error listing them (with "did you mean").
  std::string choice(const YAML::Node& node, const std::string& path,
                     const std::vector<std::string>& choices) const;

  const std::string& file() const { return m_file; }

 private:
  std::string m_file;
  std::string m_kind;
};

// "a.b" from "a" and "b"; "b" when the parent is empty.
std::string join(const std::string& parent, const std::string& key);
std::string index_path(const std::string& parent, std::size_t i);
// How a node reads in a message: `a list`, `a map`, `"text"`, `nothing`.
std::string describe(const YAML::Node& node);
// Names of services and topics: letters, digits, '.', '_' and '-'.
bool is_valid_name(std::string_view name);

}  // namespace ftgo::config::detail
