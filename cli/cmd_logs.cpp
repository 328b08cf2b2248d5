#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "commands.hpp"
#include "supervisor/control.hpp"
#include "supervisor/log_file.hpp"
#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::cli {

namespace fs = std::filesystem;

namespace {

struct LogsOptions {
  std::string service;
  bool follow = false;
  int lines = 100;
};

// Follows the file without a run: prints what is appended, reopening after a rotation.
[[noreturn]] void follow_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(0, std::ios::end);
  std::streamoff pos = in ? static_cast<std::streamoff>(in.tellg()) : 0;
  std::string partial;
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;
    if (st.st_size < pos) {  // rotated or truncated
      pos = 0;
    }
    if (st.st_size == pos) continue;
    std::ifstream f(path, std::ios::binary);
    f.seekg(pos);
    std::string chunk(static_cast<size_t>(st.st_size - pos), '\0');
    f.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<size_t>(f.gcount()));
    pos += static_cast<std::streamoff>(chunk.size());
    partial += chunk;
    size_t nl = partial.rfind('\n');
    if (nl != std::string::npos) {
      std::cout << partial.substr(0, nl + 1) << std::flush;
      partial.erase(0, nl + 1);
    }
  }
}

void run_logs(const Globals& g, const LogsOptions& opts) {
  fs::path root = g.workspace_root();
  if (opts.lines < 0) throw usage_error("bad -n", std::to_string(opts.lines), "must be 0 or more");
  fs::path log = root / ".ftgo" / "logs" / (opts.service + ".log");
  if (opts.service != "kafka" && !fs::exists(log)) {
    // Only a name the workspace knows is worth waiting for.
    config::Workspace ws = g.load_workspace();
    if (!ws.find_service(opts.service)) {
      std::vector<std::string> names{"kafka"};
      for (const auto& s : ws.services) names.push_back(s.name);
      throw usage_error("unknown service", opts.service,
                        "not in " + (root / "ftgo.yaml").string() + util::did_you_mean(opts.service, names));
    }
  }
  if (std::error_code ec; fs::exists(log, ec) && !fs::is_regular_file(log, ec)) {
    throw usage_error("cannot read log", log.string(), fs::is_directory(log, ec) ? "is a directory, not a file"
                                                                                 : "not a regular file");
  }
  if (supervisor::run_is_active(root)) {
    nlohmann::json req{{"cmd", "logs"}, {"service", opts.service}, {"lines", opts.lines}, {"follow", opts.follow}};
    bool first = true;
    supervisor::control_stream(root, req, [&](const nlohmann::json& r) {
      if (first) {
        first = false;
        if (!r.value("ok", false)) throw failure("logs", opts.service, r.value("error", "failed"));
        return true;
      }
      if (r.contains("line")) std::cout << r["line"].get<std::string>() << "\n" << std::flush;
      return true;
    });
    return;
  }
  for (const auto& line : supervisor::tail_lines(log, static_cast<size_t>(opts.lines))) std::cout << line << "\n";
  std::cout.flush();
  if (opts.follow) follow_file(log);
}

}  // namespace

void setup_logs(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<LogsOptions>();
  auto* cmd = app.add_subcommand("logs", "Show a service's output (from .ftgo/logs, also when nothing runs)");
  cmd->add_option("service", opts->service, "The service (or kafka)")->required();
  cmd->add_flag("-f,--follow", opts->follow, "Keep printing new lines");
  cmd->add_option("-n,--lines", opts->lines, "How many of the last lines to show (default 100)")
      ->check(whole_number(0, INT32_MAX));
  cmd->callback([&g, opts] { run_logs(g, *opts); });
}

}  // namespace ftgo::cli
