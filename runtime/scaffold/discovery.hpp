#pragma once
// Finding templates. The search path, first match wins:
//   1. each directory on FTGO_TEMPLATE_PATH (colon-separated), in order;
//   2. <prefix>/share/ftgo/templates, where <prefix> is the directory above
//      the one holding the running binary (/proc/self/exe), as installed;
//   3. <source tree>/templates (FTGO_SOURCE_DIR at build time), so a build
//      tree works without installing.
// Each search directory holds one folder per template (with template.yaml).
#include <filesystem>
#include <string>
#include <vector>

#include "scaffold/template.hpp"

namespace ftgo::scaffold {

// The search directories that exist, in order (see above).
std::vector<fs::path> template_search_path();

// A template that could not be loaded while listing.
struct BrokenTemplate {
  fs::path dir;
  std::string error;
};

// Every template on the search path, one per name (the first found), sorted
// by name; templates that fail to load go to `broken` when given.
std::vector<Template> list_templates(std::vector<BrokenTemplate>* broken = nullptr);

// `spec` is a template name, or a path when it contains '/' or starts with
// '.' (`./my-template`, `../t`, `/abs/t`). Throws ftgo::Error (usage) with a
// did-you-mean for an unknown name.
Template find_template(const std::string& spec);

}  // namespace ftgo::scaffold
