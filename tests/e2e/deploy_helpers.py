"""Workspaces for the deploy suites: copies of tests/e2e/fixtures/deploy/service."""
import json
import os
import shutil
import subprocess
from pathlib import Path

from conftest import ftgo

FIXTURES = Path(__file__).parent / "fixtures" / "deploy"


def git(cwd, *args):
    return subprocess.run(["git", "-c", "user.name=ftgo-test", "-c", "user.email=test@ftgo.invalid",
                           "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                          cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def make_workspace(root, services=("order-service",), kafka=None, own_repos=False, monorepo=False):
    """A workspace at `root` with one fixture copy per service.

    own_repos: each service directory is its own git repository (one commit).
    monorepo: the workspace root is one git repository (one commit).
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    kafka = kafka or {"mode": "external", "bootstrap": "127.0.0.1:9"}
    lines = ["name: deploy-test", "kafka: " + json.dumps(kafka), "services:"]
    for name in services:
        d = root / "services" / name
        shutil.copytree(FIXTURES / "service", d)
        svc_yaml = d / "service.yaml"
        svc_yaml.write_text(svc_yaml.read_text().replace("SERVICE_NAME", name))
        lines.append(f"  {name}: {{path: services/{name}}}")
        if own_repos:
            git(d, "init", "-q")
            git(d, "add", "-A")
            git(d, "commit", "-qm", "initial")
    (root / "ftgo.yaml").write_text("\n".join(lines) + "\n")
    if monorepo:
        (root / ".gitignore").write_text(".ftgo/\n")
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "initial")
    return root


def deploy_json(ws, *args, check=0, env=None):
    """Runs `ftgo deploy ... --json` and returns the parsed report."""
    proc = ftgo("-C", ws, "deploy", *args, "--json", env=env, check=check)
    return json.loads(proc.stdout), proc


def current_release(ws, service):
    link = Path(ws) / ".ftgo" / "releases" / service / "current"
    return os.readlink(link) if link.is_symlink() else None


def marker_lines(ws, service):
    m = Path(ws) / "services" / service / "build.marker"
    return m.read_text().count("\n") if m.exists() else 0


def set_version(ws, service, text):
    (Path(ws) / "services" / service / "src" / "version.txt").write_text(text + "\n")
