#include "pipeline/live.hpp"

#include <fmt/format.h>

#include <chrono>
#include <future>

#include "config/loader.hpp"
#include "supervisor/control.hpp"
#include "util/duration.hpp"
#include "util/error.hpp"

namespace ftgo::pipeline {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

// True when the running supervisor manages `service` (a `ftgo run a b` does
// not manage c: deploying c then only makes its release current).
bool supervised(const fs::path& root, const std::string& service) {
  auto reply = supervisor::control_request(root, {{"cmd", "ps"}}, 10'000);
  if (!reply.value("ok", false) || !reply.contains("services")) return false;
  for (const auto& s : reply["services"])
    if (s.value("name", "") == service) return true;
  return false;
}

nlohmann::json run_of(const config::Service& svc) {
  if (svc.run_is_shell && !svc.run.empty()) return svc.run.front();
  return svc.run;
}

}  // namespace

std::string to_string(config::DeploySpec::Strategy s) {
  return s == config::DeploySpec::Strategy::restart ? "restart" : "blue-green";
}

config::Service service_for_release(const config::Service& svc, const fs::path& release_dir) {
  std::error_code ec;
  if (!fs::is_regular_file(release_dir / "service.yaml", ec)) return svc;
  config::Service released = config::load_service(release_dir / "service.yaml");
  released.name = svc.name;
  return released;
}

LiveResult go_live(const config::Workspace& ws, const config::Service& svc, const config::DeploySpec& spec,
                   ReleaseStore& store, const std::string& id, Console& console) {
  LiveResult result;
  bool active = false;
  try {
    active = supervisor::run_is_active(ws.root) && supervised(ws.root, svc.name);
  } catch (const Error&) {
    active = false;  // the run went away between the two checks
  }
  if (!active) {
    store.set_current(id);
    console.line(fmt::format("==> {}: release {} is current (not running: the next 'ftgo run' starts it)", svc.name, id));
    return result;
  }

  result.live = true;
  const std::string strategy = to_string(spec.strategy);
  nlohmann::json request = {{"cmd", "replace"},
                            {"service", svc.name},
                            {"dir", store.dir_of(id).string()},
                            {"run", run_of(svc)},
                            {"env", svc.env},
                            {"strategy", strategy},
                            {"health_timeout_ms", spec.health_timeout.count()}};
  console.line(fmt::format("==> {}: swapping in release {} ({}, health timeout {})", svc.name, id, strategy,
                           util::format_duration(spec.health_timeout)));
  // The supervisor answers once the new instance is healthy and the old one
  // stopped: allow the health wait plus both stop timeouts and a margin.
  int timeout_ms = static_cast<int>(spec.health_timeout.count() + 2 * svc.stop.timeout.count() + 30'000);
  const auto start = std::chrono::steady_clock::now();
  auto reply_future = std::async(std::launch::async, [&] {
    return supervisor::control_request(ws.root, request, timeout_ms);
  });
  while (reply_future.wait_for(milliseconds(100)) != std::future_status::ready) {
    auto waited = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    console.progress(fmt::format("swap {}: waiting for the new instance, {:.1f}s", svc.name, waited.count() / 1000.0));
  }
  console.clear_progress();
  nlohmann::json reply;
  try {
    reply = reply_future.get();
  } catch (const Error& e) {
    result.ok = false;
    result.error = "the running 'ftgo run' did not answer: " + e.cause();
    return result;
  }
  if (reply.value("ok", false)) {
    store.set_current(id);
    if (reply.contains("pid") && reply["pid"].is_number_integer()) result.pid = reply["pid"].get<int>();
    console.line(fmt::format("==> {}: release {} is live (pid {}, {})", svc.name, id,
                             result.pid ? std::to_string(*result.pid) : "?", reply.value("strategy", strategy)));
    return result;
  }
  result.ok = false;
  result.rolled_back = reply.value("rolled_back", false);
  result.error = reply.value("error", std::string("the supervisor refused the release"));
  console.line(fmt::format("==> {}: {}{}", svc.name, result.error,
                           result.rolled_back ? ": rolled back, the old instance keeps serving" : ""));
  return result;
}

}  // namespace ftgo::pipeline
