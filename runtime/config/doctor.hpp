#pragma once
// `ftgo doctor`: checks what a workspace needs — that its files load, that
// the Kafka port is free (or held by this workspace's own `ftgo run`) or the
// external brokers answer, that the data directory is writable, and that the
// programs its services run and build with are installed. Each check says
// what it found and, when something is wrong, how to fix it.
// Plain functions; they block for at most a few seconds (TCP connects).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ftgo::config {

struct Check {
  enum class Status { ok, warn, fail };  // warn: worth knowing, not an error
  std::string name;    // e.g. "workspace", "kafka port", "service order-service"
  Status status = Status::ok;
  std::string detail;  // what was found
  std::string fix;     // how to fix it (empty when ok)
  int exit_code = 1;   // when failed: 2 when the cause is bad input (the workspace files)
};

std::string to_string(Check::Status s);

// Runs every check for the workspace at `root` (nullopt: none was found from
// `start_dir`). `brokers` overrides the Kafka address to check (--brokers).
// `run_pid`: the pid of the workspace's running `ftgo run` (0: none); the
// caller asks the supervisor (supervisor::running_pid), which owns the pid
// file — config may not depend on supervisor.
std::vector<Check> run_doctor(const std::optional<std::filesystem::path>& root,
                              const std::filesystem::path& start_dir, const std::string& brokers,
                              long run_pid = 0);

// Probes, exposed for tests.
namespace probe {
// True when nothing listens on host:port (a bind succeeds).
bool port_free(const std::string& host, int port);
// True when a TCP connection to host:port succeeds within timeout_ms.
bool tcp_connect(const std::string& host, int port, int timeout_ms);
// True when whatever listens on host:port answers a Kafka ApiVersions request.
bool kafka_answers(const std::string& host, int port, int timeout_ms);
// The absolute path of an executable `name` on PATH, if any.
std::optional<std::filesystem::path> find_on_path(const std::string& name);
// A process as /proc shows it.
struct ProcessInfo {
  long pid = 0;
  std::vector<std::string> argv;
  std::filesystem::path cwd;
  std::filesystem::path exe;
};
// The process listening on 127.0.0.1:port (or any address), when visible.
std::optional<ProcessInfo> listener_on(int port);
// The program a `run:` command starts: the first word that is not VAR=value.
std::string first_word(const std::string& shell_command);
}  // namespace probe

}  // namespace ftgo::config
