#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>

#include "scaffold/command.hpp"
#include "util/error.hpp"

using namespace ftgo::scaffold;

TEST_CASE("an interrupt guard turns SIGTERM into an interrupted error and restores the handler",
          "[scaffold][interrupt]") {
  struct sigaction before {};
  sigaction(SIGTERM, nullptr, &before);
  {
    InterruptGuard guard("svc", "stopped");
    CHECK_NOTHROW(guard.check());
    REQUIRE(::raise(SIGTERM) == 0);  // caught: the test binary lives on
    try {
      guard.check();
      FAIL("no error after SIGTERM");
    } catch (const ftgo::Error& e) {
      CHECK(e.code() == ftgo::ExitCode::interrupted);
      CHECK(std::string(e.what_failed()) == "interrupted");
      CHECK(e.where() == "svc");
      CHECK(e.cause() == "stopped");
    }
  }
  struct sigaction after {};
  sigaction(SIGTERM, nullptr, &after);
  CHECK(after.sa_handler == before.sa_handler);
  InterruptGuard fresh("svc", "stopped");  // a new guard starts clean
  CHECK_NOTHROW(fresh.check());
}

TEST_CASE("a command interrupted by a signal to ftgo is stopped with its children", "[scaffold][interrupt]") {
  InterruptGuard guard("svc", "stopped");
  // The shell signals its parent (the test binary) mid-command: the guard
  // passes SIGTERM on to the command's group, so `sleep` does not run out.
  auto r = run_shell("sleep 60 & kill -TERM $PPID; wait; echo not-stopped", std::filesystem::temp_directory_path());
  CHECK(r.exit_code == 128 + SIGTERM);
  CHECK(r.output.find("not-stopped") == std::string::npos);
  CHECK_THROWS_AS(guard.check(), ftgo::Error);
}
