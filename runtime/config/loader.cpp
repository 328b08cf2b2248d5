#include "config/loader.hpp"

#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "config/parse_detail.hpp"
#include "config/yaml_reader.hpp"
#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::config {

namespace {

// What messages call a file: relative to the current directory when inside it.
std::string display_path(const fs::path& p) {
  if (p.is_relative()) return p.string();
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (ec) return p.string();
  fs::path rel = p.lexically_relative(cwd);
  if (rel.empty() || *rel.begin() == "..") return p.string();
  return rel.string();
}

std::string read_file(const fs::path& file, const std::string& kind) {
  std::error_code ec;
  std::string display = display_path(file);
  if (!fs::exists(file, ec)) throw usage_error("missing " + kind, display, "no such file");
  if (!fs::is_regular_file(file, ec)) throw usage_error("invalid " + kind, display, "not a regular file");
  auto size = fs::file_size(file, ec);
  if (!ec && size > detail::k_max_file_size) {
    throw usage_error("invalid " + kind, display,
                      "file too large (" + std::to_string(size) + " bytes; the limit is 1 MiB)");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw usage_error("invalid " + kind, display, "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Converts any stray yaml-cpp exception into ftgo::Error (none should get here).
template <typename F>
auto guarded(const std::string& kind, const std::string& display, F&& f) {
  try {
    return f();
  } catch (const YAML::Exception& e) {
    detail::Reader r(display, kind);
    r.fail_at(r.where(e.mark), "", "YAML error: " + e.msg);
  }
}

void check_dependencies(const Workspace& w, const std::map<std::string, detail::ServiceMarks>& marks) {
  std::vector<std::string> names;
  for (const auto& s : w.services) names.push_back(s.name);
  auto fail_dep = [&](const Service& s, const std::string& dep, const std::string& msg) {
    throw usage_error("invalid service.yaml", marks.at(s.name).dependency.at(dep), "depends_on." + dep + ": " + msg);
  };
  for (const auto& s : w.services) {
    for (const auto& [dep, cond] : s.depends_on) {
      (void)cond;
      if (!w.find_service(dep)) {
        fail_dep(s, dep, "unknown service \"" + dep + "\"" + util::did_you_mean(dep, names) +
                             " (services in ftgo.yaml: " + [&] {
                               std::string all;
                               for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
                               return all.empty() ? std::string("none") : all;
                             }() + ")");
      }
    }
  }
  // Depth-first search in file order; a grey node reached again closes a cycle.
  std::map<std::string, int> color;  // 0 white, 1 grey, 2 black
  std::vector<std::string> stack;
  std::function<void(const Service&)> visit = [&](const Service& s) {
    color[s.name] = 1;
    stack.push_back(s.name);
    for (const auto& [dep, cond] : s.depends_on) {
      (void)cond;
      if (color[dep] == 1) {
        auto from = std::find(stack.begin(), stack.end(), dep);
        std::string cycle;
        for (auto it = from; it != stack.end(); ++it) cycle += *it + " -> ";
        fail_dep(s, dep, "dependency cycle " + cycle + dep);
      }
      if (color[dep] == 0) visit(*w.find_service(dep));
    }
    stack.pop_back();
    color[s.name] = 2;
  };
  for (const auto& s : w.services)
    if (color[s.name] == 0) visit(s);
}

}  // namespace

std::optional<fs::path> find_workspace_root(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(fs::absolute(start), ec);
  if (ec) dir = fs::absolute(start);
  while (true) {
    if (fs::is_regular_file(dir / "ftgo.yaml", ec)) return dir;
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

Workspace parse_workspace(std::string_view text, const fs::path& name) {
  return guarded("ftgo.yaml", name.string(),
                 [&] { return detail::parse_workspace(text, name.string(), name, nullptr); });
}

Service parse_service(std::string_view text, const fs::path& name) {
  return guarded("service.yaml", name.string(),
                 [&] { return detail::parse_service(text, name.string(), name, nullptr); });
}

Pipeline parse_pipeline(std::string_view text, const fs::path& name) {
  return guarded("pipeline.yaml", name.string(), [&] { return detail::parse_pipeline(text, name.string(), name); });
}

Service load_service(const fs::path& service_yaml) {
  std::string text = read_file(service_yaml, "service.yaml");
  return parse_service(text, display_path(service_yaml));
}

Pipeline load_pipeline(const fs::path& pipeline_yaml) {
  std::string text = read_file(pipeline_yaml, "pipeline.yaml");
  std::string display = display_path(pipeline_yaml);
  return guarded("pipeline.yaml", display, [&] { return detail::parse_pipeline(text, display, pipeline_yaml); });
}

Workspace load_workspace_file(const fs::path& root) {
  fs::path file = fs::absolute(root) / "ftgo.yaml";
  std::string text = read_file(file, "ftgo.yaml");
  std::string display = display_path(file);
  return guarded("ftgo.yaml", display, [&] { return detail::parse_workspace(text, display, file, nullptr); });
}

BrokerPlace broker_place(const std::optional<fs::path>& root, const fs::path& cwd) {
  BrokerPlace place;
  Kafka defaults;
  if (!root) {
    place.data = cwd / defaults.data;
    return place;
  }
  Workspace w = load_workspace_file(*root);
  if (w.kafka.mode != KafkaMode::embedded) {
    place.data = w.root / defaults.data;
    return place;
  }
  place.port = w.kafka.port;
  place.data = w.kafka.data.is_absolute() ? w.kafka.data : (w.root / w.kafka.data).lexically_normal();
  return place;
}

Workspace load_workspace(const fs::path& root) {
  fs::path file = fs::absolute(root) / "ftgo.yaml";
  std::string text = read_file(file, "ftgo.yaml");
  std::string display = display_path(file);
  detail::WorkspaceMarks wmarks;
  Workspace w = guarded("ftgo.yaml", display, [&] { return detail::parse_workspace(text, display, file, &wmarks); });

  std::map<std::string, detail::ServiceMarks> smarks;
  for (const auto& ref : w.service_refs) {
    fs::path dir = (w.root / ref.path).lexically_normal();
    fs::path service_yaml = dir / "service.yaml";
    std::error_code ec;
    std::string path = "services." + ref.name + ".path";
    if (!fs::is_directory(dir, ec)) {
      throw usage_error("invalid ftgo.yaml", wmarks.service_path.at(ref.name),
                        path + ": no such directory \"" + ref.path.string() + "\"");
    }
    if (!fs::is_regular_file(service_yaml, ec)) {
      throw usage_error("invalid ftgo.yaml", wmarks.service_key.at(ref.name),
                        path + ": no service.yaml in \"" + ref.path.string() + "\" (looked for " +
                            display_path(service_yaml) + ")");
    }
    std::string stext = read_file(service_yaml, "service.yaml");
    std::string sdisplay = display_path(service_yaml);
    detail::ServiceMarks marks;
    Service s = guarded("service.yaml", sdisplay,
                        [&] { return detail::parse_service(stext, sdisplay, service_yaml, &marks); });
    if (s.name != ref.name) {
      throw usage_error("invalid service.yaml", marks.name,
                        "name: \"" + s.name + "\" does not match its key \"" + ref.name + "\" in ftgo.yaml (" +
                            wmarks.service_key.at(ref.name) + ")");
    }
    fs::path pipeline_yaml = dir / "pipeline.yaml";
    if (fs::exists(pipeline_yaml, ec)) w.pipelines.emplace(s.name, load_pipeline(pipeline_yaml));
    smarks.emplace(s.name, std::move(marks));
    w.services.push_back(std::move(s));
  }
  check_dependencies(w, smarks);
  return w;
}

}  // namespace ftgo::config
