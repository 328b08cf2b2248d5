#include "supervisor/restart_policy.hpp"

#include <algorithm>

#include "util/duration.hpp"

namespace ftgo::supervisor {

std::string human(Millis d) {
  auto ms = d.count();
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return util::format_duration(d);
}

Millis backoff_delay(const config::Restart& spec, int attempt) {
  Millis d = spec.backoff;
  for (int i = 1; i < attempt && d < spec.max_backoff; ++i) d *= 2;
  return std::min(d, std::max(spec.max_backoff, spec.backoff));
}

RestartDecision RestartTracker::on_exit(int code, Millis uptime) {
  if (uptime >= k_stable_run) m_count = 0;
  bool wanted = m_spec.policy == config::RestartPolicy::always ||
                (m_spec.policy == config::RestartPolicy::on_failure && code != 0);
  if (!wanted) return {};
  if (m_spec.max_restarts >= 0 && m_count >= m_spec.max_restarts) return {};
  ++m_count;
  ++m_total;
  return {true, backoff_delay(m_spec, m_count), m_count};
}

}  // namespace ftgo::supervisor
