#include <catch2/catch.hpp>

#include "supervisor/restart_policy.hpp"

using namespace ftgo::supervisor;
using ftgo::config::Restart;
using ftgo::config::RestartPolicy;
using std::chrono::milliseconds;

namespace {
Restart spec(RestartPolicy p, int max, int backoff_ms, int max_backoff_ms) {
  Restart r;
  r.policy = p;
  r.max_restarts = max;
  r.backoff = milliseconds(backoff_ms);
  r.max_backoff = milliseconds(max_backoff_ms);
  return r;
}
}  // namespace

TEST_CASE("backoff doubles up to the maximum", "[supervisor][restart]") {
  auto r = spec(RestartPolicy::on_failure, 10, 500, 3000);
  CHECK(backoff_delay(r, 1) == milliseconds(500));
  CHECK(backoff_delay(r, 2) == milliseconds(1000));
  CHECK(backoff_delay(r, 3) == milliseconds(2000));
  CHECK(backoff_delay(r, 4) == milliseconds(3000));
  CHECK(backoff_delay(r, 40) == milliseconds(3000));
}

TEST_CASE("on-failure restarts failures up to max_restarts, then gives up", "[supervisor][restart]") {
  RestartTracker t(spec(RestartPolicy::on_failure, 2, 100, 1000));
  auto a = t.on_exit(1, milliseconds(5));
  CHECK(a.restart);
  CHECK(a.attempt == 1);
  CHECK(a.delay == milliseconds(100));
  auto b = t.on_exit(1, milliseconds(5));
  CHECK(b.restart);
  CHECK(b.delay == milliseconds(200));
  CHECK_FALSE(t.on_exit(1, milliseconds(5)).restart);
  CHECK(t.total() == 2);
}

TEST_CASE("on-failure does not restart a clean exit; always does", "[supervisor][restart]") {
  RestartTracker f(spec(RestartPolicy::on_failure, 5, 100, 1000));
  CHECK_FALSE(f.on_exit(0, milliseconds(5)).restart);
  RestartTracker a(spec(RestartPolicy::always, 5, 100, 1000));
  CHECK(a.on_exit(0, milliseconds(5)).restart);
  RestartTracker n(spec(RestartPolicy::no, 5, 100, 1000));
  CHECK_FALSE(n.on_exit(1, milliseconds(5)).restart);
}

TEST_CASE("a stable run resets the counter and the backoff", "[supervisor][restart]") {
  RestartTracker t(spec(RestartPolicy::on_failure, 2, 100, 1000));
  t.on_exit(1, milliseconds(5));
  t.on_exit(1, milliseconds(5));
  auto after_stable = t.on_exit(1, k_stable_run);
  CHECK(after_stable.restart);
  CHECK(after_stable.attempt == 1);
  CHECK(after_stable.delay == milliseconds(100));
  CHECK(t.total() == 3);
}

TEST_CASE("a negative max_restarts means no limit", "[supervisor][restart]") {
  RestartTracker t(spec(RestartPolicy::always, -1, 1, 2));
  for (int i = 0; i < 100; ++i) REQUIRE(t.on_exit(1, milliseconds(1)).restart);
}

TEST_CASE("event durations read naturally", "[supervisor][restart]") {
  CHECK(human(milliseconds(200)) == "200ms");
  CHECK(human(milliseconds(2000)) == "2s");
  CHECK(human(milliseconds(1500)) == "1.5s");
}
