#include "supervisor/environment.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include "util/error.hpp"

extern char** environ;

namespace ftgo::supervisor {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool valid_key(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front()))) return false;
  for (char c : key)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') return false;
  return true;
}

}  // namespace

Env parse_dotenv(std::string_view text, const std::string& name) {
  Env env;
  int line_no = 0;
  std::istringstream in{std::string(text)};
  for (std::string raw; std::getline(in, raw);) {
    ++line_no;
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    auto where = name + ":" + std::to_string(line_no);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) throw usage_error("invalid env_file", where, "expected KEY=VALUE");
    std::string key{trim(line.substr(0, eq))};
    if (!valid_key(key)) throw usage_error("invalid env_file", where, "bad variable name \"" + key + "\"");
    std::string_view value = trim(line.substr(eq + 1));
    std::string out;
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      char quote = value.front();
      size_t i = 1;
      bool closed = false;
      for (; i < value.size(); ++i) {
        char c = value[i];
        if (c == quote) {
          closed = true;
          break;
        }
        if (quote == '"' && c == '\\' && i + 1 < value.size()) {
          char n = value[++i];
          out += n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
        } else {
          out += c;
        }
      }
      if (!closed) throw usage_error("invalid env_file", where, "unterminated quote in " + key);
      std::string_view rest = trim(value.substr(i + 1));
      if (!rest.empty() && rest.front() != '#')
        throw usage_error("invalid env_file", where, "text after the closing quote of " + key);
    } else {
      size_t hash = value.find(" #");
      out = std::string(trim(value.substr(0, hash)));
    }
    env[key] = out;
  }
  return env;
}

std::string upper_snake(std::string_view name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(c)) : '_';
  return out;
}

Env process_environment() {
  Env env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  return env;
}

Env service_environment(const config::Service& svc, const EnvInputs& in) {
  Env env = process_environment();
  env["KAFKA_BOOTSTRAP_SERVERS"] = in.bootstrap;
  env["FTGO_SERVICE"] = svc.name;
  env["FTGO_WORKSPACE"] = in.workspace_root;
  for (const auto& [name, port] : in.ports) {
    if (name != svc.name) env[upper_snake(name) + "_URL"] = "http://127.0.0.1:" + std::to_string(port);
  }
  if (svc.env_file) {
    std::ifstream f(*svc.env_file, std::ios::binary);
    if (!f) throw usage_error("cannot read env_file", svc.env_file->string(), "no such file or not readable");
    std::stringstream ss;
    ss << f.rdbuf();
    for (auto& [k, v] : parse_dotenv(ss.str(), svc.env_file->string())) env[k] = v;
  }
  for (const auto& [k, v] : svc.env) env[k] = v;
  if (auto it = in.ports.find(svc.name); it != in.ports.end()) env["PORT"] = std::to_string(it->second);
  return env;
}

}  // namespace ftgo::supervisor
