"""`ftgo new` and `ftgo templates` through the binary: generation, registration,
determinism, and every bad input (exit code, message, nothing written)."""
import glob
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import FTGO_BIN, ftgo, snapshot

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
TEST_TEMPLATES = os.path.join(ROOT, "tests/data/scaffold/templates")
WORKSPACE = "# the shop\nname: shop\nservices: {}  # none yet\n\n# the broker\nkafka: {port: 9092}\n"


@pytest.fixture
def ws(tmp_path):
    (tmp_path / "ftgo.yaml").write_text(WORKSPACE)
    return tmp_path


def test_templates_lists_the_built_ins_with_their_variables():
    out = json.loads(ftgo("--json", "templates", check=0).stdout)
    by_name = {t["name"]: t for t in out}
    assert {"cpp-service", "python-service", "node-service"} <= set(by_name)
    variables = {v["name"]: v for v in by_name["python-service"]["variables"]}
    assert variables["publishes"]["type"] == "list"
    assert variables["publishes"]["default"] == "{{name}}-events"
    human = ftgo("templates", check=0).stdout
    assert "cpp-service" in human and "--set subscribes=" in human


def test_template_path_adds_templates_and_warns_about_broken_ones(tmp_path):
    extra = tmp_path / "mine"
    shutil.copytree(os.path.join(TEST_TEMPLATES, "good"), extra / "good", symlinks=True)
    shutil.copytree(os.path.join(TEST_TEMPLATES, "bad-key"), extra / "bad-key")
    r = ftgo("--json", "templates", env={"FTGO_TEMPLATE_PATH": f"/nonexistent:{extra}"}, check=0)
    assert "good" in {t["name"] for t in json.loads(r.stdout)}
    assert "bad-key" in r.stderr and "varaibles" in r.stderr
    gen = ftgo("new", "svc", "--template", "good", "--dir", tmp_path / "out", "--no-git",
               env={"FTGO_TEMPLATE_PATH": str(extra)}, check=0)
    assert (tmp_path / "out/svc/svc.txt").exists()
    assert "not registered" in gen.stderr


def test_new_writes_commits_and_registers_keeping_comments(ws):
    r = ftgo("new", "order-service", "--template", "python-service", "--set", "subscribes=kitchen-events",
             cwd=ws, input="", check=0)
    target = ws / "services/order-service"
    assert r.stdout.strip() == str(target)
    assert (target / "service.py").exists()
    assert os.access(target / "run.sh", os.X_OK)
    assert (ws / "ftgo.yaml").read_text() == (
        "# the shop\nname: shop\nservices:     # none yet\n  order-service: {path: services/order-service}\n"
        "\n# the broker\nkafka: {port: 9092}\n")
    log = subprocess.run(["git", "log", "--format=%an <%ae> %ad|%s", "--date=iso"], cwd=target,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert log == ["ftgo <ftgo@localhost> 2000-01-01 00:00:00 +0000|"
                   "Initial commit of order-service from template python-service"]
    status = subprocess.run(["git", "status", "--porcelain"], cwd=target, capture_output=True, text=True)
    assert status.stdout == ""
    assert not [p for p in os.listdir(ws / "services") if "ftgo-new" in p]
    # A second service goes under the first, same indentation.
    ftgo("-C", ws, "new", "kitchen", "-t", "node-service", check=0)
    assert "  order-service: {path: services/order-service}\n  kitchen: {path: services/kitchen}\n" in \
        (ws / "ftgo.yaml").read_text()


def test_new_after_init_keeps_the_workspace_comments(tmp_path):
    ftgo("init", tmp_path / "w", "--name", "shop", check=0)
    before = (tmp_path / "w/ftgo.yaml").read_text()
    ftgo("new", "a", "-t", "node-service", "--no-git", cwd=tmp_path / "w", check=0)
    ftgo("new", "b", "-t", "node-service", "--no-git", cwd=tmp_path / "w", check=0)
    after = (tmp_path / "w/ftgo.yaml").read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["services:                 # each a directory holding a service.yaml, e.g.",
                     "  a: {path: services/a}", "  b: {path: services/b}"]
    assert len(after.splitlines()) == len(before.splitlines()) + 2
    # The workspace loads with both services (history reads it).
    assert ftgo("--json", "history", "b", cwd=tmp_path / "w", check=0)


def test_same_inputs_give_the_same_commit(tmp_path):
    heads = []
    for d in ("one", "two"):
        ftgo("new", "svc", "-t", "cpp-service", "--set", "publishes=a,b", "--dir", tmp_path / d, check=0)
        heads.append(subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path / d, capture_output=True,
                                    text=True, check=True).stdout)
    assert heads[0] == heads[1]


def test_json_output_describes_what_was_made(ws):
    out = json.loads(ftgo("--json", "new", "a", "-t", "node-service", cwd=ws, check=0).stdout)
    assert out["template"] == "node-service"
    assert out["registered_path"] == "services/a"
    assert "index.js" in out["files"]
    assert len(out["commit"]) == 40
    assert out["variables"]["name_pascal"] == "A"


def test_dry_run_lists_files_and_writes_nothing(ws):
    before = snapshot(ws)
    r = ftgo("new", "a", "-t", "cpp-service", "--dry-run", cwd=ws, check=0)
    assert str(ws / "services/a/src/main.cpp") in r.stdout.splitlines()
    assert "would register" in r.stderr
    assert snapshot(ws) == before


def test_dir_writes_exactly_there(ws, tmp_path):
    ftgo("new", "a", "-t", "node-service", "--dir", ws / "elsewhere/deep/a", "--no-git", cwd=ws, check=0)
    assert (ws / "elsewhere/deep/a/index.js").exists()
    assert not (ws / "elsewhere/deep/a/.git").exists()
    assert "a: {path: elsewhere/deep/a}" in (ws / "ftgo.yaml").read_text()


BAD = [
    # (args, what the error must name)
    (["new", "Order", "-t", "cpp-service"], "'Order'"),
    (["new", "order_service", "-t", "cpp-service"], "'order_service'"),
    (["new", "-x", "-t", "cpp-service"], ""),
    (["new", "a" * 64, "-t", "cpp-service"], "longer than 63"),
    (["new", "../evil", "-t", "cpp-service"], "'../evil'"),
    (["new", "a", "-t", "cpp-servce"], "did you mean 'cpp-service'"),
    (["new", "a", "-t", "./no/such/dir"], "no such directory"),
    (["new", "a", "-t", "cpp-service", "--set", "subscribes=ok,Not OK"], "subscribes"),
    (["new", "a", "-t", "cpp-service", "--set", "subscribes="], "subscribes"),
    (["new", "a", "-t", "cpp-service", "--set", "publsihes=x"], "did you mean 'publishes'"),
    (["new", "a", "-t", "cpp-service", "--set", "name=x"], "derived"),
    (["new", "a", "-t", "cpp-service", "--set", "novalue"], "KEY=VALUE"),
    (["new", "a", "-t", "cpp-service", "--set", 'description=has "quotes"'], "description"),
    (["new", "a", "-t", f"{TEST_TEMPLATES}/required"], "team"),
    (["new", "a", "-t", f"{TEST_TEMPLATES}/good", "--set", "tier=bronze"], "gold, silver"),
    (["new", "a", "-t", f"{TEST_TEMPLATES}/dotdot"], "leaves the target"),
    (["new", "a", "-t", f"{TEST_TEMPLATES}/absolute"], "absolute path"),
    (["new", "a", "-t", f"{TEST_TEMPLATES}/symlink"], "symbolic link"),
    (["new", "a", "-t", f"{TEST_TEMPLATES}/collide"], "files/"),
    (["new", "a", "-t", f"{TEST_TEMPLATES}/bad-tag"], "files/a.txt"),
    (["new", "a", "-t", f"{TEST_TEMPLATES}/bad-key"], "template.yaml:4:1"),
]


@pytest.mark.parametrize("args,named", BAD, ids=[" ".join(a[1:]) for a, _ in BAD])
def test_bad_input_exits_2_naming_it_and_writes_nothing(ws, args, named):
    before = snapshot(ws)
    r = ftgo(*args, cwd=ws, input="")
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("ftgo: error: ") or "usage" in r.stderr, r.stderr
    assert named in r.stderr
    assert r.stdout == ""
    assert snapshot(ws) == before
    assert not os.path.exists("/tmp/ftgo-absolute-escape")


def test_an_existing_target_is_refused_untouched(ws):
    (ws / "services/a").mkdir(parents=True)
    (ws / "services/a/mine.txt").write_text("mine")
    before = snapshot(ws)
    r = ftgo("new", "a", "-t", "node-service", cwd=ws)
    assert r.returncode == 2
    assert "target exists" in r.stderr and str(ws / "services/a") in r.stderr
    assert snapshot(ws) == before


def test_a_registered_name_is_refused(ws):
    (ws / "ftgo.yaml").write_text("services:\n  a: {path: old/a}\n")
    before = snapshot(ws)
    r = ftgo("new", "a", "-t", "node-service", cwd=ws)
    assert r.returncode == 2 and "already registered" in r.stderr
    assert snapshot(ws) == before


def test_a_failing_hook_exits_1_with_its_output_and_leaves_nothing(ws):
    before = snapshot(ws)
    r = ftgo("new", "a", "-t", f"{TEST_TEMPLATES}/failing-hook", cwd=ws)
    assert r.returncode == 1
    assert "hook-output-marker-a" in r.stderr and "exit 3" in r.stderr
    assert snapshot(ws) == before


def test_no_workspace_needs_dir(tmp_path):
    r = ftgo("new", "a", "-t", "node-service", cwd=tmp_path)
    assert r.returncode == 2 and "--dir" in r.stderr
    assert os.listdir(tmp_path) == []


def process_gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_a_hook_stops_it_and_leaves_nothing(ws, sig):
    before = snapshot(ws)
    env = dict(os.environ, NO_COLOR="1")
    proc = subprocess.Popen([FTGO_BIN, "new", "a", "-t", f"{TEST_TEMPLATES}/slow-hook"], cwd=ws, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        started = []
        while not started and time.time() < deadline and proc.poll() is None:
            started = glob.glob(str(ws / "services" / ".a.ftgo-new-*" / "hook-started"))
            time.sleep(0.05)
        assert started, proc.communicate(timeout=10)
        sleep_pid = int(open(os.path.join(os.path.dirname(started[0]), "sleep.pid")).read())
        proc.send_signal(sig)  # to ftgo alone, as a terminal's Ctrl-C does (the hook has its own group)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert f"ftgo: error: interrupted: a: stopped; {ws / 'services' / 'a'} was not created" in err
    assert out == ""
    assert snapshot(ws) == before
    deadline = time.time() + 10
    while not process_gone(sleep_pid) and time.time() < deadline:
        time.sleep(0.05)
    assert process_gone(sleep_pid), "the hook's child outlived ftgo new"
