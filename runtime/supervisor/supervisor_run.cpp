// Supervisor: the loop, signals, shutdown in reverse dependency order, and
// the control requests.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <csignal>

#include "supervisor/control.hpp"
#include "supervisor/control_server.hpp"
#include "supervisor/environment.hpp"
#include "supervisor/spawn.hpp"
#include "supervisor/supervisor.hpp"
#include "util/error.hpp"

namespace ftgo::supervisor {

namespace fs = std::filesystem;
using nlohmann::json;

void Supervisor::prepare_process() {
  ::signal(SIGPIPE, SIG_IGN);
  become_subreaper();
  start_guard();
}

void Supervisor::arm_signals() {
  m_signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (!m_interrupted) {
      m_interrupted = true;
      m_exit_code = sig == SIGINT ? 130 : 143;
      m_console->event("ftgo", std::string(sig == SIGINT ? "interrupted" : "terminated") +
                                   ": stopping every service (Ctrl-C again to kill)");
      begin_shutdown(true);
    } else {
      m_console->event("ftgo", "killing every service");
      force_kill();
    }
    arm_signals();
  });
}

int Supervisor::run() {
  m_signals.add(SIGINT);
  m_signals.add(SIGTERM);
  m_signals.add(SIGHUP);
  arm_signals();
  m_control = std::make_unique<ControlServer>(
      m_io, control_socket_path(m_ws.root),
      [this](const json& req, const std::shared_ptr<Connection>& conn) { handle(req, conn); });
  start_kafka();
  schedule();
  m_io.run();
  m_control.reset();
  for (pid_t pid : child_pids()) ::kill(pid, SIGKILL);  // orphans reparented to us
  m_reaper.reap();
  return m_exit_code;
}

void Supervisor::begin_shutdown(bool exit_after, std::function<void()> done) {
  if (exit_after) m_exit_after_stop = true;
  if (done) m_stop_all_waiters.push_back(std::move(done));
  m_shutting_down = true;
  shutdown_step();
}

void Supervisor::shutdown_step() {
  if (m_finished || !m_shutting_down || m_in_shutdown_step) return;
  m_in_shutdown_step = true;
  bool all_down = true;
  for (auto& u : m_units) {
    if (u->terminal()) continue;
    all_down = false;
    if (m_stop_requested.count(u->name())) continue;
    bool dependents_down = true;
    for (const auto& d : dependents_of(u->name())) {
      ServiceUnit* dep = find(d);
      if (dep && !dep->terminal()) dependents_down = false;
    }
    if (!dependents_down) continue;
    m_stop_requested.insert(u->name());
    u->stop([this](bool, std::string) { boost::asio::post(m_io, [this] { shutdown_step(); }); });
  }
  m_in_shutdown_step = false;
  if (!all_down) return;
  m_stop_requested.clear();
  m_shutting_down = false;
  auto waiters = std::move(m_stop_all_waiters);
  m_stop_all_waiters.clear();
  for (auto& w : waiters) w();
  if (m_exit_after_stop) finish();
}

void Supervisor::force_kill() {
  m_forced = true;
  for (auto& u : m_units) u->kill_now();
  auto timer = std::make_shared<boost::asio::steady_timer>(m_io, std::chrono::seconds(3));
  timer->async_wait([this, timer](const boost::system::error_code& ec) {
    if (!ec) finish();
  });
}

void Supervisor::finish() {
  if (m_finished) return;
  m_finished = true;
  m_control.reset();
  m_io.stop();
}

json Supervisor::ps() const {
  json services = json::array();
  for (const auto& u : m_units) {
    json s{{"name", u->name()},
           {"state", to_string(u->state())},
           {"pid", u->pid() > 0 ? json(u->pid()) : json(nullptr)},
           {"restarts", u->restarts()},
           {"uptime_ms", u->pid() > 0 ? json(u->uptime().count()) : json(nullptr)},
           {"port", u->port() > 0 ? json(u->port()) : json(nullptr)},
           {"health", u->health()}};
    if (!u->reason().empty()) s["reason"] = u->reason();
    services.push_back(std::move(s));
  }
  return services;
}

void Supervisor::handle(const json& req, const std::shared_ptr<Connection>& conn) {
  auto fail = [&](const std::string& error) {
    conn->send({{"ok", false}, {"error", error}});
    conn->finish();
  };
  auto reply_done = [conn](bool ok, std::string error) {
    conn->send(ok ? json{{"ok", true}} : json{{"ok", false}, {"error", error}});
    conn->finish();
  };
  const std::string cmd = req.value("cmd", "");
  std::string name = req.contains("service") && req["service"].is_string() ? req["service"].get<std::string>() : "";
  ServiceUnit* unit = name.empty() ? nullptr : find(name);
  if (!name.empty() && !unit && cmd != "logs") return fail("unknown service: " + name + ": not part of this run");
  if (m_finished) return fail("the run is stopping");

  if (cmd == "ps") {
    conn->send({{"ok", true}, {"pid", ::getpid()}, {"workspace", m_ws.root.string()}, {"services", ps()}});
    conn->finish();
  } else if (cmd == "logs") {
    if (name.empty()) return fail("logs: missing \"service\"");
    if (!unit && !m_ws.find_service(name)) return fail("unknown service: " + name);
    size_t lines = req.value("lines", 10);
    fs::path path = m_ws.root / ".ftgo" / "logs" / (name + ".log");
    conn->send({{"ok", true}});
    for (const auto& line : tail_lines(path, lines)) conn->send({{"line", line}});
    if (req.value("follow", false) && unit) {
      std::weak_ptr<Connection> weak = conn;
      unit->follow([weak](std::string_view line) {
        auto c = weak.lock();
        if (!c || c->closed()) return false;
        c->send({{"line", std::string(line)}});
        return true;
      });
    } else {
      conn->finish();
    }
  } else if (cmd == "restart") {
    if (!unit) return fail("restart: missing \"service\"");
    if (m_shutting_down) return fail("the services are being stopped");
    if (unit->launch().spawn.argv.empty() && !prepare_launch(*unit)) return fail(unit->reason());
    unit->restart(reply_done);
  } else if (cmd == "stop") {
    if (unit) {
      unit->stop(reply_done);
    } else {
      begin_shutdown(false, [reply_done] { reply_done(true, ""); });
    }
  } else if (cmd == "down") {
    begin_shutdown(true, [conn] { conn->send_now({{"ok", true}}); });
  } else if (cmd == "replace") {
    handle_replace(req, conn, unit);
  } else {
    fail("unknown command: " + cmd);
  }
}

void Supervisor::handle_replace(const json& req, const std::shared_ptr<Connection>& conn, ServiceUnit* unit) {
  auto fail = [&](const std::string& error) {
    conn->send({{"ok", false}, {"error", error}, {"rolled_back", false}});
    conn->finish();
  };
  if (!unit) return fail("replace: missing \"service\"");
  if (m_shutting_down) return fail("the services are being stopped");
  const config::Service& svc = unit->service();
  Launch next;
  std::string dir = req.value("dir", "");
  next.spawn.cwd = dir.empty() ? (unit->launch().spawn.cwd.empty() ? svc.dir : unit->launch().spawn.cwd) : fs::path(dir);
  if (!fs::is_directory(next.spawn.cwd)) return fail("replace: no such directory: " + next.spawn.cwd.string());
  if (!req.contains("run") || req["run"].is_null()) {
    next.spawn.argv = svc.run_is_shell ? std::vector<std::string>{"/bin/sh", "-c", svc.run.front()} : svc.run;
  } else if (req["run"].is_string()) {
    next.spawn.argv = {"/bin/sh", "-c", req["run"].get<std::string>()};
  } else if (req["run"].is_array() && !req["run"].empty()) {
    for (const auto& a : req["run"]) {
      if (!a.is_string()) return fail("replace: \"run\" must be a string or a list of strings");
      next.spawn.argv.push_back(a.get<std::string>());
    }
  } else {
    return fail("replace: \"run\" must be a string or a non-empty list of strings");
  }
  std::string strategy = req.value("strategy", "blue-green");
  if (strategy != "blue-green" && strategy != "restart")
    return fail("replace: unknown strategy \"" + strategy + "\" (blue-green or restart)");
  bool blue_green = strategy == "blue-green";
  // Two processes cannot listen on one fixed port: blue-green needs port: auto.
  if (blue_green && svc.port) blue_green = false;
  next.port = unit->port();
  if (blue_green && svc.port_auto) next.port = m_port_book.pick(svc.name);
  std::map<std::string, int> ports = m_ports;
  if (next.port > 0) ports[svc.name] = next.port;
  try {
    next.spawn.env = service_environment(svc, EnvInputs{m_ws.root.string(), m_bootstrap, ports});
  } catch (const Error& e) {
    return fail(std::string("replace: ") + e.what());
  }
  if (req.contains("env") && req["env"].is_object()) {
    for (const auto& [k, v] : req["env"].items()) next.spawn.env[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  if (next.port > 0) next.spawn.env["PORT"] = std::to_string(next.port);
  auto timeout = std::chrono::milliseconds(req.value("health_timeout_ms", 30'000));
  std::string used = blue_green ? "blue-green" : "restart";
  unit->replace(next, blue_green, timeout,
                [this, conn, used, name = svc.name](bool ok, std::string error, bool rolled_back, pid_t pid) {
                  if (ok) {
                    if (ServiceUnit* u = find(name); u && u->port() > 0) m_ports[name] = u->port();
                    conn->send({{"ok", true}, {"pid", pid}, {"strategy", used}});
                  } else {
                    conn->send({{"ok", false}, {"error", error}, {"rolled_back", rolled_back}, {"strategy", used}});
                  }
                  conn->finish();
                });
}

}  // namespace ftgo::supervisor
