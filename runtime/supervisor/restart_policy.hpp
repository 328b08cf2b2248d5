#pragma once
// The restart decision for one service, as a value the supervisor asks after
// each exit. Backoff doubles from `backoff` up to `max_backoff`; a run that
// lasted k_stable_run (10 s) counts as stable and resets the counter and the
// backoff; after `max_restarts` restarts (negative: unlimited) the service is
// failed. Pure: no clock of its own, so it is tested exactly.
#include <chrono>
#include <string>

#include "config/config.hpp"

namespace ftgo::supervisor {

using Millis = std::chrono::milliseconds;

inline constexpr Millis k_stable_run{10'000};

struct RestartDecision {
  bool restart = false;
  Millis delay{0};
  int attempt = 0;  // 1-based number of this restart (after a reset: 1 again)
};

class RestartTracker {
 public:
  explicit RestartTracker(config::Restart spec) : m_spec(spec) {}

  // After an exit with `code` (-1 when killed by a signal or declared
  // unhealthy: a failure) following a run of `uptime`.
  RestartDecision on_exit(int code, Millis uptime);
  // Restarts counted since the last stable run (what `ps` shows is the total).
  int count() const { return m_count; }
  int total() const { return m_total; }
  void reset() { m_count = 0; }
  const config::Restart& spec() const { return m_spec; }
  void set_spec(config::Restart spec) { m_spec = spec; }

 private:
  config::Restart m_spec;
  int m_count = 0;
  int m_total = 0;
};

// "200ms", "2s", "1.5s": durations in supervisor events.
std::string human(Millis d);

// backoff * 2^(attempt-1), capped at max_backoff.
Millis backoff_delay(const config::Restart& spec, int attempt);

}  // namespace ftgo::supervisor
