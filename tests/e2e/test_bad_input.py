"""Bad input, as a first-time user types it, across the verbs: every mistake
gets `ftgo: error: <what>: <where>: <cause>` with the right exit code, and
nothing is published, written or lost because of it."""
import json
import os
import subprocess
import sys
import uuid

import pytest

from conftest import ftgo, free_port

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures", "run"))
from runkit import make_workspace  # noqa: E402


def topic():
    return f"bad-{uuid.uuid4().hex[:10]}"


def events_on(bootstrap, name):
    p = ftgo("--brokers", bootstrap, "tail", name, "--from", "beginning", "-e", "-o", "json", check=0)
    return [json.loads(line) for line in p.stdout.splitlines()]


# --- publish ---------------------------------------------------------------

def test_publish_file_that_is_a_directory_is_refused_and_publishes_nothing(broker, tmp_path):
    t = topic()
    ftgo("--brokers", broker.bootstrap, "topics", "create", t, check=0)
    for extra in ([], ["--jsonl"]):
        p = ftgo("--brokers", broker.bootstrap, "publish", t, "--file", tmp_path, *extra, check=2)
        assert p.stderr.startswith(f"ftgo: error: cannot read: {tmp_path}: "), p.stderr
        assert "directory" in p.stderr
    assert events_on(broker.bootstrap, t) == []


def test_publish_file_that_cannot_be_read_publishes_nothing(broker):
    t = topic()
    ftgo("--brokers", broker.bootstrap, "topics", "create", t, check=0)
    # /proc/self/mem opens but every read of it at offset 0 fails (EIO).
    p = ftgo("--brokers", broker.bootstrap, "publish", t, "--file", "/proc/self/mem", check=2)
    assert p.stderr.startswith("ftgo: error: cannot read: /proc/self/mem: "), p.stderr
    assert events_on(broker.bootstrap, t) == []


@pytest.mark.parametrize("value", ["-1", "abc", "99999999999"])
def test_publish_bad_partition_number_says_what_is_expected(value):
    p = ftgo("--brokers", f"127.0.0.1:{free_port()}", "publish", "t", "x", "-p", value, check=2)
    assert p.stderr.startswith("ftgo: error: "), p.stderr
    assert "--partition" in p.stderr and value in p.stderr
    assert "0 or more" in p.stderr
    assert len(p.stderr) < 200, p.stderr


@pytest.mark.parametrize("value", ["-1", "abc"])
def test_tail_bad_count_says_what_is_expected(value):
    p = ftgo("--brokers", f"127.0.0.1:{free_port()}", "tail", "t", "-n", value, check=2)
    assert p.stderr.startswith("ftgo: error: "), p.stderr
    assert "--count" in p.stderr and value in p.stderr
    assert "0 or more" in p.stderr
    assert len(p.stderr) < 200, p.stderr


# --- --brokers / FTGO_BROKERS ------------------------------------------------

@pytest.mark.parametrize("verb", [["publish", "t", "x"], ["tail", "t"], ["topics", "list"]])
@pytest.mark.parametrize("address", ["127.0.0.1:abc", "127.0.0.1:99999", "127.0.0.1:", "localhost:9092,:9093"])
def test_a_malformed_broker_address_is_a_usage_error_at_once(verb, address):
    # check=2 is what tells a usage error from a connect attempt (that exits 1 after its 5 s);
    # no short timeout: a loaded machine under the sanitizers can take seconds to start ftgo.
    p = ftgo("--brokers", address, *verb, check=2)
    assert p.stderr.startswith("ftgo: error: bad broker address: "), p.stderr
    assert "--brokers" in p.stderr


def test_a_malformed_ftgo_brokers_is_named(tmp_path):
    p = ftgo("publish", "t", "x", env={"FTGO_BROKERS": "127.0.0.1:x"}, check=2)
    assert p.stderr.startswith("ftgo: error: bad broker address: 127.0.0.1:x: "), p.stderr
    assert "FTGO_BROKERS" in p.stderr


def test_well_formed_broker_addresses_are_accepted(broker):
    for address in (broker.bootstrap, f"localhost:{broker.port}", f"PLAINTEXT://127.0.0.1:{broker.port}",
                    f"127.0.0.1:{broker.port},127.0.0.1:{broker.port}"):
        ftgo("--brokers", address, "topics", "list", check=0)


# --- restart / stop on a running workspace -----------------------------------

@pytest.fixture
def running(tmp_path):
    root = make_workspace(tmp_path / "ws", {
        "order-service": {"run": "sleep 300"},
        "kitchen-service": {"run": "sleep 300"},
    })
    try:
        ftgo("-C", root, "run", "-d", timeout=120, check=0)
        yield root
    finally:
        ftgo("-C", root, "down", timeout=120)


@pytest.mark.parametrize("verb", ["restart", "stop"])
def test_restart_or_stop_of_an_unknown_service_is_a_usage_error_with_a_suggestion(running, verb):
    p = ftgo("-C", running, verb, "ordr-service", check=2)
    assert p.stderr.startswith("ftgo: error: unknown service: ordr-service: "), p.stderr
    assert "did you mean 'order-service'?" in p.stderr
    ps = json.loads(ftgo("-C", running, "ps", "--json", check=0).stdout)
    states = {s["name"]: s["state"] for s in ps["services"]}
    assert states["order-service"] == "running" and states["kitchen-service"] == "running", states


# --- files where they are not expected ------------------------------------------

def test_logs_of_a_log_that_is_a_directory_is_an_error_not_a_hang(tmp_path):
    root = make_workspace(tmp_path / "ws", {"a": {"run": "true"}})
    os.makedirs(os.path.join(root, ".ftgo", "logs", "a.log"))
    p = ftgo("-C", root, "logs", "a", timeout=10, check=2)
    assert p.stderr.startswith(f"ftgo: error: cannot read log: {root}/.ftgo/logs/a.log: is a directory"), p.stderr


def test_dash_C_naming_a_file_says_not_a_directory(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    p = ftgo("-C", f, "ps", check=2)
    assert p.stderr == f"ftgo: error: no workspace: {f}: not a directory\n"


def test_an_ftgo_yaml_that_is_a_directory_is_named(tmp_path):
    (tmp_path / "ftgo.yaml").mkdir()
    p = ftgo("-C", tmp_path, "ps", check=2)
    assert p.stderr == f"ftgo: error: no workspace: {tmp_path}/ftgo.yaml: not a regular file\n"


@pytest.mark.parametrize("file", ["ftgo.yaml", "service.yaml"])
def test_a_second_yaml_document_is_refused_not_ignored(tmp_path, file):
    root = make_workspace(tmp_path / "ws", {"a": {"run": "true"}})
    path = os.path.join(root, "ftgo.yaml") if file == "ftgo.yaml" else os.path.join(root, "services", "a", "service.yaml")
    with open(path) as f:
        lines = f.read().splitlines()
    with open(path, "a") as f:
        f.write("---\nname: other\n")
    p = ftgo("-C", root, "logs", "a", check=2)
    assert f"invalid {file}: " in p.stderr and f"{file}:{len(lines) + 2}:1: " in p.stderr, p.stderr
    assert "second YAML document" in p.stderr


def test_a_trailing_document_marker_is_fine(tmp_path):
    root = make_workspace(tmp_path / "ws", {"a": {"run": "true"}})
    with open(os.path.join(root, "ftgo.yaml"), "a") as f:
        f.write("---\n")
    ftgo("-C", root, "logs", "a", "-n", "1", check=0)


# --- the command line itself ----------------------------------------------------

def test_an_unknown_global_option_without_a_verb_is_named():
    p = ftgo("--jsno", check=2)
    assert p.stdout == ""
    assert "ftgo: error: unknown option: --jsno" in p.stderr, p.stderr
    assert "did you mean '--json'?" in p.stderr


# --- run -d whose failure ends the run ---------------------------------------------

def test_run_detached_whose_kafka_port_is_taken_does_not_claim_the_run_goes_on(tmp_path):
    import socket
    root = make_workspace(tmp_path / "ws", {"a": {"run": "sleep 300"}})
    with open(os.path.join(root, "ftgo.yaml")) as f:
        port = int([l for l in f.read().splitlines() if l.strip().startswith("port:")][0].split(":")[1])
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
        s.listen()
        try:
            p = ftgo("-C", root, "run", "-d", timeout=120, check=1)
            assert f"port {port} is already in use" in p.stderr, p.stderr
            assert "goes on in the background" not in p.stderr, p.stderr
            assert "the run ended" in p.stderr
            ps = json.loads(ftgo("-C", root, "ps", "--json", check=0).stdout)
            assert ps["running"] is False, ps
        finally:
            ftgo("-C", root, "down", timeout=120)


# --- pipeline.yaml paths that leave the service ---------------------------------

@pytest.mark.parametrize("key,entry", [("artifacts", "../../etc/passwd"), ("artifacts", "/etc/passwd"),
                                       ("inputs", "../**")])
def test_a_pipeline_path_outside_the_service_is_refused_before_any_stage_runs(tmp_path, key, entry):
    root = make_workspace(tmp_path / "ws", {"a": {"run": "sleep 300"}})
    svc = os.path.join(root, "services", "a")
    with open(os.path.join(svc, "pipeline.yaml"), "w") as f:
        f.write("stages:\n"
                "  - {name: build, run: \"touch built\"}\n"
                f"  - {{name: package, {key}: [service.yaml, \"{entry}\"]" + (", run: \"true\"" if key == "inputs" else "") + "}\n")
    p = ftgo("-C", root, "deploy", "a", check=2)
    assert f"ftgo: error: invalid pipeline.yaml: " in p.stderr, p.stderr
    assert f"pipeline.yaml:3:" in p.stderr and f"stages[1].{key}[1]: " in p.stderr, p.stderr
    assert entry in p.stderr
    assert not os.path.exists(os.path.join(svc, "built"))


# --- run: mistakes that cannot get better by retrying --------------------------------

def test_a_program_that_does_not_exist_is_named(tmp_path):
    root = make_workspace(tmp_path / "ws", {"a": {"run": ["/nonexistent/prog", "x"]}})
    try:
        p = ftgo("-C", root, "run", "-d", timeout=120, check=1)
        assert "a: cannot start /nonexistent/prog: No such file or directory" in p.stderr, p.stderr
    finally:
        ftgo("-C", root, "down", timeout=120)


def test_a_kafka_data_path_that_is_a_file_is_refused_before_starting(tmp_path):
    root = make_workspace(tmp_path / "ws", {"a": {"run": "sleep 300"}})
    yaml = os.path.join(root, "ftgo.yaml")
    with open(yaml) as f:
        text = f.read()
    with open(yaml, "w") as f:
        f.write(text.replace("data: .ftgo/kafka", "data: kafka-data"))
    with open(os.path.join(root, "kafka-data"), "w") as f:
        f.write("not a directory")
    try:
        p = ftgo("-C", root, "run", "-d", timeout=120, check=2)
        assert p.stderr.startswith(f"ftgo: error: invalid ftgo.yaml: {yaml}: kafka.data: "), p.stderr
        assert "kafka-data" in p.stderr and "not a directory" in p.stderr
        assert "restart" not in p.stderr
    finally:
        ftgo("-C", root, "down", timeout=120)


@pytest.mark.parametrize("args,start", [
    (["topics", "create"], "ftgo: error: usage: topics create: "),
    (["topics", "create", "t", "--partitions", "x"], "ftgo: error: usage: topics create: --partitions: x: "),
    (["groups", "list", "extra"], "ftgo: error: unknown argument: groups list: "),
])
def test_a_nested_verb_is_named_in_full(args, start):
    p = ftgo("--brokers", f"127.0.0.1:{free_port()}", *args, check=2)
    assert p.stderr.startswith(start), p.stderr


def test_a_mistyped_sub_verb_gets_a_suggestion():
    p = ftgo("--brokers", f"127.0.0.1:{free_port()}", "topics", "craete", "t", check=2)
    assert p.stderr.startswith("ftgo: error: unknown argument: topics: "), p.stderr
    assert "did you mean 'create'?" in p.stderr


def test_rollback_before_any_deployment_says_so_plainly(tmp_path):
    root = make_workspace(tmp_path / "ws", {"a": {"run": "sleep 300", "files": {
        "pipeline.yaml": "stages:\n  - {name: package, artifacts: [service.yaml]}\n"}}})
    p = ftgo("-C", root, "rollback", "a", check=1)
    assert p.stderr.startswith("ftgo: error: nothing to roll back to: a: no release of a has been deployed yet"), p.stderr
    assert "none" not in p.stderr


# --- new into a broken workspace -----------------------------------------------

def test_new_refuses_a_broken_ftgo_yaml_before_writing_anything(tmp_path):
    root = tmp_path / "ws"
    ftgo("init", root, check=0)
    yaml = root / "ftgo.yaml"
    yaml.write_text(yaml.read_text() + "kafak: {port: 1}\n")
    before = yaml.read_text()
    p = ftgo("new", "order-service", "--template", "python-service", "--no-git", cwd=root, check=2)
    assert p.stderr.startswith(f"ftgo: error: invalid ftgo.yaml: {yaml}:"), p.stderr
    assert "kafak: unknown key" in p.stderr
    assert not (root / "services").exists()
    assert yaml.read_text() == before


# --- two brokers, one data directory -------------------------------------------------

def test_a_second_broker_on_the_same_data_directory_is_refused(broker):
    from conftest import FTGO_BIN
    p = subprocess.run([FTGO_BIN, "broker", "--port", str(free_port()), "--data", broker.data_dir],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1, p
    assert p.stderr.startswith(f"ftgo: error: data directory in use: {broker.data_dir}: "), p.stderr
    assert f"pid {broker.proc.pid}" in p.stderr
    assert "ready on" not in p.stdout
    # the first broker still serves
    ftgo("--brokers", broker.bootstrap, "publish", "still-there", "x", check=0)


def test_run_timeout_without_detach_is_refused_not_ignored(tmp_path):
    root = make_workspace(tmp_path / "ws", {"a": {"run": "echo started-a; sleep 300"}})
    try:
        p = ftgo("-C", root, "run", "--timeout", "5s", timeout=30, check=2)
        assert p.stderr == "ftgo: error: usage: run --timeout: --timeout goes with -d\n", p.stderr
        assert "started-a" not in p.stdout
    finally:
        ftgo("-C", root, "down", timeout=120)
