#pragma once
// A template: a folder with template.yaml and a files/ tree (format in
// templates/README.md). load_template() reads and validates template.yaml;
// the files are only read when a service is generated (render.hpp).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ftgo::scaffold {

namespace fs = std::filesystem;

// One entry under `variables:` in template.yaml.
struct Variable {
  std::string name;
  std::string description;
  std::optional<std::string> default_value;  // may use the derived names, e.g. "{{name}}-events"
  std::string pattern;                       // ECMAScript regex the whole value must match (each item for lists)
  std::vector<std::string> choices;          // allowed values (each item for lists); empty = any
  bool required = false;                     // a value must be given when there is no default
  bool list = false;                         // `type: list`: comma-separated in --set
};

// A loaded template.yaml. Plain value; lives as long as its caller keeps it.
struct Template {
  std::string name;
  std::string description;
  std::string language;
  fs::path dir;                              // absolute folder holding template.yaml
  std::vector<Variable> variables;           // in file order
  std::vector<std::string> post_generate;    // shell commands run in the generated dir
  std::vector<std::string> verbatim;         // globs (relative to files/) copied without rendering

  fs::path files_dir() const { return dir / "files"; }
  const Variable* find_variable(const std::string& name) const;
};

// Reads dir/template.yaml. Throws ftgo::Error (usage) naming file:line:col.
Template load_template(const fs::path& dir);

}  // namespace ftgo::scaffold
