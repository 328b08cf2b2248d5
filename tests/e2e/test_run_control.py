"""`ftgo run -d` and the control socket: ps, logs, restart, stop, down,
replace, a second run, a stale socket, concurrent requests."""
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures", "run"))
from runkit import (PY, alive, down, fixture, ftgo, make_workspace, pids_in_dir, wait_gone)  # noqa: E402

MODE = os.environ.get("FTGO_TEST_KAFKA_MODE", "embedded")


def ws(tmp_path, services, **kw):
    return make_workspace(tmp_path / "ws", services, kafka_mode=MODE, **kw)


def send(root, request, timeout=60):
    """Sends one request on the control socket; returns the socket to read the replies from."""
    path = os.path.join(root, ".ftgo", "run", "control.sock")
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    # The path may be longer than sun_path: connect through the directory's descriptor.
    dir_fd = os.open(os.path.dirname(path), os.O_PATH | os.O_DIRECTORY)
    try:
        s.connect(f"/proc/self/fd/{dir_fd}/control.sock")
    finally:
        os.close(dir_fd)
    s.sendall((json.dumps(request) + "\n").encode())
    return s


def replies(s):
    """Every reply line on s, until the server closes it."""
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return [json.loads(l) for l in data.decode().splitlines() if l]


def control(root, request, timeout=60):
    """Sends one request on the control socket; returns every reply line."""
    return replies(send(root, request, timeout))


def count_in(log, needle):
    with open(log) as f:
        return f.read().count(needle)


def wait_for_line(log, needle, seen, timeout=30):
    """Waits for svc's log to hold more than `seen` lines with needle, written as a stop or a
    restart begins stopping the copy. (Polling `ftgo ps` for the "stopping" state could miss
    the one second it lasts when one `ps` takes that long on a loaded machine.)"""
    deadline = time.monotonic() + timeout
    while count_in(log, needle) <= seen:
        assert time.monotonic() < deadline, f"no new {needle!r} in svc's log:\n{open(log).read()}"
        time.sleep(0.01)


def ps(root):
    r = ftgo("-C", root, "ps", "--json", check=0)
    return {s["name"]: s for s in json.loads(r.stdout)["services"]}


def test_detached_run_ps_logs_and_down(tmp_path):
    root = ws(tmp_path, {
        "web": {"run": [PY, fixture("http_health.py"), "--tag", "web"], "port": "auto",
                "health": {"http": "/health", "interval": "200ms", "initial_delay": "300ms", "retries": 10}},
        "worker": {"run": "echo worker up; sleep 300", "depends_on": {"web": "healthy"}},
    })
    r = ftgo("-C", root, "run", "-d", timeout=120)
    try:
        assert r.returncode == 0, r.stderr
        assert "running in the background" in r.stderr
        services = ps(root)
        assert services["web"]["state"] == "healthy"
        assert services["web"]["health"] == "healthy"
        assert services["web"]["port"] > 0
        assert services["worker"]["state"] == "running"
        assert services["worker"]["health"] == "none"
        for s in (services["web"], services["worker"]):
            assert alive(s["pid"]) and s["restarts"] == 0 and s["uptime_ms"] >= 0
        human = ftgo("-C", root, "ps", check=0).stdout
        assert human.splitlines()[0].split() == ["SERVICE", "STATE", "PID", "RESTARTS", "UPTIME", "PORT", "HEALTH"]
        # `run -d` returns once the worker is spawned; its first line reaches the log when the
        # daemon has read it from the worker's pipe, a moment later on a busy machine.
        deadline = time.monotonic() + 30
        while "worker up" not in (logs := ftgo("-C", root, "logs", "worker", "-n", "5", check=0).stdout):
            assert time.monotonic() < deadline, f"no 'worker up' in the worker's log: {logs}"
            time.sleep(0.05)
        again = ftgo("-C", root, "run", timeout=30)
        assert again.returncode == 1
        daemon = int(open(os.path.join(root, ".ftgo", "run", "ftgo.pid")).read())
        assert f"already running: {root}: pid {daemon}" in again.stderr
        pids = [s["pid"] for s in services.values()]
    finally:
        d = ftgo("-C", root, "down", timeout=120)
    assert d.returncode == 0, d.stderr
    assert wait_gone(pids + [daemon], 5) == []
    assert not os.path.exists(os.path.join(root, ".ftgo", "run", "control.sock"))
    assert not os.path.exists(os.path.join(root, ".ftgo", "run", "ftgo.pid"))
    # logs work from the files when nothing runs
    assert "worker up" in ftgo("-C", root, "logs", "worker", check=0).stdout
    assert ftgo("-C", root, "down").returncode == 0
    assert json.loads(ftgo("-C", root, "ps", "--json", check=0).stdout) == {"running": False, "services": []}


def test_detached_run_reports_a_failing_service(tmp_path):
    root = ws(tmp_path, {"bad": {"run": "echo missing config file; exit 2", "restart": "no"},
                         "ok": {"run": "sleep 300"}})
    r = ftgo("-C", root, "run", "-d", timeout=120)
    try:
        assert r.returncode == 1
        assert "service did not start: bad: exited with code 2" in r.stderr
        assert "missing config file" in r.stderr
    finally:
        down(root)


def test_a_stale_control_socket_is_cleaned(tmp_path):
    root = ws(tmp_path, {"svc": {"run": "sleep 300"}})
    assert ftgo("-C", root, "run", "-d", timeout=120).returncode == 0
    daemon = int(open(os.path.join(root, ".ftgo", "run", "ftgo.pid")).read())
    svc_pid = ps(root)["svc"]["pid"]
    os.kill(daemon, 9)
    assert wait_gone([daemon, svc_pid], 10) == []
    assert os.path.exists(os.path.join(root, ".ftgo", "run", "control.sock"))
    r = ftgo("-C", root, "restart", "svc")
    assert r.returncode == 1 and "nothing is running" in r.stderr
    try:
        r = ftgo("-C", root, "run", "-d", timeout=120)
        assert r.returncode == 0, r.stderr
        assert ps(root)["svc"]["state"] == "running"
    finally:
        down(root)


def service_now(root, svc_dir):
    """The copies /proc shows, then ps's view of svc. With no command pending both
    hold still: when the service runs, exactly its ps pid is there; when stopped,
    nothing is."""
    copies = pids_in_dir(svc_dir)
    s = control(root, {"cmd": "ps"})[0]["services"]
    s = next(x for x in s if x["name"] == "svc")
    return s["state"], s["pid"], copies


def test_concurrent_restart_and_stop_never_leave_two_copies(tmp_path):
    """Two clients send restart and stop at once on the control socket (what
    `ftgo restart/stop` send), round after round. A unit runs one command at a time
    in arrival order and answers each once it has taken effect (restart: the new copy
    exec'd; stop: the copy gone), so the moment both clients are answered, ps and
    /proc already agree: no waiting. Copies are counted by working directory: a
    marker in the command line reads empty while bash execs (what once failed here)."""
    root = ws(tmp_path, {"svc": {"run": ["bash", "-c", "exec -a svc-copy sleep 300"], "stop": {"timeout": "2s"}}})
    svc_dir = os.path.join(root, "services", "svc")
    assert ftgo("-C", root, "run", "-d", timeout=120).returncode == 0
    try:
        def round_of(verbs_a, verbs_b):
            results, lock, now = [], threading.Lock(), []

            def client(verbs):
                for v in verbs:
                    try:
                        results.append((v, control(root, {"cmd": v, "service": "svc"}, timeout=30)))
                    except OSError as e:  # no answer: recorded, so the assertion below names it
                        results.append((v, repr(e)))
                        return
                with lock:
                    if len(results) == len(verbs_a) + len(verbs_b):
                        now.append(service_now(root, svc_dir))  # the instant the last answer came

            threads = [threading.Thread(target=client, args=(v,)) for v in (verbs_a, verbs_b)]
            for t in threads:
                t.start()
            seen = 0
            while any(t.is_alive() for t in threads):
                seen = max(seen, len(pids_in_dir(svc_dir)))
                time.sleep(0.005)
            for t in threads:
                t.join()
            assert len(results) == len(verbs_a) + len(verbs_b) and all(r == [{"ok": True}] for _, r in results), results
            assert seen <= 1
            return now[0]

        # Each client's last command is a restart, so the last one run is one.
        for _ in range(8):
            state, pid, copies = round_of(["restart", "stop", "restart"], ["restart", "stop", "restart"])
            assert state == "running" and pid is not None and copies == [pid], (state, pid, copies)
        # Either may be last: whichever, ps and /proc agree.
        for _ in range(8):
            state, pid, copies = round_of(["stop", "restart"], ["restart", "stop"])
            if state == "running":
                assert pid is not None and copies == [pid], (state, pid, copies)
            else:
                assert state == "stopped" and pid is None and copies == [], (state, pid, copies)
    finally:
        down(root)
    assert pids_in_dir(svc_dir) == []


def test_the_command_run_last_wins(tmp_path):
    """A stop that lands while a restart is between kill and spawn queues behind it:
    the restart spawns its copy and answers, then the stop stops that copy. A restart
    that lands during a stop runs after it and leaves one copy running. The stop
    signal (SIGWINCH, 28) is ignored by sleep, so every stop lasts its whole timeout
    and the second command surely lands inside the first."""
    root = ws(tmp_path, {"svc": {"run": ["sleep", "300"], "stop": {"signal": 28, "timeout": "1s"}}})
    svc_dir = os.path.join(root, "services", "svc")
    log = os.path.join(root, ".ftgo", "logs", "svc.log")
    assert ftgo("-C", root, "run", "-d", timeout=120).returncode == 0
    try:
        first = ps(root)["svc"]["pid"]
        restarting = count_in(log, "restarting (requested)")
        restart = send(root, {"cmd": "restart", "service": "svc"})
        wait_for_line(log, "restarting (requested)", restarting)  # the restart waits for `first` to exit
        stop = send(root, {"cmd": "stop", "service": "svc"})
        assert replies(restart) == [{"ok": True}]
        # Answered once its copy was spawned (the log line is written before the answer).
        started = [l for l in open(log).read().splitlines() if "started (pid" in l]
        second = int(started[-1].split("(pid ")[1].rstrip(")"))
        assert second != first
        assert replies(stop) == [{"ok": True}]
        assert service_now(root, svc_dir) == ("stopped", None, [])
        assert not alive(second)
        text = open(log).read()
        assert text.index("restarting (requested)") < text.index(f"started (pid {second})") < \
            text.rindex("stopping (SIGWINCH)")

        restart = send(root, {"cmd": "restart", "service": "svc"})
        assert replies(restart) == [{"ok": True}]
        third = ps(root)["svc"]["pid"]
        stopping = count_in(log, "stopping (SIGWINCH)")
        stop = send(root, {"cmd": "stop", "service": "svc"})
        wait_for_line(log, "stopping (SIGWINCH)", stopping)  # the stop waits for `third` to exit
        restart = send(root, {"cmd": "restart", "service": "svc"})
        assert replies(stop) == [{"ok": True}]
        assert replies(restart) == [{"ok": True}]
        state, pid, copies = service_now(root, svc_dir)
        assert state == "running" and pid not in (None, third) and copies == [pid], (state, pid, copies)
        assert not alive(third)
    finally:
        down(root)
    assert pids_in_dir(svc_dir) == []


def test_stop_one_then_restart_it(tmp_path):
    root = ws(tmp_path, {"a": {"run": "sleep 300"}, "b": {"run": "sleep 300"}})
    assert ftgo("-C", root, "run", "-d", timeout=120).returncode == 0
    try:
        pid = ps(root)["a"]["pid"]
        ftgo("-C", root, "stop", "a", check=0)
        assert not alive(pid)
        s = ps(root)
        assert s["a"]["state"] == "stopped" and s["b"]["state"] == "running"
        ftgo("-C", root, "restart", "a", check=0)
        assert ps(root)["a"]["state"] == "running"
        r = ftgo("-C", root, "restart", "nope")
        assert r.returncode == 2 and "unknown service: nope" in r.stderr  # bad input (DESIGN.md)
        ftgo("-C", root, "stop", check=0)
        s = ps(root)
        assert s["a"]["state"] == "stopped" and s["b"]["state"] == "stopped"
    finally:
        down(root)


def test_replace_blue_green_and_rollback(tmp_path):
    root = ws(tmp_path, {
        "web": {"run": [PY, fixture("http_health.py"), "--tag", "v1"], "port": "auto",
                "health": {"http": "/health", "interval": "200ms", "initial_delay": "300ms", "retries": 10}},
    })
    assert ftgo("-C", root, "run", "-d", timeout=120).returncode == 0
    try:
        old = ps(root)["web"]
        reply = control(root, {"cmd": "replace", "service": "web", "dir": root,
                               "run": [PY, fixture("http_health.py"), "--tag", "v2"],
                               "env": {"VERSION": "2"}, "strategy": "blue-green", "health_timeout_ms": 20000})
        assert reply[0]["ok"] is True, reply
        assert reply[0]["strategy"] == "blue-green"
        new = ps(root)["web"]
        assert new["pid"] == reply[0]["pid"] != old["pid"]
        assert new["port"] != old["port"]
        assert not alive(old["pid"])
        assert "listening on %d v2" % new["port"] in ftgo("-C", root, "logs", "web", check=0).stdout
        bad = control(root, {"cmd": "replace", "service": "web", "run": "echo broken; sleep 300",
                             "strategy": "blue-green", "health_timeout_ms": 1500})
        assert bad[0]["ok"] is False and bad[0]["rolled_back"] is True, bad
        after = ps(root)["web"]
        assert after["pid"] == new["pid"] and alive(new["pid"]) and after["state"] == "healthy"
        assert control(root, {"cmd": "replace", "service": "nope"})[0]["ok"] is False
    finally:
        down(root)


def test_logs_follow_streams_until_down(tmp_path):
    root = ws(tmp_path, {"talker": {"run": "i=0; while true; do i=$((i+1)); echo msg $i; sleep 0.1; done"}})
    assert ftgo("-C", root, "run", "-d", timeout=120).returncode == 0
    env = dict(os.environ, NO_COLOR="1")
    from runkit import FTGO_BIN
    follower = subprocess.Popen([FTGO_BIN, "-C", root, "logs", "talker", "-f", "-n", "1"], stdout=subprocess.PIPE,
                                text=True, env=env)
    try:
        first = follower.stdout.readline()
        assert first.startswith("msg") or first.startswith("[ftgo]")
        later = [follower.stdout.readline() for _ in range(5)]
        assert all(l.startswith("msg") for l in later), later
    finally:
        down(root)
    assert follower.wait(10) == 0
