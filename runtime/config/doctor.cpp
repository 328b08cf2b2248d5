#include "config/doctor.hpp"

#include <unistd.h>

#include <fstream>
#include <set>

#include "config/loader.hpp"
#include "util/error.hpp"

namespace ftgo::config {

namespace {

using Status = Check::Status;

Check ok(std::string name, std::string detail) { return {std::move(name), Status::ok, std::move(detail), ""}; }
Check bad(std::string name, std::string detail, std::string fix, Status s = Status::fail) {
  return {std::move(name), s, std::move(detail), std::move(fix)};
}

fs::path absolute_in(const fs::path& root, const fs::path& p) { return p.is_absolute() ? p : (root / p).lexically_normal(); }

// What an ftgo process listening on the Kafka port is, relative to workspace
// `w`: "" when it is w's own broker (`ftgo run` or `ftgo broker` on w's data),
// else a description of whose it is.
std::string describe_ftgo_listener(const Workspace& w, const probe::ProcessInfo& p) {
  std::string dash_c, data, verb;
  for (std::size_t i = 1; i < p.argv.size(); ++i) {
    const std::string& a = p.argv[i];
    auto value = [&](const std::string& flag, std::string& out) {
      if (a == flag && i + 1 < p.argv.size()) return out = p.argv[++i], true;
      if (a.rfind(flag + "=", 0) == 0) return out = a.substr(flag.size() + 1), true;
      return false;
    };
    if (value("-C", dash_c) || value("--data", data)) continue;
    std::string ignored;
    if (value("--brokers", ignored) || value("--port", ignored) || value("--host", ignored)) continue;
    if (verb.empty() && !a.empty() && a[0] != '-') verb = a;
  }
  fs::path start = dash_c.empty() ? p.cwd : absolute_in(p.cwd, dash_c);
  auto their_root = find_workspace_root(start);
  std::error_code ec;
  auto same = [&](const fs::path& a, const fs::path& b) {
    return fs::weakly_canonical(a, ec) == fs::weakly_canonical(w.root / b, ec);
  };
  std::string pid = " (pid " + std::to_string(p.pid) + ")";
  if (verb == "broker") {
    fs::path their_data;
    if (!data.empty()) {
      their_data = absolute_in(p.cwd, data);
    } else {
      try {
        their_data = broker_place(their_root, start).data;
      } catch (const Error&) {  // their ftgo.yaml does not load: they did not start either
        their_data = (their_root ? *their_root : start) / ".ftgo" / "kafka";
      }
    }
    if (same(their_data, w.kafka.data)) return "";
    return "an `ftgo broker` with another data directory, " + their_data.string() + pid;
  }
  if (their_root && same(*their_root, ".")) return verb == "run" ? "" : "`ftgo " + verb + "` of this workspace" + pid;
  return "`ftgo " + verb + "` of " + (their_root ? "the workspace " + their_root->string() : "no workspace") + pid;
}

void check_local_kafka(const Workspace& w, long run_pid, std::vector<Check>& out) {
  const std::string addr = "127.0.0.1:" + std::to_string(w.kafka.port);
  if (probe::port_free("127.0.0.1", w.kafka.port)) {
    out.push_back(ok("kafka port", addr + " is free for the " + to_string(w.kafka.mode) + " broker"));
    return;
  }
  const std::string fix = "stop it, or set kafka.port in ftgo.yaml to a free port";
  auto listener = probe::listener_on(w.kafka.port);
  if (listener && listener->exe.filename() == "ftgo") {
    std::string whose = describe_ftgo_listener(w, *listener);
    if (whose.empty()) {
      out.push_back(ok("kafka port", addr + " is served by this workspace's ftgo (pid " +
                                         std::to_string(listener->pid) + ")"));
    } else {
      out.push_back(bad("kafka port", addr + " is in use by " + whose, fix));
    }
    return;
  }
  bool kafka = probe::kafka_answers("127.0.0.1", w.kafka.port, 1000);
  if (run_pid > 0 && kafka && !listener) {
    out.push_back(ok("kafka port", addr + " is served by this workspace's `ftgo run` (pid " +
                                       std::to_string(run_pid) + ")"));
    return;
  }
  std::string who = listener ? " (pid " + std::to_string(listener->pid) + ", " + listener->exe.string() + ")" : "";
  out.push_back(bad("kafka port",
                    addr + " is in use by " +
                        (kafka ? "a Kafka broker that is not this workspace's" : std::string("another program (not Kafka)")) + who,
                    fix));
}

void check_brokers(const std::string& bootstrap, const std::string& source, std::vector<Check>& out) {
  std::size_t start = 0;
  while (start <= bootstrap.size()) {
    std::size_t end = bootstrap.find(',', start);
    if (end == std::string::npos) end = bootstrap.size();
    std::string hp = bootstrap.substr(start, end - start);
    start = end + 1;
    if (hp.empty()) continue;
    std::size_t colon = hp.rfind(':');
    std::string host = colon == std::string::npos ? hp : hp.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    int port = 9092;
    if (colon != std::string::npos) {
      try {
        port = std::stoi(hp.substr(colon + 1));
      } catch (const std::exception&) {
        port = -1;
      }
    }
    if (port < 1 || port > 65535) {
      out.push_back(bad("kafka broker", "\"" + hp + "\" is not host:port", "fix " + source));
    } else if (probe::tcp_connect(host, port, 2000)) {
      out.push_back(ok("kafka broker", hp + " is reachable"));
    } else {
      out.push_back(bad("kafka broker", hp + " does not accept connections",
                        "start it, or fix " + source + " (check the host, port and network)"));
    }
  }
}

void check_data_dir(const Workspace& w, std::vector<Check>& out) {
  fs::path dir = absolute_in(w.root, w.kafka.data);
  std::error_code ec;
  fs::path probe_dir = dir;
  while (!fs::exists(probe_dir, ec) && probe_dir.has_parent_path() && probe_dir.parent_path() != probe_dir)
    probe_dir = probe_dir.parent_path();
  if (!fs::is_directory(probe_dir, ec)) {
    out.push_back(bad("kafka data", probe_dir.string() + " is not a directory",
                      "remove it, or set kafka.data in ftgo.yaml"));
  } else if (::access(probe_dir.c_str(), W_OK | X_OK) != 0) {
    out.push_back(bad("kafka data", probe_dir.string() + " is not writable",
                      "chmod u+w " + probe_dir.string() + ", or set kafka.data in ftgo.yaml"));
  } else {
    out.push_back(ok("kafka data", dir.string() + (probe_dir == dir ? " is writable" : " can be created")));
  }
}

const std::set<std::string> k_shell_builtins{"cd", "exec", "export", ".", "source", "set", "true", "false",
                                             "[", "test", "echo", "printf", "sleep", "env", "while", "for",
                                             "if", "(", "{", "trap", "wait", "read", "eval", "umask"};

void check_service(const Service& s, std::vector<Check>& out) {
  std::string name = "service " + s.name;
  std::string program = s.run_is_shell ? probe::first_word(s.run.front()) : s.run.front();
  if (program.empty() || (s.run_is_shell && k_shell_builtins.count(program))) {
    out.push_back(ok(name, "runs a shell command"));
    return;
  }
  if (program.find('/') != std::string::npos) {
    fs::path p = absolute_in(s.dir, program);
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      out.push_back(bad(name, p.string() + " does not exist yet",
                        "build it (its pipeline builds it: ftgo deploy " + s.name + ")", Status::warn));
    } else if (!fs::is_regular_file(p, ec) || ::access(p.c_str(), X_OK) != 0) {
      out.push_back(bad(name, p.string() + " is not an executable file", "chmod +x " + p.string()));
    } else {
      out.push_back(ok(name, "runs " + p.string()));
    }
    return;
  }
  if (auto found = probe::find_on_path(program)) {
    out.push_back(ok(name, "runs " + program + " (" + found->string() + ")"));
  } else {
    out.push_back(bad(name, program + " is not on PATH",
                      "install " + program + ", or fix run: in " + (s.dir / "service.yaml").string()));
  }
}

bool mentions(const std::string& text, const std::string& word) {
  std::size_t pos = 0;
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; };
  while ((pos = text.find(word, pos)) != std::string::npos) {
    bool left = pos == 0 || !is_word(text[pos - 1]);
    bool right = pos + word.size() >= text.size() || !is_word(text[pos + word.size()]);
    if (left && right) return true;
    pos += word.size();
  }
  return false;
}

// Tools the services build or run with, each with why it is needed.
void check_tools(const Workspace& w, std::vector<Check>& out) {
  struct Need {
    std::string tool;
    std::vector<std::string> files;     // a service dir holding one of these needs the tool
    std::vector<std::string> commands;  // a run or stage mentioning one of these needs it
  };
  const Need needs[] = {
      {"git", {".git"}, {"git"}},
      {"cmake", {"CMakeLists.txt"}, {"cmake", "ctest"}},
      {"python3", {"requirements.txt", "pyproject.toml", "setup.py"}, {"python3", "python", "pip", "pip3"}},
      {"node", {"package.json"}, {"node", "npm", "npx"}},
  };
  for (const auto& need : needs) {
    std::set<std::string> why;
    std::error_code ec;
    if (need.tool == "git" && fs::exists(w.root / ".git", ec)) why.insert("the workspace");
    for (const auto& s : w.services) {
      for (const auto& f : need.files)
        if (fs::exists(s.dir / f, ec)) why.insert(s.name);
      std::vector<std::string> commands = s.run;
      if (auto it = w.pipelines.find(s.name); it != w.pipelines.end())
        for (const auto& st : it->second.stages) commands.push_back(st.run);
      for (const auto& c : commands)
        for (const auto& word : need.commands)
          if (mentions(c, word)) why.insert(s.name);
    }
    if (why.empty()) continue;
    std::string users;
    for (const auto& u : why) users += (users.empty() ? "" : ", ") + u;
    if (auto found = probe::find_on_path(need.tool)) {
      out.push_back(ok("tool " + need.tool, found->string() + " (needed by " + users + ")"));
    } else {
      out.push_back(bad("tool " + need.tool, "not on PATH (needed by " + users + ")",
                        "install it (Debian: apt-get install " +
                            std::string(need.tool == "node" ? "nodejs" : need.tool) + ")"));
    }
  }
}

}  // namespace

std::string to_string(Check::Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::warn: return "warn";
    case Status::fail: return "FAIL";
  }
  return "?";
}

std::vector<Check> run_doctor(const std::optional<fs::path>& root, const fs::path& start_dir,
                              const std::string& brokers, long run_pid) {
  std::vector<Check> out;
  if (!root) {
    out.push_back(bad("workspace", "no ftgo.yaml in " + start_dir.string() + " or any parent directory",
                      "run 'ftgo init' to create one, or use -C DIR"));
    return out;
  }
  Workspace w;
  try {
    w = load_workspace(*root);
  } catch (const Error& e) {
    out.push_back(bad("workspace", e.what(), "correct the file at the place named"));
    out.back().exit_code = static_cast<int>(e.code());
    return out;
  }
  out.push_back(ok("workspace", (w.root / "ftgo.yaml").string() + " loads (" + w.name + ", " +
                                    std::to_string(w.services.size()) +
                                    (w.services.size() == 1 ? " service)" : " services)")));
  if (run_pid > 0) out.push_back(ok("ftgo run", "running in this workspace (pid " + std::to_string(run_pid) + ")"));
  if (!brokers.empty()) check_brokers(brokers, "--brokers / FTGO_BROKERS", out);
  else if (w.kafka.mode == KafkaMode::external) check_brokers(w.kafka.bootstrap, "kafka.bootstrap in ftgo.yaml", out);
  else check_local_kafka(w, run_pid, out);
  if (w.kafka.mode != KafkaMode::external) check_data_dir(w, out);
  for (const auto& s : w.services) check_service(s, out);
  check_tools(w, out);
  return out;
}

}  // namespace ftgo::config
