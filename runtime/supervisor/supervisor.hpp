#pragma once
// The run: one process with one event loop (Boost.Asio) that starts the local
// Kafka, creates the declared topics, then every selected service in
// dependency order; supervises them (probes, restarts, logs); serves the
// control socket; and stops everything in reverse dependency order on
// Ctrl-C (a second one kills), SIGTERM or `ftgo down`.
// Lives on the main thread for the whole `ftgo run`; nothing else touches it
// (the thread pool only runs blocking probes and Kafka admin calls, and posts
// results back to the loop).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "supervisor/console.hpp"
#include "supervisor/ports.hpp"
#include "supervisor/reaper.hpp"
#include "supervisor/service_unit.hpp"

namespace ftgo::supervisor {

class ControlServer;
class Connection;

struct RunOptions {
  std::vector<std::string> services;  // empty: all
  bool colour = false;
  // Called once: every selected service is up (ok) or one failed (reason);
  // `run_ends` when that failure also ends the run (nothing is left running).
  std::function<void(bool ok, const std::string& reason, const std::string& service, bool run_ends)> on_ready;
};

class Supervisor {
 public:
  Supervisor(const config::Workspace& ws, RunOptions opts);
  ~Supervisor();

  // Checks what the loaders cannot (log regexes, probes that need a port,
  // unknown service names). Throws a usage ftgo::Error.
  static void validate(const config::Workspace& ws, const std::vector<std::string>& services);

  // True when every service has finished by itself (or kafka failed before
  // any could start): the run ends. `any_failed` tells whether one failed.
  bool run_is_over(bool* any_failed) const;

  // Call first, before any thread exists: ignores SIGPIPE, makes this process
  // the subreaper of its descendants and starts the guard (spawn.hpp).
  static void prepare_process();

  // Runs until everything has stopped; returns the exit code (0, 1, 130).
  int run();

  // Control requests (from ControlServer), answered through `conn`.
  void handle(const nlohmann::json& request, const std::shared_ptr<Connection>& conn);

 private:
  void select_services();
  void assign_ports();
  void make_units();
  void start_kafka();
  void on_kafka_healthy();
  void schedule();
  void check_ready();
  void begin_shutdown(bool exit_after, std::function<void()> done = nullptr);
  void shutdown_step();
  void force_kill();
  void finish();
  bool prepare_launch(ServiceUnit& unit);
  ServiceUnit* find(const std::string& name);
  std::vector<std::string> dependents_of(const std::string& name) const;
  nlohmann::json ps() const;
  void arm_signals();
  void handle_replace(const nlohmann::json& req, const std::shared_ptr<Connection>& conn, ServiceUnit* unit);

  config::Workspace m_ws;
  RunOptions m_opts;
  std::vector<std::string> m_selected;  // user services in start order
  std::map<std::string, int> m_ports;  // every service's current port (for PORT and <NAME>_URL)
  PortBook m_port_book;
  std::string m_bootstrap;

  boost::asio::io_context m_io;
  boost::asio::thread_pool m_pool{2};
  boost::asio::signal_set m_signals;
  Reaper m_reaper;
  std::unique_ptr<Console> m_console;
  std::unique_ptr<UnitRuntime> m_rt;
  std::vector<std::unique_ptr<ServiceUnit>> m_units;  // kafka (when embedded) first, then m_selected
  std::unique_ptr<ControlServer> m_control;

  bool m_kafka_ready = false;
  bool m_topics_started = false;
  bool m_ready_reported = false;
  bool m_shutting_down = false;
  bool m_exit_after_stop = false;
  bool m_forced = false;
  bool m_interrupted = false;
  bool m_in_shutdown_step = false;
  bool m_finished = false;
  int m_exit_code = 0;
  std::vector<std::function<void()>> m_stop_all_waiters;
  std::set<std::string> m_stop_requested;
  bool m_scheduling = false;
  bool m_schedule_again = false;
};

}  // namespace ftgo::supervisor
