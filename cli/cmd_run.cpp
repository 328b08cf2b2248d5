#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "config/loader.hpp"
#include "events/brokers.hpp"
#include "supervisor/control.hpp"
#include "supervisor/log_file.hpp"
#include "supervisor/run_lock.hpp"
#include "supervisor/supervisor.hpp"
#include "util/duration.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

namespace fs = std::filesystem;
namespace sv = ftgo::supervisor;

namespace {

struct RunOptions {
  std::vector<std::string> services;
  bool detach = false;
  std::string timeout = "120s";
  bool timeout_given = false;
};

// external/apache: the brokers must answer before anything starts.
void check_kafka(const config::Workspace& ws) {
  if (ws.kafka.mode == config::KafkaMode::embedded) return;
  events::Brokers brokers;
  brokers.bootstrap = ws.kafka.mode == config::KafkaMode::external ? ws.kafka.bootstrap
                                                                    : "127.0.0.1:" + std::to_string(ws.kafka.port);
  brokers.properties = ws.kafka.properties;
  if (!events::brokers_reachable(brokers, 5000)) {
    throw failure("kafka is not reachable", brokers.bootstrap,
                  "no broker answered (kafka.mode: " + config::to_string(ws.kafka.mode) + " in ftgo.yaml)");
  }
  if (!ws.kafka.topics.empty()) events::ensure_topics(brokers, ws.kafka.topics);
}

void print_last_lines(const fs::path& root, const std::string& service) {
  fs::path log = root / ".ftgo" / "logs" / (service + ".log");
  auto lines = sv::tail_lines(log, 10);
  if (lines.empty()) return;
  std::cerr << "last lines of " << log.string() << ":\n";
  for (const auto& l : lines) std::cerr << "  " << l << "\n";
}

std::string not_ready_list(const fs::path& root) {
  std::string out;
  try {
    auto reply = sv::control_request(root, {{"cmd", "ps"}}, 5000);
    for (const auto& s : reply.value("services", nlohmann::json::array())) {
      std::string state = s.value("state", "");
      std::string health = s.value("health", "");
      bool up = state == "completed" || state == "healthy" || (state == "running" && health == "none");
      if (!up) out += (out.empty() ? "" : ", ") + s.value("name", "?") + " (" + state + ")";
    }
  } catch (const Error&) {
  }
  return out;
}

// The parent of `run -d`: waits for the daemon's verdict on `fd`.
int wait_for_daemon(const fs::path& root, int fd, pid_t daemon, std::chrono::milliseconds timeout) {
  std::string data;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (data.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      std::string waiting = not_ready_list(root);
      std::cerr << "ftgo: error: not ready after " << util::format_duration(timeout) << ": " << root.string() << ": "
                << (waiting.empty() ? "still starting" : "waiting for " + waiting) << "\n";
      std::cerr << "the run goes on in the background (pid " << daemon << "); 'ftgo down' stops it\n";
      return 1;
    }
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  auto verdict = nlohmann::json::parse(data.substr(0, data.find('\n')), nullptr, false);
  if (verdict.is_discarded() || !verdict.is_object()) {
    std::cerr << "ftgo: error: the background run exited: " << root.string() << ": see .ftgo/logs/ftgo.log\n";
    print_last_lines(root, "ftgo");
    return 1;
  }
  if (verdict.value("ok", false)) {
    std::cerr << "ftgo: running in the background (pid " << daemon << "); 'ftgo ps' shows it, 'ftgo down' stops it\n";
    return 0;
  }
  std::string service = verdict.value("service", "");
  std::cerr << "ftgo: error: service did not start: " << service << ": " << verdict.value("reason", "") << "\n";
  print_last_lines(root, service);
  if (verdict.value("ends", false)) {
    // Nothing is left to run: wait for the daemon to let go of the workspace,
    // so a 'ftgo run' typed next does not find it still "running".
    int status = 0;
    while (::waitpid(daemon, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < deadline) {
      ::usleep(20 * 1000);
    }
    std::cerr << "the run ended: nothing is left running\n";
    return 1;
  }
  std::cerr << "the run goes on in the background (pid " << daemon << "); 'ftgo down' stops it\n";
  return 1;
}

int supervise(const config::Workspace& ws, const RunOptions& opts, sv::RunLock& lock, int ready_fd,
              const std::string& note) {
  sv::Supervisor::prepare_process();
  sv::RunOptions run;
  run.services = opts.services;
  run.colour = ready_fd < 0 && sv::Console::want_colour();
  if (ready_fd >= 0) {
    run.on_ready = [ready_fd](bool ok, const std::string& reason, const std::string& service, bool run_ends) {
      nlohmann::json v{{"ok", ok}, {"reason", reason}, {"service", service}, {"ends", run_ends}};
      std::string line = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      if (::write(ready_fd, line.data(), line.size()) < 0) {
      }
      ::close(ready_fd);
    };
  }
  int code = 1;
  {
    sv::Supervisor supervisor(ws, std::move(run));
    if (!note.empty()) std::cout << "ftgo: " << note << std::endl;
    code = supervisor.run();
  }
  lock.release();
  return code;
}

void run_run(const Globals& g, const RunOptions& opts) {
  if (opts.timeout_given && !opts.detach) throw usage_error("usage", "run --timeout", "--timeout goes with -d");
  config::Workspace ws = g.load_workspace();
  sv::Supervisor::validate(ws, opts.services);
  auto timeout = util::parse_duration(opts.timeout);
  if (!timeout) throw usage_error("bad --timeout", opts.timeout, "not a duration (e.g. 90s, 2m)");
  std::string note;
  sv::RunLock lock = sv::RunLock::acquire(ws.root, &note);
  check_kafka(ws);
  if (!opts.detach) {
    set_exit_code(supervise(ws, opts, lock, -1, note));
    return;
  }
  fs::path log = ws.root / ".ftgo" / "logs" / "ftgo.log";
  fs::create_directories(log.parent_path());
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw failure("cannot detach", ws.root.string(), std::strerror(errno));
  std::cout.flush();
  std::cerr.flush();
  pid_t pid = ::fork();
  if (pid < 0) throw failure("cannot detach", ws.root.string(), std::strerror(errno));
  if (pid == 0) {
    ::close(fds[0]);
    ::setsid();
    int null = ::open("/dev/null", O_RDONLY);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (null >= 0) ::dup2(null, 0);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    if (null > 2) ::close(null);
    if (out > 2) ::close(out);
    lock.write_pid(::getpid());
    int code = 1;
    try {
      code = supervise(ws, opts, lock, fds[1], note);
    } catch (const Error& e) {
      std::cerr << "ftgo: error: " << e.what() << "\n";
    }
    std::cout.flush();
    std::cerr.flush();
    ::_exit(code);
  }
  ::close(fds[1]);
  set_exit_code(wait_for_daemon(ws.root, fds[0], pid, *timeout));
  ::close(fds[0]);
}

}  // namespace

void setup_run(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Start the local Kafka and every service (or the named ones and what they need)");
  cmd->add_option("service", opts->services, "Services to start (with their dependencies); default: all");
  cmd->add_flag("-d,--detach", opts->detach, "Run in the background; return once every service is up");
  cmd->add_option("--timeout", opts->timeout, "With -d: how long to wait for every service (default 120s)")
      ->type_name("DURATION");
  cmd->callback([&g, opts, cmd] {
    opts->timeout_given = cmd->count("--timeout") > 0;
    run_run(g, *opts);
  });
}

}  // namespace ftgo::cli
