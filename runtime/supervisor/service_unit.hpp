#pragma once
// One supervised service: its state machine, its current process (Instance),
// health probing, restart policy with backoff, its log file and `logs -f`
// followers, and the queue that serialises stop/restart/replace so two
// requests never leave two copies running.
//
// States: waiting (for dependencies) -> running -> healthy; backoff between
// restarts; completed (exited 0, not restarted); failed (gave up); skipped (a
// dependency failed); stopping -> stopped (asked to).
// Owned by the Supervisor for the whole run; single-threaded (the loop).
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>

#include "config/config.hpp"
#include "supervisor/console.hpp"
#include "supervisor/instance.hpp"
#include "supervisor/log_file.hpp"
#include "supervisor/probe.hpp"
#include "supervisor/restart_policy.hpp"

namespace ftgo::supervisor {

enum class State { waiting, running, healthy, backoff, stopping, stopped, completed, failed, skipped };
std::string to_string(State s);

// What the unit runs: fixed at first start, changed by replace.
struct Launch {
  SpawnSpec spawn;
  int port = 0;  // 0: none
};

// The shared pieces every unit uses; owned by the Supervisor.
struct UnitRuntime {
  boost::asio::io_context& io;
  boost::asio::thread_pool& pool;
  Reaper& reaper;
  Console& console;
  std::function<void()> on_change;  // any unit changed state
  // A new port for a `port: auto` service whose port another process holds
  // (ports.hpp); the supervisor records it for the other services' URLs.
  std::function<int(const std::string& service)> new_port;
};

class ServiceUnit {
 public:
  using Done = std::function<void(bool ok, std::string error)>;
  using Follower = std::function<bool(std::string_view line)>;  // false: unsubscribe

  ServiceUnit(UnitRuntime& rt, config::Service svc, std::filesystem::path log_path);
  ~ServiceUnit();

  const std::string& name() const { return m_svc.name; }
  const config::Service& service() const { return m_svc; }
  State state() const { return m_state; }
  const std::string& reason() const { return m_reason; }
  std::string health() const;  // none | starting | healthy | unhealthy | "" (not running)
  pid_t pid() const;
  int port() const { return m_launch.port; }
  int restarts() const { return m_restarts.total(); }
  std::chrono::milliseconds uptime() const;
  bool has_probe() const;
  bool active() const;     // a process runs or will run again by itself
  bool terminal() const;   // completed, failed, skipped or stopped
  bool ever_healthy() const { return m_reached_healthy; }
  bool ever_started() const { return m_reached_started; }
  bool user_stopped() const { return m_user_stopped; }

  // Dependency conditions, seen from a dependent.
  bool satisfies(config::DependencyCondition c) const;
  bool blocks(config::DependencyCondition c) const;  // can no longer satisfy

  void set_launch(Launch l) { m_launch = std::move(l); }
  const Launch& launch() const { return m_launch; }
  // Starts the first process (from waiting).
  void start();
  // Gives up before starting: a dependency failed or the run is ending.
  void skip(const std::string& why);
  void fail(const std::string& why);

  // Serialised operations (queued behind any running one).
  void stop(Done done);
  void restart(Done done);
  void replace(Launch next, bool blue_green, std::chrono::milliseconds health_timeout,
               std::function<void(bool ok, std::string error, bool rolled_back, pid_t pid)> done);
  // SIGKILL now (second Ctrl-C).
  void kill_now();

  void follow(Follower f) { m_followers.push_back(std::move(f)); }
  void log_event(const std::string& text);

 private:
  friend class UnitOps;
  using Op = std::function<void(std::function<void()> next)>;

  void enqueue(Op op);
  void run_next_op();
  std::shared_ptr<Instance> spawn_instance(const Launch& l, const std::string& tag);
  bool launch_process();
  void on_line(std::string_view line, bool candidate);
  void flush_lines();
  void on_exit(const std::shared_ptr<Instance>& inst, int status);
  std::string check_port_after_exit();
  void set_state(State s, const std::string& reason = {});
  void schedule_probe(std::chrono::milliseconds delay);
  void probe_result(unsigned generation, bool ok, const std::string& detail);
  void mark_healthy();
  void stop_process(const std::shared_ptr<Instance>& inst, std::function<void()> then);
  void kill_after_stop_timeout(const std::shared_ptr<Instance>& inst);
  void cancel_timers();
  void wait_healthy(std::chrono::milliseconds timeout, std::function<void(bool)> cb);
  void notify_health_waiter(bool ok);
  void replace_blue_green(Launch next, std::chrono::milliseconds timeout,
                          std::function<void(bool, std::string, bool, pid_t)> done, std::function<void()> next_op);
  void replace_restart(Launch next, std::chrono::milliseconds timeout,
                       std::function<void(bool, std::string, bool, pid_t)> done, std::function<void()> next_op);
  void check_candidate(std::shared_ptr<Probe> probe, unsigned token);

  UnitRuntime& m_rt;
  config::Service m_svc;
  Launch m_launch;
  State m_state = State::waiting;
  std::string m_reason;
  std::shared_ptr<Instance> m_proc;
  RestartTracker m_restarts;
  boost::asio::steady_timer m_backoff_timer;
  boost::asio::steady_timer m_probe_timer;
  std::unique_ptr<Probe> m_probe;
  std::optional<std::regex> m_log_regex;
  unsigned m_generation = 0;
  int m_probe_failures = 0;
  bool m_healthy_now = false;
  bool m_reached_started = false;
  bool m_reached_healthy = false;
  bool m_user_stopped = false;
  bool m_stopping = false;
  bool m_unhealthy_kill = false;
  LogFile m_log;
  std::string m_log_batch;
  std::list<Follower> m_followers;
  std::deque<Op> m_ops;
  bool m_op_running = false;
  std::map<Instance*, std::function<void()>> m_exit_waiters;  // stops in progress
  std::function<void(bool)> m_health_waiter;                   // replace (restart strategy)
  // replace: a candidate instance being health-checked beside m_proc
  std::shared_ptr<Instance> m_candidate;
  std::function<void(bool)> m_candidate_done;
  std::string m_candidate_detail;
  unsigned m_candidate_token = 0;
};

}  // namespace ftgo::supervisor
