"""The FTGO example end to end, with the real binaries: the createOrder saga's
three paths, a deploy of kitchen-service and of accounting-service under
load, a kill -9 of accounting-service mid-saga, and state kept across
`ftgo down` / `ftgo run`.

The tests share one running workspace (a copy of examples/ftgo with free
ports) and run in file order.
"""
import json
import os
import re
import shutil
import signal
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import free_port, ftgo

EXAMPLE = os.path.join(os.path.dirname(__file__), "../../examples/ftgo")
FINAL = {"APPROVED", "REJECTED"}


def http(method, url, body=None, timeout=5):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.load(r)


class Ftgo:
    def __init__(self, root, gateway_port):
        self.root = root
        self.gateway = f"http://127.0.0.1:{gateway_port}"

    def __call__(self, *args, check=0, timeout=300):
        return ftgo("-C", self.root, *args, check=check, timeout=timeout)

    def ps(self):
        return {s["name"]: s for s in json.loads(self("ps", "--json").stdout)["services"]}

    def place(self, consumer_id, quantity=1, price=10.0):
        body = {"consumerId": consumer_id, "restaurantId": 1,
                "lineItems": [{"menuItemId": "samosa", "quantity": quantity, "price": price}]}
        return http("POST", self.gateway + "/orders", body)["orderId"]

    def order(self, order_id):
        return http("GET", f"{self.gateway}/orders/{order_id}")

    def wait_final(self, ids, timeout=90):
        deadline = time.time() + timeout
        pending = set(ids)
        states = {}
        while pending and time.time() < deadline:
            for oid in list(pending):
                try:
                    o = self.order(oid)
                except OSError:
                    continue  # the gateway or a service is restarting
                if o["state"] in FINAL:
                    states[oid] = o
                    pending.discard(oid)
            time.sleep(0.2)
        assert not pending, f"orders still pending after {timeout}s: {sorted(pending)}"
        return states


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("ftgo") / "ftgo")
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".ftgo", "vendor", "node_modules", ".build-venv",
                                                                  "__pycache__"))
    kafka_port, gateway_port = free_port(), free_port()
    path = os.path.join(root, "ftgo.yaml")
    text = open(path).read().replace("port: 9092", f"port: {kafka_port}")
    open(path, "w").write(text)
    gw = os.path.join(root, "services/api-gateway/service.yaml")
    text = re.sub(r"(?m)^port: \d+", f"port: {gateway_port}", open(gw).read())
    open(gw, "w").write(text)
    f = Ftgo(root, gateway_port)
    try:
        f("run", "-d", timeout=900)
        yield f
    finally:
        ftgo("-C", root, "down", timeout=120)


def assert_saga(ws, order_id, expected):
    """The saga of `order_id` wrote exactly the events `expected` names, each no earlier than
    the one before it. Timestamps are in milliseconds, so an event and the reply it caused on
    another topic can share one: the order is checked as non-decreasing time along the
    expected chain, not by sorting, which would have to guess at ties."""
    out = ws("tail", "order-events", "create-order-saga-replies", "kitchen-service-commands",
             "--from", "beginning", "-e", "-o", "json").stdout
    events = [json.loads(line) for line in out.splitlines() if line.strip()]
    mine = {}
    for e in events:
        if e["key"] == str(order_id):
            assert e["headers"]["type"] not in mine, f"order {order_id}: {e['headers']['type']} twice"
            mine[e["headers"]["type"]] = e["timestamp"]
    assert sorted(mine) == sorted(expected), f"order {order_id}: events {sorted(mine)}"
    times = [mine[t] for t in expected]
    late = [(a, b) for a, b, ta, tb in zip(expected, expected[1:], times, times[1:]) if tb < ta]
    assert not late, f"order {order_id}: events before their cause: {late} ({dict(zip(expected, times))})"


def test_three_paths_reach_their_final_states(ws):
    approved = ws.place(1, 2, 12.5)
    rejected = ws.place(99)
    declined = ws.place(2, 1, 30.0)
    states = ws.wait_final([approved, rejected, declined])

    assert states[approved]["state"] == "APPROVED"
    assert states[approved]["ticket"]["state"] == "AWAITING_ACCEPTANCE"
    assert states[approved]["authorization"]["status"] == "AUTHORIZED"

    assert states[rejected]["state"] == "REJECTED"
    assert "99 not found" in states[rejected]["rejectionReason"]
    assert states[rejected]["ticket"] is None

    assert states[declined]["state"] == "REJECTED"
    assert states[declined]["ticket"]["state"] == "CANCELLED"
    assert states[declined]["authorization"]["status"] == "DECLINED"

    assert_saga(ws, approved, [
        "OrderCreated", "ConsumerVerified", "CreateTicket", "TicketCreated", "CardAuthorized",
        "ConfirmCreateTicket", "TicketConfirmed", "OrderApproved"])
    assert_saga(ws, rejected, ["OrderCreated", "ConsumerVerificationFailed", "OrderRejected"])
    assert_saga(ws, declined, [
        "OrderCreated", "ConsumerVerified", "CreateTicket", "TicketCreated", "CardAuthorizationFailed",
        "CancelCreateTicket", "TicketCancelled", "OrderRejected"])


def deploy_while_ordering(ws, service, source, comment, more):
    """A new release of `service` (a comment appended to `source`), deployed while orders of
    consumers 1 and 2 are placed every 50 ms for as long as more(ids, deploy) says.
    Returns `ftgo ps` from before and the order ids."""
    before = ws.ps()
    with open(os.path.join(ws.root, "services", service, source), "a") as f:
        f.write(f"\n{comment} release 2\n")
    with ThreadPoolExecutor(max_workers=2) as pool:
        deploy = pool.submit(ws, "deploy", service, timeout=600)
        ids = []
        while more(ids, deploy):
            ids.append(ws.place(1 + len(ids) % 2, 1, 5.0))
            time.sleep(0.05)
        deploy.result()
    return before, ids


def test_orders_placed_during_a_kitchen_deploy_all_complete_once(ws):
    before, ids = deploy_while_ordering(ws, "kitchen-service", "kitchen.py", "#", lambda ids, _: len(ids) < 50)
    states = ws.wait_final(ids, timeout=180)
    assert len(states) == 50
    for oid, o in states.items():
        expected = "APPROVED" if o["consumerId"] == 1 else "REJECTED"
        assert o["state"] == expected, o
    after = ws.ps()
    assert after["kitchen-service"]["pid"] != before["kitchen-service"]["pid"]
    for name in ("consumer-service", "accounting-service", "order-service", "api-gateway"):
        assert after[name]["pid"] == before[name]["pid"], name
    out = ws("tail", "order-events", "--from", "beginning", "-e", "-o", "json").stdout
    finals = [json.loads(l) for l in out.splitlines() if l.strip()]
    finals = [e["key"] for e in finals if e["headers"]["type"] in ("OrderApproved", "OrderRejected")]
    for oid in ids:
        assert finals.count(str(oid)) == 1, f"order {oid} finished {finals.count(str(oid))} times"


def test_orders_placed_during_an_accounting_deploy_keep_every_authorization(ws):
    # The Node kit's Store shared by the two instances of the swap (flock on state.lock).
    through_the_swap = lambda ids, deploy: (len(ids) < 30 or not deploy.done()) and len(ids) < 1000
    before, ids = deploy_while_ordering(ws, "accounting-service", "accounting.js", "//", through_the_swap)
    states = ws.wait_final(ids, timeout=180)
    after = ws.ps()["accounting-service"]
    assert after["pid"] != before["accounting-service"]["pid"]
    # What the old and the new instance wrote, read back from the new one (asked
    # directly: the gateway still has the old instance's port).
    authorizations = http("GET", f"http://127.0.0.1:{after['port']}/authorizations")
    status = {a["orderId"]: a["status"] for a in authorizations}
    for oid, o in states.items():
        approved = o["consumerId"] == 1
        assert o["state"] == ("APPROVED" if approved else "REJECTED"), o
        assert status.get(oid) == ("AUTHORIZED" if approved else "DECLINED"), (oid, status.get(oid))


def test_a_killed_accounting_service_is_restarted_and_sagas_complete(ws):
    pid = ws.ps()["accounting-service"]["pid"]
    ids = [ws.place(1, 1, 7.0) for _ in range(10)]
    os.kill(pid, signal.SIGKILL)
    ids += [ws.place(1, 1, 7.0) for _ in range(10)]
    states = ws.wait_final(ids, timeout=120)
    assert all(o["state"] == "APPROVED" for o in states.values())
    svc = ws.ps()["accounting-service"]
    assert svc["pid"] != pid
    assert svc["restarts"] >= 1


def test_orders_keep_their_states_across_down_and_run(ws):
    orders = http("GET", ws.gateway + "/orders")
    assert orders
    before = {o["id"]: o["state"] for o in orders}
    ws("down", timeout=120)
    ws("run", "-d", timeout=600)
    after = {o["id"]: o["state"] for o in http("GET", ws.gateway + "/orders")}
    assert after == before
