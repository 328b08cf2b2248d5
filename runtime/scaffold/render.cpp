#include "scaffold/render.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "scaffold/tag_scan.hpp"
#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::scaffold {

namespace mstch = kainjow::mustache;

namespace {

bool yaml_plain_safe(const std::string& s) {
  static const std::regex k_plain{"[a-z][a-z0-9._-]*"};
  static const std::vector<std::string> k_words{"true", "false", "null", "yes", "no", "on", "off", "y", "n"};
  return std::regex_match(s, k_plain) && std::find(k_words.begin(), k_words.end(), s) == k_words.end();
}

mstch::data to_data(const Values& values) {
  mstch::data d;
  for (const auto& v : values.entries) {
    if (!v.list) {
      d.set(v.name, v.text);
      continue;
    }
    mstch::data list{mstch::data::type::list};
    std::string yaml = "[";
    std::string csv;
    nlohmann::json json = nlohmann::json::array();
    for (std::size_t i = 0; i < v.items.size(); ++i) {
      const auto& item = v.items[i];
      list.push_back(mstch::data{item});
      yaml += (i ? ", " : "") + (yaml_plain_safe(item) ? item : nlohmann::json(item).dump());
      csv += (i ? "," : "") + item;
      json.push_back(item);
    }
    d.set(v.name, list);
    d.set(v.name + "_yaml", yaml + "]");
    d.set(v.name + "_json", json.dump());
    d.set(v.name + "_csv", csv);
    d.set(v.name + "_first", v.items.empty() ? std::string() : v.items.front());
  }
  return d;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw failure("cannot read template file", p.string(), std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_verbatim(const Template& t, const std::string& rel) {
  for (const auto& glob : t.verbatim) {
    if (fnmatch(glob.c_str(), rel.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0) return true;
  }
  return false;
}

// Every name a template may use: the values and, for each list, its derived names.
std::vector<std::string> known_names(const Values& values) {
  std::vector<std::string> names;
  for (const auto& v : values.entries) {
    names.push_back(v.name);
    if (!v.list) continue;
    for (const char* suffix : {"_yaml", "_json", "_csv", "_first"}) names.push_back(v.name + suffix);
  }
  return names;
}

// An undefined name is an error rather than an empty string: a typo in a
// template ({{nmae}}, or {{#use_kafak}}) must not become a service that
// silently lacks it. Sections too, even ones that would not render: every
// variable of template.yaml is defined (empty when not given), so an
// undefined section name is always a mistake.
void check_defined(const std::string& text, const Values& values, const std::string& where, bool lines) {
  auto known = known_names(values);
  auto tag = first_undefined(text, known);
  if (!tag) return;
  std::string at = lines ? where + ":" + std::to_string(tag->line) + ":" + std::to_string(tag->column) : where;
  std::string kind = tag->kind == '#' ? "section" : tag->kind == '^' ? "inverted section" : "variable";
  std::string head = tag->name.substr(0, tag->name.find('.'));
  std::string cause = tag->text + ": no variable named '" + head + "'";
  std::string hint = util::did_you_mean(head, known);
  if (hint.empty()) {
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    hint = " (declare it under variables: in template.yaml; defined: " + list + ")";
  }
  throw usage_error("undefined template " + kind, at, cause + hint);
}

}  // namespace

std::string render_text(const std::string& text, const Values& values, const std::string& where, bool lines) {
  mstch::mustache tmpl{text};
  if (!tmpl.is_valid()) throw usage_error("bad template", where, tmpl.error_message());
  check_defined(text, values, where, lines);
  tmpl.set_custom_escape([](const std::string& s) { return s; });
  return tmpl.render(to_data(values));
}

std::string unsafe_path_reason(const std::string& rendered) {
  if (rendered.empty()) return "renders to an empty path";
  if (rendered.find('\0') != std::string::npos) return "renders to a path with a NUL byte";
  if (rendered.front() == '/') return "renders to an absolute path '" + rendered + "'";
  std::size_t start = 0;
  while (start <= rendered.size()) {
    auto end = rendered.find('/', start);
    if (end == std::string::npos) end = rendered.size();
    std::string seg = rendered.substr(start, end - start);
    if (seg == "..") return "renders to '" + rendered + "', which leaves the target directory";
    if (seg.empty() || seg == ".") return "renders to '" + rendered + "', which has an empty or '.' segment";
    start = end + 1;
  }
  return "";
}

std::vector<PlannedFile> render_tree(const Template& t, const Values& values) {
  const fs::path root = t.files_dir();
  std::error_code ec;
  if (fs::symlink_status(root, ec).type() != fs::file_type::directory) {
    throw usage_error("unsafe template", root.string(), "files/ is not a plain directory");
  }
  auto data = to_data(values);
  std::vector<PlannedFile> out;
  std::map<std::string, fs::path> seen;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const auto type = it->symlink_status().type();
    const std::string rel = it->path().lexically_relative(root).generic_string();
    const std::string where = t.name + ": files/" + rel;
    const std::string file = it->path().string();
    if (type == fs::file_type::symlink) {
      throw usage_error("unsafe template file", where, "symbolic links are not allowed in a template's files/");
    }
    if (type == fs::file_type::directory) continue;
    if (type != fs::file_type::regular) throw usage_error("unsafe template file", where, "not a regular file");

    std::string rendered_path;
    std::size_t start = 0;
    while (start <= rel.size()) {
      auto end = rel.find('/', start);
      if (end == std::string::npos) end = rel.size();
      if (start) rendered_path += "/";
      rendered_path += render_text(rel.substr(start, end - start), values, where + " (path)");
      start = end + 1;
    }
    if (auto reason = unsafe_path_reason(rendered_path); !reason.empty()) {
      throw usage_error("unsafe template file", where, reason);
    }
    if (auto [pos, inserted] = seen.emplace(rendered_path, it->path()); !inserted) {
      throw usage_error("bad template", where,
                        "renders to '" + rendered_path + "', like files/" +
                            pos->second.lexically_relative(root).generic_string());
    }
    PlannedFile f;
    f.path = fs::path(rendered_path);
    f.source = it->path();
    std::string text = read_file(it->path());
    f.contents = is_verbatim(t, rel) ? text : render_text(text, values, file, true);
    f.executable = (it->status().permissions() & fs::perms::owner_exec) != fs::perms::none;
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

void write_tree(const fs::path& dir, const std::vector<PlannedFile>& files) {
  const auto dir_perms = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                         fs::perms::others_read | fs::perms::others_exec;
  const auto file_perms = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                          fs::perms::others_read;
  for (const auto& f : files) {
    fs::path target = dir / f.path;
    fs::create_directories(target.parent_path());
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out << f.contents;
    out.close();
    if (!out) throw failure("cannot write", target.string(), std::strerror(errno));
    fs::permissions(target, f.executable ? dir_perms : file_perms);
  }
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory()) fs::permissions(it->path(), dir_perms);
  }
  fs::permissions(dir, dir_perms);
}

}  // namespace ftgo::scaffold
