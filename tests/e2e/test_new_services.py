"""Each built-in template, end to end: generate a service, deploy it with
`ftgo deploy` (its pipeline's build, test and package stages, making a
release under .ftgo/releases/), then run the release (a copy of the package
artifacts, elsewhere than the service's directory) against a Kafka broker:
/health answers 200, an event published to its subscribed topic gets the
reply on its first published topic, and SIGTERM stops it with exit 0.
Last, all three run together under `ftgo run -d` with its embedded broker:
healthy in `ftgo ps`, replying to `ftgo publish`, read back with `ftgo tail`.

The broker is `ftgo broker`; the services' clients are librdkafka (C++),
confluent-kafka (Python) and kafkajs."""
import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest
from confluent_kafka import Consumer, Producer

from conftest import Broker, free_port, ftgo

TEMPLATES = ["cpp-service", "python-service", "node-service"]


@pytest.fixture(scope="module")
def kafka(tmp_path_factory):
    broker = Broker(tmp_path_factory.mktemp("kafka") / "data").start()
    yield broker.bootstrap
    broker.stop()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("ws")
    (ws / "ftgo.yaml").write_text(f"name: e2e\nkafka: {{port: {free_port()}}}\nservices: {{}}\n")
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
    r = ftgo("--json", "-C", workspace, "deploy", name, timeout=900)
    assert r.returncode == 0, f"{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    report = json.loads(r.stdout)["services"][0]
    assert report["status"] in ("released", "deployed")
    assert [st["name"] for st in report["stages"]] == ["build", "test", "package"]
    release_dir = workspace / ".ftgo" / "releases" / name / "current"
    for artifact in stage_field(service_dir, "package", "artifacts"):
        assert (release_dir / artifact).exists(), artifact

    port = free_port()
    # exec: the signal goes to the service itself, not to a shell around it.
    proc = subprocess.Popen("exec " + service_run(release_dir), shell=True, cwd=release_dir, stdout=subprocess.PIPE,
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


def ps_services(workspace):
    r = ftgo("--json", "-C", workspace, "ps")
    if r.returncode != 0:
        return {}
    doc = json.loads(r.stdout)
    services = doc["services"] if isinstance(doc, dict) else doc
    return {s["name"]: s for s in services}


def test_the_services_run_under_ftgo_run_and_reply(workspace):
    """After the deploys above: `ftgo run -d` with the embedded broker starts all
    three from their releases; each turns healthy; an event published with
    `ftgo publish` gets its reply, read back with `ftgo tail`; `ftgo down`."""
    names = {t: t.replace("-service", "") + "-e2e" for t in TEMPLATES}
    ftgo("-C", workspace, "run", "-d", timeout=900, check=0)
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            services = ps_services(workspace)
            if all("healthy" == services.get(n, {}).get("health") for n in names.values()):
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"not all healthy: {ps_services(workspace)}")
        for template, name in names.items():
            ftgo("-C", workspace, "publish", f"{template}-in", '{"orderId":8}', "-k", "order-8",
                 "-H", "type=OrderCreated", check=0)
            r = ftgo("-C", workspace, "tail", f"{template}-out", "--wait", "--from", "beginning", "-n", "1", "-o", "json",
                     timeout=120, check=0)
            event = json.loads(r.stdout.splitlines()[0])
            pascal = "".join(w.capitalize() for w in name.split("-"))
            assert event["key"] == "order-8"
            assert event["headers"]["type"] == f"{pascal}Processed"
            assert json.loads(event["value"]) == {"type": f"{pascal}Processed", "source": {"orderId": 8}}
    finally:
        ftgo("-C", workspace, "down", timeout=120)
