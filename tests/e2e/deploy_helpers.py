"""Workspaces for the deploy suites: copies of tests/e2e/fixtures/deploy/service."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ftgo

FIXTURES = Path(__file__).parent / "fixtures" / "deploy"


def git(cwd, *args):
    return subprocess.run(["git", "-c", "user.name=ftgo-test", "-c", "user.email=test@ftgo.invalid",
                           "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                          cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def make_workspace(root, services=("order-service",), kafka=None, own_repos=False, monorepo=False, fixtures=None):
    """A workspace at `root` with one fixture copy per service
    (fixtures/deploy/service, or fixtures[name] for that service).

    own_repos: each service directory is its own git repository (one commit).
    monorepo: the workspace root is one git repository (one commit).
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    kafka = kafka or {"mode": "external", "bootstrap": "127.0.0.1:9"}
    lines = ["name: deploy-test", "kafka: " + json.dumps(kafka), "services:"]
    for name in services:
        d = root / "services" / name
        shutil.copytree(FIXTURES / (fixtures or {}).get(name, "service"), d)
        svc_yaml = d / "service.yaml"
        svc_yaml.write_text(svc_yaml.read_text().replace("SERVICE_NAME", name).replace("PYTHON", sys.executable))
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


class Run:
    """A foreground `ftgo run` in `ws`, its output in a file; stop() always cleans up."""

    def __init__(self, ws, *args):
        import subprocess as sp
        from conftest import FTGO_BIN
        self.ws = Path(ws)
        self.log_path = self.ws / "run-output.txt"
        self.log = open(self.log_path, "w")
        env = dict(os.environ, NO_COLOR="1")
        env.pop("FTGO_BROKERS", None)
        self.proc = sp.Popen([FTGO_BIN, "-C", str(ws), "run", *args], stdout=self.log, stderr=sp.STDOUT, env=env,
                             start_new_session=True)

    def output(self):
        return self.log_path.read_text()

    def ps(self):
        proc = ftgo("-C", self.ws, "ps", "--json", check=0)
        return {s["name"]: s for s in json.loads(proc.stdout)["services"]}

    def wait_healthy(self, names, timeout=30):
        import time
        deadline = time.time() + timeout
        services = {}
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"ftgo run exited {self.proc.returncode}:\n{self.output()}")
            proc = ftgo("-C", self.ws, "ps", "--json")
            if proc.returncode == 0:
                doc = json.loads(proc.stdout)
                services = {s["name"]: s for s in doc.get("services", [])}
                if all(services.get(n, {}).get("health") == "healthy" for n in names):
                    return services
            time.sleep(0.2)
        raise AssertionError(f"not healthy in {timeout}s: {services}\n{self.output()}")

    def stop(self):
        import signal
        import subprocess as sp
        if self.proc.poll() is None:
            try:
                ftgo("-C", self.ws, "down", timeout=30)
                self.proc.wait(20)
            except sp.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            # Last resort: the run and the services it started (each in its own group).
            for pid in _descendants(self.proc.pid) + [self.proc.pid]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait()
        self.log.close()


def http_get(port, path):
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return r.read().decode()


def _descendants(pid):
    """Every process below pid, from /proc (children first listed last)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out
