// service.yaml: how one service runs (see DESIGN.md, "Files a user writes").
#include <csignal>
#include <optional>
#include <regex>

#include "config/parse_detail.hpp"
#include "config/yaml_reader.hpp"

namespace ftgo::config::detail {

namespace {

const std::vector<std::string> k_service_keys{"name",   "run",     "port",    "env",
                                              "env_file", "depends_on", "health", "restart",
                                              "stop",   "publishes", "subscribes"};
const std::vector<std::string> k_health_kinds{"http", "tcp", "exec", "log"};
const std::vector<std::string> k_health_keys{"http",     "tcp",     "exec",    "log",
                                             "interval", "timeout", "retries", "initial_delay"};
const std::vector<std::string> k_conditions{"started", "healthy", "completed"};

struct SignalName {
  const char* name;
  int number;
};
const SignalName k_signals[] = {{"SIGTERM", SIGTERM}, {"SIGINT", SIGINT},   {"SIGQUIT", SIGQUIT},
                                {"SIGKILL", SIGKILL}, {"SIGHUP", SIGHUP},   {"SIGUSR1", SIGUSR1},
                                {"SIGUSR2", SIGUSR2}};

DependencyCondition to_condition(const std::string& s) {
  if (s == "healthy") return DependencyCondition::healthy;
  if (s == "completed") return DependencyCondition::completed;
  return DependencyCondition::started;
}

void read_run(const Reader& r, const YAML::Node& node, Service& s) {
  if (node.IsSequence()) {
    s.run = r.string_list(node, "run");
    s.run_is_shell = false;
    if (s.run.empty()) r.fail(node, "run", "the argv list must not be empty");
    return;
  }
  if (!node.IsScalar()) {
    r.fail(node, "run", "expected a command string or an argv list, got " + describe(node));
  }
  s.run = {r.non_empty_string(node, "run")};
  s.run_is_shell = true;
}

void read_depends_on(const Reader& r, const YAML::Node& node, Service& s, ServiceMarks* marks) {
  auto add = [&](const std::string& name, const YAML::Node& at, DependencyCondition c) {
    std::string path = join("depends_on", name);
    if (!is_valid_name(name)) r.fail(at, path, "not a valid service name");
    if (!s.depends_on.emplace(name, c).second) r.fail(at, path, "listed twice");
    if (marks) marks->dependency[name] = r.where(at);
  };
  if (marks) marks->depends_on = r.where(node);
  if (node.IsSequence()) {
    r.for_each_item(node, "depends_on", [&](std::size_t i, const YAML::Node& item) {
      add(r.non_empty_string(item, index_path("depends_on", i)), item, DependencyCondition::started);
    });
    return;
  }
  r.for_each(node, "depends_on", {}, [&](const std::string& key, const YAML::Node& key_node,
                                         const YAML::Node& value) {
    add(key, key_node, to_condition(r.choice(value, join("depends_on", key), k_conditions)));
  });
}

void read_health(const Reader& r, const YAML::Node& node, Service& s) {
  HealthCheck& h = s.health;
  std::string kind_key;
  r.for_each(node, "health", k_health_keys, [&](const std::string& key, const YAML::Node& key_node,
                                                const YAML::Node& value) {
    std::string path = join("health", key);
    if (key == "interval") h.interval = r.duration(value, path);
    else if (key == "timeout") h.timeout = r.duration(value, path);
    else if (key == "initial_delay") h.initial_delay = r.duration(value, path);
    else if (key == "retries") h.retries = static_cast<int>(r.integer(value, path, 1, 1000));
    else {
      if (!kind_key.empty()) {
        r.fail(key_node, path, "only one of http, tcp, exec or log may be given (" + kind_key +
                                   " is already set)");
      }
      kind_key = key;
      if (key == "http") {
        h.kind = HealthCheck::Kind::http;
        h.target = r.non_empty_string(value, path);
        if (h.target[0] != '/') r.fail(value, path, "expected a path starting with /, got " + describe(value));
      } else if (key == "tcp") {
        h.kind = HealthCheck::Kind::tcp;
        h.target = r.non_empty_string(value, path);
        if (h.target != "PORT") h.target = std::to_string(r.port(value, path));
      } else if (key == "exec") {
        h.kind = HealthCheck::Kind::exec;
        h.target = r.non_empty_string(value, path);
      } else {
        h.kind = HealthCheck::Kind::log;
        h.target = r.non_empty_string(value, path);
        try {
          if (h.target.size() > 1000) throw std::regex_error(std::regex_constants::error_complexity);
          std::regex re(h.target);
        } catch (const std::regex_error&) {
          r.fail(value, path, "not a valid regular expression: " + describe(value));
        }
      }
      bool needs_port = h.kind == HealthCheck::Kind::http ||
                        (h.kind == HealthCheck::Kind::tcp && h.target == "PORT");
      if (needs_port && !s.port && !s.port_auto) {
        r.fail(key_node, path, "needs the service's port (set port: auto or a number)");
      }
    }
  });
  if (!node.IsNull() && kind_key.empty()) {
    r.fail(node, "health", "needs one of http, tcp, exec or log");
  }
}

void read_restart(const Reader& r, const YAML::Node& node, Restart& rs) {
  auto policy = [&](const YAML::Node& v, const std::string& path) {
    std::string p = r.choice(v, path, {"no", "on-failure", "always"});
    rs.policy = p == "no" ? RestartPolicy::no : p == "always" ? RestartPolicy::always
                                                              : RestartPolicy::on_failure;
  };
  if (node.IsScalar()) return policy(node, "restart");
  std::optional<YAML::Node> max_node;
  r.for_each(node, "restart", {"policy", "max_restarts", "backoff", "max_backoff"},
             [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
               std::string path = join("restart", key);
               if (key == "policy") {
                 policy(value, path);
               } else if (key == "max_restarts") {
                 rs.max_restarts = static_cast<int>(r.integer(value, path, 0, 1'000'000));
               } else if (key == "backoff") {
                 rs.backoff = r.duration(value, path);
               } else {
                 rs.max_backoff = r.duration(value, path);
                 max_node = value;
               }
             });
  if (max_node && rs.max_backoff < rs.backoff) {
    r.fail(*max_node, "restart.max_backoff", "is shorter than restart.backoff");
  }
}

void read_stop(const Reader& r, const YAML::Node& node, Stop& st) {
  r.for_each(node, "stop", {"signal", "timeout"}, [&](const std::string& key, const YAML::Node&,
                                                      const YAML::Node& value) {
    std::string path = join("stop", key);
    if (key == "timeout") {
      st.timeout = r.duration(value, path);
      return;
    }
    std::string text = r.non_empty_string(value, path);
    if (text[0] >= '0' && text[0] <= '9') {
      st.signal = static_cast<int>(r.integer(value, path, 1, 64));
      return;
    }
    std::vector<std::string> names;
    for (const auto& sig : k_signals) {
      names.push_back(sig.name);
      if (text == sig.name || "SIG" + text == sig.name) return void(st.signal = sig.number);
    }
    r.choice(value, path, names);
  });
}

}  // namespace

Service parse_service(std::string_view text, const std::string& display, const fs::path& file,
                      ServiceMarks* marks) {
  Reader r(display, "service.yaml");
  YAML::Node root = r.load(text);
  Service s;
  std::error_code ec;
  s.dir = fs::absolute(file, ec).parent_path().lexically_normal();
  // Port first: health checks depend on it.
  const YAML::Node& croot = root;
  if (YAML::Node port = croot["port"]) {
    if (port.IsScalar() && port.Scalar() == "auto") s.port_auto = true;
    else if (!port.IsNull()) s.port = r.port(port, "port");
  }
  bool has_name = false, has_run = false;
  r.for_each(root, "", k_service_keys, [&](const std::string& key, const YAML::Node&,
                                           const YAML::Node& value) {
    if (key == "name") {
      s.name = r.non_empty_string(value, "name");
      if (!is_valid_name(s.name)) r.fail(value, "name", "not a valid service name (letters, digits, '.', '_', '-')");
      if (marks) marks->name = r.where(value);
      has_name = true;
    } else if (key == "run") {
      read_run(r, value, s);
      has_run = true;
    } else if (key == "env") {
      s.env = r.env_map(value, "env");
    } else if (key == "env_file") {
      s.env_file = (s.dir / r.non_empty_string(value, "env_file")).lexically_normal();
    } else if (key == "depends_on") {
      read_depends_on(r, value, s, marks);
    } else if (key == "health") {
      read_health(r, value, s);
    } else if (key == "restart") {
      read_restart(r, value, s.restart);
    } else if (key == "stop") {
      read_stop(r, value, s.stop);
    } else if (key == "publishes" || key == "subscribes") {
      auto topics = r.string_list(value, key);
      for (std::size_t i = 0; i < topics.size(); ++i) {
        if (!is_valid_name(topics[i])) r.fail(value[i], index_path(key, i), "not a valid topic name");
      }
      (key == "publishes" ? s.publishes : s.subscribes) = std::move(topics);
    }
  });
  if (!has_name) r.fail(root, "name", "required key missing");
  if (!has_run) r.fail(root, "run", "required key missing (the command that starts the service)");
  return s;
}

}  // namespace ftgo::config::detail
