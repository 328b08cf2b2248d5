"""ftgo deploy / rollback into a running `ftgo run`: the blue-green swap,
health-gated rollback, other services untouched, and `ftgo run` building a
service that has no release yet."""
import json

import pytest

from conftest import free_port, ftgo
from deploy_helpers import Run, current_release, deploy_json, http_get, make_workspace, marker_lines, set_version

SERVICES = ("order-service", "kitchen-service", "accounting-service")


def embedded():
    return {"mode": "embedded", "port": free_port(), "data": ".ftgo/kafka"}


@pytest.fixture
def running(tmp_path):
    ws = make_workspace(tmp_path / "ws", services=SERVICES, kafka=embedded())
    deploy_json(ws, *SERVICES)
    run = Run(ws)
    try:
        run.wait_healthy(SERVICES)
        yield ws, run
    finally:
        run.stop()


def test_deploying_one_service_leaves_the_others_untouched(running):
    ws, run = running
    before = run.ps()
    set_version(ws, "order-service", "v2")
    report, _ = deploy_json(ws, "order-service")
    svc = report["services"][0]
    assert svc["status"] == "deployed", svc
    after = run.wait_healthy(SERVICES)
    assert after["order-service"]["pid"] == svc["pid"] != before["order-service"]["pid"]
    for other in ("kitchen-service", "accounting-service"):
        assert after[other]["pid"] == before[other]["pid"]
    assert http_get(after["order-service"]["port"], "/version") == "v2"
    assert current_release(ws, "order-service") == svc["release"]
    entry = json.loads(ftgo("-C", ws, "history", "order-service", "--json", check=0).stdout)["deployments"][-1]
    assert entry["outcome"] == "deployed" and entry["live"] is True


def test_an_unhealthy_release_is_rolled_back_and_the_old_one_keeps_serving(running):
    ws, run = running
    before = run.ps()["order-service"]
    old_release = current_release(ws, "order-service")
    set_version(ws, "order-service", "unhealthy")
    report, proc = deploy_json(ws, "order-service", check=1)
    svc = report["services"][0]
    assert svc["status"] == "rolled_back", svc
    assert "healthy" in proc.stderr
    after = run.wait_healthy(SERVICES)["order-service"]
    assert after["pid"] == before["pid"]
    assert http_get(after["port"], "/version") == "v1"
    assert current_release(ws, "order-service") == old_release
    entry = json.loads(ftgo("-C", ws, "history", "order-service", "--json", check=0).stdout)["deployments"][-1]
    assert entry["outcome"] == "rolled_back"


def test_rollback_swaps_the_previous_release_back_in_without_building(running):
    ws, run = running
    set_version(ws, "order-service", "v2")
    deploy_json(ws, "order-service")
    builds = marker_lines(ws, "order-service")
    ftgo("-C", ws, "rollback", "order-service", check=0)
    after = run.wait_healthy(SERVICES)["order-service"]
    assert http_get(after["port"], "/version") == "v1"
    assert marker_lines(ws, "order-service") == builds


def test_run_builds_a_service_that_has_no_release_yet(tmp_path):
    ws = make_workspace(tmp_path / "ws", services=("order-service",), kafka=embedded())
    run = Run(ws)
    try:
        services = run.wait_healthy(["order-service"])
        assert http_get(services["order-service"]["port"], "/version") == "v1"
        release = current_release(ws, "order-service")
        assert release
        entries = json.loads(ftgo("-C", ws, "history", "order-service", "--json", check=0).stdout)["deployments"]
        assert [(e["kind"], e["outcome"], e["release"]) for e in entries] == [("run", "deployed", release)]
    finally:
        run.stop()


def test_events_produced_during_a_deploy_are_all_consumed(tmp_path):
    import threading
    import time

    from confluent_kafka import Producer

    port = free_port()
    kafka = {"mode": "embedded", "port": port, "data": ".ftgo/kafka",
             "topics": [{"name": "deploy-events", "partitions": 3}]}
    ws = make_workspace(tmp_path / "ws", services=("consumer-service",), kafka=kafka,
                        fixtures={"consumer-service": "consumer"})
    run = Run(ws)
    stop = threading.Event()
    produced = []
    try:
        run.wait_healthy(["consumer-service"], timeout=60)
        producer = Producer({"bootstrap.servers": f"127.0.0.1:{port}", "linger.ms": 0})

        def produce():
            i = 0
            while not stop.is_set():
                value = f"{i}:{int(time.time() * 1000)}"
                producer.produce("deploy-events", key=str(i), value=value)
                producer.poll(0)
                produced.append(value)
                i += 1
                time.sleep(0.01)
            assert producer.flush(30) == 0

        thread = threading.Thread(target=produce)
        thread.start()
        time.sleep(1)
        set_version(ws, "consumer-service", "v2")
        report, _ = deploy_json(ws, "consumer-service")
        assert report["services"][0]["status"] == "deployed"
        time.sleep(1)
        stop.set()
        thread.join(60)
        consumed_file = ws / "consumed.txt"
        deadline = time.time() + 60
        values = set()
        while time.time() < deadline:
            lines = consumed_file.read_text().splitlines() if consumed_file.exists() else []
            values = {line.split()[1] for line in lines}
            if values >= set(produced):
                break
            time.sleep(0.2)
        missing = sorted(set(produced) - values, key=lambda v: int(v.split(":")[0]))
        assert not missing, f"{len(missing)} of {len(produced)} events never consumed, e.g. {missing[:5]}"
        versions = {line.split()[0] for line in lines}
        assert versions == {"v1", "v2"}  # both instances consumed a part of the stream
    finally:
        stop.set()
        run.stop()
