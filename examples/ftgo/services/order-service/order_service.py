"""order-service: creates orders and orchestrates the createOrder saga."""
import kit
import saga

store = kit.Store({"next_id": 1, "orders": {}})


def handle_reply(msg_type, key, value, headers):
    order_id = str(headers.get("correlation_id") or key)
    with store.lock:
        order = store.data["orders"].get(order_id)
        if order is None:
            kit.log(f"reply {msg_type} for unknown order {order_id}: ignored")
            return []
        before = order["state"], order["sagaStep"]
        messages = saga.on_reply(order, msg_type, value or {})
        if (order["state"], order["sagaStep"]) != before:
            store.save("orders", order_id)
            kit.log(f"order {order_id}: {msg_type} -> {order['state']} ({order['sagaStep']})")
        return messages


bus = kit.Bus([saga.REPLIES], handle_reply)


def post_order(parts, body):
    if len(parts) != 1:
        return 404, {"error": "POST /orders"}
    with store.lock:
        order_id = store.data["next_id"]
        order, messages = saga.create_order(order_id, body or {})
        store.data["next_id"] = order_id + 1
        store.data["orders"][str(order_id)] = order
        store.save("orders", str(order_id))
        store.save("next_id")
    bus.send(messages)
    kit.log(f"order {order_id}: created for consumer {order['consumerId']}, total {order['orderTotal']}")
    return 201, {"orderId": order_id, "state": order["state"]}


def get_order(parts, _):
    with store.lock:
        if len(parts) == 1:
            return 200, sorted(store.data["orders"].values(), key=lambda o: o["id"])
        order = store.data["orders"].get(parts[1])
        return (200, order) if order else (404, {"error": f"order {parts[1]} not found"})


if __name__ == "__main__":
    bus.start()
    kit.serve({("POST", "orders"): post_order, ("GET", "orders"): get_order}, on_stop=bus.stop)
