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
from runkit import (PY, alive, down, fixture, ftgo, make_workspace, pids_with_marker, wait_gone)  # noqa: E402

MODE = os.environ.get("FTGO_TEST_KAFKA_MODE", "embedded")


def ws(tmp_path, services, **kw):
    return make_workspace(tmp_path / "ws", services, kafka_mode=MODE, **kw)


def control(root, request, timeout=60):
    """Sends one request on the control socket; returns every reply line."""
    path = os.path.join(root, ".ftgo", "run", "control.sock")
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    cwd = os.getcwd()
    try:
        os.chdir(os.path.dirname(path))  # the path may be longer than sun_path
        s.connect("control.sock")
    finally:
        os.chdir(cwd)
    s.sendall((json.dumps(request) + "\n").encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return [json.loads(l) for l in data.decode().splitlines() if l]


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
        logs = ftgo("-C", root, "logs", "worker", "-n", "5", check=0).stdout
        assert "worker up" in logs
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


def test_concurrent_restart_and_stop_never_leave_two_copies(tmp_path):
    marker = f"copy-{os.getpid()}-{time.time_ns()}"
    root = ws(tmp_path, {"svc": {"run": ["bash", "-c", f"exec -a {marker} sleep 300"], "stop": {"timeout": "2s"}}})
    assert ftgo("-C", root, "run", "-d", timeout=120).returncode == 0
    try:
        results = []

        def client(verbs):
            for v in verbs:
                results.append(ftgo("-C", root, v, "svc", timeout=120).returncode)

        threads = [threading.Thread(target=client, args=(["restart", "stop", "restart"],)),
                   threading.Thread(target=client, args=(["restart", "stop", "restart"],))]
        for t in threads:
            t.start()
        seen = 0
        while any(t.is_alive() for t in threads):
            seen = max(seen, len(pids_with_marker(marker)))
            time.sleep(0.01)
        for t in threads:
            t.join()
        assert results == [0] * 6
        assert seen <= 1
        # The last restart answers once the copy is spawned, which may be a moment before
        # its exec shows the marker: wait for it (a stopped service would still fail here).
        deadline = time.monotonic() + 5
        while len(pids_with_marker(marker)) != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(pids_with_marker(marker)) == 1
        assert ps(root)["svc"]["state"] == "running"
    finally:
        down(root)
    assert wait_gone(pids_with_marker(marker), 5) == []


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
        assert r.returncode == 1 and "unknown service: nope" in r.stderr
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
