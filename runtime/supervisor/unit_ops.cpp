// ServiceUnit's serialised operations: stop, restart and replace. Each runs
// alone (m_ops is a queue), so `restart` and `stop` sent at once from two
// terminals run one after the other and never leave two processes.
#include <boost/asio/post.hpp>
#include <csignal>

#include "supervisor/service_unit.hpp"
#include "util/duration.hpp"
#include "util/error.hpp"

namespace ftgo::supervisor {

using namespace std::chrono;

void ServiceUnit::enqueue(Op op) {
  m_ops.push_back(std::move(op));
  if (!m_op_running) run_next_op();
}

void ServiceUnit::run_next_op() {
  if (m_ops.empty()) {
    m_op_running = false;
    return;
  }
  m_op_running = true;
  Op op = std::move(m_ops.front());
  m_ops.pop_front();
  op([this] { boost::asio::post(m_rt.io, [this] { run_next_op(); }); });
}

void ServiceUnit::stop_process(const std::shared_ptr<Instance>& inst, std::function<void()> then_) {
  // The waiter holds the instance: a retired one (replace) has no other owner.
  std::function<void()> then = [inst, then_] { then_(); };
  if (!inst || inst->exited()) {
    if (inst && m_exit_waiters.count(inst.get()) == 0) {
      // Reaped but its output is still draining, or the rest of its group is
      // still finishing an earlier stop: wait for on_exit.
      m_exit_waiters[inst.get()] = std::move(then);
      if (inst->group_running()) kill_after_stop_timeout(inst);
      return;
    }
    then();
    return;
  }
  m_exit_waiters[inst.get()] = std::move(then);
  inst->signal_group(m_svc.stop.signal);
  kill_after_stop_timeout(inst);
}

void ServiceUnit::kill_after_stop_timeout(const std::shared_ptr<Instance>& inst) {
  auto timer = std::make_shared<boost::asio::steady_timer>(m_rt.io, m_svc.stop.timeout);
  std::weak_ptr<Instance> weak = inst;
  timer->async_wait([this, timer, weak](const boost::system::error_code& ec) {
    if (ec) return;
    auto p = weak.lock();
    if (!p || !p->group_running()) return;
    log_event("did not stop within " + human(m_svc.stop.timeout) + ": sending SIGKILL");
    p->signal_group(SIGKILL);
  });
}

void ServiceUnit::stop(Done done) {
  enqueue([this, done](std::function<void()> next) {
    m_user_stopped = true;
    cancel_timers();
    if (m_state == State::waiting || m_state == State::backoff || !m_proc) {
      if (m_state != State::stopped && !terminal()) {
        log_event("stopped");
        set_state(State::stopped);
      } else if (m_state != State::stopped && m_state != State::skipped) {
        set_state(State::stopped);
      }
      done(true, "");
      next();
      return;
    }
    m_stopping = true;
    set_state(State::stopping);
    log_event("stopping (" + std::string(sigabbrev_np(m_svc.stop.signal) ? "SIG" : "") +
              (sigabbrev_np(m_svc.stop.signal) ? sigabbrev_np(m_svc.stop.signal) : std::to_string(m_svc.stop.signal)) +
              ")");
    stop_process(m_proc, [this, done, next] {
      m_stopping = false;
      set_state(State::stopped);
      done(true, "");
      next();
    });
  });
}

void ServiceUnit::restart(Done done) {
  enqueue([this, done](std::function<void()> next) {
    cancel_timers();
    auto relaunch = [this, done, next] {
      m_stopping = false;
      m_user_stopped = false;
      m_restarts.reset();
      bool ok = launch_process();
      done(ok, ok ? "" : m_reason);
      next();
    };
    if (!m_proc) {
      relaunch();
      return;
    }
    m_stopping = true;
    set_state(State::stopping);
    log_event("restarting (requested)");
    stop_process(m_proc, relaunch);
  });
}

void ServiceUnit::notify_health_waiter(bool ok) {
  if (!m_health_waiter) return;
  auto w = std::move(m_health_waiter);
  m_health_waiter = nullptr;
  w(ok);
}

void ServiceUnit::wait_healthy(milliseconds timeout, std::function<void(bool)> cb) {
  if (!m_proc) {
    cb(false);
    return;
  }
  if (m_healthy_now) {
    cb(true);
    return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(m_rt.io);
  m_health_waiter = [timer, cb](bool ok) {
    timer->cancel();
    cb(ok);
  };
  // Without a probe, "healthy" means still running a moment after the start.
  timer->expires_after(has_probe() ? timeout : std::min(timeout, milliseconds{1000}));
  timer->async_wait([this, timer](const boost::system::error_code& ec) {
    if (ec) return;
    notify_health_waiter(!has_probe() && m_proc != nullptr);
  });
}

void ServiceUnit::replace(Launch next_launch, bool blue_green, milliseconds timeout,
                          std::function<void(bool, std::string, bool, pid_t)> done) {
  enqueue([this, next_launch, blue_green, timeout, done](std::function<void()> next_op) {
    if (blue_green && m_proc && !m_proc->exited())
      replace_blue_green(next_launch, timeout, done, next_op);
    else
      replace_restart(next_launch, timeout, done, next_op);
  });
}

void ServiceUnit::replace_restart(Launch next_launch, milliseconds timeout,
                                  std::function<void(bool, std::string, bool, pid_t)> done,
                                  std::function<void()> next_op) {
  Launch old = m_launch;
  cancel_timers();
  auto start_new = [this, old, next_launch, timeout, done, next_op] {
    m_stopping = false;
    m_user_stopped = false;
    m_restarts.reset();
    m_launch = next_launch;
    if (!launch_process()) {
      m_launch = old;
      launch_process();
      done(false, "new instance did not start: " + m_reason, true, pid());
      next_op();
      return;
    }
    wait_healthy(timeout, [this, old, timeout, done, next_op](bool ok) {
      if (ok) {
        done(true, "", false, pid());
        next_op();
        return;
      }
      log_event("new instance not healthy within " + human(timeout) + ": rolling back");
      cancel_timers();
      auto back = [this, old, timeout, done, next_op] {
        m_stopping = false;
        m_launch = old;
        m_restarts.reset();
        launch_process();
        done(false, "new instance did not become healthy within " + human(timeout), true, pid());
        next_op();
      };
      if (m_proc) {
        m_stopping = true;
        stop_process(m_proc, back);
      } else {
        back();
      }
    });
  };
  if (!m_proc) {
    start_new();
    return;
  }
  m_stopping = true;
  set_state(State::stopping);
  log_event("replacing: stopping the current instance first (restart strategy)");
  stop_process(m_proc, start_new);
}

void ServiceUnit::check_candidate(std::shared_ptr<Probe> probe, unsigned token) {
  probe->run([this, probe, token](bool ok, std::string detail) {
    if (token != m_candidate_token || !m_candidate_done) return;
    m_candidate_detail = detail;
    if (ok) {
      auto done = std::move(m_candidate_done);
      m_candidate_done = nullptr;
      done(true);
      return;
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(m_rt.io, m_svc.health.interval);
    timer->async_wait([this, timer, probe, token](const boost::system::error_code& ec) {
      if (!ec && token == m_candidate_token && m_candidate_done) check_candidate(probe, token);
    });
  });
}

void ServiceUnit::replace_blue_green(Launch next_launch, milliseconds timeout,
                                     std::function<void(bool, std::string, bool, pid_t)> done,
                                     std::function<void()> next_op) {
  try {
    m_candidate = spawn_instance(next_launch, "candidate");
  } catch (const Error& e) {
    log_event("new instance did not start: " + e.cause());
    done(false, "new instance did not start: " + e.cause(), true, pid());
    next_op();
    return;
  }
  log_event("new instance started (pid " + std::to_string(m_candidate->pid()) + ") beside pid " +
            std::to_string(m_proc->pid()));
  unsigned token = ++m_candidate_token;
  m_candidate_detail.clear();
  auto deadline = std::make_shared<boost::asio::steady_timer>(m_rt.io, timeout);
  m_candidate_done = [this, next_launch, timeout, done, next_op, deadline](bool ok) {
    deadline->cancel();
    ++m_candidate_token;
    if (!ok) {
      std::string why = "new instance did not become healthy within " + human(timeout) +
                        (m_candidate_detail.empty() ? "" : " (" + m_candidate_detail + ")");
      log_event(why + ": keeping the old one");
      auto cand = m_candidate;
      stop_process(cand, [this, why, done, next_op] {
        done(false, why, true, pid());
        next_op();
      });
      return;
    }
    auto old = m_proc;
    m_proc = m_candidate;
    m_candidate.reset();
    m_launch = next_launch;
    ++m_generation;
    m_probe_failures = 0;
    m_restarts.reset();
    m_probe = make_probe({m_rt.io, m_rt.pool, m_rt.reaper}, m_svc.health, m_launch.port, m_launch.spawn);
    m_healthy_now = false;
    mark_healthy();
    log_event("new instance (pid " + std::to_string(m_proc->pid()) + ") healthy: stopping pid " +
              std::to_string(old->pid()));
    if (m_probe) schedule_probe(m_svc.health.interval * 5);
    // `old` is captured so the Instance outlives its exit: when its pipes close
    // before it is reaped, nothing else holds it and the exit (and `done`) is lost.
    stop_process(old, [this, old, done, next_op] {
      (void)old;
      done(true, "", false, pid());
      next_op();
    });
  };
  deadline->async_wait([this, token](const boost::system::error_code& ec) {
    if (ec || token != m_candidate_token || !m_candidate_done) return;
    auto d = std::move(m_candidate_done);
    m_candidate_done = nullptr;
    d(false);
  });
  using Kind = config::HealthCheck::Kind;
  if (m_svc.health.kind == Kind::log) return;  // on_line matches the candidate's output
  if (m_svc.health.kind == Kind::none) {
    auto settle = std::make_shared<boost::asio::steady_timer>(m_rt.io, std::min(timeout / 2, milliseconds{1000}));
    settle->async_wait([this, settle, token](const boost::system::error_code& ec) {
      if (ec || token != m_candidate_token || !m_candidate_done || !m_candidate) return;
      auto d = std::move(m_candidate_done);
      m_candidate_done = nullptr;
      d(true);
    });
    return;
  }
  std::shared_ptr<Probe> probe =
      make_probe({m_rt.io, m_rt.pool, m_rt.reaper}, m_svc.health, next_launch.port, next_launch.spawn);
  auto first = std::make_shared<boost::asio::steady_timer>(m_rt.io, m_svc.health.initial_delay);
  first->async_wait([this, first, probe, token](const boost::system::error_code& ec) {
    if (!ec && token == m_candidate_token && m_candidate_done) check_candidate(probe, token);
  });
}

}  // namespace ftgo::supervisor
