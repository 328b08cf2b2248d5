// ftgo.yaml (the workspace) and pipeline.yaml (one service's pipeline).
#include <set>

#include "config/parse_detail.hpp"
#include "config/yaml_reader.hpp"

namespace ftgo::config::detail {

namespace {

// inputs and artifacts name the service's own files: relative paths (or
// globs) that never climb out of its directory; checked here, with the line,
// before any stage runs.
void check_service_paths(const Reader& r, const YAML::Node& list, const std::string& path) {
  r.for_each_item(list, path, [&](std::size_t i, const YAML::Node& item) {
    const std::string s = item.Scalar();
    if (!s.empty() && s[0] == '/') {
      r.fail(item, index_path(path, i), "\"" + s + "\" must be a path relative to the service directory");
    }
    std::size_t start = 0;
    while (start <= s.size()) {
      std::size_t slash = s.find('/', start);
      if (s.substr(start, slash == std::string::npos ? std::string::npos : slash - start) == "..") {
        r.fail(item, index_path(path, i), "\"" + s + "\" climbs out of the service directory");
      }
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
  });
}

void read_topics(const Reader& r, const YAML::Node& node, Kafka& k) {
  std::set<std::string> names;
  r.for_each_item(node, "kafka.topics", [&](std::size_t i, const YAML::Node& item) {
    std::string path = index_path("kafka.topics", i);
    TopicSpec t;
    bool has_name = false;
    r.for_each(item, path, {"name", "partitions", "config"}, [&](const std::string& key, const YAML::Node&,
                                                                 const YAML::Node& value) {
      if (key == "name") {
        t.name = r.non_empty_string(value, join(path, key));
        if (!is_valid_name(t.name)) r.fail(value, join(path, key), "not a valid topic name (letters, digits, '.', '_', '-')");
        if (!names.insert(t.name).second) r.fail(value, join(path, key), "topic \"" + t.name + "\" is listed twice");
        has_name = true;
      } else if (key == "partitions") {
        t.partitions = static_cast<int>(r.integer(value, join(path, key), 1, 10'000));
      } else {
        t.config = r.string_map(value, join(path, key));
      }
    });
    if (!has_name) r.fail(item, join(path, "name"), "required key missing");
    k.topics.push_back(std::move(t));
  });
}

void read_kafka(const Reader& r, const YAML::Node& node, Kafka& k) {
  bool has_bootstrap = false;
  r.for_each(node, "kafka", {"mode", "port", "data", "bootstrap", "properties", "topics"},
             [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
               std::string path = join("kafka", key);
               if (key == "mode") {
                 std::string m = r.choice(value, path, {"embedded", "apache", "external"});
                 k.mode = m == "apache" ? KafkaMode::apache : m == "external" ? KafkaMode::external
                                                                               : KafkaMode::embedded;
               } else if (key == "port") {
                 k.port = r.port(value, path);
               } else if (key == "data") {
                 k.data = r.non_empty_string(value, path);
               } else if (key == "bootstrap") {
                 k.bootstrap = r.non_empty_string(value, path);
                 has_bootstrap = true;
               } else if (key == "properties") {
                 k.properties = r.string_map(value, path);
               } else {
                 read_topics(r, value, k);
               }
             });
  if (k.mode == KafkaMode::external && !has_bootstrap) {
    r.fail(node, "kafka.bootstrap", "required when kafka.mode is external (host:port[,host:port])");
  }
}

}  // namespace

Workspace parse_workspace(std::string_view text, const std::string& display, const fs::path& file,
                          WorkspaceMarks* marks) {
  Reader r(display, "ftgo.yaml");
  YAML::Node root = r.load(text);
  Workspace w;
  std::error_code ec;
  w.root = fs::absolute(file, ec).parent_path().lexically_normal();
  bool has_name = false;
  r.for_each(root, "", {"name", "kafka", "services"}, [&](const std::string& key, const YAML::Node&,
                                                          const YAML::Node& value) {
    if (key == "name") {
      w.name = r.non_empty_string(value, "name");
      has_name = true;
    } else if (key == "kafka") {
      read_kafka(r, value, w.kafka);
    } else {
      // Duplicate service names are duplicate keys: for_each rejects them.
      r.for_each(value, "services", {}, [&](const std::string& name, const YAML::Node& name_node,
                                            const YAML::Node& svc) {
        std::string path = join("services", name);
        if (!is_valid_name(name)) r.fail(name_node, path, "not a valid service name (letters, digits, '.', '_', '-')");
        ServiceRef ref{name, {}};
        bool has_path = false;
        if (svc.IsNull()) r.fail(name_node, join(path, "path"), "required key missing");
        r.for_each(svc, path, {"path"}, [&](const std::string&, const YAML::Node&, const YAML::Node& v) {
          ref.path = r.non_empty_string(v, join(path, "path"));
          has_path = true;
          if (marks) marks->service_path[name] = r.where(v);
        });
        if (!has_path) r.fail(svc, join(path, "path"), "required key missing");
        if (marks) marks->service_key[name] = r.where(name_node);
        w.service_refs.push_back(std::move(ref));
      });
    }
  });
  if (!has_name) w.name = w.root.filename().string();
  return w;
}

Pipeline parse_pipeline(std::string_view text, const std::string& display, const fs::path& file) {
  Reader r(display, "pipeline.yaml");
  YAML::Node root = r.load(text);
  Pipeline p;
  std::error_code ec;
  p.file = fs::absolute(file, ec).lexically_normal();
  bool has_stages = false;
  r.for_each(root, "", {"stages", "deploy"}, [&](const std::string& key, const YAML::Node&,
                                                 const YAML::Node& value) {
    if (key == "deploy") {
      r.for_each(value, "deploy", {"strategy", "health_timeout"},
                 [&](const std::string& k, const YAML::Node&, const YAML::Node& v) {
                   if (k == "strategy") {
                     p.deploy.strategy = r.choice(v, "deploy.strategy", {"blue-green", "restart"}) == "restart"
                                             ? DeploySpec::Strategy::restart
                                             : DeploySpec::Strategy::blue_green;
                   } else {
                     p.deploy.health_timeout = r.duration(v, "deploy.health_timeout");
                   }
                 });
      return;
    }
    has_stages = true;
    std::set<std::string> names;
    r.for_each_item(value, "stages", [&](std::size_t i, const YAML::Node& item) {
      std::string path = index_path("stages", i);
      Stage st;
      bool has_name = false;
      r.for_each(item, path, {"name", "run", "inputs", "env", "timeout", "artifacts"},
                 [&](const std::string& k, const YAML::Node&, const YAML::Node& v) {
                   std::string kp = join(path, k);
                   if (k == "name") {
                     st.name = r.non_empty_string(v, kp);
                     if (!is_valid_name(st.name)) r.fail(v, kp, "not a valid stage name (letters, digits, '.', '_', '-')");
                     if (!names.insert(st.name).second) r.fail(v, kp, "stage \"" + st.name + "\" is listed twice");
                     has_name = true;
                   } else if (k == "run") {
                     st.run = r.non_empty_string(v, kp);
                   } else if (k == "inputs") {
                     st.inputs = r.string_list(v, kp);
                     check_service_paths(r, v, kp);
                   } else if (k == "env") {
                     st.env = r.env_map(v, kp);
                   } else if (k == "timeout") {
                     st.timeout = r.duration(v, kp);
                   } else {
                     st.artifacts = r.string_list(v, kp);
                     check_service_paths(r, v, kp);
                   }
                 });
      if (!has_name) r.fail(item, join(path, "name"), "required key missing");
      if (st.run.empty() && st.artifacts.empty()) {
        r.fail(item, path, "needs run (a command) or artifacts (files to package)");
      }
      p.stages.push_back(std::move(st));
    });
    if (p.stages.empty()) r.fail(value, "stages", "needs at least one stage");
  });
  if (!has_stages) r.fail(root, "stages", "required key missing");
  return p;
}

}  // namespace ftgo::config::detail
