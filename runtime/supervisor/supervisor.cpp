#include "supervisor/supervisor.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <set>
#include <sstream>

#include "events/brokers.hpp"
#include "pipeline/release.hpp"
#include "supervisor/control.hpp"
#include "supervisor/control_server.hpp"
#include "supervisor/environment.hpp"
#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::supervisor {

namespace fs = std::filesystem;
using config::DependencyCondition;
using config::HealthCheck;
using config::KafkaMode;

namespace {
const std::string k_kafka = "kafka";

}  // namespace

void Supervisor::validate(const config::Workspace& ws, const std::vector<std::string>& services) {
  std::vector<std::string> names;
  for (const auto& s : ws.services) names.push_back(s.name);
  for (const auto& name : services) {
    if (!ws.find_service(name))
      throw usage_error("unknown service", name, "not in " + (ws.root / "ftgo.yaml").string() + util::did_you_mean(name, names));
  }
  if (ws.kafka.mode == KafkaMode::embedded) {
    // Restarting the broker cannot make a file into its data directory.
    fs::path data = ws.kafka.data.is_absolute() ? ws.kafka.data : ws.root / ws.kafka.data;
    std::error_code ec;
    if (fs::exists(data, ec) && !fs::is_directory(data, ec)) {
      throw usage_error("invalid ftgo.yaml", (ws.root / "ftgo.yaml").string(),
                        "kafka.data: " + data.string() + " is not a directory");
    }
  }
  for (const auto& s : ws.services) {
    std::string where = (s.dir / "service.yaml").string();
    if (s.name == k_kafka && ws.kafka.mode == KafkaMode::embedded)
      throw usage_error("invalid service.yaml", where, "the name \"kafka\" is taken by the embedded broker");
    if (s.run.empty() || s.run.front().empty()) throw usage_error("invalid service.yaml", where, "run: is empty");
    bool has_port = s.port.has_value() || s.port_auto;
    switch (s.health.kind) {
      case HealthCheck::Kind::log:
        try {
          std::regex re(s.health.target, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          throw usage_error("invalid service.yaml", where,
                            "health.log: bad regular expression \"" + s.health.target + "\": " + e.what());
        }
        break;
      case HealthCheck::Kind::http:
        if (!has_port) throw usage_error("invalid service.yaml", where, "health.http needs a port (port: auto or a number)");
        if (s.health.target.empty() || s.health.target.front() != '/')
          throw usage_error("invalid service.yaml", where, "health.http: the path must start with '/'");
        break;
      case HealthCheck::Kind::tcp: {
        int port = tcp_probe_port(s.health, has_port ? 1 : 0);
        if (port <= 0 || port > 65535)
          throw usage_error("invalid service.yaml", where,
                            "health.tcp: \"" + s.health.target + "\" is not a port (a number, or PORT with a port set)");
        break;
      }
      case HealthCheck::Kind::exec:
        if (s.health.target.empty()) throw usage_error("invalid service.yaml", where, "health.exec: empty command");
        break;
      case HealthCheck::Kind::none: break;
    }
    if (s.health.retries < 1) throw usage_error("invalid service.yaml", where, "health.retries must be at least 1");
  }
}

Supervisor::Supervisor(const config::Workspace& ws, RunOptions opts)
    : m_ws(ws), m_opts(std::move(opts)), m_signals(m_io), m_reaper(m_io) {
  validate(m_ws, m_opts.services);
  select_services();
  assign_ports();
  switch (m_ws.kafka.mode) {
    case KafkaMode::external: m_bootstrap = m_ws.kafka.bootstrap; break;
    default: m_bootstrap = "127.0.0.1:" + std::to_string(m_ws.kafka.port); break;
  }
  std::vector<std::string> names{"ftgo"};
  if (m_ws.kafka.mode == KafkaMode::embedded) names.push_back(k_kafka);
  for (const auto& n : m_selected) names.push_back(n);
  m_console = std::make_unique<Console>(names, m_opts.colour);
  m_rt.reset(new UnitRuntime{m_io, m_pool, m_reaper, *m_console, [this] { schedule(); },
                             [this](const std::string& name) { return m_ports[name] = m_port_book.pick(name); }});
  make_units();
}

Supervisor::~Supervisor() {
  m_control.reset();
  m_units.clear();
  m_pool.join();
}

void Supervisor::select_services() {
  std::set<std::string> wanted;
  std::function<void(const std::string&)> add = [&](const std::string& name) {
    if (!wanted.insert(name).second) return;
    for (const auto& [dep, cond] : m_ws.find_service(name)->depends_on) add(dep);
  };
  if (m_opts.services.empty()) {
    for (const auto& s : m_ws.services) wanted.insert(s.name);
  } else {
    for (const auto& n : m_opts.services) add(n);
  }
  for (const auto& n : m_ws.start_order())
    if (wanted.count(n)) m_selected.push_back(n);
}

void Supervisor::assign_ports() {
  for (const auto& s : m_ws.services)
    if (s.port) m_port_book.reserve(*s.port);
  m_port_book.reserve(m_ws.kafka.port);
  for (const auto& s : m_ws.services) {
    if (s.port) {
      m_ports[s.name] = *s.port;
    } else if (s.port_auto) {
      m_ports[s.name] = m_port_book.pick(s.name);
    }
  }
}

void Supervisor::make_units() {
  fs::path logs = m_ws.root / ".ftgo" / "logs";
  if (m_ws.kafka.mode == KafkaMode::embedded) {
    config::Service k;
    k.name = k_kafka;
    k.dir = m_ws.root;
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    fs::path data = m_ws.kafka.data.is_absolute() ? m_ws.kafka.data : m_ws.root / m_ws.kafka.data;
    k.run = {ec ? std::string("/proc/self/exe") : self.string(), "broker", "--port", std::to_string(m_ws.kafka.port),
             "--data", data.string()};
    k.run_is_shell = false;
    k.port = m_ws.kafka.port;
    k.health.kind = HealthCheck::Kind::log;
    k.health.target = "ready on";
    k.restart.policy = config::RestartPolicy::on_failure;
    k.stop.timeout = std::chrono::milliseconds{10'000};
    auto unit = std::make_unique<ServiceUnit>(*m_rt, k, logs / "kafka.log");
    Launch l;
    l.spawn.argv = k.run;
    l.spawn.cwd = m_ws.root;
    l.spawn.env = process_environment();
    l.port = m_ws.kafka.port;
    unit->set_launch(l);
    m_units.push_back(std::move(unit));
  }
  for (const auto& name : m_selected) {
    m_units.push_back(std::make_unique<ServiceUnit>(*m_rt, *m_ws.find_service(name), logs / (name + ".log")));
  }
}

ServiceUnit* Supervisor::find(const std::string& name) {
  for (auto& u : m_units)
    if (u->name() == name) return u.get();
  return nullptr;
}

std::vector<std::string> Supervisor::dependents_of(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& u : m_units) {
    if (u->name() == k_kafka) continue;
    if (name == k_kafka || u->service().depends_on.count(name)) out.push_back(u->name());
  }
  return out;
}

bool Supervisor::prepare_launch(ServiceUnit& unit) {
  if (!unit.launch().spawn.argv.empty()) return true;
  const config::Service& svc = unit.service();
  try {
    std::ostringstream progress;
    fs::path dir;
    try {
      dir = pipeline::prepare_run_dir(m_ws, svc, progress);
    } catch (...) {
      std::istringstream lines(progress.str());
      for (std::string line; std::getline(lines, line);) unit.log_event(line);
      throw;
    }
    std::istringstream lines(progress.str());
    for (std::string line; std::getline(lines, line);) unit.log_event(line);
    Launch l;
    l.spawn.argv = svc.run_is_shell ? std::vector<std::string>{"/bin/sh", "-c", svc.run.front()} : svc.run;
    l.spawn.cwd = dir;
    // The auto port was picked when the run began; another process may have
    // taken it since (dependencies can take minutes): pick again if so.
    if (auto it = m_ports.find(svc.name); svc.port_auto && it != m_ports.end() && !port_is_free(it->second)) {
      int next = m_port_book.pick(svc.name);
      unit.log_event("port " + std::to_string(it->second) + " (port: auto) was taken by another process; using " +
                     std::to_string(next));
      it->second = next;
    }
    EnvInputs in{m_ws.root.string(), m_bootstrap, m_ports};
    l.spawn.env = service_environment(svc, in);
    if (auto it = m_ports.find(svc.name); it != m_ports.end()) l.port = it->second;
    unit.set_launch(std::move(l));
  } catch (const Error& e) {
    std::string why = e.what_failed() + (e.where().empty() ? "" : ": " + e.where()) + ": " + e.cause();
    unit.fail(why);
    return false;
  }
  if (svc.port && !port_is_free(*svc.port)) {
    unit.fail("port " + std::to_string(*svc.port) + " is already in use");
    return false;
  }
  return true;
}

void Supervisor::start_kafka() {
  ServiceUnit* kafka = find(k_kafka);
  if (!kafka) {
    m_kafka_ready = true;  // external: checked before the loop started
    return;
  }
  if (!port_is_free(m_ws.kafka.port)) {
    kafka->fail("port " + std::to_string(m_ws.kafka.port) + " is already in use (kafka.port in ftgo.yaml)");
    return;
  }
  kafka->start();
}

void Supervisor::on_kafka_healthy() {
  if (m_topics_started) return;
  m_topics_started = true;
  if (m_ws.kafka.topics.empty()) {
    m_kafka_ready = true;
    schedule();
    return;
  }
  events::Brokers brokers{m_bootstrap, m_ws.kafka.properties};
  auto topics = m_ws.kafka.topics;
  boost::asio::post(m_pool, [this, brokers, topics] {
    std::string error;
    try {
      events::ensure_topics(brokers, topics);
    } catch (const Error& e) {
      error = e.what();
    } catch (const std::exception& e) {
      error = e.what();
    }
    boost::asio::post(m_io, [this, error] {
      ServiceUnit* kafka = find(k_kafka);
      if (!error.empty()) {
        if (kafka) kafka->log_event("cannot create topics: " + error);
        for (auto& u : m_units)
          if (u->name() != k_kafka) u->skip("kafka topics could not be created");
        return;
      }
      if (kafka) kafka->log_event("topics ready");
      m_kafka_ready = true;
      schedule();
    });
  });
}

void Supervisor::schedule() {
  if (m_scheduling) {
    m_schedule_again = true;
    return;
  }
  m_scheduling = true;
  do {
    m_schedule_again = false;
    if (ServiceUnit* kafka = find(k_kafka)) {
      if (kafka->ever_healthy() && !m_topics_started) on_kafka_healthy();
      if (kafka->state() == State::failed && !m_kafka_ready) {
        for (auto& u : m_units)
          if (u->name() != k_kafka && u->state() == State::waiting) u->skip("kafka failed: " + kafka->reason());
      }
    }
    if (m_shutting_down) break;
    for (auto& u : m_units) {
      if (u->name() == k_kafka || u->state() != State::waiting || m_stop_requested.count(u->name())) continue;
      std::string blocked;
      bool ready = m_kafka_ready;
      for (const auto& [dep, cond] : u->service().depends_on) {
        ServiceUnit* d = find(dep);
        if (!d) continue;
        if (d->blocks(cond)) {
          blocked = "dependency " + dep + " " + to_string(d->state()) +
                    (d->reason().empty() ? "" : " (" + d->reason() + ")") + ", needed " + config::to_string(cond);
          break;
        }
        if (!d->satisfies(cond)) ready = false;
      }
      if (!blocked.empty()) {
        u->skip(blocked);
      } else if (ready && prepare_launch(*u)) {
        u->start();
      }
    }
  } while (m_schedule_again);
  m_scheduling = false;
  check_ready();
  if (m_shutting_down) {
    shutdown_step();
    return;
  }
  bool any_failed = false;
  if (run_is_over(&any_failed)) {
    m_exit_code = any_failed ? 1 : 0;
    boost::asio::post(m_io, [this] { begin_shutdown(true); });
  }
}

bool Supervisor::run_is_over(bool* any_failed) const {
  // Every service has finished by itself: the run is over.
  bool any_user = false, all_done = true, failed = false, any_user_stopped = false;
  for (auto& u : m_units) {
    if (u->name() == k_kafka) continue;
    any_user = true;
    if (!u->terminal()) all_done = false;
    if (u->state() == State::failed || u->state() == State::skipped) failed = true;
    if (u->user_stopped()) any_user_stopped = true;
  }
  const ServiceUnit* kafka = nullptr;
  for (auto& u : m_units)
    if (u->name() == k_kafka) kafka = u.get();
  if (kafka && kafka->state() == State::failed && !any_user) all_done = true, failed = true;
  if (any_failed) *any_failed = failed;
  return ((any_user && all_done) || (kafka && kafka->state() == State::failed && !m_kafka_ready && all_done)) &&
         !any_user_stopped;
}

void Supervisor::check_ready() {
  if (m_ready_reported || !m_opts.on_ready) return;
  // Without a probe, "up" means still running a moment after the start, so
  // a service that dies at once is reported rather than counted as up.
  const std::chrono::milliseconds settle{1000};
  bool all = true;
  std::chrono::milliseconds recheck{0};
  for (auto& u : m_units) {
    State s = u->state();
    if (s == State::failed || s == State::skipped) {
      m_ready_reported = true;
      m_opts.on_ready(false, u->reason(), u->name(), m_shutting_down || run_is_over(nullptr));
      return;
    }
    bool up = s == State::completed || s == State::healthy;
    if (s == State::running && !u->has_probe()) {
      if (u->uptime() >= settle) up = true;
      else recheck = std::max(recheck, settle - u->uptime());
    }
    if (!up) all = false;
  }
  if (recheck.count() > 0) {
    auto timer = std::make_shared<boost::asio::steady_timer>(m_io, recheck);
    timer->async_wait([this, timer](const boost::system::error_code& ec) {
      if (!ec) check_ready();
    });
  }
  if (all && m_kafka_ready) {
    m_ready_reported = true;
    m_opts.on_ready(true, "", "", false);
  }
}

}  // namespace ftgo::supervisor
