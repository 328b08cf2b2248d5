"""Each built-in template, end to end: generate a service, run its pipeline's
build and test stages, check its package artifacts exist, then run it against
a Kafka broker: /health answers 200, an event published to its subscribed
topic gets the reply on its first published topic, and SIGTERM stops it with
exit 0.

The broker is `ftgo broker` when it works, else a librdkafka mock cluster
(tests/data/scaffold/mock/mock_kafka.c, compiled here)."""
import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest
from confluent_kafka import Consumer, Producer

from conftest import Broker, free_port, ftgo

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
TEMPLATES = ["cpp-service", "python-service", "node-service"]


class MockKafka:
    """A librdkafka mock cluster in a child process; stops when its stdin closes."""

    def __init__(self, workdir, topics):
        exe = os.path.join(workdir, "mock_kafka")
        subprocess.run(["cc", "-o", exe, os.path.join(ROOT, "tests/data/scaffold/mock/mock_kafka.c"), "-lrdkafka"],
                       check=True)
        self.proc = subprocess.Popen([exe, *topics], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.bootstrap = self.proc.stdout.readline().strip()
        assert self.bootstrap, "mock cluster did not start"

    def stop(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def kafka(tmp_path_factory):
    topics = [f"{t}-{d}" for t in TEMPLATES for d in ("in", "out")]
    workdir = tmp_path_factory.mktemp("kafka")
    try:
        broker = Broker(workdir / "data").start()
    except Exception:  # `ftgo broker` not available: the librdkafka mock
        broker = MockKafka(str(workdir), topics)
    yield broker.bootstrap
    broker.stop()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("ws")
    (ws / "ftgo.yaml").write_text("name: e2e\nservices: {}\n")
    return ws


def stage_field(service_dir, stage, key):
    """`key` of stage `stage` in pipeline.yaml. A small reader for the layout the
    built-in templates use (`- name: X` then `key: value`, a `>-` folded value,
    or a `[a, b]` list), so the test needs no YAML library."""
    lines = (service_dir / "pipeline.yaml").read_text().splitlines()
    start = lines.index(f"  - name: {stage}")
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.startswith("  - ") or not line.startswith("    "):
            break
        if line.strip().startswith(f"{key}:"):
            value = line.split(":", 1)[1].strip()
            if value == ">-":
                folded = []
                for cont in lines[i + 1:]:
                    if not cont.startswith("      "):
                        break
                    folded.append(cont.strip())
                return " ".join(folded)
            if value.startswith("["):
                return [v.strip() for v in value.strip("[]").split(",")]
            return value
    raise AssertionError(f"no {key} in stage {stage}")


def service_run(service_dir):
    for line in (service_dir / "service.yaml").read_text().splitlines():
        if line.startswith("run: "):
            return line[len("run: "):]
    raise AssertionError("no run in service.yaml")


def run_stage(service_dir, name):
    r = subprocess.run(stage_field(service_dir, name, "run"), shell=True, cwd=service_dir, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{name} failed:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r


def wait_healthy(port, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, f"service exited with {proc.returncode}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as resp:
                return resp.status
        except OSError:
            time.sleep(0.2)
    raise AssertionError("service never became healthy")


def read_reply(bootstrap, topic, key, timeout=60):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"e2e-check-{topic}",
                         "auto.offset.reset": "earliest"})
    try:
        consumer.subscribe([topic])
        deadline = time.time() + timeout
        while time.time() < deadline:
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            if msg.key() == key:
                return msg
        raise AssertionError(f"no reply with key {key!r} on {topic}")
    finally:
        consumer.close()


@pytest.mark.parametrize("template", TEMPLATES)
def test_generated_service_builds_tests_and_replies(template, kafka, workspace):
    name = template.replace("-service", "") + "-e2e"
    ftgo("new", name, "-t", template, "--set", f"subscribes={template}-in", "--set",
         f"publishes={template}-out,other", cwd=workspace, check=0)
    service_dir = workspace / "services" / name
    run_stage(service_dir, "build")
    run_stage(service_dir, "test")
    for artifact in stage_field(service_dir, "package", "artifacts"):
        assert (service_dir / artifact).exists(), artifact

    port = free_port()
    # exec: the signal goes to the service itself, not to a shell around it.
    proc = subprocess.Popen("exec " + service_run(service_dir), shell=True, cwd=service_dir, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env={**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka, "PORT": str(port)})
    try:
        assert wait_healthy(port, proc) == 200
        producer = Producer({"bootstrap.servers": kafka})
        producer.produce(f"{template}-in", key=b"order-7", value=b'{"orderId":7}',
                         headers=[("type", b"OrderCreated"), ("trace", b"t-1")])
        assert producer.flush(10) == 0
        reply = read_reply(kafka, f"{template}-out", b"order-7")
        pascal = "".join(w.capitalize() for w in name.split("-"))
        assert json.loads(reply.value()) == {"type": f"{pascal}Processed", "source": {"orderId": 7}}
        assert dict(reply.headers()) == {"trace": b"t-1", "type": f"{pascal}Processed".encode()}
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0, out
        assert "stopping" in out
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
