#include "scaffold/workspace_edit.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>

#include "util/error.hpp"

namespace ftgo::scaffold {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

bool blank_or_comment(const std::string& line) {
  auto p = line.find_first_not_of(" \t");
  return p == std::string::npos || line[p] == '#';
}

std::string yaml_scalar(const std::string& s) {
  static const std::regex k_plain{"[A-Za-z0-9_./][A-Za-z0-9_./-]*"};
  return std::regex_match(s, k_plain) ? s : nlohmann::json(s).dump();
}

// The document's meaning, independent of flow or block style and comments.
std::string canonical(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      std::string out = "{";
      for (const auto& kv : node) out += canonical(kv.first) + ":" + canonical(kv.second) + ",";
      return out + "}";
    }
    case YAML::NodeType::Sequence: {
      std::string out = "[";
      for (const auto& item : node) out += canonical(item) + ",";
      return out + "]";
    }
    case YAML::NodeType::Scalar:
      return nlohmann::json(node.Scalar()).dump();
    default:
      return "~";
  }
}

// The textual edit, or nullopt when the layout is not one it handles.
std::optional<std::string> edit_text(const std::string& text, const YAML::Node& services,
                                     const std::string& entry) {
  auto lines = split_lines(text);
  if (!services) {
    std::string out = text;
    if (!out.empty() && out.back() != '\n') out += "\n";
    return out + "services:\n  " + entry + "\n";
  }
  // The `services:` line: a top-level key at column 0.
  static const std::regex k_key{R"(^services[ \t]*:[ \t]*(.*)$)"};
  std::size_t key_line = lines.size();
  std::string rest;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (std::regex_match(lines[i], m, k_key)) {
      if (key_line != lines.size()) return std::nullopt;  // twice: not ours to fix
      key_line = i;
      rest = m[1];
    }
  }
  if (key_line == lines.size()) return std::nullopt;
  std::string value = rest.substr(0, rest.find('#'));
  auto last = value.find_last_not_of(" \t");
  value = last == std::string::npos ? "" : value.substr(0, last + 1);
  std::string comment = rest.find('#') == std::string::npos ? "" : rest.substr(rest.find('#'));

  if (value == "{}" || (value.empty() && services.IsNull())) {
    // Keep a trailing comment in its column: `{}` becomes two spaces.
    std::string& line = lines[key_line];
    if (comment.empty()) {
      line = "services:";
    } else if (auto brace = line.find("{}"); value == "{}" && brace != std::string::npos) {
      line.replace(brace, 2, "  ");
    }
    lines.insert(lines.begin() + static_cast<long>(key_line) + 1, "  " + entry);
    return join_lines(lines);
  }
  if (!value.empty() || !services.IsMap() || services.size() == 0) return std::nullopt;

  // A block map: it ends before the next line at column 0 that is not blank or a comment.
  std::size_t end = key_line + 1;
  std::size_t last_entry_line = key_line;
  while (end < lines.size()) {
    const auto& l = lines[end];
    if (!blank_or_comment(l) && l[0] != ' ' && l[0] != '\t') break;
    if (!blank_or_comment(l)) last_entry_line = end;
    ++end;
  }
  const int column = services.begin()->first.Mark().column;
  if (column <= 0) return std::nullopt;
  lines.insert(lines.begin() + static_cast<long>(last_entry_line) + 1,
               std::string(static_cast<std::size_t>(column), ' ') + entry);
  return join_lines(lines);
}

}  // namespace

RegisterResult register_service(const std::string& text, const std::string& name, const std::string& path,
                                const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw usage_error("invalid ftgo.yaml",
                      file.string() + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1),
                      e.msg);
  }
  if (!root.IsMap() && !root.IsNull()) throw usage_error("invalid ftgo.yaml", file.string(), "expected a map");
  YAML::Node services = root.IsMap() ? root["services"] : YAML::Node();
  if (services && !services.IsMap() && !services.IsNull()) {
    throw usage_error("invalid ftgo.yaml", file.string() + ":" + std::to_string(services.Mark().line + 1),
                      "services: expected a map of name: {path: ...}");
  }
  if (services && services.IsMap() && services[name]) {
    throw usage_error("service already registered", file.string(),
                      "services." + name + " exists (path: " +
                          (services[name]["path"] ? services[name]["path"].as<std::string>() : "?") + ")");
  }

  // What the result must mean.
  YAML::Node expected = YAML::Clone(root.IsMap() ? root : YAML::Node(YAML::NodeType::Map));
  expected["services"][name]["path"] = path;
  const std::string expected_text = canonical(expected);

  const std::string entry = name + ": {path: " + yaml_scalar(path) + "}";
  if (auto edited = edit_text(text, root.IsMap() ? root["services"] : YAML::Node(), entry)) {
    try {
      if (canonical(YAML::Load(*edited)) == expected_text) return {*edited, true, ""};
    } catch (const YAML::Exception&) {
    }
  }
  YAML::Emitter out;
  out << expected;
  return {std::string(out.c_str()) + "\n", false,
          "rewrote it with yaml-cpp: its comments, blank lines and quoting were not kept"};
}

void write_file_atomically(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::path tmp = file;
  tmp += ".ftgo-tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw failure("cannot write", tmp.string(), std::strerror(errno));
  }
  std::error_code ec;
  auto perms = std::filesystem::status(file, ec).permissions();
  if (!ec) std::filesystem::permissions(tmp, perms, ec);
  if (std::rename(tmp.c_str(), file.c_str()) != 0) {
    int err = errno;
    std::filesystem::remove(tmp, ec);
    throw failure("cannot write", file.string(), std::strerror(err));
  }
}

}  // namespace ftgo::scaffold
