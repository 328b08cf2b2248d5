#include "supervisor/service_unit.hpp"

#include <csignal>

#include "supervisor/ports.hpp"
#include "util/duration.hpp"
#include "util/error.hpp"

namespace ftgo::supervisor {

using namespace std::chrono;
using config::DependencyCondition;

std::string to_string(State s) {
  switch (s) {
    case State::waiting: return "waiting";
    case State::running: return "running";
    case State::healthy: return "healthy";
    case State::backoff: return "restarting";
    case State::stopping: return "stopping";
    case State::stopped: return "stopped";
    case State::completed: return "completed";
    case State::failed: return "failed";
    case State::skipped: return "skipped";
  }
  return "?";
}

ServiceUnit::ServiceUnit(UnitRuntime& rt, config::Service svc, std::filesystem::path log_path)
    : m_rt(rt),
      m_svc(std::move(svc)),
      m_restarts(m_svc.restart),
      m_backoff_timer(rt.io),
      m_probe_timer(rt.io),
      m_log(std::move(log_path)) {
  if (m_svc.health.kind == config::HealthCheck::Kind::log) {
    // Validated before the run starts (Supervisor::validate); cannot throw here.
    m_log_regex.emplace(m_svc.health.target, std::regex::ECMAScript);
  }
}

ServiceUnit::~ServiceUnit() {
  if (m_proc) m_proc->forget();
  if (m_candidate) m_candidate->forget();
}

bool ServiceUnit::has_probe() const { return m_svc.health.kind != config::HealthCheck::Kind::none; }

std::string ServiceUnit::health() const {
  if (!m_proc || m_stopping) return "";
  if (!has_probe()) return "none";
  if (m_healthy_now) return "healthy";
  return m_reached_healthy ? "unhealthy" : "starting";
}

pid_t ServiceUnit::pid() const { return m_proc ? m_proc->pid() : 0; }

milliseconds ServiceUnit::uptime() const {
  if (!m_proc) return milliseconds{0};
  return duration_cast<milliseconds>(steady_clock::now() - m_proc->started_at());
}

bool ServiceUnit::active() const {
  return m_proc != nullptr || m_state == State::backoff || m_state == State::waiting;
}

bool ServiceUnit::terminal() const {
  return m_state == State::completed || m_state == State::failed || m_state == State::skipped ||
         m_state == State::stopped;
}

bool ServiceUnit::satisfies(DependencyCondition c) const {
  switch (c) {
    case DependencyCondition::started: return m_reached_started;
    case DependencyCondition::healthy: return m_reached_healthy || m_state == State::completed;
    case DependencyCondition::completed: return m_state == State::completed;
  }
  return false;
}

bool ServiceUnit::blocks(DependencyCondition c) const {
  if (m_state == State::failed || m_state == State::skipped) return !satisfies(c) || c == DependencyCondition::completed;
  if (m_state == State::stopped) return !satisfies(c);
  return false;
}

void ServiceUnit::set_state(State s, const std::string& reason) {
  m_state = s;
  m_reason = reason;
  m_rt.on_change();
}

void ServiceUnit::log_event(const std::string& text) {
  m_rt.console.event(name(), text);
  std::string line = "[ftgo] " + text;
  m_log.write(line + "\n");
  for (auto it = m_followers.begin(); it != m_followers.end();) it = (*it)(line) ? std::next(it) : m_followers.erase(it);
}

void ServiceUnit::on_line(std::string_view line, bool candidate) {
  m_rt.console.line(name(), line);
  m_log_batch.append(line);
  m_log_batch += '\n';
  for (auto it = m_followers.begin(); it != m_followers.end();) it = (*it)(line) ? std::next(it) : m_followers.erase(it);
  if (m_log_regex && !candidate && !m_healthy_now && m_proc && !m_stopping &&
      std::regex_search(line.begin(), line.end(), *m_log_regex)) {
    mark_healthy();
  }
  if (m_log_regex && candidate && m_candidate_done && std::regex_search(line.begin(), line.end(), *m_log_regex)) {
    auto done = std::move(m_candidate_done);
    m_candidate_done = nullptr;
    done(true);
  }
}

void ServiceUnit::flush_lines() {
  m_log.write(m_log_batch);
  m_log_batch.clear();
  m_rt.console.flush();
}

std::shared_ptr<Instance> ServiceUnit::spawn_instance(const Launch& l, const std::string& tag) {
  bool candidate = tag == "candidate";
  Instance::Hooks hooks;
  hooks.on_line = [this, candidate](std::string_view line) { on_line(line, candidate); };
  hooks.on_batch = [this] { flush_lines(); };
  auto holder = std::make_shared<std::weak_ptr<Instance>>();
  hooks.on_exit = [this, holder](int status) {
    if (auto inst = holder->lock()) on_exit(inst, status);
  };
  auto inst = Instance::start(m_rt.io, m_rt.reaper, l.spawn, std::move(hooks));
  *holder = inst;
  return inst;
}

bool ServiceUnit::launch_process() {
  m_unhealthy_kill = false;
  m_healthy_now = false;
  m_probe_failures = 0;
  ++m_generation;
  try {
    m_proc = spawn_instance(m_launch, "main");
  } catch (const Error& e) {
    // "cannot start /opt/x/bin/run: No such file or directory": name the program.
    std::string reason = "cannot start" + (e.where().empty() ? "" : " " + e.where()) + ": " + e.cause();
    log_event("failed: " + reason);
    set_state(State::failed, reason);
    return false;
  }
  m_reached_started = true;
  log_event("started (pid " + std::to_string(m_proc->pid()) + ")");
  m_probe = make_probe({m_rt.io, m_rt.pool, m_rt.reaper}, m_svc.health, m_launch.port, m_launch.spawn);
  if (!has_probe()) {
    m_reached_healthy = true;  // "healthy" dependents of a probe-less service wait for it to run
    set_state(State::running);
  } else {
    set_state(State::running);
    if (m_probe) schedule_probe(m_svc.health.initial_delay);
  }
  return true;
}

void ServiceUnit::start() {
  if (m_state != State::waiting) return;
  launch_process();
}

void ServiceUnit::skip(const std::string& why) {
  if (m_state != State::waiting) return;
  log_event("skipped: " + why);
  set_state(State::skipped, why);
}

void ServiceUnit::fail(const std::string& why) {
  cancel_timers();
  log_event("failed: " + why);
  set_state(State::failed, why);
}

void ServiceUnit::cancel_timers() {
  ++m_generation;
  m_backoff_timer.cancel();
  m_probe_timer.cancel();
}

void ServiceUnit::schedule_probe(milliseconds delay) {
  unsigned gen = m_generation;
  m_probe_timer.expires_after(delay);
  m_probe_timer.async_wait([this, gen](const boost::system::error_code& ec) {
    if (ec || gen != m_generation || !m_probe || !m_proc) return;
    m_probe->run([this, gen](bool ok, std::string detail) { probe_result(gen, ok, detail); });
  });
}

void ServiceUnit::mark_healthy() {
  m_probe_failures = 0;
  if (m_healthy_now) return;
  m_healthy_now = true;
  m_reached_healthy = true;
  log_event("healthy");
  set_state(State::healthy);
  notify_health_waiter(true);
}

void ServiceUnit::probe_result(unsigned gen, bool ok, const std::string& detail) {
  if (gen != m_generation || !m_proc || m_stopping) return;
  const auto& h = m_svc.health;
  if (ok) {
    mark_healthy();
    schedule_probe(h.interval * 5);  // liveness: keep watching at a lower rate
    return;
  }
  ++m_probe_failures;
  if (m_probe_failures < h.retries) {
    schedule_probe(h.interval);
    return;
  }
  bool was_healthy = m_healthy_now;
  m_healthy_now = false;
  log_event(std::string("unhealthy: ") + detail + " (" + std::to_string(m_probe_failures) + " checks failed" +
            (was_healthy ? ")" : ", never healthy)"));
  m_unhealthy_kill = true;
  ++m_generation;
  auto proc = m_proc;
  proc->signal_group(m_svc.stop.signal);
  auto timer = std::make_shared<boost::asio::steady_timer>(m_rt.io, m_svc.stop.timeout);
  timer->async_wait([timer, weak = std::weak_ptr<Instance>(proc)](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto p = weak.lock()) p->signal_group(SIGKILL);
  });
}

void ServiceUnit::on_exit(const std::shared_ptr<Instance>& inst, int status) {
  flush_lines();
  std::function<void()> waiter;
  if (auto it = m_exit_waiters.find(inst.get()); it != m_exit_waiters.end()) {
    waiter = std::move(it->second);
    m_exit_waiters.erase(it);
  }
  if (inst == m_candidate) {
    m_candidate.reset();
    log_event(std::string(waiter ? "new instance stopped (" : "new instance ") + describe_status(status) +
              (waiter ? ")" : ""));
    if (m_candidate_done) {
      auto done = std::move(m_candidate_done);
      m_candidate_done = nullptr;
      m_candidate_detail = describe_status(status);
      done(false);
    }
    if (waiter) waiter();
    return;
  }
  if (inst != m_proc) {
    if (waiter) {
      log_event("old instance stopped (" + describe_status(status) + ")");
      waiter();
    }
    return;
  }
  milliseconds up = uptime();
  m_proc.reset();
  ++m_generation;
  m_probe_timer.cancel();
  m_healthy_now = false;
  if (waiter) {
    log_event("stopped (" + describe_status(status) + ")");
    notify_health_waiter(false);
    waiter();
    return;
  }
  notify_health_waiter(false);
  int code = m_unhealthy_kill ? -1 : exit_code_of(status);
  log_event(m_unhealthy_kill ? "killed: unhealthy" : describe_status(status));
  std::string port_note = check_port_after_exit();
  RestartDecision d = m_restarts.on_exit(code, up);
  if (d.restart) {
    std::string cap = m_svc.restart.max_restarts >= 0 ? "/" + std::to_string(m_svc.restart.max_restarts) : "";
    log_event("restarting in " + human(d.delay) + " (restart " + std::to_string(d.attempt) + cap + ")");
    set_state(State::backoff);
    unsigned gen = m_generation;
    m_backoff_timer.expires_after(d.delay);
    m_backoff_timer.async_wait([this, gen](const boost::system::error_code& ec) {
      if (ec || gen != m_generation || m_state != State::backoff) return;
      launch_process();
    });
    return;
  }
  if (code == 0 && m_svc.restart.policy != config::RestartPolicy::always) {
    log_event("completed");
    set_state(State::completed);
    return;
  }
  std::string why = m_unhealthy_kill ? "unhealthy" : describe_status(status);
  if (!port_note.empty()) why += " (" + port_note + ")";
  if (m_svc.restart.policy != config::RestartPolicy::no && m_restarts.count() > 0)
    why += " after " + std::to_string(m_restarts.count()) + " restarts";
  else if (m_svc.restart.policy != config::RestartPolicy::no && m_svc.restart.max_restarts == 0)
    why += " (max_restarts is 0)";
  log_event("failed: " + why);
  set_state(State::failed, why);
}

// After the process exited on its own: when another process holds its port,
// the service most likely could not bind it. Says so; a `port: auto` service
// gets a new port for its next start (the old one would fail again). A fixed
// port stays: the user chose it. Returns the note ("" when the port is free).
std::string ServiceUnit::check_port_after_exit() {
  if (m_launch.port <= 0 || port_is_free(m_launch.port)) return "";
  std::string note = "port " + std::to_string(m_launch.port) + " is in use by another process";
  if (m_svc.port_auto && m_rt.new_port) {
    try {
      m_launch.port = m_rt.new_port(name());
    } catch (const Error& e) {
      log_event(note + "; " + e.cause());
      return note;
    }
    m_launch.spawn.env["PORT"] = std::to_string(m_launch.port);
    log_event(note + "; the next start uses port " + std::to_string(m_launch.port) + " (port: auto)");
    return note;
  }
  log_event(note + (m_svc.port ? " (the port is fixed in service.yaml: free it or change it)" : ""));
  return note;
}

void ServiceUnit::kill_now() {
  if (m_proc) m_proc->signal_group(SIGKILL);
  if (m_candidate) m_candidate->signal_group(SIGKILL);
}

}  // namespace ftgo::supervisor
