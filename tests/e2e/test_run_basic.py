"""`ftgo run` in the foreground with real processes: order, environment,
restart policy and backoff, stop timeouts, orphans, probes, log floods."""
import os
import socket
import sys
import time


sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures", "run"))
from runkit import (PY, Run, alive, descendants, fixture, free_port, ftgo, make_workspace, pids_with_marker,  # noqa: E402
                    wait_gone)

MODE = os.environ.get("FTGO_TEST_KAFKA_MODE", "embedded")


def ws(tmp_path, services, **kw):
    return make_workspace(tmp_path / "ws", services, kafka_mode=MODE, **kw)


def started_pid(run, service):
    """The pid of the service's first start, from its `started (pid N)` line."""
    return int(run.events(service, "started (pid")[0][1].split("pid ")[1].rstrip(")"))


def test_env_variables_are_injected(tmp_path):
    port = free_port()  # not a fixed number: suites run in parallel (ctest -j2)
    root = ws(tmp_path, {
        "kitchen-service": {"run": "sleep 0.3", "port": "auto"},
        "order-service": {
            "run": "env | sort | grep -E '^(KAFKA_BOOTSTRAP_SERVERS|FTGO_[A-Z]+|PORT|KITCHEN_SERVICE_URL|LOG_LEVEL|FROM_FILE)='",
            "port": port, "env": {"LOG_LEVEL": "debug"}, "env_file": ".env",
            "files": {".env": "# comment\nFROM_FILE='hello world'\n"},
        },
    })
    run = Run(root)
    assert run.wait() == 0, run.text()
    out = run.text()
    assert "order-service | FTGO_SERVICE=order-service" in out
    assert f"order-service | FTGO_WORKSPACE={root}" in out
    assert f"order-service | PORT={port}" in out
    assert "order-service | LOG_LEVEL=debug" in out
    assert "order-service | FROM_FILE=hello world" in out
    assert "order-service | KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:" in out
    assert "order-service | KITCHEN_SERVICE_URL=http://127.0.0.1:" in out
    with open(os.path.join(root, ".ftgo", "logs", "order-service.log")) as f:
        assert f"PORT={port}" in f.read()


def test_dependencies_start_in_order_and_wait_for_completion(tmp_path):
    root = ws(tmp_path, {
        "api": {"run": "echo api-running", "depends_on": {"migrate": "completed", "cache": "healthy"}},
        "migrate": {"run": "sleep 0.5; echo migrated", "restart": "no"},
        "cache": {"run": "sleep 0.3; echo cache-ready; sleep 30", "health": {"log": "cache-ready"}},
    })
    run = Run(root)
    run.wait_for("api | completed", timeout=60)
    out = run.text()
    assert out.index("migrate | completed") < out.index("api | started")
    assert out.index("cache | healthy") < out.index("api | started")
    run.interrupt()
    assert run.wait() == 130


def test_a_failed_dependency_skips_its_dependents(tmp_path):
    root = ws(tmp_path, {
        "migrate": {"run": "echo broken; exit 4", "restart": "no"},
        "api": {"run": "echo should-not-run", "depends_on": {"migrate": "completed"}},
        "web": {"run": "echo nope", "depends_on": ["api"]},
    })
    run = Run(root)
    assert run.wait() == 1
    out = run.text()
    assert "migrate | exited with code 4" in out
    assert "api | skipped: dependency migrate failed (exited with code 4)" in out
    assert "web | skipped: dependency api skipped" in out
    assert "should-not-run" not in out


def test_crash_loop_backs_off_and_stops_at_the_restart_cap(tmp_path):
    root = ws(tmp_path, {
        "crasher": {"run": f"{PY} -c 'import time; print(time.monotonic_ns())' >> starts; echo boom; exit 3",
                    "restart": {"policy": "on-failure", "max_restarts": 3, "backoff": "200ms", "max_backoff": "5s"}},
    })
    run = Run(root)
    assert run.wait(120) == 1
    assert len(run.events("crasher", "| started (pid")) == 4, run.text()
    # Each copy notes when it started. The next one starts its backoff after this one exited,
    # so the gaps are at least 200, 400 and 800 ms whatever the load. (When this test read
    # its own pipe, a reader descheduled for a moment could shrink one gap below the last.)
    with open(os.path.join(root, "services", "crasher", "starts")) as f:
        starts = [int(l) for l in f.read().split()]
    assert len(starts) == 4, starts
    gaps_ms = [(b - a) / 1e6 for a, b in zip(starts, starts[1:])]
    assert all(gap >= delay for gap, delay in zip(gaps_ms, (200, 400, 800))), gaps_ms
    out = run.text()
    for n, delay in ((1, "200ms"), (2, "400ms"), (3, "800ms")):
        assert f"crasher | restarting in {delay} (restart {n}/3)" in out
    assert "crasher | failed: exited with code 3 after 3 restarts" in out


def test_a_stable_run_resets_the_restart_counter(tmp_path):
    script = ("n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs; echo run $n; "
              "if [ $n -eq 3 ]; then sleep 10.5; fi; exit 1")
    root = ws(tmp_path, {
        "flaky": {"run": script,
                  "restart": {"policy": "on-failure", "max_restarts": 2, "backoff": "100ms", "max_backoff": "1s"}},
    })
    run = Run(root)
    run.wait_for("flaky | run 4", timeout=60)
    assert run.wait(60) == 1
    out = run.text()
    # runs 1, 2 crash fast (restarts 1/2, 2/2); run 3 is stable, so its crash is restart 1/2 again
    assert out.count("restart 1/2") == 2, out
    assert "flaky | run 5" in out
    assert "run 6" not in out


def test_a_child_ignoring_sigterm_is_killed_after_its_timeout(tmp_path):
    root = ws(tmp_path, {
        "stubborn": {"run": "trap '' TERM; echo up; while true; do sleep 0.1; done",
                     "stop": {"signal": "SIGTERM", "timeout": "1s"}},
    })
    run = Run(root)
    run.wait_for("stubborn | up")
    pid = started_pid(run, "stubborn")
    run.interrupt()
    assert run.wait(30) == 130
    out = run.text()
    assert "stubborn | did not stop within 1s: sending SIGKILL" in out
    assert "stubborn | stopped (killed by SIGKILL)" in out
    assert not alive(pid)


def test_a_service_behind_a_shell_finishes_its_own_shutdown(tmp_path):
    # `run:` as a string goes through /bin/sh -c; the "; true" keeps the shell
    # as the group leader with the service as its child. Whichever of the two
    # ends first, the service must get its time to close (a Kafka consumer
    # commits and leaves its group there), not a SIGKILL.
    slow_close = ("import signal, sys, time\n"
                  "def close(*_):\n"
                  "    time.sleep(0.7)\n"
                  "    print('closed cleanly', flush=True)\n"
                  "    sys.exit(0)\n"
                  "signal.signal(signal.SIGTERM, close)\n"
                  "print('up', flush=True)\n"
                  "while True:\n"
                  "    time.sleep(0.1)\n")
    root = ws(tmp_path, {
        "consumer": {"run": f"{PY} slow_close.py; true", "stop": {"signal": "SIGTERM", "timeout": "10s"},
                     "files": {"slow_close.py": slow_close}},
    })
    run = Run(root)
    try:
        run.wait_for("consumer | up")
        ftgo("-C", root, "restart", "consumer")  # through the control socket, as a deploy's swap stops
        run.wait_for("consumer | up", timeout=60, start=run.wait_for("consumer | stopped") + 1)
        out = run.text()
        assert "consumer | closed cleanly" in out, out
        assert "SIGKILL" not in out, out
    finally:
        run.interrupt()
        run.wait(30)


def test_a_grandchild_holding_the_output_pipe_does_not_hang_the_exit(tmp_path):
    marker = f"grandchild-{os.getpid()}-{time.time_ns()}"
    root = ws(tmp_path, {
        "parent": {"run": f"bash -c 'exec -a {marker} sleep 300' & echo spawned; sleep 0.5; exit 3", "restart": "no"},
    })
    run = Run(root)
    assert run.wait(30) == 1
    assert "parent | exited with code 3" in run.text()
    assert "parent | spawned" in run.text()
    assert wait_gone(pids_with_marker(marker), 5) == []


def test_sigkill_of_ftgo_leaves_no_process_behind(tmp_path):
    root = ws(tmp_path, {
        "a": {"run": "sleep 300 & sleep 300 & echo a-up; wait"},
        "b": {"run": "sh -c 'sleep 300; true' & echo b-up; sleep 300"},
    })
    run = Run(root)
    run.wait_for("a | a-up")
    run.wait_for("b | b-up")
    time.sleep(0.2)
    pids = descendants(run.proc.pid)
    assert len(pids) >= 6, pids
    run.proc.kill()
    run.proc.wait()
    assert wait_gone(pids, 10) == []


def test_ctrl_c_during_startup_stops_while_dependents_wait(tmp_path):
    root = ws(tmp_path, {
        "slow": {"run": "echo starting; sleep 300", "health": {"log": "never printed", "interval": "1s"}},
        "api": {"run": "echo api", "depends_on": {"slow": "healthy"}},
    })
    run = Run(root)
    run.wait_for("slow | started")
    pid = started_pid(run, "slow")
    run.interrupt()
    assert run.wait(30) == 130
    out = run.text()
    assert "api | stopped" in out
    assert "slow | stopped" in out
    assert "api | started" not in out
    assert not alive(pid)


def test_a_probe_that_never_passes_fails_the_service_and_skips_dependents(tmp_path):
    root = ws(tmp_path, {
        "never": {"run": "sleep 300", "health": {"exec": "exit 1", "interval": "100ms", "retries": 2},
                  "restart": {"policy": "on-failure", "max_restarts": 1, "backoff": "100ms", "max_backoff": "1s"}},
        "api": {"run": "echo api", "depends_on": {"never": "healthy"}},
    })
    run = Run(root)
    assert run.wait(60) == 1
    out = run.text()
    assert "never | unhealthy: exited with code 1 (2 checks failed, never healthy)" in out
    assert "never | restarting in 100ms (restart 1/1)" in out
    assert "never | failed: unhealthy after 1 restarts" in out
    assert "api | skipped: dependency never failed" in out


def test_a_flapping_probe_restarts_the_service(tmp_path):
    root = ws(tmp_path, {
        "flappy": {"run": [PY, fixture("http_health.py"), "--flap", "2"], "port": "auto",
                   "health": {"http": "/health", "interval": "100ms", "timeout": "1s", "retries": 2,
                              "initial_delay": "1500ms"},
                   "restart": {"policy": "on-failure", "max_restarts": 1, "backoff": "100ms", "max_backoff": "1s"}},
    })
    run = Run(root)
    assert run.wait(60) == 1
    out = run.text()
    healthy = out.count("flappy | healthy")
    assert healthy == 2, out
    assert "flappy | unhealthy: GET /health: HTTP 500 (2 checks failed)" in out
    assert "flappy | restarting in 100ms (restart 1/1)" in out
    assert "flappy | failed: unhealthy after 1 restarts" in out


def test_a_malformed_probe_is_a_config_error(tmp_path):
    root = ws(tmp_path, {"bad": {"run": "true", "health": {"log": "(["}}})
    r = ftgo("-C", root, "run")
    assert r.returncode == 2
    assert "service.yaml" in r.stderr and "health.log" in r.stderr
    assert not os.path.exists(os.path.join(root, ".ftgo", "run", "ftgo.pid"))


def test_a_log_flood_with_partial_lines_and_invalid_utf8(tmp_path):
    root = ws(tmp_path, {
        "flood": {"run": [PY, fixture("flood.py")], "restart": "no"},
        "ticker": {"run": "for i in 1 2 3 4 5; do echo tick $i; sleep 0.05; done", "restart": "no"},
    })
    run = Run(root)
    assert run.wait(120) == 0, run.text()[-2000:]
    with open(os.path.join(root, ".ftgo", "logs", "flood.log"), "rb") as f:
        lines = f.read().split(b"\n")
    body = [l for l in lines if not l.startswith(b"[ftgo]")]
    assert body[0] == b"line 0 of the flood"
    assert b"line 99999 of the flood" in body
    longs = [l for l in body if l.startswith(b"LLLL")]
    assert [len(l) for l in longs] == [65536, 65536, 150 * 1024 - 2 * 65536]
    assert b"bad utf8: \xff\xfe\xc3(" in body
    assert b"flood done" in body
    for i in range(100000):
        if i % 997 == 0:
            assert b"line %d of the flood" % i in body
    assert "ticker | tick 5" in run.text()


def test_a_port_in_use_fails_the_service(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        root = ws(tmp_path, {"web": {"run": "echo never", "port": port}})
        run = Run(root)
        assert run.wait(30) == 1
        assert f"web | failed: port {port} is already in use" in run.text()
