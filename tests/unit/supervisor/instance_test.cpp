// Instance with real processes: how the end of a process group is handled
// when the leader is a `sh -c` (dash does not exec the last command, so the
// shell leads the group and the service is its child).
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>
#include <chrono>
#include <vector>

#include "supervisor/instance.hpp"
#include "supervisor/reaper.hpp"
#include "supervisor/spawn.hpp"

using namespace ftgo::supervisor;

namespace {

struct Harness {
  boost::asio::io_context io;
  Reaper reaper{io};
  std::vector<std::string> lines;
  std::optional<int> status;
  std::shared_ptr<Instance> inst;

  explicit Harness(const std::string& script) {
    SpawnSpec spec;
    spec.argv = {"/bin/sh", "-c", script};
    spec.cwd = "/";
    spec.env = {{"PATH", std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin"}};
    Instance::Hooks hooks;
    hooks.on_line = [this](std::string_view l) { lines.emplace_back(l); };
    hooks.on_exit = [this](int s) { status = s; };
    inst = Instance::start(io, reaper, spec, std::move(hooks));
  }
  ~Harness() {
    if (inst) inst->signal_group(SIGKILL);
    if (inst && !status) run_until([this] { return status.has_value(); });
  }

  bool saw(const std::string& line) const { return std::find(lines.begin(), lines.end(), line) != lines.end(); }

  // Runs the loop until `done` holds; a 20 s backstop keeps a broken build
  // from hanging the suite (the assertion after it then fails).
  template <class Pred>
  void run_until(Pred done) {
    boost::asio::steady_timer backstop(io, std::chrono::seconds(20));
    bool expired = false;
    backstop.async_wait([&](const boost::system::error_code& ec) { expired = !ec; });
    io.restart();
    while (!done() && !expired) io.run_one();
    backstop.cancel();
    io.poll();
  }
};

// The inner shell is the "service": TERM makes it finish its work (a short
// sleep stands for a Kafka consumer's commit and LeaveGroup), then say so.
const std::string k_graceful =
    "sh -c 'trap \"sleep 0.3; echo closed; exit 0\" TERM; echo ready; while :; do sleep 0.05; done'";

}  // namespace

TEST_CASE("a stop lets the service behind a sh -c finish after the shell died", "[supervisor][instance]") {
  Harness h(k_graceful);
  h.run_until([&] { return h.saw("ready"); });
  REQUIRE(h.saw("ready"));
  h.inst->signal_group(SIGTERM);
  h.run_until([&] { return h.status.has_value(); });
  REQUIRE(h.status.has_value());
  CHECK(WIFSIGNALED(*h.status));  // the shell itself died of the SIGTERM
  CHECK(h.saw("closed"));         // but its child was not killed before it had finished
  CHECK_FALSE(h.inst->group_running());
  CHECK_FALSE(group_alive(h.inst->pid()));
}

TEST_CASE("a stopped group that ignores the stop signal ends with the caller's SIGKILL", "[supervisor][instance]") {
  Harness h("sh -c 'trap \"\" TERM; echo ready; while :; do sleep 0.05; done'");
  h.run_until([&] { return h.saw("ready"); });
  REQUIRE(h.saw("ready"));
  h.inst->signal_group(SIGTERM);
  h.run_until([&] { return h.inst->exited(); });
  REQUIRE(h.inst->exited());
  // The leader is gone, the rest of its group is not: the instance has not ended.
  CHECK(h.inst->group_running());
  CHECK_FALSE(h.status.has_value());
  h.inst->signal_group(SIGKILL);
  h.run_until([&] { return h.status.has_value(); });
  REQUIRE(h.status.has_value());
  CHECK_FALSE(h.inst->group_running());
}

TEST_CASE("a leader that exits on its own takes what is left of its group with it", "[supervisor][instance]") {
  Harness h("sleep 30 & echo started");
  h.run_until([&] { return h.status.has_value(); });
  REQUIRE(h.status.has_value());
  CHECK(WIFEXITED(*h.status));
  CHECK(h.saw("started"));
  CHECK_FALSE(h.inst->group_running());
  // The SIGKILL is sent when the leader is reaped; the kernel ends the
  // background sleep a moment later, so wait for it (bounded) before checking.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (group_alive(h.inst->pid()) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK_FALSE(group_alive(h.inst->pid()));
}
