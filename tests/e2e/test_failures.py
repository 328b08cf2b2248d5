"""Failures a user meets once things are running or typed slightly wrong:
a template naming an undefined value, a broker that goes away under `tail`
and `publish`, a `port: auto` that another process takes. Each gets a clear
message naming what and where, loses nothing and reports nothing wrongly."""
import os
import subprocess
import textwrap

import pytest

from conftest import ftgo, snapshot

WORKSPACE = "name: shop\nservices: {}\nkafka: {port: 9092}\n"


def make_template(root, files, variables=""):
    """A template folder under root/tpl: template.yaml plus files/ (path -> text)."""
    t = root / "tpl"
    (t / "files").mkdir(parents=True)
    (t / "template.yaml").write_text("name: tpl\ndescription: test\nlanguage: text\n" +
                                     (f"variables:\n{textwrap.indent(variables, '  ')}" if variables else ""))
    for rel, text in files.items():
        p = t / "files" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return t


def new_fails(tmp_path, files, variables="", *sets):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "ftgo.yaml").write_text(WORKSPACE)
    tpl = make_template(tmp_path, files, variables)
    before = snapshot(ws)
    args = ["new", "order-service", "-t", tpl]
    for s in sets:
        args += ["--set", s]
    p = ftgo(*args, cwd=ws, check=2)
    assert snapshot(ws) == before, "ftgo new wrote something although it failed"
    assert p.stdout == ""
    return p.stderr, tpl


# --- ftgo new: undefined template values -----------------------------------

def test_an_undefined_variable_is_an_error_naming_file_line_column_and_a_suggestion(tmp_path):
    err, tpl = new_fails(tmp_path, {"README.md": "# {{name_title}}\n\nrun {{nmae}} with care\n"})
    where = f"{tpl}/files/README.md:3:5"
    assert err.startswith(f"ftgo: error: undefined template variable: {where}: {{{{nmae}}}}: "), err
    assert "did you mean 'name'?" in err


def test_an_undefined_variable_in_a_second_file_leaves_nothing_half_written(tmp_path):
    # a.txt renders fine; z.txt is wrong: neither may be written.
    err, tpl = new_fails(tmp_path, {"a.txt": "{{name}}\n", "z/z.txt": "ok\n{{{teir}}}\n"},
                         "tier: {default: gold}\n")
    assert f"undefined template variable: {tpl}/files/z/z.txt:2:1: {{{{{{teir}}}}}}" in err, err
    assert "did you mean 'tier'?" in err


@pytest.mark.parametrize("tag,kind", [("#", "section"), ("^", "inverted section")])
def test_a_section_over_an_undefined_name_is_an_error_too(tmp_path, tag, kind):
    text = f"a\nb {{{{{tag}use_kafak}}}}kafka{{{{/use_kafak}}}}\n"
    err, tpl = new_fails(tmp_path, {"app.yaml": text}, "use_kafka: {default: 'yes'}\n")
    assert err.startswith(f"ftgo: error: undefined template {kind}: {tpl}/files/app.yaml:2:3: "), err
    assert "did you mean 'use_kafka'?" in err


def test_an_undefined_name_without_a_close_match_lists_the_defined_ones(tmp_path):
    err, _ = new_fails(tmp_path, {"a.txt": "{{database_url}}\n"}, "topics: {type: list, default: a}\n")
    assert "no variable named 'database_url'" in err
    assert "defined: name, name_snake" in err and "topics_yaml" in err


def test_an_undefined_name_in_a_path_is_an_error(tmp_path):
    err, _ = new_fails(tmp_path, {"src/{{name_snke}}.py": "x\n"})
    assert "undefined template variable: tpl: files/src/{{name_snke}}.py (path): " in err, err
    assert "did you mean 'name_snake'?" in err


def test_after_a_set_delimiter_tag_the_new_delimiters_are_checked(tmp_path):
    err, tpl = new_fails(tmp_path, {"ci.yml": "{{=<% %>=}}name: <%name%>\nsha: ${{ github.sha }} <%nmae%>\n"})
    assert f"{tpl}/files/ci.yml:2:24: <%nmae%>" in err, err


def test_a_template_using_only_defined_names_still_renders(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "ftgo.yaml").write_text(WORKSPACE)
    tpl = make_template(tmp_path, {"a.txt": "{{name}} {{#topics}}[{{.}}]{{/topics}}{{^topics}}none{{/topics}} "
                                            "{{topics_csv}}\n{{=<% %>=}}${{ x }} <%name_snake%>\n"},
                        "topics: {type: list, default: 'a,b'}\n")
    ftgo("new", "order-service", "-t", tpl, "--no-git", cwd=ws, check=0)
    assert (ws / "services/order-service/a.txt").read_text() == "order-service [a][b] a,b\n${{ x }} order_service\n"


# --- tail and publish while the broker goes away ---------------------------

import json  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from conftest import FTGO_BIN, Broker, free_port  # noqa: E402


def env_for_ftgo():
    env = dict(os.environ)
    env.pop("FTGO_BROKERS", None)
    env["NO_COLOR"] = "1"
    return env


class Live:
    """A running ftgo command whose stdout and stderr are read line by line."""

    def __init__(self, *args, stdin=None):
        self.proc = subprocess.Popen([FTGO_BIN, *map(str, args)], stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env_for_ftgo())
        self.out, self.err = [], []
        self.cond = threading.Condition()
        for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._read, args=(stream, lines), daemon=True).start()

    def _read(self, stream, lines):
        for line in stream:
            with self.cond:
                lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, lines, pred, what, timeout=60):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred(lines):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{what}: not seen; stdout:\n" + "\n".join(self.out) +
                                         "\nstderr:\n" + "\n".join(self.err))
                self.cond.wait(min(left, 0.5))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def count(lines, needle):
    return sum(needle in line for line in lines)


def publish(bootstrap, topic, *values):
    ftgo("--brokers", bootstrap, "publish", topic, input="".join(v + "\n" for v in values), check=0)


def test_tail_says_once_when_the_broker_goes_away_and_once_when_it_is_back_and_loses_nothing(tmp_path):
    b = Broker(tmp_path / "kafka").start()
    tail = None
    try:
        ftgo("--brokers", b.bootstrap, "topics", "create", "orders", check=0)
        publish(b.bootstrap, "orders", "a", "b", "c")
        tail = Live("--brokers", b.bootstrap, "tail", "orders", "--from", "beginning", "-o", "json")
        tail.wait_for(tail.out, lambda out: len(out) == 3, "the first three events")
        b.stop(signal.SIGKILL)
        lost = f"ftgo: warning: lost connection to Kafka at {b.bootstrap}: "
        tail.wait_for(tail.err, lambda err: count(err, lost) == 1, "the lost-connection line")
        time.sleep(2)  # librdkafka retries meanwhile: still one line
        assert count(tail.err, lost) == 1, tail.err
        b = Broker(tmp_path / "kafka", port=b.port).start()
        tail.wait_for(tail.err, lambda err: count(err, f"ftgo: connected to Kafka at {b.bootstrap} again") == 1,
                      "the back-again line")
        publish(b.bootstrap, "orders", "d", "e")
        tail.wait_for(tail.out, lambda out: len(out) == 5, "the events after the restart")
        assert tail.stop() == 0
        events = [json.loads(line) for line in tail.out]  # stdout stays JSON lines only
        assert [(e["offset"], e["value"]) for e in events] == list(enumerate("abcde"))
        assert len(tail.err) == 2, tail.err
    finally:
        if tail:
            tail.stop()
        b.stop()


def test_tail_wait_started_before_the_broker_says_so_then_tails(tmp_path):
    port = free_port()
    tail = Live("--brokers", f"127.0.0.1:{port}", "tail", "orders", "--wait", "-o", "json")
    b = None
    try:
        tail.wait_for(tail.err, lambda err: count(err, f"ftgo: warning: cannot reach Kafka at 127.0.0.1:{port}: ") == 1,
                      "the cannot-reach line")
        assert tail.proc.poll() is None, "tail --wait gave up"
        b = Broker(tmp_path / "kafka", port=port).start()
        tail.wait_for(tail.err, lambda err: count(err, f"ftgo: connected to Kafka at 127.0.0.1:{port}") == 1,
                      "the connected line")
        ftgo("--brokers", b.bootstrap, "topics", "create", "orders", check=0)
        # tail --from end starts at the end once it sees the topic: publish until it prints one.
        deadline = time.monotonic() + 30
        while not tail.out and time.monotonic() < deadline:
            publish(b.bootstrap, "orders", "x")
            time.sleep(0.5)
        tail.wait_for(tail.out, lambda out: len(out) >= 1, "an event")
        assert json.loads(tail.out[0])["value"] == "x"
        assert count(tail.err, "cannot reach Kafka") == 1, tail.err
    finally:
        tail.stop()
        if b:
            b.stop()


def on_topic(bootstrap, topic="orders"):
    return ftgo("--brokers", bootstrap, "tail", topic, "--from", "beginning", "-e", "-o", "raw", check=0).stdout.split()


def test_publish_to_a_broker_that_dies_fails_at_its_timeout_with_honest_counts(tmp_path):
    b = Broker(tmp_path / "kafka").start()
    pub = None
    try:
        ftgo("--brokers", b.bootstrap, "topics", "create", "orders", check=0)
        pub = Live("--brokers", b.bootstrap, "--json", "publish", "orders", "--timeout", "2s", stdin=subprocess.PIPE)
        for v in "abc":
            pub.proc.stdin.write(v + "\n")
            pub.proc.stdin.flush()
        # Each result is printed as soon as publish has caught up, even on a pipe.
        pub.wait_for(pub.out, lambda out: len(out) == 3, "three confirmations")
        bootstrap = b.bootstrap
        b.stop(signal.SIGKILL)
        for v in "de":
            pub.proc.stdin.write(v + "\n")
        pub.proc.stdin.flush()
        # stdin stays open: a live pipe whose broker died must still end, at the delivery timeout.
        code = pub.proc.wait(timeout=60)
        assert code == 1
        pub.wait_for(pub.err, lambda err: any(line.startswith("ftgo: error:") for line in err), "the error")
        err = "\n".join(pub.err)
        assert f"ftgo: error: publish failed: orders on {bootstrap}: 3 of 5 events delivered, " in err, err
        assert "stopped reading <stdin> at the first failure" in err
        results = [json.loads(line) for line in pub.out]
        assert len(results) == 5
        assert [("error" in r) for r in results] == [False, False, False, True, True]
        maybe = sum(bool(r.get("maybe_written")) for r in results)
        assert (f"{5 - 3 - maybe} not delivered" in err), err
        b = Broker(tmp_path / "kafka", port=b.port).start()
        values = on_topic(b.bootstrap)
        assert values[:3] == ["a", "b", "c"]
        assert 3 <= len(values) <= 3 + maybe  # nothing confirmed is missing; nothing reported lost is there
    finally:
        if pub and pub.proc.poll() is None:
            pub.proc.kill()
            pub.proc.wait()
        b.stop()


def test_publish_timeout_must_be_a_duration():
    for bad in ("10", "abc", "10ms"):
        p = ftgo("--brokers", f"127.0.0.1:{free_port()}", "publish", "t", "x", "--timeout", bad, check=2)
        assert p.stderr.startswith(f"ftgo: error: invalid --timeout: {bad}: "), p.stderr


# --- port: auto taken by another process -------------------------------------

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures", "run"))
from runkit import PY, Run, make_workspace  # noqa: E402

# Binds $PORT like a real server (no SO_REUSEADDR): "address in use" means exit 1.
# With SQUAT set (a file name), the first start first has another process take
# $PORT, the race port: auto cannot close, at its worst moment.
WEB = """
import os, socket, subprocess, sys, time
port = int(os.environ["PORT"])
squat = os.environ.get("SQUAT")
if squat and not os.path.exists(squat):
    p = subprocess.Popen([sys.executable, "squatter.py", str(port), squat], start_new_session=True,
                         stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
s = socket.socket()
try:
    s.bind(("127.0.0.1", port))
except OSError as e:
    print(f"cannot bind {port}: {e}", flush=True)
    sys.exit(1)
s.listen()
print(f"listening on {port}", flush=True)
time.sleep(300)
"""

# Holds a port for a while, outside the run's process groups; writes its pid to argv[2].
SQUATTER = """
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
with open(sys.argv[2], "w") as f:
    f.write(str(os.getpid()))
print("bound", flush=True)
time.sleep(120)
"""

# A service that completes after taking the port the run gave web (WEB_URL).
TAKE_WEB_PORT = """
import os, subprocess, sys
port = os.environ["WEB_URL"].rsplit(":", 1)[1]
p = subprocess.Popen([sys.executable, "squatter.py", port, os.environ["SQUAT"]], start_new_session=True,
                     stdout=subprocess.PIPE, text=True)
p.stdout.readline()
print(f"took {port}", flush=True)
"""


def kill_squatter(pid_file):
    try:
        with open(pid_file) as f:
            os.kill(int(f.read()), signal.SIGKILL)
    except (OSError, ValueError):
        pass


def test_a_service_whose_auto_port_was_taken_restarts_on_a_new_port(tmp_path):
    squat = str(tmp_path / "squatter.pid")
    root = make_workspace(tmp_path / "ws", {
        "web": {"run": f"{PY} web.py", "port": "auto", "env": {"SQUAT": squat}, "health": {"log": "listening on"},
                "restart": {"policy": "on-failure", "max_restarts": 2, "backoff": "100ms"},
                "files": {"web.py": WEB, "squatter.py": SQUATTER}},
    })
    run = Run(root)
    try:
        run.wait_for("web | healthy", timeout=60)
        out = run.text()
        taken = int(out.split("web | cannot bind ")[1].split(":")[0])
        assert f"port {taken} is in use by another process; the next start uses port " in out, out
        new = int(out.split("the next start uses port ")[1].split(" ")[0])
        assert new != taken
        assert f"web | listening on {new}" in out
        assert run.text().count("is in use by another process") == 1
        run.interrupt()
        assert run.wait() == 130
    finally:
        run.kill()
        kill_squatter(squat)


def test_an_auto_port_taken_before_the_service_starts_is_replaced_before_it_starts(tmp_path):
    squat = str(tmp_path / "squatter.pid")
    root = make_workspace(tmp_path / "ws", {
        "taker": {"run": f"{PY} take.py", "restart": "no", "env": {"SQUAT": squat},
                  "files": {"take.py": TAKE_WEB_PORT, "squatter.py": SQUATTER}},
        "web": {"run": f"{PY} web.py", "port": "auto", "depends_on": {"taker": "completed"},
                "health": {"log": "listening on"}, "restart": {"policy": "on-failure", "max_restarts": 1},
                "files": {"web.py": WEB}},
    })
    run = Run(root)
    try:
        run.wait_for("web | healthy", timeout=60)
        out = run.text()
        taken = int(out.split("taker | took ")[1].split()[0])
        assert f"port {taken} (port: auto) was taken by another process; using " in out, out
        new = int(out.split("was taken by another process; using ")[1].split()[0])
        assert new != taken and f"web | listening on {new}" in out
        assert "cannot bind" not in out  # it never started on the taken port
        run.interrupt()
        assert run.wait() == 130
    finally:
        run.kill()
        kill_squatter(squat)


def test_auto_ports_are_never_handed_to_two_services_of_one_run(tmp_path):
    services = {f"s{i}": {"run": "echo PORT=$PORT", "port": "auto", "restart": "no"} for i in range(12)}
    run = Run(make_workspace(tmp_path / "ws", services))
    try:
        assert run.wait() == 0, run.text()
        ports = [line.split("PORT=")[1] for line in run.text().splitlines() if "| PORT=" in line]
        assert len(ports) == 12 and len(set(ports)) == 12, ports
    finally:
        run.kill()
