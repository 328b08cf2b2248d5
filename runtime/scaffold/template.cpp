#include "scaffold/template.hpp"

#include <yaml-cpp/yaml.h>

#include <regex>

#include "scaffold/names.hpp"
#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::scaffold {

namespace {

// Reports problems in one template.yaml with file:line:col.
class Reader {
 public:
  explicit Reader(fs::path file) : m_file(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& cause) const {
    std::string where = m_file.string();
    if (node.IsDefined() && node.Mark().line >= 0) {
      where += ":" + std::to_string(node.Mark().line + 1) + ":" + std::to_string(node.Mark().column + 1);
    }
    throw usage_error("invalid template.yaml", where, cause);
  }

  void check_keys(const YAML::Node& map, const std::vector<std::string>& known, const std::string& ctx) const {
    for (const auto& kv : map) {
      auto key = kv.first.as<std::string>();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        fail(kv.first, ctx + "unknown key '" + key + "'" + util::did_you_mean(key, known));
      }
    }
  }

  std::string scalar(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) fail(node, key + ": expected a string");
    return node.as<std::string>();
  }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& key) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.as<std::string>());
      return out;
    }
    if (!node.IsSequence()) fail(node, key + ": expected a list of strings");
    for (const auto& item : node) out.push_back(scalar(item, key));
    return out;
  }

  bool boolean(const YAML::Node& node, const std::string& key) const {
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) fail(node, key + ": expected true or false");
    return value;
  }

  Variable variable(const YAML::Node& key_node, const YAML::Node& node) const {
    Variable v;
    v.name = key_node.as<std::string>();
    static const std::regex k_var_name{"[a-z_][a-z0-9_]*"};
    if (!std::regex_match(v.name, k_var_name)) {
      fail(key_node, "variables: '" + v.name + "' is not a valid name (lowercase letters, digits and '_')");
    }
    if (is_derived_name(v.name)) fail(key_node, "variables: '" + v.name + "' is derived from the service name");
    std::string ctx = "variables." + v.name;
    if (node.IsNull()) return v;
    if (!node.IsMap()) fail(node, ctx + ": expected a map (description, default, pattern, choices, required, type)");
    check_keys(node, {"description", "default", "pattern", "choices", "required", "type"}, ctx + ": ");
    if (node["description"]) v.description = scalar(node["description"], ctx + ".description");
    if (node["default"]) v.default_value = scalar(node["default"], ctx + ".default");
    if (node["pattern"]) {
      v.pattern = scalar(node["pattern"], ctx + ".pattern");
      try {
        std::regex re{v.pattern};
      } catch (const std::regex_error& e) {
        fail(node["pattern"], ctx + ".pattern: bad regular expression: " + e.what());
      }
    }
    if (node["choices"]) v.choices = strings(node["choices"], ctx + ".choices");
    if (node["required"]) v.required = boolean(node["required"], ctx + ".required");
    if (node["type"]) {
      auto type = scalar(node["type"], ctx + ".type");
      if (type != "string" && type != "list") fail(node["type"], ctx + ".type: '" + type + "' is not string or list");
      v.list = type == "list";
    }
    return v;
  }

 private:
  fs::path m_file;
};

}  // namespace

const Variable* Template::find_variable(const std::string& name) const {
  for (const auto& v : variables) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

Template load_template(const fs::path& dir_in) {
  fs::path dir = fs::absolute(dir_in).lexically_normal();
  if (!dir.empty() && dir.filename().empty()) dir = dir.parent_path();
  fs::path file = dir / "template.yaml";
  if (!fs::is_regular_file(file)) throw usage_error("not a template", dir.string(), "no template.yaml in it");
  Reader r{file};
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw usage_error("invalid template.yaml",
                      file.string() + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1),
                      e.msg);
  }
  if (!root.IsMap()) r.fail(root, "expected a map with name, description, language, variables, hooks");
  r.check_keys(root, {"name", "description", "language", "variables", "hooks", "verbatim"}, "");
  Template t;
  t.dir = dir;
  if (!root["name"]) r.fail(root, "missing 'name'");
  t.name = r.scalar(root["name"], "name");
  static const std::regex k_template_name{"[a-z0-9][a-z0-9._-]*"};
  if (!std::regex_match(t.name, k_template_name)) {
    r.fail(root["name"], "name: '" + t.name + "' is not a valid template name (lowercase letters, digits, '-', '.', '_')");
  }
  if (root["description"]) t.description = r.scalar(root["description"], "description");
  if (root["language"]) t.language = r.scalar(root["language"], "language");
  if (const auto vars = root["variables"]) {
    if (!vars.IsMap() && !vars.IsNull()) r.fail(vars, "variables: expected a map of name: {description, default, ...}");
    for (const auto& kv : vars) t.variables.push_back(r.variable(kv.first, kv.second));
  }
  if (const auto hooks = root["hooks"]) {
    if (!hooks.IsMap()) r.fail(hooks, "hooks: expected a map with post_generate");
    r.check_keys(hooks, {"post_generate"}, "hooks: ");
    if (hooks["post_generate"]) t.post_generate = r.strings(hooks["post_generate"], "hooks.post_generate");
  }
  if (root["verbatim"]) t.verbatim = r.strings(root["verbatim"], "verbatim");
  if (!fs::is_directory(t.files_dir())) throw usage_error("invalid template", dir.string(), "no files/ directory");
  return t;
}

}  // namespace ftgo::scaffold
