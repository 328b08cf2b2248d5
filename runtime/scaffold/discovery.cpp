#include "scaffold/discovery.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::scaffold {

namespace {

void add_dir(std::vector<fs::path>& out, const fs::path& dir) {
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return;
  fs::path canon = fs::weakly_canonical(dir, ec);
  if (ec) canon = dir;
  if (std::find(out.begin(), out.end(), canon) == out.end()) out.push_back(canon);
}

bool looks_like_path(const std::string& spec) {
  return spec.find('/') != std::string::npos || (!spec.empty() && spec[0] == '.');
}

// The template folders inside one search directory, sorted.
std::vector<fs::path> template_dirs(const fs::path& search_dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(search_dir, ec)) {
    if (entry.is_directory(ec) && fs::is_regular_file(entry.path() / "template.yaml", ec)) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<fs::path> template_search_path() {
  std::vector<fs::path> out;
  if (const char* env = std::getenv("FTGO_TEMPLATE_PATH")) {
    std::string paths = env;
    std::size_t start = 0;
    while (start <= paths.size()) {
      auto end = paths.find(':', start);
      if (end == std::string::npos) end = paths.size();
      add_dir(out, paths.substr(start, end - start));
      start = end + 1;
    }
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) add_dir(out, exe.parent_path().parent_path() / "share" / "ftgo" / "templates");
#ifdef FTGO_SOURCE_DIR
  add_dir(out, fs::path(FTGO_SOURCE_DIR) / "templates");
#endif
  return out;
}

std::vector<Template> list_templates(std::vector<BrokenTemplate>* broken) {
  std::map<std::string, Template> by_name;
  for (const auto& search_dir : template_search_path()) {
    for (const auto& dir : template_dirs(search_dir)) {
      try {
        Template t = load_template(dir);
        by_name.emplace(t.name, std::move(t));
      } catch (const Error& e) {
        if (broken) broken->push_back({dir, e.what()});
      }
    }
  }
  std::vector<Template> out;
  for (auto& [name, t] : by_name) out.push_back(std::move(t));
  return out;
}

Template find_template(const std::string& spec) {
  if (spec.empty()) throw usage_error("unknown template", "''", "empty template name");
  if (looks_like_path(spec)) {
    if (!fs::is_directory(spec)) throw usage_error("unknown template", spec, "no such directory");
    return load_template(spec);
  }
  std::vector<std::string> names;
  for (const auto& search_dir : template_search_path()) {
    for (const auto& dir : template_dirs(search_dir)) {
      if (dir.filename() == spec) {
        Template t = load_template(dir);
        if (t.name == spec) return t;
      }
    }
  }
  // Names may differ from folder names: look at every loadable template.
  for (auto& t : list_templates()) {
    if (t.name == spec) return t;
    names.push_back(t.name);
  }
  std::string cause = "no template named '" + spec + "'" + util::did_you_mean(spec, names);
  if (!names.empty()) {
    cause += "; available:";
    for (const auto& n : names) cause += " " + n;
  }
  throw usage_error("unknown template", spec, cause);
}

}  // namespace ftgo::scaffold
