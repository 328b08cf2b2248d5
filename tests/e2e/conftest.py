"""Shared fixtures for the end-to-end suites: they run the built ftgo binary.

FTGO_BIN names the binary (CTest sets it). Every test gets its own temporary
directory and its own free ports, so suites can run in parallel.
"""
import os
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

FTGO_BIN = os.environ.get("FTGO_BIN", os.path.join(os.path.dirname(__file__), "../../build/ftgo"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ftgo(*args, cwd=None, input=None, timeout=60, env=None, check=None):
    """Runs ftgo with args; returns the CompletedProcess (text mode)."""
    full_env = dict(os.environ)
    full_env.pop("FTGO_BROKERS", None)
    full_env["NO_COLOR"] = "1"
    if env:
        full_env.update(env)
    proc = subprocess.run([FTGO_BIN, *map(str, args)], cwd=cwd, input=input, capture_output=True,
                          text=True, timeout=timeout, env=full_env)
    if check is not None:
        assert proc.returncode == check, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


class Broker:
    """A running `ftgo broker` on a free loopback port with its own data dir.

    Without a port it listens on port 0 and the port comes from its ready line: a port
    picked by free_port() could be taken by another suite before the broker binds it."""

    def __init__(self, data_dir, port=None, extra_args=()):
        self.port = port or 0
        self.data_dir = str(data_dir)
        self.extra_args = list(extra_args)
        self.proc = None

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def start(self, timeout=10):
        self.proc = subprocess.Popen(
            [FTGO_BIN, "broker", "--port", str(self.port), "--data", self.data_dir, *self.extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"broker exited with {self.proc.wait()}")
            if "ready on" in line:
                self.port = int(re.search(r"ready on [^ ]*:(\d+) ", line).group(1))
                # Keep reading what it logs: a full pipe would block the broker mid-write.
                self.lines = []
                self._drainer = threading.Thread(target=self._drain, daemon=True)
                self._drainer.start()
                return self
        raise RuntimeError("broker did not become ready")

    def _drain(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def output(self):
        """What the broker logged after its ready line (all of it once it has exited)."""
        if self.proc.poll() is not None:
            self._drainer.join(10)
        return "".join(self.lines)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path / "kafka").start()
    yield b
    b.stop()


def snapshot(root):
    """Every path under root with its bytes (None for directories)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = None
        for f in filenames:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out
