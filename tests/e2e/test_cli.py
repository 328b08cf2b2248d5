"""The CLI foundation, end to end: exit codes, stdout/stderr, init, doctor, workspace lookup."""
import json
import re
import signal
import socket
import subprocess

from conftest import FTGO_BIN, Broker, ftgo, free_port

VERBS = ["init", "doctor", "new", "templates", "run", "ps", "logs", "restart", "stop", "down", "broker",
         "publish", "tail", "topics", "groups", "deploy", "history", "rollback", "help"]


def make_workspace(path, name="shop", port=None):
    """ftgo init PATH, then point Kafka at a free port so doctor's port check is ours."""
    ftgo("init", path, "--name", name, check=0)
    yaml = path / "ftgo.yaml"
    yaml.write_text(yaml.read_text().replace("port: 9092 ", f"port: {port or free_port()} "))
    return path


def test_version_prints_to_stdout_and_exits_0():
    p = ftgo("--version", check=0)
    assert re.fullmatch(r"ftgo \d+\.\d+\.\d+\n", p.stdout)
    assert p.stderr == ""


def test_help_lists_every_verb():
    p = ftgo("--help", check=0)
    for verb in VERBS:
        assert re.search(rf"^\s+{verb}\b", p.stdout, re.M), verb
    assert p.stderr == ""


def test_help_verb_shows_that_verbs_flags():
    p = ftgo("help", "init", check=0)
    assert "--name" in p.stdout
    assert p.stderr == ""


def test_help_of_an_unknown_verb_is_a_usage_error():
    p = ftgo("help", "deplyo", check=2)
    assert p.stdout == ""
    assert "did you mean 'deploy'" in p.stderr


def test_unknown_verb_suggests_the_closest_and_exits_2():
    p = ftgo("docter", check=2)
    assert p.stdout == ""
    assert p.stderr.startswith("ftgo: error: unknown verb: docter")
    assert "did you mean 'doctor'?" in p.stderr


def test_unknown_flag_suggests_the_closest_and_exits_2(tmp_path):
    p = ftgo("init", tmp_path, "--nme", "x", check=2)
    assert p.stdout == ""
    assert "did you mean '--name'?" in p.stderr
    assert not (tmp_path / "ftgo.yaml").exists()


def test_no_verb_is_a_usage_error():
    p = ftgo(check=2)
    assert "ftgo: error:" in p.stderr


def test_init_then_doctor_on_a_fresh_workspace(tmp_path):
    ws = tmp_path / "shop"
    p = ftgo("init", ws, check=0)
    assert p.stderr == ""
    assert "shop" in p.stdout
    assert "name: shop\n" in (ws / "ftgo.yaml").read_text()
    assert ".ftgo/" in (ws / ".gitignore").read_text().splitlines()
    yaml = ws / "ftgo.yaml"
    yaml.write_text(yaml.read_text().replace("port: 9092 ", f"port: {free_port()} "))

    p = ftgo("doctor", cwd=ws, check=0)
    assert p.stderr == ""
    lines = p.stdout.splitlines()
    assert len(lines) >= 3
    assert all(line.startswith("ok ") for line in lines), p.stdout
    assert any(line.startswith("ok   workspace:") for line in lines)
    assert any(line.startswith("ok   kafka port:") for line in lines)

    p = ftgo("doctor", "--json", cwd=ws, check=0)
    report = json.loads(p.stdout)
    assert report["ok"] is True
    assert {c["name"] for c in report["checks"]} >= {"workspace", "kafka port", "kafka data"}


def test_init_defaults_the_name_to_the_directory(tmp_path):
    ws = tmp_path / "food-to-go"
    ws.mkdir()
    ftgo("init", cwd=ws, check=0)
    assert "name: food-to-go\n" in (ws / "ftgo.yaml").read_text()


def test_init_json_names_the_files(tmp_path):
    p = ftgo("init", tmp_path / "w", "--json", check=0)
    out = json.loads(p.stdout)
    assert out["name"] == "w"
    assert sorted(f.rsplit("/", 1)[1] for f in out["files"]) == [".gitignore", "ftgo.yaml"]


def test_init_refuses_to_overwrite_an_existing_ftgo_yaml(tmp_path):
    (tmp_path / "ftgo.yaml").write_text("name: mine\n")
    p = ftgo("init", tmp_path, check=2)
    assert p.stdout == ""
    assert "refusing to overwrite" in p.stderr
    assert (tmp_path / "ftgo.yaml").read_text() == "name: mine\n"
    assert not (tmp_path / ".gitignore").exists()


def test_init_refuses_a_bad_name(tmp_path):
    p = ftgo("init", tmp_path, "--name", "bad name", check=2)
    assert "bad workspace name" in p.stderr
    assert not (tmp_path / "ftgo.yaml").exists()


def test_dash_C_selects_the_workspace(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    p = ftgo("-C", ws, "doctor", cwd=elsewhere, check=0)
    assert str(ws / "ftgo.yaml") in p.stdout
    p = ftgo("doctor", "-C", ws, cwd=elsewhere, check=0)
    p = ftgo("-C", tmp_path / "nope", "doctor", check=2)
    assert "no such directory" in p.stderr


def test_dash_C_is_where_init_creates_the_workspace(tmp_path):
    ftgo("-C", tmp_path, "init", "inner", check=0)
    assert (tmp_path / "inner" / "ftgo.yaml").exists()


def test_the_workspace_is_found_from_a_subdirectory(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    sub = ws / "services" / "deep"
    sub.mkdir(parents=True)
    p = ftgo("doctor", cwd=sub, check=0)
    assert f"ok   workspace: {ws / 'ftgo.yaml'} loads (shop, 0 services)" in p.stdout


def test_doctor_without_a_workspace_says_to_init(tmp_path):
    p = ftgo("doctor", cwd=tmp_path, check=1)
    assert p.stdout.startswith("FAIL workspace: no ftgo.yaml")
    assert "ftgo init" in p.stdout


def test_bad_yaml_exits_2_naming_file_line_column_and_key(tmp_path):
    (tmp_path / "ftgo.yaml").write_text("name: w\nkafka:\n  prot: 9092\n")
    p = ftgo("doctor", cwd=tmp_path, check=2)
    assert ("ftgo: error: invalid ftgo.yaml: ftgo.yaml:3:3: kafka.prot: unknown key (did you mean 'port'?)"
            in p.stderr)
    assert "ftgo: error" not in p.stdout


def test_a_yaml_syntax_error_exits_2(tmp_path):
    (tmp_path / "ftgo.yaml").write_text("name: [w\nkafka: {}\n")
    p = ftgo("doctor", cwd=tmp_path, check=2)
    assert re.search(r"ftgo: error: invalid ftgo.yaml: ftgo.yaml:\d+:\d+: YAML syntax error", p.stderr)


def test_a_bad_service_yaml_is_named_relative_to_the_current_directory(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    svc = ws / "services" / "order"
    svc.mkdir(parents=True)
    (svc / "service.yaml").write_text("name: order\nrun: ./order\nrestart: {backoff: 10x}\n")
    yaml = ws / "ftgo.yaml"
    yaml.write_text(yaml.read_text().replace("services: {}", "services: {order: {path: services/order}}"))
    p = ftgo("doctor", cwd=ws, check=2)
    assert ('invalid service.yaml: services/order/service.yaml:3:20: restart.backoff: bad duration "10x"'
            in p.stderr)


def test_doctor_fails_when_the_kafka_port_is_taken(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        yaml = ws / "ftgo.yaml"
        yaml.write_text(re.sub(r"port: \d+", f"port: {port}", yaml.read_text(), count=1))
        p = ftgo("doctor", cwd=ws, check=1)
    assert f"FAIL kafka port: 127.0.0.1:{port} is in use" in p.stdout
    assert "fix:" in p.stdout


def test_doctor_fails_when_a_service_program_is_missing(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    svc = ws / "a"
    svc.mkdir()
    (svc / "service.yaml").write_text("name: a\nrun: [no-such-program-ftgo, --x]\n")
    yaml = ws / "ftgo.yaml"
    yaml.write_text(yaml.read_text().replace("services: {}", "services: {a: {path: a}}"))
    p = ftgo("doctor", "--json", cwd=ws, check=1)
    report = json.loads(p.stdout)
    assert report["ok"] is False
    bad = [c for c in report["checks"] if c["status"] == "FAIL"]
    assert [c["name"] for c in bad] == ["service a"]
    assert "no-such-program-ftgo is not on PATH" in bad[0]["detail"]


def test_doctor_checks_external_brokers(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    dead = free_port()
    p = ftgo("--brokers", f"127.0.0.1:{dead}", "doctor", cwd=ws, check=1)
    assert f"FAIL kafka broker: 127.0.0.1:{dead} does not accept connections" in p.stdout
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        p = ftgo("doctor", cwd=ws, env={"FTGO_BROKERS": f"127.0.0.1:{port}"}, check=0)
    assert f"ok   kafka broker: 127.0.0.1:{port} is reachable" in p.stdout


def test_doctor_recognises_this_workspaces_own_broker(tmp_path):
    port = free_port()
    ws = make_workspace(tmp_path / "ws", port=port)
    broker = Broker(ws / ".ftgo" / "kafka", port=port).start()
    try:
        p = ftgo("doctor", cwd=ws, check=0)
    finally:
        broker.stop()
    assert (f"ok   kafka port: 127.0.0.1:{port} is served by this workspace's ftgo (pid {broker.proc.pid})"
            in p.stdout)


def test_doctor_names_an_ftgo_broker_of_another_data_directory(tmp_path):
    port = free_port()
    ws = make_workspace(tmp_path / "ws", port=port)
    broker = Broker(tmp_path / "elsewhere", port=port).start()
    try:
        p = ftgo("doctor", cwd=ws, check=1)
    finally:
        broker.stop()
    assert (f"FAIL kafka port: 127.0.0.1:{port} is in use by an `ftgo broker` with another data directory, "
            f"{tmp_path / 'elsewhere'} (pid {broker.proc.pid})" in p.stdout)


def test_doctor_names_the_running_ftgo_run_of_this_workspace(tmp_path):
    # The pid comes from the supervisor's own pid file (supervisor::running_pid):
    # doctor must read the file `ftgo run` writes, wherever that lives.
    port = free_port()
    ws = make_workspace(tmp_path / "ws", port=port)
    assert "ftgo run:" not in ftgo("doctor", cwd=ws, check=0).stdout
    r = ftgo("-C", ws, "run", "-d", timeout=120)
    try:
        assert r.returncode == 0, r.stderr
        daemon = int(re.search(r"running in the background \(pid (\d+)\)", r.stderr).group(1))
        p = ftgo("doctor", cwd=ws, check=0)
        assert f"ok   ftgo run: running in this workspace (pid {daemon})\n" in p.stdout
        assert re.search(rf"ok   kafka port: 127\.0\.0\.1:{port} is served by this workspace's ftgo \(pid \d+\)",
                         p.stdout), p.stdout
        as_json = json.loads(ftgo("doctor", "--json", cwd=ws, check=0).stdout)
        assert {"name": "ftgo run", "status": "ok", "detail": f"running in this workspace (pid {daemon})",
                "fix": ""} in as_json["checks"]
    finally:
        d = ftgo("-C", ws, "down", timeout=120)
    assert d.returncode == 0, d.stderr
    assert "ftgo run:" not in ftgo("doctor", cwd=ws, check=0).stdout


def test_doctor_recognises_a_flagless_ftgo_broker_on_the_workspaces_kafka_data(tmp_path):
    # `ftgo broker` without --data in a workspace uses its kafka.data: doctor must agree.
    port = free_port()
    ws = make_workspace(tmp_path / "ws", port=port)
    yaml = ws / "ftgo.yaml"
    text = yaml.read_text().replace("data: .ftgo/kafka", "data: state/kafka")
    assert "state/kafka" in text, text
    yaml.write_text(text)
    proc = subprocess.Popen([FTGO_BIN, "broker"], cwd=ws, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "ready on" in proc.stdout.readline()
        p = ftgo("doctor", cwd=ws, check=0)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert (f"ok   kafka port: 127.0.0.1:{port} is served by this workspace's ftgo (pid {proc.pid})"
            in p.stdout), p.stdout
