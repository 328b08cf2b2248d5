"""ftgo deploy / history / rollback without a running `ftgo run`: stages,
cache, releases, history, locks, --changed, --stages, --json."""
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from conftest import FTGO_BIN, ftgo
from deploy_helpers import (current_release, deploy_json, git, make_workspace, marker_lines, set_version)

STAGE_KEYS = {"name", "status", "duration_ms", "exit_code", "cached"}


def test_nothing_running_makes_the_release_current(tmp_path):
    ws = make_workspace(tmp_path)
    report, _ = deploy_json(ws, "order-service")
    svc = report["services"][0]
    assert svc["status"] == "released"
    release = svc["release"]
    assert re.fullmatch(r"[0-9a-f]{12}", release)
    assert current_release(ws, "order-service") == release
    rel_dir = ws / ".ftgo" / "releases" / "order-service" / release
    assert sorted(str(p.relative_to(rel_dir)) for p in rel_dir.rglob("*") if p.is_file()) == \
        ["build/app.py", "build/version.txt", "service.yaml"]
    assert (rel_dir / "build" / "version.txt").read_text() == "v1\n"


def test_a_failing_test_stage_deploys_nothing(tmp_path):
    ws = make_workspace(tmp_path)
    first, _ = deploy_json(ws, "order-service")
    good = first["services"][0]["release"]
    set_version(ws, "order-service", "broken")
    report, proc = deploy_json(ws, "order-service", check=1)
    assert "stage failed: order-service: test: exited with 3" in proc.stderr
    assert "test_version: FAILED (broken build)" in proc.stderr
    svc = report["services"][0]
    assert svc["status"] == "failed"
    assert [(s["name"], s["status"]) for s in svc["stages"]] == [("build", "ok"), ("test", "failed"), ("package", "not_run")]
    assert svc["stages"][1]["exit_code"] == 3
    assert svc["release"] is None
    assert current_release(ws, "order-service") == good
    assert len(list((ws / ".ftgo" / "releases" / "order-service").iterdir())) == 2  # the good one and `current`
    history = json.loads(ftgo("-C", ws, "history", "order-service", "--json", check=0).stdout)
    assert [d["outcome"] for d in history["deployments"]] == ["deployed", "failed"]


def test_a_failing_first_deploy_leaves_no_release(tmp_path):
    ws = make_workspace(tmp_path)
    set_version(ws, "order-service", "broken")
    ftgo("-C", ws, "deploy", "order-service", check=1)
    assert current_release(ws, "order-service") is None


def test_a_second_deploy_with_no_change_hits_the_cache_for_every_stage(tmp_path):
    ws = make_workspace(tmp_path)
    first, _ = deploy_json(ws, "order-service")
    second, proc = deploy_json(ws, "order-service")
    stages = second["services"][0]["stages"]
    assert [s["name"] for s in stages] == ["build", "test", "package"]
    assert all(s["cached"] and s["status"] == "cached" for s in stages), stages
    assert second["services"][0]["release"] == first["services"][0]["release"]
    assert marker_lines(ws, "order-service") == 1
    assert "build (1/3): cached" in proc.stderr
    # A changed input runs build again; --no-cache runs everything.
    set_version(ws, "order-service", "v2")
    third, _ = deploy_json(ws, "order-service")
    assert not third["services"][0]["stages"][0]["cached"]
    assert marker_lines(ws, "order-service") == 2
    fourth, _ = deploy_json(ws, "order-service", "--no-cache")
    assert not any(s["cached"] for s in fourth["services"][0]["stages"][:2])
    assert marker_lines(ws, "order-service") == 3


def test_stages_runs_only_those_stages_and_deploys_nothing(tmp_path):
    ws = make_workspace(tmp_path)
    report, _ = deploy_json(ws, "order-service", "--stages", "build,test")
    svc = report["services"][0]
    assert svc["status"] == "built"
    assert [s["name"] for s in svc["stages"]] == ["build", "test"]
    assert not (ws / ".ftgo" / "releases").exists()
    assert not (ws / ".ftgo" / "deployments" / "order-service.jsonl").exists()
    proc = ftgo("-C", ws, "deploy", "order-service", "--stages", "tset", check=2)
    assert "unknown stage" in proc.stderr and "did you mean 'test'" in proc.stderr


def test_json_report_is_valid_and_complete(tmp_path):
    ws = make_workspace(tmp_path, services=("order-service", "kitchen-service"))
    report, proc = deploy_json(ws, "order-service", "kitchen-service")
    assert report["ok"] is True
    assert [s["service"] for s in report["services"]] == ["order-service", "kitchen-service"]
    for svc in report["services"]:
        assert {"service", "status", "release", "commit", "number", "duration_ms", "stages"} <= set(svc)
        assert svc["number"] == 1
        for stage in svc["stages"]:
            assert STAGE_KEYS <= set(stage), stage
            assert isinstance(stage["duration_ms"], int)
        assert svc["stages"][0]["exit_code"] == 0
        assert svc["stages"][2]["exit_code"] is None  # package runs no command
    # The stages' own output went to stderr: stdout is only the report.
    assert "tests passed" in proc.stderr and "tests passed" not in proc.stdout


def test_a_bad_pipeline_yaml_is_reported_with_file_line_col(tmp_path):
    ws = make_workspace(tmp_path)
    (ws / "services/order-service/pipeline.yaml").write_text(
        "stages:\n  - name: build\n    runn: make\n")
    proc = ftgo("-C", ws, "deploy", "order-service", check=2)
    assert re.search(r"pipeline\.yaml:3:\d+", proc.stderr), proc.stderr
    assert not (ws / ".ftgo" / "releases").exists()


def test_unknown_service_is_a_usage_error_with_a_suggestion(tmp_path):
    ws = make_workspace(tmp_path)
    proc = ftgo("-C", ws, "deploy", "order-servce", check=2)
    assert "did you mean 'order-service'" in proc.stderr
    ftgo("-C", ws, "deploy", check=2)


def test_changed_picks_exactly_the_changed_service_repositories(tmp_path):
    ws = make_workspace(tmp_path, services=("order-service", "kitchen-service", "accounting-service"), own_repos=True)
    deploy_json(ws, "order-service", "kitchen-service", "accounting-service")
    # Nothing changed since each one's last deployed commit.
    report, proc = deploy_json(ws, "--changed")
    assert report["services"] == []
    assert "no service changed" in proc.stderr
    # A commit in order-service, an uncommitted edit in kitchen-service.
    set_version(ws, "order-service", "v2")
    git(ws / "services/order-service", "commit", "-qam", "v2")
    set_version(ws, "kitchen-service", "v2")
    report, proc = deploy_json(ws, "--changed")
    assert sorted(s["service"] for s in report["services"]) == ["kitchen-service", "order-service"]
    assert "src/version.txt" in report["services"][0]["reason"]
    assert [s["service"] for s in report["skipped"]] == ["accounting-service"]
    assert "unchanged since the last deployed commit" in report["skipped"][0]["reason"]
    # --since compares with an explicit ref.
    report, _ = deploy_json(ws, "order-service", "accounting-service", "--changed", "--since", "HEAD")
    assert report["services"] == []
    proc = ftgo("-C", ws, "deploy", "--changed", "--since", "no-such-ref", check=2)
    assert "unknown revision" in proc.stderr


def test_changed_in_a_monorepo_uses_each_service_directory(tmp_path):
    ws = make_workspace(tmp_path, services=("order-service", "kitchen-service"), monorepo=True)
    set_version(ws, "kitchen-service", "v2")
    git(ws, "commit", "-qam", "kitchen v2")
    report, _ = deploy_json(ws, "--changed", "--since", "HEAD~1")
    assert [s["service"] for s in report["services"]] == ["kitchen-service"]
    assert "services/kitchen-service" in report["services"][0]["reason"]
    # A change outside every service selects none.
    (ws / "README.md").write_text("docs\n")
    git(ws, "add", "README.md")
    git(ws, "commit", "-qm", "docs")
    report, proc = deploy_json(ws, "--changed", "--since", "HEAD~1")
    assert report["services"] == []
    assert "no service changed" in proc.stderr


def _popen_deploy(ws, service, slow):
    env = dict(os.environ, SLOW=str(slow), NO_COLOR="1")
    return subprocess.Popen([FTGO_BIN, "-C", str(ws), "deploy", service, "--no-cache"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_same_service_twice_at_once_is_refused_naming_the_pid(tmp_path):
    ws = make_workspace(tmp_path)
    first = _popen_deploy(ws, "order-service", 3)
    try:
        lock = ws / ".ftgo" / "deployments" / "order-service.lock"
        deadline = time.time() + 20
        while not (lock.exists() and lock.read_text().strip()):
            assert time.time() < deadline and first.poll() is None, "the first deploy never held its lock"
            time.sleep(0.05)
        proc = ftgo("-C", ws, "deploy", "order-service", check=1)
        assert f"pid {first.pid}" in proc.stderr, proc.stderr
        assert first.wait(30) == 0
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert marker_lines(ws, "order-service") == 1


def test_two_services_deploy_concurrently(tmp_path):
    ws = make_workspace(tmp_path, services=("order-service", "kitchen-service"))
    procs = [_popen_deploy(ws, s, 1) for s in ("order-service", "kitchen-service")]
    try:
        codes = [p.wait(30) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert codes == [0, 0], [p.stderr.read() for p in procs]
    assert current_release(ws, "order-service") and current_release(ws, "kitchen-service")


def test_history_and_rollback_restore_an_earlier_release_without_building(tmp_path):
    ws = make_workspace(tmp_path)
    one, _ = deploy_json(ws, "order-service")
    set_version(ws, "order-service", "v2")
    two, _ = deploy_json(ws, "order-service")
    r1, r2 = one["services"][0]["release"], two["services"][0]["release"]
    assert r1 != r2 and current_release(ws, "order-service") == r2
    marker = ws / "services/order-service/build.marker"
    before = (marker.read_text(), marker.stat().st_mtime_ns)

    proc = ftgo("-C", ws, "rollback", "order-service", check=0)
    assert "no rebuild" in proc.stdout
    assert current_release(ws, "order-service") == r1
    assert (marker.read_text(), marker.stat().st_mtime_ns) == before

    history = json.loads(ftgo("-C", ws, "history", "order-service", "--json", check=0).stdout)
    assert history["current"] == r1
    entries = history["deployments"]
    assert [e["number"] for e in entries] == [1, 2, 3]
    assert entries[2]["kind"] == "rollback" and entries[2]["rollback_to"] == 1
    assert entries[2]["release"] == r1 and entries[2]["stages"] == []
    assert all({"number", "release", "commit", "stages", "outcome", "time"} <= set(e) for e in entries)

    ftgo("-C", ws, "rollback", "order-service", "--to", "2", check=0)
    assert current_release(ws, "order-service") == r2
    text = ftgo("-C", ws, "history", "order-service", check=0).stdout
    assert "rollback #2" in text and r2 + "*" in text
    assert "no such deployment" in ftgo("-C", ws, "rollback", "order-service", "--to", "9", check=2).stderr
    assert (marker.read_text(), marker.stat().st_mtime_ns) == before


def test_rollback_with_no_earlier_release_fails(tmp_path):
    ws = make_workspace(tmp_path)
    deploy_json(ws, "order-service")
    proc = ftgo("-C", ws, "rollback", "order-service", check=1)
    assert "nothing to roll back to" in proc.stderr


def test_commit_is_recorded_from_the_service_repository(tmp_path):
    ws = make_workspace(tmp_path, own_repos=True)
    head = git(ws / "services/order-service", "rev-parse", "HEAD")
    report, _ = deploy_json(ws, "order-service")
    assert report["services"][0]["commit"] == head


def test_a_live_progress_line_is_drawn_on_a_terminal_only(tmp_path):
    import pty
    ws = make_workspace(tmp_path)
    env = dict(os.environ, SLOW="1", NO_COLOR="1")
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(FTGO_BIN, [FTGO_BIN, "-C", str(ws), "deploy", "order-service"], env)
    output = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, output
    text = output.decode()
    assert re.search(r"\r\x1b\[Kstage 1/3 build, \d+\.\ds", text), text
    assert "==> order-service: build (1/3)" in text
    # Without a terminal: no progress line at all.
    proc = ftgo("-C", ws, "deploy", "order-service", "--no-cache", env={"SLOW": "1"}, check=0)
    assert "\r" not in proc.stdout and "stage 1/3" not in proc.stdout


def test_a_deploy_of_uncommitted_changes_is_marked_dirty(tmp_path):
    ws = make_workspace(tmp_path, own_repos=True)
    svc = ws / "services/order-service"
    report, _ = deploy_json(ws, "order-service")
    assert report["services"][0]["dirty"] is False
    set_version(ws, "order-service", "v2")  # a tracked file, not committed
    (svc / "notes.txt").write_text("untracked files do not count\n")
    report, _ = deploy_json(ws, "order-service")
    assert report["services"][0]["dirty"] is True
    assert report["services"][0]["commit"] == git(svc, "rev-parse", "HEAD")
    git(svc, "commit", "-qam", "v2")
    set_version(ws, "order-service", "v2")  # unchanged content: clean again
    report, _ = deploy_json(ws, "order-service")
    assert report["services"][0]["dirty"] is False

    history = json.loads(ftgo("-C", ws, "history", "order-service", "--json", check=0).stdout)
    assert [d["dirty"] for d in history["deployments"]] == [False, True, False]
    rows = ftgo("-C", ws, "history", "order-service", check=0).stdout.splitlines()
    short = [line.split()[5] for line in rows[1:4]]
    assert [s.endswith("+") for s in short] == [False, True, False]
    assert "+ built with uncommitted changes" in rows[-1]
    ok_rollback = ftgo("-C", ws, "rollback", "order-service", "--to", "2", check=0)
    assert ok_rollback.returncode == 0, ok_rollback.stderr
    history = json.loads(ftgo("-C", ws, "history", "order-service", "--json", check=0).stdout)
    assert history["deployments"][-1]["dirty"] is True  # the release it went back to was built dirty
