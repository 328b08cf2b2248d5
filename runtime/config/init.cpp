#include "config/init.hpp"

#include <fstream>
#include <sstream>

#include "config/yaml_reader.hpp"
#include "util/error.hpp"

namespace ftgo::config {

namespace {

// Writes `text` to `file` through a temporary file and a rename.
void write_atomically(const fs::path& file, const std::string& text) {
  fs::path tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw failure("cannot write", tmp.string(), "write failed (disk full or no permission?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw failure("cannot write", file.string(), ec.message());
  }
}

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l == line || l == "/" + line || l == line.substr(0, line.size() - 1)) return true;
  }
  return false;
}

}  // namespace

std::string default_workspace_name(const fs::path& dir) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(dir), ec);
  std::string base = (ec ? fs::absolute(dir) : abs).filename().string();
  std::string name;
  for (char c : base) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    name += ok ? c : '-';
  }
  while (!name.empty() && (name[0] == '-' || name[0] == '.')) name.erase(0, 1);
  return name.empty() ? "workspace" : name;
}

std::string workspace_template(const std::string& name) {
  return "# The ftgo workspace: Kafka and the services `ftgo run` starts.\n"
         "name: " + name + "\n"
         "kafka:\n"
         "  mode: embedded          # embedded (default) | apache | external\n"
         "  port: 9092              # the local broker listens on 127.0.0.1:9092\n"
         "  data: .ftgo/kafka       # its data directory, relative to this file\n"
         "  # bootstrap: host:9092  # with mode: external; librdkafka settings go under properties:\n"
         "  topics: []              # created at start when missing, e.g.\n"
         "  #  - {name: order-events, partitions: 3}\n"
         "services: {}              # each a directory holding a service.yaml, e.g.\n"
         "#  order-service: {path: services/order-service}\n"
         "# Add one with: ftgo new order-service --template <template>   (ftgo templates lists them)\n";
}

InitResult init_workspace(const fs::path& dir, const std::string& name_in) {
  std::error_code ec;
  InitResult result;
  result.root = fs::absolute(dir).lexically_normal();
  if (result.root.filename().empty()) result.root = result.root.parent_path();
  result.name = name_in.empty() ? default_workspace_name(result.root) : name_in;
  if (!detail::is_valid_name(result.name)) {
    throw usage_error("bad workspace name", result.name,
                      "use letters, digits, '.', '_' and '-' (not starting with '.' or '-')");
  }
  fs::path yaml = result.root / "ftgo.yaml";
  if (fs::exists(yaml, ec) || fs::is_symlink(yaml, ec)) {
    throw usage_error("workspace exists", yaml.string(), "refusing to overwrite ftgo.yaml");
  }
  if (fs::exists(result.root, ec) && !fs::is_directory(result.root, ec)) {
    throw usage_error("cannot init", result.root.string(), "not a directory");
  }
  fs::create_directories(result.root, ec);
  if (ec) throw failure("cannot create directory", result.root.string(), ec.message());

  write_atomically(yaml, workspace_template(result.name));
  result.written.push_back(yaml);

  fs::path gitignore = result.root / ".gitignore";
  std::string existing;
  if (fs::exists(gitignore, ec)) {
    std::ifstream in(gitignore, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    existing = s.str();
  }
  if (!has_line(existing, ".ftgo/")) {
    if (!existing.empty() && existing.back() != '\n') existing += '\n';
    write_atomically(gitignore, existing + ".ftgo/\n");
    result.written.push_back(gitignore);
  }
  return result;
}

}  // namespace ftgo::config
